"""Test statistics of the WLS-family fits (lavaan 0.6-14): the mean-adjusted
(``satorra.bentler``) and mean-and-variance-adjusted (``scaled.shifted``) corrections of
``T = 2 N fmin`` (``R/lav_test_satorra_bentler.R``; Asparouhov & Muthen 2010), the
independence (baseline) model, and the nested-model difference tests of ``lavTestLRT``.
The fit measures built from them live in :mod:`trustmodel.estimation.fit_measures.categorical`.
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sst

from .wls import _bdiag, ug_traces


def scaled_test(T, df, tr1, tr2, kind):
    """(scaled statistic, scaling factor, shift) for ``kind`` mean / mean-and-variance."""
    if df <= 0:
        return T, np.nan, np.nan
    if kind == "mean_adjusted":
        c = tr1 / df
        return T / c, c, np.nan
    a = np.sqrt(df / tr2)
    b = df - a * tr1
    return a * T + b, 1 / a, b


def baseline(problem):
    """Independence model: its test statistic, df, Jacobians and (tr1, tr2).

    Thresholds, means, variances and (with covariates, as lavaan's
    ``lav_partable_independence`` under ``conditional.x``) the slopes stay free; the
    correlations are zero."""
    T, Js, nstat = 0.0, [], 0
    for g, (s, W) in enumerate(zip(problem.stats, problem.weights)):
        k = s.n_univariate     # thresholds / means, slopes, variances stay free
        m = len(s.wls_obs)
        nstat += m
        D = np.zeros((m, 0))
        Js.append((k, m))
    npar = sum(k for k, _ in Js)
    blocks, col = [], 0
    for k, m in Js:
        D = np.zeros((m, npar))
        D[np.arange(k), col + np.arange(k)] = 1.0
        col += k
        blocks.append(D)
    A = sum(problem.fg[g] * D.T @ W @ D for g, (D, W) in enumerate(zip(blocks, problem.weights)))
    b = sum(problem.fg[g] * D.T @ W @ s.wls_obs
            for g, (D, W, s) in enumerate(zip(blocks, problem.weights, problem.stats)))
    x = np.linalg.solve(A, b)
    for g, (D, W, s) in enumerate(zip(blocks, problem.weights, problem.stats)):
        r = s.wls_obs - D @ x
        T += (s.nobs - 1) * r @ W @ r
    Einv = np.linalg.inv(A)
    tr1, tr2 = ug_traces(problem, blocks, Einv)
    return T, nstat - npar, tr1, tr2


def difference_test(free, restricted) -> dict:
    """lavaan's ``lavTestLRT`` default for nested WLS-family fits: Satorra (2000) under a
    mean-and-variance adjusted test (WLSMV, ULSMV), Satorra & Bentler (2001) under a
    mean-adjusted one (WLSM), the plain difference otherwise."""
    test = free.problem.test_kind
    if test == "scaled_shifted":
        return satorra2000(free, restricted)
    f1, f0 = free.fit_measures, restricted.fit_measures
    m = int(f0["df"] - f1["df"])
    T1, T0 = f1["chisq"], f0["chisq"]
    if m <= 0:
        return {"chisq_diff": T0 - T1, "df_diff": m, "pvalue": np.nan, "scaled": False}
    if test == "mean_adjusted":
        c1 = f1["chisq_scaling_factor"] if f1["df"] > 0 else 1.0
        cd = (f0["df"] * f0["chisq_scaling_factor"] - f1["df"] * c1) / m
        stat = (T0 - T1) / cd if cd > 0 else np.nan
        return {"chisq_diff": float(stat), "df_diff": m,
                "pvalue": float(sst.chi2.sf(stat, m)) if cd > 0 else np.nan, "scaled": True}
    return {"chisq_diff": float(T0 - T1), "df_diff": m,
            "pvalue": float(sst.chi2.sf(max(T0 - T1, 0), m)), "scaled": False}


def satorra2000(free, restricted) -> dict:
    """Scaled-shifted difference test of nested WLSMV / ULSMV fits (``lavTestLRT``'s
    ``lav_test_diff_Satorra2000`` with ``A.method = "delta"``).

    ``free`` and ``restricted`` are :class:`.fit.CategoricalFit` of nested models on the same
    data (``restricted`` has more degrees of freedom). The constraints are found from the two
    Jacobians (``lav_test_diff_A``: the orthogonal complement of ``Delta1^+ Delta0``); under
    the difference is scaled and shifted, ``a (T0 - T1) + b`` with ``a = sqrt(m / tr(UG^2))``
    and ``b = m - a tr(UG)``.

    References
    ----------
    Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of
    moment structures. In R. D. H. Heijmans et al. (Eds.), *Innovations in multivariate
    statistical analysis* (pp. 233-247). Kluwer.
    """
    from scipy.linalg import null_space
    p1, p0 = free.problem, restricted.problem
    T1, T0 = 2 * p1.ntotal * free.fmin, 2 * p0.ntotal * restricted.fmin
    nstat = sum(len(s.wls_obs) for s in p1.stats)
    m = (nstat - p0.npar) - (nstat - p1.npar)
    if m <= 0:
        return {"chisq_diff": T0 - T1, "df_diff": int(m), "pvalue": np.nan, "scaled": True}
    v1, v0 = p1.values(free.x), p0.values(restricted.x)
    D1 = [p1.model.implied(v1, g)[1] for g in range(len(p1.stats))]
    D0 = np.vstack([p0.model.implied(v0, g)[1] for g in range(len(p0.stats))])
    H = np.linalg.pinv(np.vstack(D1)) @ D0
    A = null_space(H.T).T
    P = sum(p1.fg[g] * J.T @ W @ J for g, (J, W) in enumerate(zip(D1, p1.weights)))
    Pinv = np.linalg.inv(P)
    APA = A @ Pinv @ A.T
    keep = ~((np.abs(APA.sum(axis=0)) < np.sqrt(np.finfo(float).eps))
             & (np.abs(APA.sum(axis=1)) < np.sqrt(np.finfo(float).eps)))
    A = A[keep]
    M = Pinv @ A.T @ np.linalg.pinv(A @ Pinv @ A.T) @ A @ Pinv
    tr1 = sum(p1.fg[g] * np.trace(W @ s.gamma @ W @ J @ M @ J.T)
              for g, (J, W, s) in enumerate(zip(D1, p1.weights, p1.stats)))
    G = _bdiag([p1.fg[g] * s.gamma for g, s in enumerate(p1.stats)])
    V = _bdiag(p1.weights)
    PI = np.vstack(D1)
    UG = V @ PI @ M @ PI.T @ V @ G
    tr2 = float(np.sum(UG * UG.T))
    a = np.sqrt(m / tr2)
    stat = (T0 - T1) * a + (m - a * tr1)
    return {"chisq_diff": float(stat), "df_diff": int(m),
            "pvalue": float(sst.chi2.sf(stat, m)), "scaled": True}
