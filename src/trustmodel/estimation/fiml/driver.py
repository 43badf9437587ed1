"""Pipeline steps 3-4 under FIML: h1 moments, the structured fit, its vcov."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..._errors import DataWarning, NonConvergenceWarning
from ...moments import PatternMoments
from ..core.constraints import information_inverse
from ..core.fitting import FitState, build_problem, fit_problem, x_indices
from ..core.linalg import SE_FALLBACK
from .h1 import baseline_loglik, h1_moments, observed_moments, pairwise_moments
from .patterns import Patterns
from .problem import FimlProblem, observed_information_fiml
from .robust import mlr_vcov
from ..._warnings import warn


def drop_missing_x(stats, x_idx):
    """Rows with a missing fixed-x covariate are deleted, as lavaan 0.6.14 does for
    ``missing = "ml"`` with ``fixed.x = TRUE`` (``R/lav_data.R``; ``missing = "ml.x"`` would
    keep them), with a warning."""
    if not len(x_idx):
        return stats
    groups, dropped = [], 0
    for g in stats.groups:
        if g.data is None:   # pattern statistics only (a dask DataFrame): drop patterns
            pm = g.patterns
            keep = pm.uniq[:, list(x_idx)].all(axis=1)
            if not keep.all():
                dropped += int(pm.counts[~keep].sum())
                pm = PatternMoments(uniq=pm.uniq[keep], counts=pm.counts[keep],
                                    shift=pm.shift, sums=pm.sums[keep], cross=pm.cross[keep])
                g = replace(g, nobs=int(pm.counts.sum()), patterns=pm)
            groups.append(g)
            continue
        bad = np.isnan(g.data[:, list(x_idx)]).any(axis=1)
        if bad.any():
            dropped += int(bad.sum())
            keep = ~bad
            g = replace(g, data=g.data[keep], nobs=int(keep.sum()),
                        rows=None if g.rows is None else g.rows[keep], patterns=None)
        groups.append(g)
    if dropped:
        warn(f"{dropped} row(s) with missing values on exogenous covariates were "
             "deleted (fixed_x=True, as lavaan's missing='ml'); use fixed_x=False to "
             "keep them.", DataWarning)
    return replace(stats, groups=groups, n_dropped=stats.n_dropped + dropped)


def h1_stats(stats, x_idx=()):
    """Sample statistics with the h1 (EM) moments in place of the available-case ones.

    Returns the new ``SampleStats``, the patterns and the h1 log-likelihood of every group.
    """

    groups, pats, lls = [], [], []
    for g in stats.groups:
        pt = Patterns.from_data(g.data, g.patterns)   # pattern statistics computed once
        S, m, ll, ok = h1_moments(g.data, pt)
        if not ok:
            warn("The unrestricted (h1) model for the incomplete data did not converge; "
                 "chisq and unrestricted_logl may be off.", NonConvergenceWarning)
        groups.append(replace(g, cov=S, mean=m))
        pats.append(pt)
        lls.append(ll)
    return replace(stats, groups=groups), pats, lls


def estimate_fiml(table, stats, x0=None):
    """Fit ``table`` by FIML; ``stats`` holds the raw incomplete rows per group.

    Returns ``(FitState, stats_h1)``, the latter with the h1 moments (used for SRMR, starts).
    """

    xi = x_indices(table)
    stats = drop_missing_x(stats, xi)
    st1, pats, lls = h1_stats(stats, xi)
    base_problem, start = build_problem(table, st1, "ML")
    bl = sum(baseline_loglik(pt, xi) for pt in pats)
    problem = FimlProblem(base_problem.model, base_problem.covs, base_problem.means,
                          base_problem.nobs, "ML", base_problem.base, base_problem.free_pos,
                          base_problem.free_of, patterns=pats, logl_h1=lls, baseline_logl=bl,
                          baseline_moments=[observed_moments(pt) for pt in pats],
                          pairwise_moments=[pairwise_moments(pt) for pt in pats],
                          x_idx=tuple(xi))
    res = fit_problem(problem, table, st1, start if x0 is None else x0)
    return FitState(problem, res.x, problem.values(res.x), res), st1


def observed_vcov(state) -> np.ndarray:
    """lavaan's default for missing = "ml": observed information (the Hessian of fmin)."""
    V = information_inverse(state.problem, state.x,
                            observed_information_fiml(state.problem, state.x),
                            "the observed information matrix", SE_FALLBACK) / state.problem.ntotal
    return 0.5 * (V + V.T)


def fiml_fit(table, stats, *, estimator: str = "ML", se: str = "standard"):
    """Pipeline steps 3-4 under FIML: ``(FitState, stats with h1 moments, vcov)``."""
    state, st1 = estimate_fiml(table, stats)
    q = state.problem.npar
    if se == "none":
        return state, st1, np.zeros((q, q))
    if not state.admissible:   # lavaan returns NA standard errors
        return state, st1, np.full((q, q), np.nan)
    if estimator == "MLR" or se == "robust":
        return state, st1, mlr_vcov(state.problem, state.x)
    return state, st1, observed_vcov(state)
