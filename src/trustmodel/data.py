"""Sample statistics: the columns a model needs, the missing-data policy, moments per group.

As lavaan, the covariance matrix used by ML divides by N (not N - 1); a covariance matrix given
by the user (``sample_cov=``) is taken as the unbiased one and rescaled by (N - 1) / N.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import DataError, DataWarning
from ._validation import did_you_mean
from .moments import complete_moments, float_matrix


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


@dataclass(frozen=True)
class SampleStats:
    """Sample moments per group, in the model's observed-variable order."""

    names: list
    groups: list
    missing: str = "listwise"
    n_dropped: int = 0
    group_var: str | None = None
    notes: list = field(default_factory=list)

    @property
    def ngroups(self) -> int:
        return len(self.groups)

    @property
    def ntotal(self) -> int:
        return int(sum(g.nobs for g in self.groups))

    @classmethod
    def from_frame(cls, data, names, *, missing: str = "listwise", group: str | None = None,
                   min_rows: int | None = None) -> "SampleStats":
        """Pick ``names`` from ``data`` (never modified), apply the missing policy, get moments."""
        if not isinstance(data, pd.DataFrame):
            if isinstance(data, np.ndarray):
                raise DataError("data= must be a pandas DataFrame with named columns; got a numpy "
                                "array. Wrap it: pd.DataFrame(array, columns=[...]).")
            raise DataError(f"data= must be a pandas DataFrame; got {type(data).__name__}.")
        cols = [str(c) for c in data.columns]
        if len(set(cols)) != len(cols):
            dup = sorted({c for c in cols if cols.count(c) > 1})
            raise DataError(f"data has duplicated column names: {', '.join(map(repr, dup))}.")
        absent = [n for n in names if n not in cols]
        if absent:
            listed = ", ".join(repr(a) for a in absent)
            raise DataError(f"Column{'s' if len(absent) > 1 else ''} {listed} named in the model "
                            f"{'are' if len(absent) > 1 else 'is'} missing from data."
                            + did_you_mean(absent, cols))
        if group is not None and group not in cols:
            raise DataError(f"group={group!r} is not a column of data." + did_you_mean([group], cols))
        for name in names:
            dtype = data[name].dtype
            if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
                raise DataError(f"Column {name!r} is not numeric (dtype {dtype}); recode it "
                                "as numbers or drop it from the model.")
        values = float_matrix(data, names) if names else np.zeros((len(data), 0))
        values.flags.writeable = False   # may share memory with the caller's frame
        scan = complete_moments(values) if names else None     # one blocked pass
        all_nan = [] if scan is None or scan.complete is None else \
            [n for j, n in enumerate(names) if np.isnan(values[:, j]).all()]
        if all_nan:
            raise DataError(f"Column{'s' if len(all_nan) > 1 else ''} "
                            f"{', '.join(map(repr, all_nan))} hold{'' if len(all_nan) > 1 else 's'} "
                            "no values at all.")
        if group is not None:
            gcol = data[group]
            if gcol.isna().any():
                raise DataError(f"Group column {group!r} has {int(gcol.isna().sum())} missing "
                                "value(s); drop or recode those rows.")
            labels = list(pd.unique(gcol))
            gidx = [np.flatnonzero((gcol == lab).to_numpy()) for lab in labels]
        else:
            labels, gidx = [None], [np.arange(len(values))]
        groups, dropped, notes = [], 0, []
        for lab, idx in zip(labels, gidx):
            whole = group is None and scan is not None
            x = values if whole else values[idx]
            mom = scan if whole else complete_moments(x) if len(names) else None
            row_ok = np.ones(len(x), bool) if mom is None or mom.complete is None \
                else mom.complete
            if missing == "listwise" and mom is not None and mom.complete is None:
                keep = idx                                      # no copy: every row complete
            elif missing == "listwise":
                keep = idx[row_ok]
                dropped += int((~row_ok).sum())
                x = x[row_ok]
            else:
                empty = np.isnan(x).all(axis=1)
                keep = idx[~empty]
                dropped += int(empty.sum())
                x = x[~empty]
            n = len(x)
            need = max(min_rows or 0, 2)
            where = "" if lab is None else f" in group {lab!r}"
            if n < need:
                raise DataError(f"Found {n} usable row(s){where} while a minimum of {need} is "
                                f"required for {len(names)} observed variables"
                                + (" (rows with missing values were dropped listwise; try "
                                   "missing='fiml')." if dropped else "."))
            if missing == "listwise" and mom is not None:
                mean, cov = mom.mean, mom.cov
            elif missing == "listwise":
                mean = x.mean(axis=0)
                xc = x - mean
                cov = xc.T @ xc / n
            else:
                mean = np.nanmean(x, axis=0)
                cov = pd.DataFrame(x).cov(min_periods=1).to_numpy() * (n - 1) / n
            _check_moments(cov, names, where)
            groups.append(GroupStats(label=lab, nobs=n, cov=cov, mean=mean, data=x, rows=keep))
        if dropped:
            msg = (f"{dropped} row(s) with missing values were dropped (listwise deletion); "
                   f"{sum(g.nobs for g in groups)} remain. Use missing='fiml' to keep them.")
            if missing != "listwise":
                msg = f"{dropped} row(s) with no observed values at all were dropped."
            warnings.warn(msg, DataWarning, stacklevel=3)
            notes.append(msg)
        return cls(names=list(names), groups=groups, missing=missing, n_dropped=dropped,
                   group_var=group, notes=notes)

    @classmethod
    def from_moments(cls, sample_cov, nobs, names, *, sample_mean=None) -> "SampleStats":
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


def _check_moments(cov, names, where):
    var = np.diag(cov)
    const = [n for n, v in zip(names, var) if not v > 1e-12 * max(1.0, np.abs(cov).max())]
    if const:
        raise DataError(f"Column{'s' if len(const) > 1 else ''} {', '.join(map(repr, const))} "
                        f"{'are' if len(const) > 1 else 'is'} constant{where} (zero variance); "
                        "a constant cannot be modelled: drop it.")
    sd = np.sqrt(var)
    corr = cov / np.outer(sd, sd)
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
