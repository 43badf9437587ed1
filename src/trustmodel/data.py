"""Sample statistics: the columns a model needs, the missing-data policy, moments per group.

As lavaan, the covariance matrix used by ML divides by N (not N - 1); a covariance matrix given
by the user (``sample_cov=``) is taken as the unbiased one and rescaled by (N - 1) / N.
"""
from __future__ import annotations

from collections import Counter

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import DataError, DataWarning
from ._validation import did_you_mean
from .moments import complete_moments, float_matrix, pattern_moments
from ._warnings import warn


@dataclass(frozen=True)
class GroupStats:
    """Moments of one group: N-divisor covariance, means, the complete rows used."""

    label: object
    nobs: int
    cov: np.ndarray
    mean: np.ndarray
    data: np.ndarray | None = None   # raw rows (may hold NaN under FIML); None for moments input
    rows: np.ndarray | None = None   # index positions of these rows in the caller's frame
    source: object = None            # rows not in memory (a dask DataFrame's row source)
    patterns: object = None          # per-pattern statistics of ``data`` (FIML), or None

    def __post_init__(self):  # read-only: a result's moments cannot be changed afterwards
        for arr in (self.cov, self.mean, self.data, self.rows):
            if isinstance(arr, np.ndarray):
                arr.flags.writeable = False


@dataclass(frozen=True)
class SampleStats:
    """Sample moments per group, in the model's observed-variable order."""

    names: list
    groups: list
    missing: str = "listwise"
    n_dropped: int = 0
    group_var: str | None = None
    notes: list = field(default_factory=list)

    def __post_init__(self):  # read-only containers (the groups themselves are read-only)
        for name in ("names", "groups", "notes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def ngroups(self) -> int:
        return len(self.groups)

    @property
    def ntotal(self) -> int:
        return int(sum(g.nobs for g in self.groups))

    @classmethod
    def from_frame(cls, data, names, *, missing: str = "listwise", group: str | None = None,
                   min_rows: int | None = None) -> SampleStats:
        """Pick ``names`` from ``data`` (never modified), apply the missing policy, get moments."""
        values, position, scan = _model_columns(data, names, group, missing == "listwise")
        labels, gidx = _group_rows(data, group, position, len(values))
        groups, dropped, notes = [], 0, []
        for lab, idx in zip(labels, gidx):
            whole = group is None
            g, n_out, more = _group_stats(values if whole else values[idx], idx, lab, names,
                                          scan if whole else None, missing, min_rows, dropped)
            groups.append(g)
            dropped += n_out
            notes += more
        if dropped:
            msg = (f"{dropped} row(s) with missing values were dropped (listwise deletion); "
                   f"{sum(g.nobs for g in groups)} remain. Use missing='fiml' to keep them.")
            if missing != "listwise":
                msg = f"{dropped} row(s) with no observed values at all were dropped."
            warn(msg, DataWarning)
            notes.append(msg)
        return cls(names=list(names), groups=groups, missing=missing, n_dropped=dropped,
                   group_var=group, notes=notes)

    @classmethod
    def from_moments(cls, sample_cov, nobs, names, *, sample_mean=None) -> SampleStats:
        """Moments given by the user (unbiased covariance, rescaled by (N-1)/N as lavaan)."""
        covs = sample_cov if isinstance(sample_cov, (list, tuple)) else [sample_cov]
        nobs_l = nobs if isinstance(nobs, (list, tuple)) else [nobs]
        means = sample_mean if isinstance(sample_mean, (list, tuple)) else [sample_mean]
        if len(nobs_l) != len(covs):
            raise DataError(f"nobs= has {len(nobs_l)} value(s) for {len(covs)} covariance matrices.")
        groups = []
        for g, (S, n, m) in enumerate(zip(covs, nobs_l, means * len(covs) if len(means) == 1 else means)):
            if not isinstance(S, pd.DataFrame):
                raise DataError("sample_cov= must be a pandas DataFrame with row and column names "
                                "(use tm.lower_to_cov(text, names) for a lower triangle).")
            absent = [v for v in names if v not in S.columns]
            if absent:
                raise DataError(f"Variables {', '.join(map(repr, absent))} named in the model are "
                                "missing from sample_cov." + did_you_mean(absent, S.columns))
            mat = S.loc[list(names), list(names)].to_numpy(dtype=float)
            if not np.allclose(mat, mat.T, atol=1e-10 * max(1.0, np.abs(mat).max())):
                raise DataError("sample_cov= is not symmetric.")
            n = int(n)
            if n < 2:
                raise DataError(f"nobs= must be at least 2; got {n}.")
            cov = mat * (n - 1) / n
            if m is None:
                mean = np.zeros(len(names))
            else:
                ms = pd.Series(m) if not isinstance(m, pd.Series) else m
                mean = ms.loc[list(names)].to_numpy(dtype=float)
            _check_moments(cov, names, "" if len(covs) == 1 else f" in group {g + 1}")
            groups.append(GroupStats(label=None if len(covs) == 1 else g + 1, nobs=n, cov=cov,
                                     mean=mean))
        return cls(names=list(names), groups=groups, missing="listwise")


def _model_columns(data, names, group, listwise: bool = True):
    """The model's columns of ``data`` as a read-only float matrix, after the checks (a
    DataFrame, names present and unique, numeric, finite, not all missing); also the column
    positions and the one-pass complete-data moments (None without columns, or when not
    ``listwise``: the pattern statistics give the moments then)."""
    if not isinstance(data, pd.DataFrame):
        if isinstance(data, np.ndarray):
            raise DataError("data= must be a pandas DataFrame with named columns; got a numpy "
                            "array. Wrap it: pd.DataFrame(array, columns=[...]).")
        raise DataError(f"data= must be a pandas DataFrame; got {type(data).__name__}.")
    cols = [str(c) for c in data.columns]
    counts = Counter(cols)
    used = set(names) | ({str(group)} if group is not None else set())
    dup = sorted(c for c, k in counts.items() if k > 1 and c in used)
    if dup:  # duplicates the model does not use are ignored
        raise DataError(f"data has duplicated column names used by the model: "
                        f"{', '.join(map(repr, dup))}; rename or drop the copies.")
    check_present(names, cols)
    if group is not None and group not in cols:
        raise DataError(f"group={group!r} is not a column of data." + did_you_mean([group], cols))
    position = {c: k for k, c in enumerate(cols)}
    dtypes = data.dtypes.to_numpy()
    for name in names:
        check_dtype(name, dtypes[position[name]], numeric=True)
    values = _float_columns(data, [position[n] for n in names], dtypes)
    values.flags.writeable = False   # may share memory with the caller's frame
    _check_finite(values, names, data.index)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: _check_moments
        scan = complete_moments(values) if names and listwise else None  # one blocked pass
    all_nan = [] if not names or (scan is not None and scan.complete is None) else \
        [names[j] for j in np.flatnonzero(np.isnan(values).all(axis=0))]
    if all_nan:
        raise DataError(f"Column{'s' if len(all_nan) > 1 else ''} "
                        f"{', '.join(map(repr, all_nan))} hold{'' if len(all_nan) > 1 else 's'} "
                        "no values at all.")
    return values, position, scan


def _float_columns(data: pd.DataFrame, positions, dtypes) -> np.ndarray:
    """The columns at ``positions`` of ``data`` as one float64 array (rows x columns), NaN
    for NA; ``dtypes`` is ``data.dtypes.to_numpy()``. The caller's frame is never modified
    (the result may share memory with it: treat it as read-only).

    Selecting columns by label builds a new frame (with pandas 3's arrow-backed column
    labels that costs about 1 ms on a 15-column frame); a frame whose columns all have
    plain numpy numeric dtypes is converted whole in one block copy instead, then indexed,
    when that copies at most a few times the cells the model needs. Other frames take the
    columns by position. Every path converts each cell as ``Series.to_numpy(float)`` does.
    """
    if not len(positions):
        return np.zeros((len(data), 0))
    ncol = len(dtypes)
    plain = all(isinstance(dt, np.dtype) and dt.kind in "biuf" for dt in dtypes)
    if plain and (ncol <= 4 * len(positions) or len(data) * ncol <= _WHOLE_FRAME_CELLS):
        whole = data.to_numpy(dtype=np.float64, copy=False)
        return whole if list(positions) == list(range(ncol)) else whole[:, positions]
    return float_matrix(data.take(positions, axis=1))


_WHOLE_FRAME_CELLS = 100_000   # below this a whole-frame copy is cheaper than any selection


def _group_rows(data, group, position, n: int):
    """Group labels (in order of appearance) and the row positions of each group."""
    if group is None:
        return [None], [np.arange(n)]
    gcol = data.iloc[:, position[str(group)]] if str(group) in position else data[group]
    if gcol.isna().any():
        raise DataError(f"Group column {group!r} has {int(gcol.isna().sum())} missing "
                        "value(s); drop or recode those rows.")
    labels = list(pd.unique(gcol))
    return labels, [np.flatnonzero((gcol == lab).to_numpy()) for lab in labels]


def _group_stats(x, idx, lab, names, mom, missing: str, min_rows, dropped_before: int):
    """One group's ``GroupStats`` from its rows ``x`` (positions ``idx``) under the missing
    policy; ``mom`` the rows' complete-data moments when already computed. Returns the
    group, the number of rows it dropped and its notes (coverage)."""
    if mom is None and missing == "listwise":
        with np.errstate(over="ignore", invalid="ignore"):
            mom = complete_moments(x) if len(names) else None
    row_ok = np.ones(len(x), bool) if mom is None or mom.complete is None else mom.complete
    dropped = 0
    if missing == "listwise" and mom is not None and mom.complete is None:
        keep = idx                                      # no copy: every row complete
    elif missing == "listwise":
        keep = idx[row_ok]
        dropped = int((~row_ok).sum())
        x = x[row_ok]
    else:
        empty = np.isnan(x).all(axis=1)
        keep = idx[~empty]
        dropped = int(empty.sum())
        x = x[~empty] if dropped else x
    n = len(x)
    need = max(min_rows or 0, 2)
    where = "" if lab is None else f" in group {lab!r}"
    if n < need:
        raise DataError(f"Found {n} usable row(s){where} while a minimum of {need} is "
                        f"required for {len(names)} observed variables"
                        + (" (rows with missing values were dropped listwise; try "
                           "missing='fiml')." if dropped_before + dropped else "."))
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: _check_scale
        if missing == "listwise" and mom is not None:
            mean, cov = mom.mean, mom.cov
        elif missing == "listwise":
            mean = x.mean(axis=0)
            xc = x - mean
            cov = xc.T @ xc / n
        else:  # available-case means, pairwise covariances: from the pattern statistics
            pm = pattern_moments(x)
            n_pairs, cov = pm.pairwise()
            mean, cov = pm.available()[1], cov * (n - 1) / n
    notes = _check_coverage(n_pairs / n, names, where) if missing != "listwise" else []
    _check_moments(cov, names, where, mean, x)
    return GroupStats(label=lab, nobs=n, cov=cov, mean=mean, data=x, rows=keep,
                      patterns=None if missing == "listwise" else pm), dropped, notes


def _check_coverage(coverage, names, where) -> list:
    """lavaan's coverage warnings (``lav_data.R``): the share of rows observing each pair."""
    low = coverage < 0.1
    if not low.any():
        return []
    i, j = np.unravel_index(np.argmin(coverage), coverage.shape)
    pair = f"{names[i]!r} and {names[j]!r}" if i != j else f"{names[i]!r}"
    if (coverage == 0).any():
        msg = (f"Due to missing values, some pairwise combinations have 0% coverage{where} "
               f"(e.g. {pair} are never observed together): the corresponding covariances are "
               "not identified from the data; check res.inspect('coverage') or the design.")
    else:
        msg = (f"Due to missing values, some pairwise combinations have less than 10% "
               f"coverage{where} (lowest: {pair}, {coverage[i, j]:.1%}).")
    warn(msg, DataWarning)
    return [msg]



def check_present(names, columns) -> None:
    """The model's variables ``names`` must be columns of data (named, with a suggestion)."""
    columns = [str(c) for c in columns]
    absent = [n for n in names if n not in columns]
    if absent:
        listed = ", ".join(repr(a) for a in absent)
        raise DataError(f"Column{'s' if len(absent) > 1 else ''} {listed} named in the model "
                        f"{'are' if len(absent) > 1 else 'is'} missing from data."
                        + did_you_mean(absent, columns))


def check_dtype(name: str, dtype, *, numeric: bool = False) -> None:
    """Complex columns are refused; with ``numeric``, so is any non-numeric column."""
    if pd.api.types.is_complex_dtype(dtype):
        raise DataError(f"Column {name!r} holds complex numbers (dtype {dtype}); a "
                        "model needs real-valued columns.")
    if numeric and not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
        raise DataError(f"Column {name!r} is not numeric (dtype {dtype}); recode it "
                        "as numbers or drop it from the model.")

def check_columns(data, names) -> None:
    """Refuse complex or infinite cells in the columns ``names`` of ``data`` (the checks every
    estimator needs; the PLS path calls it before its own)."""
    if not isinstance(data, pd.DataFrame):
        return
    cols = [c for c in dict.fromkeys(names) if c in data.columns]
    for name in cols:
        col = data[name]
        if isinstance(col, pd.DataFrame):  # duplicated name: the estimator says so
            continue
        check_dtype(name, col.dtype)
        if pd.api.types.is_numeric_dtype(col):
            _check_finite(col.to_numpy(dtype=float, na_value=np.nan)[:, None], [name],
                          data.index)


def _check_finite(values, names, index):
    """Infinite cells are an error naming the column and the first rows (NaN is missing)."""
    bad = np.isinf(values)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        rows = [index[i] for i in np.flatnonzero(bad[:, j])[:3]]
        n = int(bad[:, j].sum())
        raise DataError(f"Column {names[j]!r} has {n} value(s) that are not finite (inf or "
                        f"-inf; row label(s) {', '.join(map(repr, rows))}"
                        f"{', ...' if n > 3 else ''}); replace them by NaN (missing) or by "
                        "valid numbers.")


def constant_columns(var, mean, names) -> list:
    """Columns whose spread is nil on their own scale: sd <= 1e-10 * max(|mean|, tiny).

    A column measured in millions is not constant next to one measured in units (the test is
    per column, not relative to the largest variance in the data).
    """
    sd = np.sqrt(np.clip(var, 0, None))
    scale = np.maximum(np.abs(mean), np.finfo(float).tiny)
    return [n for n, s, c, v in zip(names, sd, scale, var) if not (v > 0 and s > 1e-10 * c)]


def _check_scale(x, var, names, where):
    """Variances that overflow (inf) or underflow (0 although the values differ)."""
    if np.all(np.isfinite(var) & (var != 0)):   # the common case: no pass over the rows
        return
    with np.errstate(all="ignore"):
        spread = np.nanmax(x, axis=0) - np.nanmin(x, axis=0) if len(x) else np.zeros(len(names))
    for n, v, r in zip(names, var, spread):
        if not np.isfinite(v) or (v == 0 and r > 0):
            raise DataError(f"Column {n!r}{where} has values on a scale whose variance "
                            f"{'overflows' if not np.isfinite(v) else 'underflows'} in "
                            f"floating point (range {r:.3g}); rescale it (e.g. divide or "
                            "multiply by a power of 10).")


MAX_VARIANCE_RATIO = 1e14  # beyond: double precision cannot hold both scales reliably


def _check_variance_ratio(var, names, where) -> list:
    """lavaan's warning when variances differ by more than a factor 1000 (``lav_data.R``);
    an error when they differ by more than 1e14, where the optimizer loses the small scale."""
    pos = var[var > 0]
    if len(pos) < 2 or pos.max() <= 1000 * pos.min():
        return []
    big, small = names[int(np.argmax(var))], names[int(np.argmin(np.where(var > 0, var, np.inf)))]
    ratio = pos.max() / pos.min()
    if ratio > MAX_VARIANCE_RATIO:
        raise DataError(f"The variances{where} differ by a factor {ratio:.2g} ({big!r} vs "
                        f"{small!r}): beyond what the estimation can handle in floating point; "
                        "rescale the columns (e.g. to similar units) and fit again.")
    msg = (f"Some observed variances{where} are (at least) a factor 1000 times larger than "
           f"others ({big!r} vs {small!r}: {ratio:.3g}); consider rescaling.")
    warn(msg, DataWarning)
    return [msg]


def _check_moments(cov, names, where, mean=None, x=None):
    var = np.diag(cov)
    if x is not None:
        _check_scale(x, var, names, where)
    const = constant_columns(var, np.zeros(len(var)) if mean is None else mean, names)
    if const:
        raise DataError(f"Column{'s' if len(const) > 1 else ''} {', '.join(map(repr, const))} "
                        f"{'are' if len(const) > 1 else 'is'} constant{where} (zero variance); "
                        "a constant cannot be modelled: drop it.")
    _check_variance_ratio(var, list(names), where)
    sd = np.sqrt(var)
    corr = cov / np.outer(sd, sd)
    if np.isnan(corr).any():  # FIML: pairs never observed together (warned above)
        return
    try:  # cheap test first; the eigen-decomposition only to explain a failure
        np.linalg.cholesky(corr - 1e-8 * np.eye(len(corr)))
        return
    except np.linalg.LinAlgError:
        pass
    eig, vec = np.linalg.eigh(corr)
    if eig[0] < 1e-8:
        v = vec[:, 0]
        involved = [names[i] for i in np.argsort(-np.abs(v)) if abs(v[i]) > 0.1][:5]
        raise DataError(f"The sample covariance matrix{where} is not positive definite (smallest "
                        f"eigenvalue of the correlation matrix {eig[0]:.2e}): columns "
                        f"{', '.join(map(repr, involved))} are (nearly) linearly dependent. Drop "
                        "or combine one of them, or check for duplicated columns.")
