"""Robust pieces of FIML: casewise scores, the MLR sandwich, Yuan-Bentler traces.

MLR with incomplete data (``estimator="MLR", missing="fiml"``), as lavaan 0.6.14.

lavaan's MLR with ``missing = "ml"``: ``se = "robust.huber.white"`` with observed information
(the Hessian) and the Yuan-Bentler Mplus test (``R/lav_test_yuan_bentler.R``) where, for
incomplete data, A1 is the observed information of the saturated (h1) incomplete-data model at
the EM moments and B1, B0 are mean outer products of the casewise scores of the h1 and the
structured model (``lav_mvnorm_missing_scores_mu_vech_sigma``). The robust CFI/RMSEA follow
Zhang & Savalei (2023) version V3 (``lav_fit_fiml_corrected``).

Casewise scores, row i in pattern k (r = y_o - mu_o, z = Sigma_oo^-1 r):
d log f / d Sigma = 1/2 P'(z z' - Sigma_oo^-1)P and d log f / d mu = P'z.

Fixed-x covariates: lavaan zeroes the rows and columns of the covariates' own block (their
means and the (co)variances among them) in the h1 information and scores
(``lav_mvnorm_missing_logl_hessian_samplestats``, ``lav_mvnorm_missing_scores_mu_vech_sigma``
with ``x.idx``) and inverts the rest (``lav_matrix_symmetric_inverse`` drops zero rows); here
those elements are left out of the saturated basis (:func:`saturated_derivatives` with
``x_idx``), the same traces.
"""
from __future__ import annotations

import numpy as np

from ..core.constraints import information_inverse
from ..core.linalg import SE_FALLBACK, TEST_FALLBACK
from ..core.saturated import saturated_derivatives
from .problem import observed_information_fiml


def casewise_pieces(pats, sigma, mu):
    """Per row: (n x p^2) padded d log f / d Sigma and (n x p) d log f / d mu."""
    p = pats.p
    inv = pats.inverses(sigma)
    dS, dm = [], []
    for b, (W, _) in zip(pats.blocks, inv):
        Wr = W[b.pid]
        z = np.einsum("mij,mj->mi", Wr, b.Yo - mu[b.obs][b.pid])
        M = 0.5 * (np.einsum("mi,mj->mij", z, z) - Wr)
        m = len(z)
        padS = np.zeros((m, p * p))
        np.put_along_axis(padS, b.flat[b.pid], M.reshape(m, -1), axis=1)
        padm = np.zeros((m, p))
        np.put_along_axis(padm, b.obs[b.pid], z, axis=1)
        dS.append(padS), dm.append(padm)
    return np.concatenate(dS), np.concatenate(dm)


def structured_scores(problem, x):
    """Casewise scores (n_g x q) of every group at x."""
    v = problem.values(x)
    out = []
    q = problem.npar
    for g, pats in enumerate(problem.patterns):
        imp = problem.model.implied(v, g, derivatives=True)
        dS, dm = casewise_pieces(pats, imp.sigma, imp.mu)
        out.append(dS @ imp.dsigma.reshape(q, -1).T + dm @ imp.dmu.T)
    return out


def not_x(p: int, x_idx=()) -> np.ndarray:
    """Positions, in the full (vech, mu) basis, of the elements outside the fixed-x block
    (lavaan's ``eliminate.pstar.idx``): the basis of ``saturated_derivatives(p, True, x_idx)``."""
    x = set(int(i) for i in x_idx)
    keep = [not (i in x and j in x) for j in range(p) for i in range(j, p)]
    return np.flatnonzero(keep + [i not in x for i in range(p)])


def h1_observed(pats, S, m, x_idx=()):
    """Observed information of the saturated incomplete-data likelihood, (vech, mu) order,
    the fixed-x block left out."""
    p = pats.p
    _, _, Hss, R, Wsum = pats.hessian_parts(S, m)
    dsat = saturated_derivatives(p, True)[0]
    ns = p * (p + 1) // 2
    D = dsat[:ns].reshape(ns, p * p)
    out = np.zeros((ns + p, ns + p))
    out[:ns, :ns] = D @ Hss @ D.T
    out[:ns, ns:] = D @ R
    out[ns:, :ns] = out[:ns, ns:].T
    out[ns:, ns:] = Wsum
    keep = not_x(p, x_idx)
    out = out[np.ix_(keep, keep)]
    return 0.5 * (out + out.T) / pats.nobs


def h1_scores(pats, S, m, dsat, dmsat):
    """Casewise scores of the saturated (h1) model at (S, m) on the (vech, mu) basis."""
    dS, dm = casewise_pieces(pats, S, m)
    return dS @ dsat.reshape(len(dsat), -1).T + dm @ dmsat.T


def mlr_vcov(problem, x, A=None):
    """Huber-White sandwich A^-1 B0 A^-1 / N with the observed information A."""
    A = observed_information_fiml(problem, x) if A is None else A
    scores = structured_scores(problem, x)
    N = float(sum(len(s) for s in scores))
    B = sum(s.T @ s for s in scores) / N
    Ai = information_inverse(problem, x, A, "the observed information matrix", SE_FALLBACK)
    V = Ai @ B @ Ai / N
    return 0.5 * (V + V.T)


def yb_trace(problem, x, A=None):
    """tr(U Gamma) of the Yuan-Bentler Mplus variant for a FIML fit, with h1 and h0 parts
    (the h1 part over the elements outside the fixed-x block, lavaan's ``h1.ndat``)."""
    A = observed_information_fiml(problem, x) if A is None else A
    Ai = information_inverse(problem, x, A, "the observed information matrix", TEST_FALLBACK)
    p = problem.model.p
    dsat, dmsat = saturated_derivatives(p, True, problem.x_idx)
    N = float(sum(problem.nobs))
    h1, h0 = [], []
    for g, (pats, sc) in enumerate(zip(problem.patterns, structured_scores(problem, x))):
        S, m = problem.covs[g], problem.means[g]
        A1 = h1_observed(pats, S, m, problem.x_idx)
        s1 = h1_scores(pats, S, m, dsat, dmsat)
        B1 = s1.T @ s1 / len(s1)
        h1.append(float(np.sum(B1 * np.linalg.inv(A1).T)))
        B0 = sc.T @ sc / len(sc)
        h0.append(len(sc) / N * float(np.sum(B0 * Ai.T)))
    return sum(h1) - sum(h0), h1, h0
