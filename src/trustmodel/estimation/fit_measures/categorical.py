"""Fit measures of the WLS-family (ordinal) fits, with lavaan 0.6-14's names.

* standard test ``T = 2 N fmin`` (``R/lav_test.R``);
* mean-adjusted (``"WLSM"``, lavaan's ``satorra.bentler``): ``T / c`` with
  ``c = tr(U Gamma) / df``;
* mean-and-variance adjusted (``"WLSMV"``, ``"ULSMV"``, ``scaled.shifted``):
  ``a T + b`` with ``a = sqrt(df / tr((U Gamma)^2))``, ``b = df - a tr(U Gamma)``
  (``R/lav_test_satorra_bentler.R``; Asparouhov & Muthen 2010);
* the baseline (independence) model keeps thresholds, means and variances free and the
  correlations at zero; being linear, its fit is a projection;
* fit measures as ``R/lav_fit_measures.R``, ``lav_fit_cfi.R``, ``lav_fit_rmsea.R``,
  ``lav_fit_srmr.R`` (residuals in the correlation metric, thresholds as the mean part),
  ``lav_fit_gfi.R`` (with the WLS weight) and ``lav_fit_measures.R`` (WRMR = sqrt(T / e)).

The "robust" CFI/TLI/RMSEA of categorical data follow Savalei (2021) as lavaan 0.6-14's
``lav_fit_catml_dwls`` / ``lav_object_catml``: the ML discrepancy of the polychoric matrix
from the model-implied correlations at the DWLS estimates ("catML", no refit), scaled by
``c = tr(U' V U Gamma) / df`` with ``V`` the normal-theory information of the correlations
at the implied matrix; lavaan leaves them out (NA) when continuous indicators are present
or the polychoric matrix is not positive definite, and so does this module.

References
----------
Savalei, V. (2021). Improving fit indices in structural equation modeling with categorical
data. *Multivariate Behavioral Research*, 56, 390-407. doi:10.1080/00273171.2020.1717922
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sst

from ..categorical.statistics import baseline, scaled_test
from ..categorical.wls import _bdiag, ug_traces
from . import indices as fm


def categorical_fit_measures(fit) -> dict:
    """Every fit measure of a :class:`~trustmodel.estimation.categorical.fit.CategoricalFit`."""
    problem = fit.problem
    Js = [problem.model.implied(problem.values(fit.x), g)[1] for g in range(len(problem.stats))]
    return fit_measures(problem, fit.x, fit.fmin, Js, fit.einv, problem.test_kind,
                        fit.estimator)


def fit_measures(problem, x, fmin, Js, Einv, test_kind, estimator) -> dict:
    """Every fit measure this module computes (names with "." -> "_")."""
    N = problem.ntotal
    G = len(problem.stats)
    nstat = sum(len(s.wls_obs) for s in problem.stats)
    df = nstat - problem.npar
    npar = problem.npar
    T = 2 * N * fmin
    out = {"npar": npar, "fmin": fmin, "chisq": T, "df": df,
           "pvalue": float(sst.chi2.sf(T, df)) if df > 0 else np.nan}
    Tb, dfb, btr1, btr2 = baseline(problem)
    out.update(baseline_chisq=Tb, baseline_df=dfb, baseline_pvalue=float(sst.chi2.sf(Tb, dfb)))
    scaled = test_kind != "standard"
    if scaled:
        tr1, tr2 = ug_traces(problem, Js, Einv)
        Ts, c, shift = scaled_test(T, df, tr1, tr2, test_kind)
        Tbs, cb, _bshift = scaled_test(Tb, dfb, btr1, btr2, test_kind)
        out.update(chisq_scaled=Ts, df_scaled=df,
                   pvalue_scaled=float(sst.chi2.sf(Ts, df)) if df > 0 else np.nan,
                   chisq_scaling_factor=c)
        if test_kind == "scaled_shifted":
            out["chisq_shift_parameters"] = shift
        out.update(baseline_chisq_scaled=Tbs, baseline_df_scaled=dfb,
                   baseline_pvalue_scaled=float(sst.chi2.sf(Tbs, dfb)),
                   baseline_chisq_scaling_factor=cb)
    out["cfi"] = fm.cfi(T, df, Tb, dfb)
    out["tli"] = out["nnfi"] = fm.tli(T, df, Tb, dfb)
    out.update(fm.incremental(T, df, Tb, dfb))
    if scaled:
        out["cfi_scaled"] = fm.cfi(Ts, df, Tbs, dfb)
        out["tli_scaled"] = out["nnfi_scaled"] = fm.tli(Ts, df, Tbs, dfb)
        out.update({f"{k}_scaled": v for k, v in fm.incremental(Ts, df, Tbs, dfb).items()})
    n_fit = N - G          # lavaan's lav_utils_get_ntotal for the least-squares estimators
    _rmsea(out, "", T, df, n_fit, G)
    if scaled:
        if test_kind == "scaled_shifted":
            _rmsea(out, "_scaled", Ts, df, n_fit, G)
        else:
            _rmsea(out, "_scaled", T, tr1, n_fit, G)
    out.update(_robust_catml(problem, x, Js, Einv, N - G, G, df))
    out.update(_residual_measures(problem, x))
    for lev, key in ((0.05, "cn_05"), (0.01, "cn_01")):
        out[key] = (sst.chi2.ppf(1 - lev, df) / (T / n_fit) + 1) if df > 0 and T > 0 else np.nan
    gfi = 0.0
    for g, (s, W) in enumerate(zip(problem.stats, problem.weights)):
        r = s.wls_obs - problem.model.implied(problem.values(x), g, jacobian=False)[0]
        gfi += problem.fg[g] * (1 - (r @ W @ r) / (s.wls_obs @ W @ s.wls_obs))
    out["gfi"] = gfi
    out["agfi"] = 1 - (nstat / df) * (1 - out["gfi"]) if df > 0 else np.nan
    out["pgfi"] = df / nstat * out["gfi"]
    out["mfi"] = float(np.exp(-0.5 * (T - df) / n_fit))
    out["wrmr"] = float(np.sqrt(T / len(problem.stats[0].wls_obs)))   # lav_fit_wrmr
    if estimator in ("ULS", "ULSMV"):   # lavaan: the ULS test has no reference distribution
        out["pvalue"] = out["baseline_pvalue"] = np.nan
    return out


def _nt_cor_information(S):
    """Off-diagonal block of the inverse normal-theory covariance of the sample covariances
    (lavaan's ``WLS.V`` of an ML fit to a correlation structure), at ``S``."""
    p = S.shape[0]
    vech = [(i, j) for j in range(p) for i in range(j, p)]
    a = np.array([i for i, _ in vech])
    b = np.array([j for _, j in vech])
    G = S[np.ix_(a, a)] * S[np.ix_(b, b)] + S[np.ix_(a, b)] * S[np.ix_(b, a)]
    Vi = np.linalg.inv(G)
    off = np.flatnonzero(a != b)   # pair_order: column-wise lower triangle = this vech order
    return Vi[np.ix_(off, off)]


def _robust_catml(problem, x, Js, Einv, n_fit, G, df) -> dict:
    """cfi/tli/rni/rmsea ``_robust`` of all-ordinal models (Savalei 2021; see module doc)."""
    stats = problem.stats
    lvs = list(problem.model.table.names.lv)
    if any(len(s.num_idx) or s.nslope for s in stats):
        return {}   # lavaan 0.6-14: NA with continuous indicators or covariates
    v = problem.values(x)
    X3 = X3null = 0.0
    blocks_V, blocks_W, blocks_G, rows_D = [], [], [], []
    npstar = 0
    for g, (s, J) in enumerate(zip(stats, Js)):
        S = s.cov
        if np.linalg.eigvalsh(S).min() < np.sqrt(np.finfo(float).eps):
            return {}
        est = problem.model.implied(v, g, jacobian=False)[0]
        k0 = len(s.th)
        sig = np.eye(s.p)
        low = np.tril_indices(s.p, -1)
        order = np.lexsort((low[0], low[1]))
        sig[low[0][order], low[1][order]] = est[k0:]
        sig[low[1][order], low[0][order]] = est[k0:]
        F = (np.linalg.slogdet(sig)[1] - np.linalg.slogdet(S)[1]
             + np.trace(S @ np.linalg.inv(sig)) - s.p)
        X3 += s.nobs * F
        X3null += s.nobs * -np.linalg.slogdet(S)[1]
        fg = problem.fg[g]
        blocks_V.append(fg * _nt_cor_information(sig))
        blocks_W.append(fg * problem.weights[g][k0:, k0:])
        blocks_G.append(s.gamma[k0:, k0:] / fg)
        rows_D.append(J[k0:])
        npstar += len(est) - k0
    c = problem.model.table.cols
    th_free = c.free[(c.op == "|") & (c.free > 0)]
    if (np.any((c.free > 0) & ((c.op == "~*~") | ((c.op == "~1") & np.isin(c.lhs, lvs))))
            or len(np.unique(th_free)) < len(th_free)):
        return {}   # equal thresholds across groups: lavaan's catML refit gives NA here
    nfree_cat = len(np.unique(c.free[(c.free > 0) & ~np.isin(c.op, ("|", "~1"))]))
    df3 = npstar - nfree_cat    # the catML model's df (thresholds and means removed)
    if df3 <= 0 or df <= 0:
        return {}
    V, W, Gm = _bdiag(blocks_V), _bdiag(blocks_W), _bdiag(blocks_G)
    D = np.vstack(rows_D)
    WiU = np.eye(len(D)) - D @ Einv @ D.T @ W
    c3 = float(np.trace(WiU.T @ V @ WiU @ Gm)) / df3
    c3null = float(np.trace(Gm)) / npstar
    # lav_fit_cfi_lavobject: the catML statistics on the DWLS model's df
    out = {"cfi_robust": fm.cfi(X3, df, X3null, npstar, c3, c3null),
           "tli_robust": fm.tli(X3, df, X3null, npstar, c3, c3null),
           "rni_robust": fm.rni(X3, df, X3null, npstar, c3, c3null)}
    out["nnfi_robust"] = out["tli_robust"]
    N = n_fit
    out["rmsea_robust"] = float(np.sqrt(max(X3 / N / df3 - c3 / N, 0.0)) * np.sqrt(G))
    X3s = X3 / c3
    lo, hi = fm.rmsea_ci(X3s, df3, N, G, 0.90)
    out["rmsea_ci_lower_robust"], out["rmsea_ci_upper_robust"] = lo * np.sqrt(c3), hi * np.sqrt(c3)
    out["rmsea_pvalue_robust"] = float(sst.ncx2.sf(X3s, df3, N * df3 * 0.05 ** 2 / c3 / G))
    out["rmsea_notclose_pvalue_robust"] = float(sst.ncx2.cdf(X3s, df3,
                                                             N * df3 * 0.08 ** 2 / c3 / G))
    return out


def _rmsea(out, suffix, X2, df, N, G):
    out[f"rmsea{suffix}"] = fm.rmsea(X2, df, N, G)
    lo, hi = fm.rmsea_ci(X2, df, N, G, 0.90)
    out[f"rmsea_ci_lower{suffix}"], out[f"rmsea_ci_upper{suffix}"] = lo, hi
    out[f"rmsea_pvalue{suffix}"] = fm.rmsea_pvalue(X2, df, N, G, 0.05)
    out[f"rmsea_notclose_pvalue{suffix}"] = (float(sst.ncx2.cdf(X2, df, N * df * 0.08 ** 2 / G))
                                             if df > 0 else np.nan)
    if not suffix:
        out["rmsea_ci_level"] = 0.90
        out["rmsea_close_h0"] = 0.05
        out["rmsea_notclose_h0"] = 0.08


def _residual_measures(problem, x) -> dict:
    """RMR / SRMR / CRMR on the correlation metric with thresholds as the mean part."""
    v = problem.values(x)
    acc = {k: 0.0 for k in ("rmr", "rmr_nomean", "srmr_bentler", "srmr_bentler_nomean",
                            "crmr", "crmr_nomean")}
    for g, s in enumerate(problem.stats):
        est = problem.model.implied(v, g, jacobian=False)[0]
        p = s.p
        nth = len(s.th)
        nnum = len(s.num_idx)
        k0 = s.n_univariate
        # implied covariance matrix in the stats' layout
        imp = np.zeros((p, p))
        low = np.tril_indices(p, -1)
        order = np.lexsort((low[0], low[1]))
        ii, jj = low[0][order], low[1][order]
        imp[ii, jj] = imp[jj, ii] = est[k0:]
        d = np.ones(p)
        d[s.num_idx] = est[k0 - nnum:k0]
        imp[np.diag_indices(p)] = d
        S = s.cov
        isd = 1 / np.sqrt(np.diag(S))
        raw = S - imp
        raw[np.diag_indices(p)] = 0.0   # lavaan: variance residuals of continuous items count as 0
        std = raw * np.outer(isd, isd)
        o = s.ordinal[s.th_var]           # the "mean" part: ordinal thresholds only
        th_raw = (s.wls_obs[:nth] - est[:nth])[o]
        th_std = th_raw
        nth = int(o.sum())
        tri = np.tril_indices(p)
        off = np.tril_indices(p, -1)
        # with covariates lavaan 0.6-14 also counts their (zero) variance residuals
        e_all, e_off = len(tri[0]) + len(s.exo), len(off[0])
        # crmr: correlation residuals, the implied matrix on its own standard deviations
        isd_imp = 1 / np.sqrt(np.diag(imp))
        cres = S * np.outer(isd, isd) - imp * np.outer(isd_imp, isd_imp)
        r2, s2, c2 = np.sum(raw[tri] ** 2), np.sum(std[tri] ** 2), np.sum(cres[off] ** 2)
        m_raw, m_std = np.sum(th_raw ** 2), np.sum(th_std ** 2)
        part = {"rmr": np.sqrt((r2 + m_raw) / (e_all + nth)),
                "rmr_nomean": np.sqrt(r2 / e_all),
                "srmr_bentler": np.sqrt((s2 + m_std) / (e_all + nth)),
                "srmr_bentler_nomean": np.sqrt(s2 / e_all),
                "crmr": np.sqrt((c2 + m_std) / (e_off + nth)) if e_off else 0.0,
                "crmr_nomean": np.sqrt(c2 / e_off) if e_off else 0.0}
        for k in acc:
            acc[k] += problem.fg[g] * part[k]
    acc["srmr"] = acc["srmr_bentler_nomean"]
    return acc


