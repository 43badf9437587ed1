"""Ordinary (nonparametric) bootstrap of WLS-family fits, as lavaan's ``se = "bootstrap"``
with ordinal indicators (``R/lav_bootstrap.R``, ``type = "ordinary"``): rows are resampled
within groups, stages 1-3 are rerun on every resample (thresholds, polychorics, NACOV, the
fit, warm-started at the full-sample estimate), and the draws give the standard errors and
percentile / normal intervals through :func:`trustmodel.estimation.inference.bootstrap.summarize`.
A resample in which a category of some item is empty cannot be analysed (lavaan stops too)
and counts as failed.

BCa intervals (``boot_ci_type="bca"``) take their acceleration as lavaan 0.6-14's
``parameterEstimates(boot.ci.type = "bca")`` (``R/lav_object_methods.R``): empirical influence
values from the least-squares regression of the draws on the resampling frequencies of the
cases (the first case of each group left out, its influence 0; Efron 1987), which needs at
least as many successful resamples as cases; no jackknife of the three stages is needed.

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the American Statistical
Association*, 82, 171-185. doi:10.1080/01621459.1987.10478410
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..._errors import (
    BootstrapFailureWarning,
    OptionError,
    TrustModelError,
    TrustModelWarning,
)
from .bootstrap import BootstrapResult
from .defined import Definitions
from ..._warnings import warn


def bootstrap(fit, statements, data: pd.DataFrame, *, B: int, rng, refit,
              bca: bool = False) -> BootstrapResult:
    """``B`` resamples of ``data``; ``refit(frame, x0)`` returns a converged fit or raises.

    With ``bca`` the result's ``jackknife`` holds minus the regression influence values
    (:func:`regression_influence`), so that the BCa acceleration of
    :func:`trustmodel.estimation.inference.intervals.interval` is lavaan's."""
    table = fit.table
    defs = Definitions(table)
    group = fit.sample.group_var
    if group is None:
        index = [np.arange(len(data))]
    else:
        index = [np.flatnonzero((data[group] == g.label).to_numpy()) for g in fit.sample.groups]
    draws = np.full((B, table.npar), np.nan)
    defined = np.full((B, len(defs)), np.nan)
    failed, reasons = [], []
    freq = np.zeros((B, len(data)), dtype=np.int32) if bca else None
    for b in range(B):
        rows = np.concatenate([rng.choice(ix, size=len(ix), replace=True) for ix in index])
        if bca:
            freq[b] = np.bincount(rows, minlength=len(data))
        frame = data.iloc[rows]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TrustModelWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                res = refit(frame, fit.x)
            if not res.converged:
                raise RuntimeError("no convergence")
            if len(res.x) != len(fit.x):     # a category missing from the resample
                raise RuntimeError("a category of some item is empty in the resample")
        except (TrustModelError, ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
            failed.append(b)
            reasons.append(str(exc).split("\n")[0][:120])
            continue
        draws[b] = res.x
        if len(defs):
            defined[b] = defs.evaluate(res.values)
    if failed:
        warn(f"{len(failed)} of {B} bootstrap resamples could not be analysed (an "
             "empty category or no convergence); they are left out.",
             BootstrapFailureWarning)
    names = table.free_names() + list(defs.names)
    jack = None
    if bca:
        ok = np.setdiff1d(np.arange(B), failed)
        jack = -regression_influence(np.hstack([draws, defined])[ok], freq[ok],
                                     [ix[0] for ix in index], fit.sample.ntotal)
    return BootstrapResult(draws=draws, defined=defined, failed=np.asarray(failed, dtype=int),
                           reasons=tuple(reasons), names=names,
                           inadmissible=np.zeros(B, dtype=bool), ci_type="bca" if bca
                           else "perc", jackknife=jack)


def regression_influence(draws: np.ndarray, freq: np.ndarray, first, ntotal: int):
    """Empirical influence values of the cases by regression (lavaan 0.6-14's BCa):
    ``lm.fit(cbind(1, freq[, -first]), draws)``, the slopes with a 0 on top (the left-out
    first case). ``draws`` R x k (successful resamples), ``freq`` R x n case counts.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=30)
    >>> F = np.array([np.bincount(rng.integers(0, 30, 30), minlength=30) for _ in range(400)])
    >>> L = regression_influence((F @ x / 30)[:, None], F, [0], 30)   # the mean
    >>> bool(np.corrcoef(L[:, 0], x)[0, 1] > 0.99)
    True
    """
    R = len(draws)
    if R < ntotal:
        raise OptionError(
            f"BCa intervals need at least as many successful bootstrap resamples ({R}) as "
            f"cases ({ntotal}), as lavaan: raise bootstrap= or use boot_ci_type='bca_simple'.")
    keep = np.setdiff1d(np.arange(freq.shape[1]), first)
    X = np.column_stack([np.ones(R), freq[:, keep]])
    beta = np.linalg.lstsq(X, draws, rcond=None)[0]
    return np.vstack([np.zeros((1, draws.shape[1])), beta[1:]])
