"""Ordinary (nonparametric) bootstrap of WLS-family fits, as lavaan's ``se = "bootstrap"``
with ordinal indicators (``R/lav_bootstrap.R``, ``type = "ordinary"``): rows are resampled
within groups, stages 1-3 are rerun on every resample (thresholds, polychorics, NACOV, the
fit, warm-started at the full-sample estimate), and the draws give the standard errors and
percentile / normal intervals through :func:`trustmodel.estimation.inference.bootstrap.summarize`.
A resample in which a category of some item is empty cannot be analysed (lavaan stops too)
and counts as failed.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..._errors import BootstrapFailureWarning, TrustModelError, TrustModelWarning
from .bootstrap import BootstrapResult
from .defined import Definitions
from ..._warnings import warn


def bootstrap(fit, statements, data: pd.DataFrame, *, B: int, rng, refit) -> BootstrapResult:
    """``B`` resamples of ``data``; ``refit(frame, x0)`` returns a converged fit or raises."""
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
    for b in range(B):
        rows = np.concatenate([rng.choice(ix, size=len(ix), replace=True) for ix in index])
        frame = data.iloc[rows]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TrustModelWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                res = refit(frame, fit.x)
            if not res.converged:
                raise RuntimeError("no convergence")
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
    return BootstrapResult(draws=draws, defined=defined, failed=np.asarray(failed, dtype=int),
                           reasons=tuple(reasons), names=names,
                           inadmissible=np.zeros(B, dtype=bool))
