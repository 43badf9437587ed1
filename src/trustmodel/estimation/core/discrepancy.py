"""Discrepancy functions with their gradients and (expected) information.

Scaled as lavaan's ``fmin`` (``R/lav_objective.R``, ``R/lav_model_objective.R``), so that the test
statistic is ``2 N fmin``:

- ML:  fmin = 1/2 [log|Sigma| + tr((S + d d') Sigma^-1) - log|S| - p],  d = ybar - mu;
- GLS: fmin = 1/2 [1/2 tr((S^-1 (S - Sigma))^2) + d' S^-1 d];
- ULS: fmin = 1/2 [e'e + d'd],  e = vech(S - Sigma) (identity weight on the unique elements).

Each returns the value, the gradient and the Gauss-Newton / expected information matrix for
one group (the caller weights groups by N_g / N). Pure numpy.
"""
from __future__ import annotations

import numpy as np

from .hessian import ml_hessian


def ml_value(S, mean, sigma, mu, logdet_s, meanstructure) -> float:
    try:
        c = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return np.inf
    logdet = 2 * np.sum(np.log(np.diag(c)))
    inv = np.linalg.inv(sigma)
    W = S if not meanstructure else S + np.outer(mean - mu, mean - mu)
    return 0.5 * (logdet + np.sum(W * inv) - logdet_s - S.shape[0])


def _weighted_parts(imp, omega, M, d, meanstructure, info):
    """Gradient 1/2 tr(M dSigma) - d' omega dmu and information 1/2 tr(O dS O dS) + dmu' O dmu.

    Uses the rank-2 form dSigma_e = u v' + v u': tr(M dSigma_e) = 2 u'Mv and
    1/2 tr(O dSigma_a O dSigma_b) = (U'OU)(V'OV) + (U'OV)(U'OV)' elementwise, so no
    npar x p x p array is ever formed.
    """
    U, V, W = imp.U, imp.V, imp.W
    g = np.einsum("ie,ie->e", U, M @ V)
    if meanstructure:
        g = g - W.T @ (omega @ d)
    grad = imp.per_parameter(g)
    if not info:
        return grad, None
    OU, OV = omega @ U, omega @ V
    P, Q, R = U.T @ OU, V.T @ OV, U.T @ OV
    I = P * Q + R * R.T
    if meanstructure:
        I = I + W.T @ omega @ W
    return grad, imp.per_parameter_pair(I)


def ml_parts(S, mean, imp, logdet_s, meanstructure, info=True, hessian=False):
    """fmin, gradient and expected information (or the exact Hessian) of ML for one group."""
    sigma, mu = imp.sigma, imp.mu
    try:
        c = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return np.inf, None, None
    logdet = 2 * np.sum(np.log(np.diag(c)))
    inv = np.linalg.inv(sigma)
    d = mean - mu
    W = S + np.outer(d, d) if meanstructure else S
    f = 0.5 * (logdet + np.sum(W * inv) - logdet_s - S.shape[0])
    M = inv @ (sigma - W) @ inv
    grad, I = _weighted_parts(imp, inv, M, d, meanstructure, info and not hessian)
    if hessian:
        I = ml_hessian(imp, inv, M, d if meanstructure else None)
    return f, grad, I


def gls_parts(S, mean, imp, s_inv, meanstructure, info=True):
    sigma, mu = imp.sigma, imp.mu
    R = s_inv @ (S - sigma)
    d = mean - mu
    f = 0.25 * np.sum(R * R.T)
    if meanstructure:
        f += 0.5 * d @ s_inv @ d
    M = s_inv @ (sigma - S) @ s_inv
    grad, I = _weighted_parts(imp, s_inv, M, d, meanstructure, info)
    return f, grad, I


def vech_indices(p: int):
    return np.triu_indices(p)


def uls_parts(S, mean, imp, meanstructure, info=True):
    r, c = vech_indices(S.shape[0])
    e = (S - imp.sigma)[r, c]
    D = imp.dsigma[:, r, c]
    f = 0.5 * e @ e
    grad = -D @ e
    I = D @ D.T if info else None
    if meanstructure:
        d = mean - imp.mu
        f += 0.5 * d @ d
        grad -= imp.dmu @ d
        if info:
            I = I + imp.dmu @ imp.dmu.T
    return f, grad, I


def gls_value(S, mean, sigma, mu, s_inv, meanstructure) -> float:
    R = s_inv @ (S - sigma)
    f = 0.25 * np.sum(R * R.T)
    if meanstructure:
        d = mean - mu
        f += 0.5 * d @ s_inv @ d
    return f


def uls_value(S, mean, sigma, mu, meanstructure) -> float:
    r, c = vech_indices(S.shape[0])
    e = (S - sigma)[r, c]
    f = 0.5 * e @ e
    if meanstructure:
        d = mean - mu
        f += 0.5 * d @ d
    return f
