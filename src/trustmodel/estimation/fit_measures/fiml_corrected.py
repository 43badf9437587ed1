"""FIML-corrected ("robust") RMSEA and CFI for missing = "fiml" with the standard test.

lavaan 0.6.14 reports ``cfi_robust``, ``tli_robust``, ``rmsea_robust`` (and CI, p-values) for
every ``missing = "ml"`` fit: Zhang & Savalei (2023), "New computations for RMSEA and CFI
following FIML and TS estimation with missing data", Psychological Methods 28(2), 263-283,
version V6 for the unscaled test (``lav_fit_fiml_corrected`` in ``R/lav_fit_utils.R``):

- XX3: the complete-data ML statistic of the FIML estimates against the h1 (EM) moments;
- k = sum_g [tr(Wc_g Wm_g^-1) - f_g tr(Delta_g' Wc_g Delta_g E^-1)], with Wm the observed
  h1 information of the incomplete data, Wc the complete-data h1 information at the EM
  moments, E = sum_g f_g Delta_g' Wm_g Delta_g (observed.information = "h1", unstructured);
- c.hat3 = k / df; the same for the independence model (its FIML estimates: each variable's
  observed mean and variance).

With fixed-x covariates lavaan zeroes the covariates' block in Wm, Wc and the scores and
inverts the rest (:mod:`..fiml.robust`); the independence model keeps that block at the h1
(co)variances. Here the block is left out of the saturated basis: the same traces.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import block_diag

from ..core import discrepancy as disc
from ..core.constraints import information_inverse
from ..core.saturated import delta_in_pi, expected_information, saturated_derivatives
from ..fiml.robust import h1_observed, h1_scores, not_x, yb_trace
from .scaled import robust_measures, scaled_measures


def fiml_corrected(problem, x, version: str = "V6"):
    """XX3, k, XX3_null, k_null of a FIML fit (c.hat3 = k / df, c.hat3.null = k_null / bdf).

    ``version="V3"`` (lavaan's choice with a scaled test, e.g. MLR) uses
    k = tr(U Wm^-1 Wc Wm^-1 U Gamma), Gamma = Wm^-1 Jm Wm^-1 with Jm the first-order h1
    information; "V6" (the standard test) k = tr(Wc Wm^-1 U Wm^-1).
    """
    v = problem.values(x)
    p = problem.model.p
    xi = list(problem.x_idx)
    dsat, dmsat = saturated_derivatives(p, True, xi)
    # independence model: the variances (diagonal vech elements) and the means outside x
    free_b = [k for k in range(len(dsat))
              if np.count_nonzero(dsat[k]) == 1 or np.any(dmsat[k])]
    DB = np.eye(len(dsat))[free_b]
    total = float(sum(problem.nobs))
    parts = []
    for g, pats in enumerate(problem.patterns):
        S, m = problem.covs[g], problem.means[g]
        Wm = h1_observed(pats, S, m, xi)
        Wc = expected_information(S, dsat, dmsat, True)
        imp = problem.model.implied(v, g, derivatives=True)
        Delta = delta_in_pi(imp.dsigma, imp.dmu, dsat, dmsat, True)
        parts.append((pats.nobs / total, S, m, Wm, Wc, Delta, DB, imp))
    E = sum(f * D @ Wm @ D.T for f, _, _, Wm, _, D, _, _ in parts)
    # the independence model has its own means and variances in every group (lavaan's
    # lav_object_independence): its information is block diagonal over the groups
    EBi_g = [np.linalg.inv(f * DB @ Wm @ DB.T) for f, _, _, Wm, _, _, DB, _ in parts]
    EBi = block_diag(*EBi_g)
    # lavaan's inverted.information: augmented under the model's general constraints
    Ei = information_inverse(problem, x, E)
    k = kb = XX3 = XX3b = 0.0
    if version == "V3":
        k, kb = _v3_traces(problem, parts, dsat, dmsat, Ei, EBi)
    for (f, S, m, Wm, Wc, D, DB, imp), pats, bmv, EBi_b in zip(
            parts, problem.patterns, problem.baseline_moments, EBi_g):
        if version != "V3":
            base = float(np.sum(Wc * np.linalg.inv(Wm).T))
            k += base - f * float(np.sum((D @ Wc @ D.T) * Ei.T))
            kb += base - f * float(np.sum((DB @ Wc @ DB.T) * EBi_b.T))
        n = pats.nobs
        ld = np.linalg.slogdet(S)[1]
        XX3 += 2 * n * disc.ml_value(S, m, imp.sigma, imp.mu, ld, True)
        bmean, bvar = bmv
        bsig = np.diag(bvar)
        bsig[np.ix_(xi, xi)] = S[np.ix_(xi, xi)]   # the covariates' block stays saturated
        bmean = np.where(np.isin(np.arange(p), xi), m, bmean)
        XX3b += 2 * n * disc.ml_value(S, m, bsig, bmean, ld, True)
    return XX3, k, XX3b, kb


def _v3_traces(problem, parts, dsat, dmsat, Ei, EBi):
    """k and k_null of version V3 (lavaan's block-diagonal form over the groups)."""
    Wm_all, Wmi_all, Wc_all, Gam_all, Ds, DBs = [], [], [], [], [], []
    for (f, S, m, Wm, Wc, D, DB, _), pats in zip(parts, problem.patterns):
        Wmi = np.linalg.inv(Wm)
        s1 = h1_scores(pats, S, m, dsat, dmsat)
        Jm = s1.T @ s1 / len(s1)
        Wm_all.append(f * Wm), Wmi_all.append(Wmi / f), Wc_all.append(f * Wc)
        Gam_all.append(Wmi @ Jm @ Wmi / f), Ds.append(D), DBs.append(DB)
    Wm_all, Wmi_all, Wc_all, Gam_all = (block_diag(*a) for a in (Wm_all, Wmi_all, Wc_all,
                                                                 Gam_all))
    Delta, DeltaB = np.hstack(Ds).T, block_diag(*DBs).T
    M = Wmi_all @ Wc_all @ Wmi_all
    out = []
    for Dl, E_inv in ((Delta, Ei), (DeltaB, EBi)):
        U = Wm_all - Wm_all @ Dl @ E_inv @ Dl.T @ Wm_all
        out.append(float(np.trace(U @ M @ U @ Gam_all)))
    return out


def scaled_fiml_measures(problem, x, baseline, df, bdf, N, G, nx_free=None) -> dict:
    """``*_scaled`` (Yuan-Bentler Mplus) and FIML-corrected V3 ``*_robust`` measures; ``baseline``
    is the FIML fit (``FitState``) of the independence model; ``nx_free`` (lavaan's free rows
    before equality constraints) divides the h0 trace of ``scaling_factor_h0``."""
    chisq = 2.0 * (sum(problem.logl_h1) - problem.loglik(x))
    bchisq = 2.0 * (sum(problem.logl_h1) - problem.baseline_logl)
    tr, h1, h0 = yb_trace(problem, x)
    bst = baseline
    btr = yb_trace(bst.problem, bst.x)[0]
    p = problem.model.p
    ndat = len(problem.patterns) * len(not_x(p, problem.x_idx))
    out = scaled_measures(chisq=chisq, df=df, c=tr / df, bchisq=bchisq, bdf=bdf, cb=btr / bdf,
                          N=N, G=G, h1_traces=h1, h1_ndat=ndat, h0_traces=h0,
                          npar=problem.npar if nx_free is None else nx_free)
    if all(len(v) for v in problem.baseline_moments):
        XX3, k, XX3b, kb = fiml_corrected(problem, x, version="V3")
        out.update(robust_measures(XX3, df, k / df, XX3b, bdf, kb / bdf, N, G))
    return out
