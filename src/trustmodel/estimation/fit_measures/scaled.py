"""Scaled and robust fit measures from a scaling factor (lavaan 0.6.14 names).

Formulas from ``R/lav_fit_cfi.R`` (Brosseau-Liard & Savalei 2014 robust CFI/TLI: X2 - c df in
place of X2 - df), ``R/lav_fit_rmsea.R`` (scaled RMSEA uses the unscaled X2 on df = tr(U Gamma);
robust RMSEA ``sqrt(max(X2/N/df - c/N, 0))``, its CI from the scaled X2 times ``sqrt(c)``, its
close-fit p-values with ncp ``N df h0^2 / c / G``).
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sst

from . import indices as fm


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
    rob = robust_measures(chisq, df, c, bchisq, bdf, cb, N, G, level)
    out.update({k: rob.pop(k) for k in ("cfi_robust", "tli_robust", "nnfi_robust",
                                        "rni_robust")})
    if h1_ndat:
        out["scaling_factor_h1"] = float(np.sum(h1_traces)) / h1_ndat
    if npar:
        # lavaan divides by nx.free: free rows, before equality constraints
        out["scaling_factor_h0"] = float(np.sum(h0_traces)) / npar
    df2 = c * df
    out["rmsea_scaled"] = fm.rmsea(chisq, df2, N, G)
    lo, hi = fm.rmsea_ci(chisq, df2, N, G, level)
    out["rmsea_ci_lower_scaled"], out["rmsea_ci_upper_scaled"] = lo, hi
    out["rmsea_pvalue_scaled"] = fm.rmsea_pvalue(chisq, df2, N, G)
    out["rmsea_notclose_pvalue_scaled"] = (
        float(sst.ncx2.cdf(chisq, df2, N * df2 * 0.08 ** 2 / G)) if df > 0 else np.nan)
    out.update(rob)
    return {k: float(v) for k, v in out.items()}


def robust_measures(chisq, df, c, bchisq, bdf, cb, N, G=1, level=0.90) -> dict:
    """cfi/tli/nnfi/rni and rmsea (CI, p-values) ``_robust`` from a statistic ``chisq`` and
    its scaling factor ``c`` (and the baseline's ``bchisq``, ``cb``).

    The complete-data robust measures (``R/lav_fit_cfi.R``, ``R/lav_fit_rmsea.R``) take the
    unscaled statistic; the FIML-corrected ones (Zhang & Savalei 2023,
    :mod:`.fiml_corrected`) the corrected XX3 and c.hat3 = k / df: one formula.
    """
    out = {"cfi_robust": fm.cfi(chisq, df, bchisq, bdf, c, cb),
           "tli_robust": fm.tli(chisq, df, bchisq, bdf, c, cb) if df > 0 else np.nan,
           "rni_robust": fm.rni(chisq, df, bchisq, bdf, c, cb)}
    out["nnfi_robust"] = out["tli_robust"]
    X2s = chisq / c
    out["rmsea_robust"] = (float(np.sqrt(max(chisq / N / df - c / N, 0.0)) * np.sqrt(G))
                           if df > 0 else 0.0)
    if df > 0 and not c > 0:   # a negative (or NaN) scaling factor: lavaan's NaN (sqrt, ncp)
        nan = float("nan")
        out.update(rmsea_ci_lower_robust=nan, rmsea_ci_upper_robust=nan,
                   rmsea_pvalue_robust=nan, rmsea_notclose_pvalue_robust=nan)
        return {k: float(v) for k, v in out.items()}
    lo, hi = fm.rmsea_ci(X2s, df, N, G, level)
    scale = np.sqrt(c) if df > 0 else 1.0   # df = 0: lavaan's [0, 0]
    out["rmsea_ci_lower_robust"], out["rmsea_ci_upper_robust"] = lo * scale, hi * scale
    out["rmsea_pvalue_robust"] = (float(sst.ncx2.sf(X2s, df, N * df * 0.05 ** 2 / c / G))
                                  if df > 0 else np.nan)
    out["rmsea_notclose_pvalue_robust"] = (
        float(sst.ncx2.cdf(X2s, df, N * df * 0.08 ** 2 / c / G)) if df > 0 else np.nan)
    return {k: float(v) for k, v in out.items()}
