"""The test-statistic and baseline step: every test statistic of a fit, computed once.

lavaan computes the test statistics (``lav_lavaan_step14_test_fit.R``: standard, scaled,
FIML-corrected) and the baseline model (``lav_lavaan_step15_baseline.R``) in two steps after
the estimation and before ``fitMeasures``, which only combines them. Here
:func:`fit_statistics` is that step: it returns a frozen :class:`FitStatistics` holding the
model statistic, the baseline's, the log-likelihoods, the SRMR/GFI ingredients and the scaled
and corrected measures; :func:`~.assemble.fit_measures` is a pure function of it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..core.fitting import x_indices
from ..core.saturated import saturated_derivatives
from ..fiml.driver import estimate_fiml
from ..fiml.problem import FimlProblem
from ..inference.casewise import robust_parts, satorra_bentler_trace, yb_mplus_trace
from ..inference.robust import raw_data
from . import baseline as bl
from . import indices as fm
from .fiml_corrected import fiml_corrected, scaled_fiml_measures
from .scaled import robust_measures, scaled_measures

#: lavaan's name of the test each estimator reports (``lavInspect(fit, "options")$test``)
TESTS = {"ML": "standard", "GLS": "standard", "ULS": "standard", "MLM": "satorra.bentler",
         "MLR": "yuan.bentler.mplus"}


@dataclass(frozen=True)
class FitStatistics:
    """Everything :func:`~.assemble.fit_measures` needs, computed once per fit.

    Attributes
    ----------
    estimator : str
        The estimator the user asked for (``"MLR"``...); ``discrepancy`` is the function that
        was minimised (``"ML"``, ``"GLS"``, ``"ULS"``).
    test : str
        lavaan's test name: ``"standard"``, ``"satorra.bentler"``, ``"yuan.bentler.mplus"``.
    chisq, df, fmin : the model's test statistic, its degrees of freedom and ``fmin``.
    baseline_chisq, baseline_df : the independence model's.
    logl, unrestricted_logl : log-likelihoods of the model and the saturated model.
    srmr_by_group, gfi_by_group : per-group ingredients of SRMR and GFI.
    scaled : the ``*_scaled`` / ``*_robust`` measures (scaled tests, FIML-corrected RMSEA/CFI).
    extra : measures contributed by other steps (the Bollen-Stine bootstrap).
    """

    estimator: str
    discrepancy: str
    test: str
    chisq: float
    df: int
    fmin: float
    npar: int
    ntotal: int
    nobs: tuple
    p: int
    nx: int
    fixed_x: bool
    meanstructure: bool
    baseline_chisq: float
    baseline_df: int
    logl: float
    unrestricted_logl: float
    srmr_by_group: tuple
    gfi_by_group: tuple
    scaled: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    extra: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def ngroups(self) -> int:
        return len(self.nobs)


def model_df(table, stats, npar: int) -> int:
    """Degrees of freedom: sample statistics (fixed-x block excluded) minus free parameters."""
    names = table.names
    fixed_x = bool(table.options.get("fixed_x", True))
    nd = stats.ngroups * fm.ndat(len(names.ov), table.meanstructure, len(names.ov_x), fixed_x)
    return int(nd - npar)


def free_rows(table) -> int:
    """lavaan's ``nx.free``: free parameter rows counted before equality constraints (rows
    sharing a label count once each), the divisor of ``scaling_factor_h0``."""
    return int(np.count_nonzero(table.cols.free[table.cols.op != ":="]))


def x_marginal_loglik(table, stats) -> float:
    """The covariates' own (saturated) normal log-likelihood: the joint minus the conditional
    likelihood under ``fixed_x`` (lavaan reports logl, and so AIC/BIC, conditional on x;
    ``R/lav_model_loglik.R``), summed over groups."""
    ov = list(table.names.ov)
    xi = [ov.index(v) for v in table.names.ov_x]
    out = 0.0
    for g in stats.groups:
        Sxx = g.cov[np.ix_(xi, xi)]
        out -= 0.5 * g.nobs * (len(xi) * np.log(2 * np.pi) + np.linalg.slogdet(Sxx)[1]
                               + len(xi))
    return float(out)


def fit_statistics(table, stats, state, estimator: str = "ML", extra=None) -> FitStatistics:
    """Run the test-statistic and baseline step of a fitted model (see the module docstring).

    Parameters
    ----------
    table, stats, state
        The parameter table, the sample statistics the fit used and its ``FitState``.
    estimator : str
        What the user asked for; ``"MLM"``/``"MLR"`` add the scaled tests.
    extra : mapping, optional
        Measures of other steps, passed through (e.g. ``bollen_stine_pvalue``).
    """
    problem, x = state.problem, state.x
    names = table.names
    N, G = stats.ntotal, stats.ngroups
    ms = problem.model.meanstructure
    nx = len(names.ov_x)
    fixed_x = bool(table.options.get("fixed_x", True))
    p = len(names.ov)
    nd = G * fm.ndat(p, ms, nx, fixed_x)
    # lavaan: each general equality constraint removes a parameter (core/constraints.py)
    cs = getattr(problem, "constraint_set", None)
    npar = problem.npar - (len(cs[0].eq) if cs is not None else 0)
    df = nd - npar
    bdf = bl.baseline_df(table, nd, G)
    fiml = isinstance(problem, FimlProblem)
    imps = problem.implied(x)
    if fiml:
        logl = problem.loglik(x)
        logl_h1 = float(sum(problem.logl_h1))
        bchisq = 2.0 * (logl_h1 - problem.baseline_logl)
    else:
        logl = sum(fm.loglik(g.cov, g.mean, i.sigma, i.mu, g.nobs, ms)
                   for g, i in zip(stats.groups, imps))
        logl_h1 = sum(fm.loglik_h1(g.cov, g.nobs) for g in stats.groups)
        if problem.estimator == "ML":
            bchisq = bl.ml_chisq(table, stats)
        else:
            bstate = bl.refit(table, stats, problem.estimator)
            bchisq = np.nan if bstate is None else float(2 * N * bstate.fmin)
    fmin = state.fmin if state.admissible else np.nan
    if not np.isfinite(logl):   # no admissible point
        logl = np.nan
    if fixed_x and nx:   # lavaan reports the likelihood conditional on the covariates
        x_marg = x_marginal_loglik(table, stats)
        logl, logl_h1 = logl - x_marg, logl_h1 - x_marg
    covs = problem.covs  # what the estimator fitted (unbiased for GLS/ULS, as lavaan)
    srmr = [fm.srmr_parts(S, g.mean, i.sigma, i.mu, ms)
            for S, g, i in zip(covs, stats.groups, imps)]
    x_idx = x_indices(table)
    if fiml:
        gfi = problem.gfi_parts(x, x_idx)
    else:
        gfi = [fm.gfi_parts(S, g.mean, i.sigma, i.mu, ms, problem.estimator, x_idx)
               for S, g, i in zip(covs, stats.groups, imps)]
    test = TESTS.get(estimator, "standard")
    if not state.admissible:   # no scaled tests (lavaan's NA)
        scaled = {}
    elif fiml:
        scaled = _fiml_measures(table, stats, state, test, df, bdf)
    elif test != "standard":
        scaled = _scaled_test(table, stats, state, test, df, bdf)
    else:
        scaled = {}
    return FitStatistics(
        estimator=estimator, discrepancy=problem.estimator, test=test,
        chisq=2 * N * fmin, df=int(df), fmin=fmin,
        npar=int(npar), ntotal=int(N), nobs=tuple(g.nobs for g in stats.groups), p=p,
        nx=nx, fixed_x=fixed_x, meanstructure=bool(ms), baseline_chisq=float(bchisq),
        baseline_df=int(bdf), logl=float(logl), unrestricted_logl=float(logl_h1),
        srmr_by_group=tuple(srmr), gfi_by_group=tuple(gfi),
        scaled=MappingProxyType(dict(scaled)), extra=MappingProxyType(dict(extra or {})))


def _scaled_test(table, stats, state, test, df, bdf) -> dict:
    """Satorra-Bentler (MLM) or Yuan-Bentler Mplus (MLR) scaled measures, complete data."""
    datas = raw_data(stats, f"the {test} test")   # rows visited block by block (casewise)
    problem, x = state.problem, state.x
    xi = x_indices(table)
    ms = problem.model.meanstructure
    N = stats.ntotal
    bstate = bl.refit(table, stats, "ML")
    bchisq = 2 * N * bstate.fmin
    extra = {}
    if test == "yuan.bentler.mplus":
        parts = robust_parts(problem, x, stats, "observed")
        tr, h1, h0 = yb_mplus_trace(parts, stats, ms, xi)
        bparts = robust_parts(bstate.problem, bstate.x, stats, "observed")
        btr = yb_mplus_trace(bparts, stats, ms, xi)[0]
        ndat_h1 = sum(saturated_derivatives(len(table.names.ov), ms, xi)[0].shape[0]
                      for _ in datas)
        extra = {"h1_traces": h1, "h1_ndat": ndat_h1, "h0_traces": h0,
                 "npar": free_rows(table)}
    else:
        tr = satorra_bentler_trace(problem, x, stats, xi)
        btr = satorra_bentler_trace(bstate.problem, bstate.x, stats, xi)
    c = tr / df if df > 0 else np.nan
    cb = btr / bdf if bdf > 0 else np.nan
    return scaled_measures(chisq=2 * N * state.fmin, df=df, c=c, bchisq=bchisq, bdf=bdf,
                           cb=cb, N=N, G=stats.ngroups, **extra)


def _fiml_measures(table, stats, state, test, df, bdf) -> dict:
    """lavaan's FIML-corrected ``*_robust`` RMSEA/CFI, and the Yuan-Bentler test under MLR."""
    problem, x = state.problem, state.x
    if df <= 0 or bdf <= 0 or any(len(v) == 0 for v in problem.baseline_moments):
        return {}
    N, G = stats.ntotal, stats.ngroups
    try:  # the h1 information is singular when a pair is never observed (0% coverage): NA
        if test == "standard":
            XX3, k, XX3b, kb = fiml_corrected(problem, x)
            return robust_measures(XX3, df, k / df, XX3b, bdf, kb / bdf, N, G)
        baseline = estimate_fiml(bl.baseline_table(table), stats)[0]
        return scaled_fiml_measures(problem, x, baseline, df, bdf, N, G, free_rows(table))
    except np.linalg.LinAlgError:
        return {}
