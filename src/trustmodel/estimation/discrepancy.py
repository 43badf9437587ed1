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


def _pair_trace(U: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Matrix of tr(U_k V_l) for stacks U, V (q x p x p)."""
    q = U.shape[0]
    return U.reshape(q, -1) @ V.transpose(0, 2, 1).reshape(q, -1).T


def ml_value(S, mean, sigma, mu, logdet_s, meanstructure) -> float:
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return np.inf
    try:
        inv = np.linalg.inv(sigma)
    except np.linalg.LinAlgError:
        return np.inf
    W = S if not meanstructure else S + np.outer(mean - mu, mean - mu)
    return 0.5 * (logdet + np.sum(W * inv) - logdet_s - S.shape[0])


def ml_parts(S, mean, imp, logdet_s, meanstructure, info=True):
    """fmin, gradient and expected information of ML for one group."""
    sigma, mu = imp.sigma, imp.mu
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return np.inf, None, None
    inv = np.linalg.inv(sigma)
    d = mean - mu
    W = S + np.outer(d, d) if meanstructure else S
    f = 0.5 * (logdet + np.sum(W * inv) - logdet_s - S.shape[0])
    M = inv @ (sigma - W) @ inv
    grad = 0.5 * np.einsum("kij,ij->k", imp.dsigma, M)
    if meanstructure:
        grad -= imp.dmu @ (inv @ d)
    if not info:
        return f, grad, None
    U = np.einsum("ij,kjl->kil", inv, imp.dsigma)
    I = 0.5 * _pair_trace(U, U)
    if meanstructure:
        I += imp.dmu @ inv @ imp.dmu.T
    return f, grad, I


def gls_parts(S, mean, imp, s_inv, meanstructure, info=True):
    sigma, mu = imp.sigma, imp.mu
    R = s_inv @ (S - sigma)
    d = mean - mu
    f = 0.25 * np.sum(R * R.T)
    M = s_inv @ (S - sigma) @ s_inv
    grad = -0.5 * np.einsum("kij,ij->k", imp.dsigma, M)
    if meanstructure:
        f += 0.5 * d @ s_inv @ d
        grad -= imp.dmu @ (s_inv @ d)
    if not info:
        return f, grad, None
    U = np.einsum("ij,kjl->kil", s_inv, imp.dsigma)
    I = 0.5 * _pair_trace(U, U)
    if meanstructure:
        I += imp.dmu @ s_inv @ imp.dmu.T
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
