"""Factor scores of ordinal indicators: the posterior mode of each case's latent values
(lavaan 0.6-14's ``lavPredict(fit)`` for categorical data, method "EBM",
``lav_predict_eta_ebm_ml``).

For case ``i`` the score maximises ``log phi(eta; mu, Psi) + sum_j log P(y_ij | eta)`` with
``P(y = k | eta) = Phi((tau_k - lambda_j' eta) / s_j) - Phi((tau_{k-1} - lambda_j' eta) /
s_j)`` and ``s_j`` the residual SD of the latent response (conditional independence given the
factors); missing items drop out of the sum. The objective is strictly concave, and Newton's
method runs on all cases at once (batched ``nfac x nfac`` solves).
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from .univariate import dnorm


def _item_terms(m, up, lo, s):
    """d log P / dm and d2 log P / dm2 of every (case, item) at linear predictor m."""
    with np.errstate(invalid="ignore"):
        a = (up - m) / s
        b = (lo - m) / s
    P = np.maximum(ndtr(a) - ndtr(b), 1e-300)
    fa, fb = dnorm(a), dnorm(b)
    with np.errstate(invalid="ignore"):
        afa = a * fa
        bfb = b * fb
    afa[~np.isfinite(a)] = 0.0
    bfb[~np.isfinite(b)] = 0.0
    d1 = -(fa - fb) / (s * P)
    d2 = -(afa - bfb) / (s * s * P) - d1 * d1
    return d1, d2, np.log(P)


def ebm_scores(up, lo, observed, Lam, s, mu, Psi, max_iter: int = 100, tol: float = 1e-12):
    """Posterior modes (N x nfac).

    Parameters
    ----------
    up, lo : numpy.ndarray (N x p)
        Upper and lower thresholds of each case's category (in the latent-response metric).
    observed : numpy.ndarray of bool (N x p)
    Lam : numpy.ndarray (p x nfac)
    s : numpy.ndarray (p)
        Residual SDs of the latent responses.
    mu, Psi : latent means and covariance matrix.
    """
    N = up.shape[0]
    Vinv = np.linalg.inv(Psi)
    eta = np.tile(mu, (N, 1))
    w = observed.astype(float)
    upz, loz = np.where(observed, up, np.inf), np.where(observed, lo, -np.inf)
    for _ in range(max_iter):
        m = eta @ Lam.T
        d1, d2, _ = _item_terms(m, upz, loz, s)
        d1, d2 = d1 * w, d2 * w
        grad = (eta - mu) @ Vinv - d1 @ Lam
        H = Vinv[None] - np.einsum("np,pa,pb->nab", d2, Lam, Lam)
        step = np.linalg.solve(H, grad[..., None])[..., 0]
        eta = eta - step
        if np.max(np.abs(step)) < tol:
            break
    return eta
