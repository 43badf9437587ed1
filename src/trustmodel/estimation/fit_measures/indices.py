"""Fit measures with lavaan's names (``fitMeasures``, dots -> underscores): pure formulas.

They sit in estimation/ beside the test statistics they are functions of, so that the robust
and FIML steps can use them; ``FitResult.fit_measures`` (results/) assembles them.

Formulas follow lavaan 0.6 (``R/lav_fit_measures.R``, ``lav_fit_cfi.R``, ``lav_fit_rmsea.R``,
``lav_fit_srmr.R``, ``lav_fit_gfi.R``, ``lav_fit_aic.R``): chisq = 2 N fmin; RMSEA with N (not
N - 1) and the sqrt(G) multi-group correction; its CI by inverting the non-central chi-square;
SRMR as Bentler's (residuals scaled by the sample SDs, means included under a mean structure),
groups weighted by N_g / N; logl from the normal likelihood with N-divisor moments.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sst

LOG2PI = np.log(2 * np.pi)


def ndat(p: int, meanstructure: bool, nx: int = 0, fixed_x: bool = True) -> int:
    """Number of sample statistics of one group, less the fixed-x ones (lavaan's ndat)."""
    n = p * (p + 1) // 2 + (p if meanstructure else 0)
    if fixed_x and nx:
        n -= nx * (nx + 1) // 2 + (nx if meanstructure else 0)
    return n


def loglik(S, mean, sigma, mu, n, meanstructure) -> float:
    """Normal log-likelihood of a group; NaN when the implied covariance is not positive
    definite (a fit that found no admissible point, as lavaan's NA)."""
    p = S.shape[0]
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return float("nan")
    W = S + np.outer(mean - mu, mean - mu) if meanstructure else S
    return -0.5 * n * (p * LOG2PI + logdet + np.sum(W * np.linalg.inv(sigma)))


def loglik_h1(S, n) -> float:
    p = S.shape[0]
    return -0.5 * n * (p * LOG2PI + np.linalg.slogdet(S)[1] + p)


def rmsea(X2, df, N, G=1):
    if df <= 0:
        return np.nan if df < 0 else 0.0
    return float(np.sqrt(max((X2 / N) / df - 1.0 / N, 0.0)) * np.sqrt(G))


def rmsea_ci(X2, df, N, G=1, level=0.90):
    """RMSEA confidence limits by inverting the non-central chi-square in its
    non-centrality (lavaan's ``lav_fit_rmsea_ci``); a limit is 0 when even lambda = 0 puts
    X2 below the quantile."""
    if df == 0:   # lavaan: a saturated model's interval is [0, 0]
        return 0.0, 0.0
    if df < 0 or not np.isfinite(X2):
        return np.nan, np.nan
    if df < 1:  # lavaan: both limits 0 for a saturated model
        return 0.0, 0.0
    out = []
    for target in ((1 + level) / 2, (1 - level) / 2):
        if sst.chi2.cdf(X2, df) < target:
            lam = 0.0
        else:
            lam = float(special.chndtrinc(X2, df, target))
        out.append(float(np.sqrt(lam / (N * df)) * np.sqrt(G)))
    return out[0], out[1]


def rmsea_pvalue(X2, df, N, G=1, h0=0.05):
    if df <= 0:
        return np.nan
    ncp = N * df * h0 ** 2 / G
    return float(1.0 - special.chndtr(X2, df, ncp))


def _rescale(x, scale):
    """lavaan's ``lav_residuals_rescale`` (``R/lav_residuals.R``): multiply by ``scale``
    except where ``|x| < 1e-5`` (those elements are left as they are, "to avoid many NAs")."""
    return np.where(np.abs(x) < 1e-5, x, x * scale)


def srmr_parts(S, mean, sigma, mu, meanstructure):
    """RMR, SRMR (Bentler) and CRMR (Bollen) of one group, with and without the means.

    lavaan 0.6 (``lav_fit_srmr_lavobject``, ``R/lav_fit_srmr.R``) takes them from
    ``lav_residuals_summary`` (``R/lav_residuals.R``): residuals ``obs - est`` after
    ``lav_residuals_rescale``; type ``cor.bentler`` scales both moments by the *observed*
    SDs, type ``cor.bollen`` the covariances each by its own SDs (correlation residuals) but
    both mean vectors by the *observed* SDs (``diag.cov2 = var.obs``), so a saturated mean
    structure gives zero mean residuals. RMS over ``vech`` (diagonal included;
    ``pstar = p(p+1)/2``, for CRMR less the ``p`` zero diagonal terms) and, with means, over
    ``c(mean, vech)``.
    """
    p = S.shape[0]
    isd = 1.0 / np.sqrt(np.diag(S))
    isds = 1.0 / _implied_sd(sigma)
    r, c = np.triu_indices(p)
    ps = len(r)
    raw = (S - sigma)[r, c]
    obs_c = _rescale(S, np.outer(isd, isd))
    bent = (obs_c - _rescale(sigma, np.outer(isd, isd)))[r, c]
    boll = (obs_c - _rescale(sigma, np.outer(isds, isds)))[r, c]
    out = {"rmr_nomean": np.sqrt(np.sum(raw ** 2) / ps),
           "srmr_nomean": np.sqrt(np.sum(bent ** 2) / ps),
           "crmr_nomean": np.sqrt(np.sum(boll ** 2) / (ps - p)) if p > 1 else 0.0}
    if meanstructure:
        rm = mean - mu
        sm = _rescale(mean, isd) - _rescale(mu, isd)   # the same for Bentler and Bollen
        out["rmr"] = np.sqrt((np.sum(raw ** 2) + np.sum(rm ** 2)) / (ps + p))
        out["srmr"] = np.sqrt((np.sum(bent ** 2) + np.sum(sm ** 2)) / (ps + p))
        out["crmr"] = (np.sqrt((np.sum(boll ** 2) + np.sum(sm ** 2)) / ps) if p > 1 else 0.0)
    else:
        for k in ("rmr", "srmr", "crmr"):
            out[k] = out[k + "_nomean"]
    return {**out, **_srmr_mplus(S, mean, sigma, mu, meanstructure)}


def _implied_sd(sigma) -> np.ndarray:
    """Implied SDs; NaN for a variance that is not positive (no admissible point: NA)."""
    d = np.diag(sigma)
    return np.sqrt(np.where(d > 0, d, np.nan))


def _srmr_mplus(S, mean, sigma, mu, meanstructure):
    """Mplus' SRMR (``lav_fit_srmr_mplus``, https://www.statmodel.com/download/SRMR.pdf):
    correlation residuals below the diagonal, relative variance residuals, standardized means."""
    p = S.shape[0]
    sd, sds = np.sqrt(np.diag(S)), _implied_sd(sigma)
    rc = S / np.outer(sd, sd) - sigma / np.outer(sds, sds)
    lo = np.sum(rc[np.tril_indices(p, -1)] ** 2)
    dv = np.sum(((np.diag(S) - np.diag(sigma)) / np.diag(S)) ** 2)
    e = p * (p + 1) / 2
    nomean = np.sqrt((lo + dv) / e)
    if not meanstructure:
        return dict(srmr_mplus=nomean, srmr_mplus_nomean=nomean)
    rm = np.sum((mean / sd - mu / sds) ** 2)
    return dict(srmr_mplus=np.sqrt((lo + rm + dv) / (e + p)), srmr_mplus_nomean=nomean)


def gfi_parts(S, mean, sigma, mu, meanstructure, estimator, x_idx=()):
    """GFI numerator and denominator of one group, lavaan style.

    lavaan 0.6 (``lav_fit_gfi``, ``R/lav_fit_gfi.R``): ``gfi_g = 1 - e' V e / s' V s`` with
    ``s = WLS.obs``, ``e = s - WLS.est`` and ``V = lavInspect(fit, "wls.v")``, the h1 expected
    information (``lav_model_h1_information_expected``, ``R/lav_model_h1_information.R``):
    for ML the structured one, ``blockdiag(Sigma^-1, 1/2 D'(Sigma^-1 (x) Sigma^-1) D)`` at the
    implied Sigma, with the fixed-x rows and columns zeroed (``lav_mvnorm_information_expected``
    with ``x.idx``; done here by zeroing those elements of ``s`` and ``e``); for GLS the sample
    ``S^-1``; for ULS the identity (``WLS.VD``). Returned as ``(2 e'Ve, 2 s'Vs)``.
    """
    p = S.shape[0]
    xi = np.asarray(list(x_idx), dtype=int)
    if estimator == "ML" and len(xi):
        S, mean = S.copy(), np.array(mean, dtype=float)
        E, d = S - sigma, mean - mu
        for M in (S, E):
            M[np.ix_(xi, xi)] = 0.0
        mean[xi] = d[xi] = 0.0
    else:
        E, d = S - sigma, mean - mu
    if estimator == "ULS":  # identity weight on the unique elements (lavaan's WLS.V)
        r, c = np.triu_indices(p)
        num = np.sum(E[r, c] ** 2)
        den = np.sum(S[r, c] ** 2)
        if meanstructure:
            num += np.sum(d ** 2)
            den += np.sum(mean ** 2)
        return num, den
    try:
        Winv = np.linalg.inv(S if estimator == "GLS" else sigma)
    except np.linalg.LinAlgError:   # no admissible point: GFI is NA, as in lavaan
        return float("nan"), float("nan")
    A = Winv @ E
    B = Winv @ S
    num = np.sum(A * A.T)
    den = np.sum(B * B.T)
    if meanstructure:
        num += 2 * d @ Winv @ d
        den += 2 * mean @ Winv @ mean
    return num, den


# Incremental fit indices as lavaan's lav_fit_cfi.R, with optional scaling factors c (model)
# and cb (baseline) for the *_robust variants (c = cb = 1: the standard indices).

def cfi(X2, df, Xb, dfb, c=1.0, cb=1.0):
    t1 = max(X2 - c * df, 0.0)
    t2 = max(X2 - c * df, Xb - cb * dfb, 0.0)
    return 1.0 if np.isclose(t1, 0) and np.isclose(t2, 0) else 1.0 - t1 / t2


def tli(X2, df, Xb, dfb, c=1.0, cb=1.0):
    t1 = (X2 - c * df) * dfb
    t2 = (Xb - cb * dfb) * df
    return 1.0 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def rni(X2, df, Xb, dfb, c=1.0, cb=1.0):
    t2 = Xb - cb * dfb
    return np.nan if np.isclose(t2, 0) else 1.0 - (X2 - c * df) / t2


def incremental(X2, df, Xb, dfb) -> dict:
    rfi = 1.0
    if df > dfb:
        rfi = np.nan
    elif df > 0 and dfb > 0:
        t1, t2 = Xb / dfb - X2 / df, Xb / dfb
        rfi = 1.0 if (t1 < 0 or t2 < 0) else t1 / t2
    nfi = np.nan if df > dfb else ((Xb - X2) / Xb if df > 0 else 1.0)
    pnfi = (df / dfb) * (Xb - X2) / Xb if dfb > 0 and Xb > 0 else np.nan
    t2 = Xb - df
    with np.errstate(divide="ignore", invalid="ignore"):  # R: 0/0 is NaN (a saturated baseline)
        ifi = 1.0 if t2 < 0 else float(np.float64(Xb - X2) / t2)
    return dict(rfi=rfi, nfi=nfi, pnfi=pnfi, ifi=ifi, rni=rni(X2, df, Xb, dfb))


def compute(*, chisq, df, npar, ntotal, ngroups, baseline_chisq, baseline_df, logl,
            unrestricted_logl, fmin, srmr_by_group, gfi_by_group, nobs, p, meanstructure,
            nx=0, fixed_x=True) -> pd.Series:
    N, G = ntotal, ngroups
    pvalue = float(sst.chi2.sf(chisq, df)) if df > 0 else np.nan
    bpvalue = float(sst.chi2.sf(baseline_chisq, baseline_df)) if baseline_df > 0 else np.nan
    inc = incremental(chisq, df, baseline_chisq, baseline_df)
    cfi_ = cfi(chisq, df, baseline_chisq, baseline_df)
    tli_ = tli(chisq, df, baseline_chisq, baseline_df)
    aic = -2 * logl + 2 * npar
    bic = -2 * logl + npar * np.log(N)
    bic2 = -2 * logl + npar * np.log((N + 2) / 24)
    lo, hi = rmsea_ci(chisq, df, N, G)
    w = np.asarray(nobs, dtype=float) / np.sum(nobs)
    sr = {k: float(np.sum(w * np.array([d[k] for d in srmr_by_group])))
          for k in srmr_by_group[0]}
    num = np.array([a for a, _ in gfi_by_group])
    den = np.array([b for _, b in gfi_by_group])
    # lavaan: the N_g / N weighted mean of the groups' GFIs (not a ratio of pooled sums)
    gfi = float(np.sum(w * (1.0 - num / den)))
    nel = G * (p * (p + 1) // 2 + (p if meanstructure else 0))
    agfi = 1.0 - (nel / df) * (1.0 - gfi) if df > 0 else (1.0 if df == 0 else np.nan)
    pgfi = df / nel * gfi
    crit = lambda a: sst.chi2.ppf(1 - a, df) / (chisq / N) + 1 if df > 0 and chisq > 0 else np.nan
    out = {
        "npar": npar, "fmin": fmin, "chisq": chisq, "df": df, "pvalue": pvalue,
        "baseline_chisq": baseline_chisq, "baseline_df": baseline_df,
        "baseline_pvalue": bpvalue, "cfi": cfi_, "tli": tli_, "nnfi": tli_, "rfi": inc["rfi"],
        "nfi": inc["nfi"], "pnfi": inc["pnfi"], "ifi": inc["ifi"], "rni": inc["rni"],
        "logl": logl, "unrestricted_logl": unrestricted_logl, "aic": aic, "bic": bic,
        "ntotal": N, "bic2": bic2, "rmsea": rmsea(chisq, df, N, G), "rmsea_ci_lower": lo,
        "rmsea_ci_upper": hi, "rmsea_ci_level": 0.90,
        "rmsea_pvalue": rmsea_pvalue(chisq, df, N, G), "rmsea_close_h0": 0.05,
        "rmsea_notclose_pvalue": (float(special.chndtr(chisq, df, N * df * 0.08 ** 2 / G))
                                  if df > 0 else np.nan),
        "rmsea_notclose_h0": 0.08,
        "rmr": sr["rmr"], "rmr_nomean": sr["rmr_nomean"], "srmr": sr["srmr"],
        "srmr_bentler": sr["srmr"], "srmr_bentler_nomean": sr["srmr_nomean"],
        "crmr": sr["crmr"], "crmr_nomean": sr["crmr_nomean"],
        "srmr_mplus": sr["srmr_mplus"], "srmr_mplus_nomean": sr["srmr_mplus_nomean"],
        "cn_05": crit(0.05), "cn_01": crit(0.01),
        "gfi": gfi, "agfi": agfi, "pgfi": pgfi,
        "mfi": float(np.exp(-0.5 * (chisq - df) / N)),
        "ecvi": float(chisq / N + 2 * npar / N),
    }
    return pd.Series(out, dtype=float)
