"""The normal model's building blocks shared by every stage: casewise scores, expected
information, the saturated (h1) parametrisation pi = (vech Sigma, mu), Delta on that basis and
Gamma, the asymptotic covariance of the sample moments (fourth moments).

Pure numpy; lavaan's ``R/lav_mvnorm.R``, ``R/lav_samplestats_gamma.R``.
"""
from __future__ import annotations

import numpy as np


def casewise_scores(Y, sigma, mu, dsig, dmu, meanstructure: bool) -> np.ndarray:
    """Scores d log f(y_i) / d theta of every row (n x q) for a normal group.

    ``dsig`` (q x p x p) and ``dmu`` (q x p) are the derivatives of the implied moments. Without
    a mean structure the mean is the sample mean (lavaan does the same).
    """
    W = np.linalg.inv(sigma)
    center = mu if meanstructure else Y.mean(axis=0)
    Z = (Y - center) @ W                                     # n x p: W r_i
    q, p = dsig.shape[0], sigma.shape[0]
    D = dsig.reshape(q, p * p)
    zz = np.einsum("ni,nj->nij", Z, Z).reshape(len(Y), p * p)
    sc = 0.5 * (zz @ D.T - D @ W.ravel())
    if meanstructure:
        sc += Z @ dmu.T
    return sc


def expected_information(sigma, dsig, dmu, meanstructure: bool) -> np.ndarray:
    """Expected (unit) information of a normal group: 1/2 tr(W dS W dS) + dmu' W dmu."""
    W = np.linalg.inv(sigma)
    q = dsig.shape[0]
    U = np.einsum("ij,kjl->kil", W, dsig)
    I = 0.5 * U.reshape(q, -1) @ U.transpose(0, 2, 1).reshape(q, -1).T
    if meanstructure:
        I += dmu @ W @ dmu.T
    return I


def saturated_derivatives(p: int, meanstructure: bool, x_idx=()):
    """dSigma/dpi and dmu/dpi of the unrestricted model pi = (vech Sigma, mu).

    Elements among fixed-x covariates (lavaan's ``x.idx``) are left out.
    """
    x = set(int(i) for i in x_idx)
    pairs = [(i, j) for j in range(p) for i in range(j, p) if not (i in x and j in x)]
    means = [i for i in range(p) if i not in x] if meanstructure else []
    m = len(pairs) + len(means)
    dsig = np.zeros((m, p, p))
    dmu = np.zeros((m, p))
    for k, (i, j) in enumerate(pairs):
        dsig[k, i, j] = dsig[k, j, i] = 1.0
    for k, i in enumerate(means):
        dmu[len(pairs) + k, i] = 1.0
    return dsig, dmu


def delta_in_pi(dsig, dmu, dsat, dmsat, ms):
    """Columns of dSigma/dtheta expressed on the saturated (vech, mu) basis."""
    q = dsig.shape[0]
    m = dsat.shape[0]
    out = np.zeros((q, m))
    for k in range(m):
        nz = np.argwhere(dsat[k] != 0)
        if len(nz):
            i, j = nz[0]
            out[:, k] = dsig[:, i, j]
        else:
            i = int(np.argmax(dmsat[k]))
            out[:, k] = dmu[:, i] if ms else 0.0
    return out



def gamma(Y, dsat, dmsat, ms):
    """Gamma = A1^-1 B1 A1^-1 at the sample moments: the covariance of the casewise
    (vech (y - ybar)(y - ybar)', y) (the normal-theory-free fourth moments, lavaan's
    ``lav_samplestats_Gamma``), elements as in ``dsat``/``dmsat``."""
    n = len(Y)
    ybar = Y.mean(axis=0)
    S = (Y - ybar).T @ (Y - ybar) / n
    sc = casewise_scores(Y, S, ybar, dsat, dmsat, ms)
    A1inv = np.linalg.inv(expected_information(S, dsat, dmsat, ms))
    return A1inv @ (sc.T @ sc / n) @ A1inv
