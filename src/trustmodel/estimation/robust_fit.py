"""Scaled and robust fit measures from a scaling factor (lavaan 0.6.14 names).

Formulas from ``R/lav_fit_cfi.R`` (Brosseau-Liard & Savalei 2014 robust CFI/TLI: X2 - c df in
place of X2 - df), ``R/lav_fit_rmsea.R`` (scaled RMSEA uses the unscaled X2 on df = tr(U Gamma);
robust RMSEA ``sqrt(max(X2/N/df - c/N, 0))``, its CI from the scaled X2 times ``sqrt(c)``, its
close-fit p-values with ncp ``N df h0^2 / c / G``).
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sst

from . import fit_indices as fm


def scaled_measures(*, chisq, df, c, bchisq, bdf, cb, N, G, h1_traces=(), h1_ndat=0,
                    h0_traces=(), npar=0, level=0.90) -> dict:
    """Every ``*_scaled`` / ``*_robust`` fit measure lavaan reports for a mean-scaled test."""
    out = {}
    X2s = chisq / c if df > 0 else chisq
    Xbs = bchisq / cb
    out.update(chisq_scaled=X2s, df_scaled=df,
               pvalue_scaled=float(sst.chi2.sf(X2s, df)) if df > 0 else np.nan,
               chisq_scaling_factor=c if df > 0 else np.nan,
               baseline_chisq_scaled=Xbs, baseline_df_scaled=bdf,
               baseline_pvalue_scaled=float(sst.chi2.sf(Xbs, bdf)),
               baseline_chisq_scaling_factor=cb)
    out["cfi_scaled"] = fm.cfi(X2s, df, Xbs, bdf)
    out["tli_scaled"] = out["nnfi_scaled"] = fm.tli(X2s, df, Xbs, bdf)
    out.update({f"{k}_scaled": v for k, v in fm.incremental(X2s, df, Xbs, bdf).items()})
    out["cfi_robust"] = fm.cfi(chisq, df, bchisq, bdf, c, cb)
    out["tli_robust"] = out["nnfi_robust"] = (fm.tli(chisq, df, bchisq, bdf, c, cb) if df > 0
                                              else np.nan)   # lavaan: NA at df = 0
    out["rni_robust"] = fm.rni(chisq, df, bchisq, bdf, c, cb)
    if h1_ndat:
        out["scaling_factor_h1"] = float(np.sum(h1_traces)) / h1_ndat
    if npar:   # lavaan divides by nx.free: free rows, before equality constraints
        out["scaling_factor_h0"] = float(np.sum(h0_traces)) / npar
    df2 = c * df
    out["rmsea_scaled"] = fm.rmsea(chisq, df2, N, G)
    lo, hi = fm.rmsea_ci(chisq, df2, N, G, level)
    out["rmsea_ci_lower_scaled"], out["rmsea_ci_upper_scaled"] = lo, hi
    out["rmsea_pvalue_scaled"] = fm.rmsea_pvalue(chisq, df2, N, G)
    out["rmsea_notclose_pvalue_scaled"] = (
        float(sst.ncx2.cdf(chisq, df2, N * df2 * 0.08 ** 2 / G)) if df > 0 else np.nan)
    out["rmsea_robust"] = (float(np.sqrt(max(chisq / N / df - c / N, 0.0)) * np.sqrt(G))
                           if df > 0 else 0.0)
    lo, hi = fm.rmsea_ci(X2s, df, N, G, level)
    scale = np.sqrt(c) if df > 0 else 1.0   # df = 0: lavaan's [0, 0]
    out["rmsea_ci_lower_robust"] = lo * scale
    out["rmsea_ci_upper_robust"] = hi * scale
    out["rmsea_pvalue_robust"] = (float(sst.ncx2.sf(X2s, df, N * df * 0.05 ** 2 / c / G))
                                  if df > 0 else np.nan)
    out["rmsea_notclose_pvalue_robust"] = (
        float(sst.ncx2.cdf(X2s, df, N * df * 0.08 ** 2 / c / G)) if df > 0 else np.nan)
    return {k: float(v) for k, v in out.items()}


def x_indices(table) -> list:
    """Positions of the fixed-x covariates among the observed variables (lavaan's x.idx)."""
    if not table.options.get("fixed_x", True):
        return []
    ov = list(table.names.ov)
    return [ov.index(v) for v in table.names.ov_x]


def baseline_table(table):
    """lavaan's independence model (``lav_partable_indep_or_unrestricted``): variances (and
    means) free, the covariates' block saturated: fixed at the sample moments under
    ``fixed_x``, free (covariances included) otherwise."""
    from ..syntax import build_table
    from ..syntax.table import with_fixed_exogenous
    names = table.names
    xs = [v for v in names.ov if v in set(names.ov_x)]
    lines = []
    for v in names.ov:
        lines += [f"{v} ~~ {w}" for w in (xs[xs.index(v):] if v in xs else [v])]
    if table.meanstructure:
        lines += [f"{v} ~ 1" for v in names.ov]
    out = build_table("\n".join(lines), ngroups=table.ngroups, meanstructure=table.meanstructure)
    if xs and table.options.get("fixed_x", True):
        out = with_fixed_exogenous(out, xs)
    return out


def robust_inference(table, stats, state, *, estimator: str, se: str):
    """vcov of the free parameters and the scaled fit measures of a robust ML fit.

    ``estimator="MLR"``: Huber-White SEs with observed information and the Yuan-Bentler
    (Mplus) scaled test; ``"MLM"``: robust.sem SEs and the Satorra-Bentler test; ``"ML"`` with
    ``se="robust"``: robust.sem SEs (lavaan maps ``se = "robust"`` to "robust.sem" for
    complete data) and the standard test.

    Returns
    -------
    vcov : ndarray or None (None: keep the standard one)
    measures : dict of extra fit measures
    """
    from . import robust as rb
    from .fitting import estimate

    problem, x = state.problem, state.x
    datas = [g.data for g in stats.groups]
    if any(Y is None for Y in datas):
        from .._errors import DataError
        raise DataError(f"estimator={estimator!r} / se='robust' needs the raw data (data=), "
                        "not sample_cov=: the casewise scores come from the rows.")
    xi = x_indices(table)
    ms = problem.model.meanstructure
    N = stats.ntotal
    if estimator == "MLR":
        parts = rb.robust_parts(problem, x, datas, "observed")
        vcov = rb.sandwich_vcov(parts, N) if se != "none" else None
    else:
        parts = None
        vcov = rb.robust_sem_vcov(problem, x, datas, xi) if se != "none" else None
    if estimator == "ML":
        return vcov, {}
    chisq = 2 * N * state.fmin
    nx = len(xi)
    nd = stats.ngroups * fm.ndat(len(table.names.ov), ms, nx, bool(xi))
    df = nd - problem.npar
    btab = baseline_table(table)
    bstate = estimate(btab, stats, "ML")
    bchisq = 2 * N * bstate.fmin
    bdf = nd - bstate.problem.npar
    extra = {}
    if estimator == "MLR":
        tr, h1, h0 = rb.yb_mplus_trace(parts, datas, ms, xi)
        bparts = rb.robust_parts(bstate.problem, bstate.x, datas, "observed")
        btr = rb.yb_mplus_trace(bparts, datas, ms, xi)[0]
        ndat_h1 = sum(rb.saturated_derivatives(len(table.names.ov), ms, xi)[0].shape[0]
                      for _ in datas)
        extra = dict(h1_traces=h1, h1_ndat=ndat_h1, h0_traces=h0, npar=free_rows(table))
    else:
        tr = rb.satorra_bentler_trace(problem, x, datas, xi)
        btr = rb.satorra_bentler_trace(bstate.problem, bstate.x, datas, xi)
    c = tr / df if df > 0 else np.nan
    cb = btr / bdf
    measures = scaled_measures(chisq=chisq, df=df, c=c, bchisq=bchisq, bdf=bdf, cb=cb, N=N,
                               G=stats.ngroups, **extra)
    return vcov, measures


def free_rows(table) -> int:
    """lavaan's ``nx.free``: free parameter rows counted before equality constraints (rows
    sharing a label count once each), the divisor of ``scaling_factor_h0``."""
    return int(np.count_nonzero(table.cols.free[table.cols.op != ":="]))
