"""Out-of-core and distributed data: ``tm.fit(model, ddf)`` with a dask DataFrame.

A listwise ML fit needs only N, the means and the covariance matrix; MLR and MLM add sums of
casewise-score cross products (:mod:`trustmodel.estimation.inference.casewise`). Both are
sums over rows, so each partition of the dask DataFrame is reduced where it lives (one task per
partition, the block kernels of :mod:`trustmodel.moments` and ``casewise``) and only p x p or
q x q arrays travel. The partial sums are added in partition order, so the numbers do not
depend on the number of workers and equal the in-memory fit (to rounding, 1e-10).

With ``group=`` each partition is split by the group column and the sums are kept per
group (groups in order of first appearance, as for a pandas DataFrame). Under
``missing="fiml"`` each partition contributes per-pattern sums (counts, sums and cross
products of every missing-data pattern, :class:`~trustmodel.moments.PatternMoments`), merged
pattern by pattern: the FIML likelihood, its derivatives, the h1 (EM) model and the fit
measures need nothing else.

Runs on the active ``dask.distributed`` client if there is one, else on dask's default
scheduler. Refused for dask input (with an :class:`~trustmodel.OptionError` saying why):
``se="bootstrap"`` and ``bollen_stine=True`` (a bootstrap resamples rows: they must be in
one process's memory; call ``ddf.compute()`` when they fit) and FIML with ``estimator="MLR"``
(casewise scores of the rows).

Examples
--------
>>> import dask.dataframe as dd
>>> import trustmodel as tm
>>> hs = tm.datasets.load("holzinger_swineford")
>>> ddf = dd.from_pandas(hs, npartitions=3)
>>> model = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
>>> round(tm.fit(model, ddf, estimator="MLR").fit_measures["chisq_scaled"], 3)
87.132
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from ._errors import DataError, DataWarning, OptionError
from ._validation import did_you_mean
from .data import GroupStats, SampleStats, _check_coverage, _check_moments
from .moments import (
    PatternMoments,
    block_moments,
    combine,
    float_matrix,
    group_patterns,
    initial_shift,
    pattern_moments,
    single_threaded_blas,
)
from ._warnings import warn


def is_dask_frame(obj) -> bool:
    """Whether ``obj`` is a dask DataFrame (checked without importing dask)."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr") and \
        hasattr(obj, "to_delayed") and hasattr(obj, "columns")


def _partition_rows(part: pd.DataFrame, names, where=None) -> np.ndarray:
    """Complete rows of one partition (of one group: ``where = (column, label)``)."""
    if where is not None:
        part = part[(part[where[0]] == where[1]).to_numpy()]
    X = float_matrix(part, names)
    return X[~np.isnan(X).any(axis=1)] if np.isnan(X).any() else X


def _apply(part, names, kernel, args, where=None):
    with single_threaded_blas():
        return kernel(_partition_rows(part, names, where), *args)


class DaskRowSource:
    """The complete rows of a dask DataFrame (of one group), reduced partition by partition."""

    def __init__(self, ddf, names, nobs: int, where=None):
        self.ddf, self.names, self.nobs = ddf, list(names), int(nobs)
        self.where = where   # (group column, label) or None

    def __len__(self) -> int:
        return self.nobs

    def reduce(self, kernel, *args):
        import dask
        parts = self.ddf.to_delayed()
        tasks = [dask.delayed(_apply)(p, self.names, kernel, args, self.where)
                 for p in parts]
        results = dask.compute(*tasks)
        total = list(results[0])
        for part in results[1:]:          # partition order: same sums for any worker count
            total = [t + q for t, q in zip(total, part)]
        return tuple(total)


def check_dask_options(*, missing: str, group, se: str, bollen_stine: bool,
                       estimator: str = "ML") -> None:
    """Refuse what the dask path does not do, saying why and what to do instead."""
    if se == "bootstrap" or bollen_stine:
        what = "se='bootstrap'" if se == "bootstrap" else "bollen_stine=True"
        raise OptionError(f"{what} is not available for a dask DataFrame: a bootstrap "
                          "resamples rows, so it needs all rows in one process's memory. "
                          "If they fit, call ddf.compute() and fit the pandas DataFrame; else "
                          "use the robust (sandwich) SEs, estimator='MLR' or 'MLM'.")
    if missing != "listwise" and (estimator == "MLR" or se == "robust"):
        raise OptionError("missing='fiml' with estimator='MLR' (or se='robust') is not "
                          "available for a dask DataFrame: its casewise scores need the rows "
                          "in memory; call ddf.compute() first, or fit FIML with "
                          "estimator='ML'.")


def dask_ngroups(ddf, group: str) -> int:
    """The number of distinct values of the group column of a dask DataFrame."""
    if group not in [str(c) for c in ddf.columns]:
        raise DataError(f"group={group!r} is not a column of the dask DataFrame."
                        + did_you_mean([group], [str(c) for c in ddf.columns]))
    import dask
    labels = dask.compute(*[dask.delayed(_labels)(p, group) for p in ddf.to_delayed()])
    return len(set().union(*labels))   # one task per partition (no shuffle)


def _labels(part, group) -> set:
    return set(part[group].dropna().unique())


def _group_rows(part: pd.DataFrame, names, group):
    """(labels in order of appearance, {label: float rows}, rows with a missing label)."""
    X = float_matrix(part, names)
    if group is None:
        return [None], {None: X}, 0
    gcol = part[group]
    missing = int(gcol.isna().sum())
    labels = list(pd.unique(gcol.dropna()))
    return labels, {lab: X[(gcol == lab).to_numpy()] for lab in labels}, missing


def _partition_stats(part, names, group, shift, fiml: bool):
    """One partition's per-group sums: listwise ``(n, s, C, dropped)`` or, under FIML, the
    pattern sums ``(uniq, counts, sums, cross, empty rows)``."""
    labels, rows, gmiss = _group_rows(part, names, group)
    out = {}
    with single_threaded_blas():
        for lab in labels:
            X = rows[lab]
            if fiml:
                empty = np.isnan(X).all(axis=1)
                pm = pattern_moments(X[~empty], shift)
                out[lab] = (pm.uniq, pm.counts, pm.sums, pm.cross, int(empty.sum()))
            else:
                n, s, C, bad = block_moments(X, shift)
                out[lab] = (n, s, C, 0 if bad is None else int(bad.sum()))
    return labels, out, gmiss


def _merge_patterns(parts, shift) -> PatternMoments:
    """Pattern sums of several partitions added pattern by pattern (in partition order)."""
    uniq = np.concatenate([u for u, *_ in parts])
    counts = np.concatenate([c for _, c, *_ in parts])
    sums = np.concatenate([s for _, _, s, *_ in parts])
    cross = np.concatenate([x for *_, x in parts])
    u, _, order, starts, _ = group_patterns(uniq)
    return PatternMoments(uniq=u, counts=np.add.reduceat(counts[order], starts),
                          shift=shift, sums=np.add.reduceat(sums[order], starts, axis=0),
                          cross=np.add.reduceat(cross[order], starts, axis=0))


def sample_stats_from_dask(ddf, names, *, min_rows: int | None = None,
                           missing: str = "listwise", group: str | None = None) -> SampleStats:
    """Moments of the columns ``names`` of a dask DataFrame by one dask reduction.

    Listwise: per group the count, sum and cross product of the complete rows. FIML
    (``missing="fiml"``): per group and missing-data pattern the same sums
    (:class:`~trustmodel.moments.PatternMoments`); the FIML fit needs nothing else. With
    ``group=`` the groups are ordered by first appearance, as for a pandas DataFrame.
    """
    import dask
    cols = [str(c) for c in ddf.columns]
    absent = [n for n in names if n not in cols]
    if absent:
        raise DataError(f"Columns {', '.join(map(repr, absent))} named in the model are missing "
                        "from the dask DataFrame." + did_you_mean(absent, cols))
    for name in names:
        dtype = ddf.dtypes[name]
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise DataError(f"Column {name!r} is not numeric (dtype {dtype}); recode it as "
                            "numbers or drop it from the model.")
    fiml = missing != "listwise"
    parts = ddf.to_delayed()
    shift = initial_shift(float_matrix(parts[0].compute(), names))
    results = dask.compute(*[dask.delayed(_partition_stats)(p, names, group, shift, fiml)
                             for p in parts])
    gmiss = sum(r[2] for r in results)
    if gmiss:
        raise DataError(f"Group column {group!r} has {gmiss} missing value(s); drop or recode "
                        "those rows.")
    labels = list(dict.fromkeys(lab for r in results for lab in r[0]))  # first appearance
    need = max(min_rows or 0, 2)
    groups, dropped, notes = [], 0, []
    for lab in labels:
        mine = [r[1][lab] for r in results if lab in r[1]]
        where = "" if lab is None else f" in group {lab!r}"
        dropped += sum(t[-1] for t in mine)
        if fiml:
            pm = _merge_patterns([t[:4] for t in mine], shift)
            n = int(pm.counts.sum())
            n_var, mean, _ = pm.available()
            empty_cols = [v for v, k in zip(names, n_var) if k == 0]
            if empty_cols:
                raise DataError(f"Column{'s' if len(empty_cols) > 1 else ''} "
                                f"{', '.join(map(repr, empty_cols))}{where} hold no values.")
            n_pairs, cov = pm.pairwise()
            cov = cov * (n - 1) / n
            notes += _check_coverage(n_pairs / n, list(names), where)
        else:
            pm = None
            n, mean, cov = combine([t[:3] for t in mine], shift, len(names))
        if n < need:
            raise DataError(f"Found {n} usable row(s){where} while a minimum of {need} is "
                            f"required for {len(names)} observed variables.")
        _check_moments(cov, list(names), where, mean)
        source = None if fiml else DaskRowSource(ddf, names, n, None if lab is None
                                                 else (group, lab))
        groups.append(GroupStats(label=lab, nobs=n, cov=cov, mean=mean, data=None,
                                 source=source, patterns=pm))
    if dropped:
        msg = (f"{dropped} row(s) with no observed values at all were dropped." if fiml else
               f"{dropped} row(s) with missing values were dropped (listwise deletion); "
               f"{sum(g.nobs for g in groups)} remain.")
        warn(msg, DataWarning)
        notes.append(msg)
    return SampleStats(names=list(names), groups=groups, missing=missing, n_dropped=dropped,
                       group_var=group, notes=notes)
