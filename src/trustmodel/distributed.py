"""Out-of-core and distributed data: ``tm.fit(model, ddf)`` with a dask DataFrame.

A listwise ML fit needs only N, the means and the covariance matrix; MLR and MLM add sums of
casewise-score cross products (:mod:`trustmodel.estimation.inference.casewise`). Both are
sums over rows, so each partition of the dask DataFrame is reduced where it lives (one task per
partition, the block kernels of :mod:`trustmodel.moments` and ``casewise``) and only p x p or
q x q arrays travel. The partial sums are added in partition order, so the numbers do not
depend on the number of workers and equal the in-memory fit (to rounding, 1e-10).

Runs on the active ``dask.distributed`` client if there is one, else on dask's default
scheduler. Not (yet) for dask input: ``missing="fiml"``, ``group=``, ``se="bootstrap"``
(they need the rows in memory; refused with an :class:`~trustmodel.OptionError`).

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
from .data import GroupStats, SampleStats, _check_moments
from .moments import (
    block_moments,
    combine,
    float_matrix,
    initial_shift,
    single_threaded_blas,
)
from ._warnings import warn


def is_dask_frame(obj) -> bool:
    """Whether ``obj`` is a dask DataFrame (checked without importing dask)."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr") and \
        hasattr(obj, "to_delayed") and hasattr(obj, "columns")


def _partition_rows(part: pd.DataFrame, names) -> np.ndarray:
    """Complete rows of one partition as a float array."""
    X = float_matrix(part, names)
    return X[~np.isnan(X).any(axis=1)] if np.isnan(X).any() else X


def _apply(part, names, kernel, args):
    with single_threaded_blas():
        return kernel(_partition_rows(part, names), *args)


def _moments_of(part, names, shift):
    X = float_matrix(part, names)
    n, s, C, bad = block_moments(X, shift)
    return n, s, C, 0 if bad is None else int(bad.sum())


class DaskRowSource:
    """The complete rows of a dask DataFrame, reduced partition by partition."""

    def __init__(self, ddf, names, nobs: int):
        self.ddf, self.names, self.nobs = ddf, list(names), int(nobs)

    def __len__(self) -> int:
        return self.nobs

    def reduce(self, kernel, *args):
        import dask
        parts = self.ddf.to_delayed()
        tasks = [dask.delayed(_apply)(p, self.names, kernel, args) for p in parts]
        results = dask.compute(*tasks)
        total = list(results[0])
        for part in results[1:]:          # partition order: same sums for any worker count
            total = [t + q for t, q in zip(total, part)]
        return tuple(total)


def check_dask_options(*, missing: str, group, se: str, bollen_stine: bool) -> None:
    """Refuse what the dask path does not do (yet), saying what to do instead."""
    culprit = ("missing='fiml'" if missing != "listwise" else "group=" if group is not None
               else "se='bootstrap'" if se == "bootstrap" else
               "bollen_stine=True" if bollen_stine else None)
    if culprit:
        raise OptionError(f"{culprit} is not available for a dask DataFrame (it needs the rows "
                          "in memory); call ddf.compute() first, or fit listwise ML/MLR/MLM.")


def sample_stats_from_dask(ddf, names, *, min_rows: int | None = None) -> SampleStats:
    """Listwise moments of the columns ``names`` of a dask DataFrame by one dask reduction."""
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
    parts = ddf.to_delayed()
    shift = initial_shift(float_matrix(parts[0].compute(), names))
    results = dask.compute(*[dask.delayed(_moments_of)(p, names, shift) for p in parts])
    n, mean, cov = combine([r[:3] for r in results], shift, len(names))
    dropped = sum(r[3] for r in results)
    need = max(min_rows or 0, 2)
    if n < need:
        raise DataError(f"Found {n} usable row(s) while a minimum of {need} is required for "
                        f"{len(names)} observed variables.")
    _check_moments(cov, list(names), "")
    notes = []
    if dropped:
        msg = (f"{dropped} row(s) with missing values were dropped (listwise deletion); {n} "
               "remain.")
        warn(msg, DataWarning)
        notes.append(msg)
    group = GroupStats(label=None, nobs=n, cov=cov, mean=mean, data=None,
                       source=DaskRowSource(ddf, names, n))
    return SampleStats(names=list(names), groups=[group], n_dropped=dropped, notes=notes)
