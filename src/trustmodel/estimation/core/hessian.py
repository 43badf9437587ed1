"""The exact Hessian of the ML discrepancy for the RAM model (observed information).

With Omega = Sigma^-1, M = Omega (Sigma - W) Omega, W = S + d d', d = ybar - mu, and
fmin = 1/2 [log|Sigma| + tr(W Omega) - log|S| - p], differentiating the gradient
``1/2 tr(M Sigma_k) - d' Omega mu_k`` once more gives

    H_kl = 1/2 tr(O S_k O S_l) + mu_k' O mu_l          (the expected information)
           - tr(O S_l M S_k)                            (misfit)
           + 1/2 tr(M S_kl) - d' O mu_kl                (second derivatives of Sigma, mu)
           + d' O S_k O mu_l + d' O S_l O mu_k          (mean misfit)

(S_k = dSigma/dtheta_k). The second derivatives of ``Sigma = G S G'`` and ``mu = G m``
(``G = E[:p]``, ``E = (I - A)^-1``, ``H = G S E'``, ``C = E S E'``) are, with ``g_i`` the
columns of G: for A[i, j] and A[k, l],
``1/2 tr(M Sigma_ab) = E[l,i] (G'MH)[k,j] + C[l,j] (G'MG)[i,k] + E[j,k] (G'MH)[i,l]``;
for A[i, j] and S[k, l], ``E[j,k] (G'MG)[l,i] + E[j,l] (G'MG)[k,i]`` (halved when k = l);
``mu_ab = g_k E[l,i] (Em)_j + g_i E[j,k] (Em)_l`` for two A entries and ``g_i E[j,k]`` for
A[i, j] and m[k]. Everything is computed per RAM entry and summed into parameters with the
entry map K, so equality constraints need nothing special. Newton steps with this matrix
converge quadratically where Fisher scoring is only linear under misfit.
"""
from __future__ import annotations

import numpy as np


def ml_hessian(imp, omega, M, d=None) -> np.ndarray:
    """Hessian of one group's ML fmin w.r.t. the free parameters.

    ``omega`` is Sigma^-1, ``M = omega (Sigma - S - d d') omega`` and ``d = ybar - mu`` (None
    without a mean structure), as :func:`.discrepancy.ml_parts` has them at hand.
    """
    meanstructure = d is not None
    U, V, Wm = imp.U, imp.V, imp.W
    i, j, isA, isM = imp.recipe
    E, G, Hm = imp.E, imp.G, imp.H
    # expected information and misfit term, rank-2 form (see discrepancy._weighted_parts)
    OU, OV = omega @ U, omega @ V
    MU, MV = M @ U, M @ V
    P, Q, R = U.T @ OU, V.T @ OV, U.T @ OV
    PM, QM, RM = U.T @ MU, V.T @ MV, U.T @ MV
    Hs = P * Q + R * R.T
    T2 = RM.T * R + QM * P + PM * Q + RM * R.T
    Hs = Hs - 0.5 * (T2 + T2.T)
    # second derivatives of Sigma (A-A and A-S entry pairs)
    C = E @ imp.S @ E.T
    GMG = G.T @ M @ G
    GMH = G.T @ M @ Hm
    a = np.flatnonzero(isA)
    s = np.flatnonzero(~isA & ~isM)
    T3 = np.zeros_like(Hs)
    if len(a):
        ia, ja = i[a][:, None], j[a][:, None]
        kb, lb = i[a][None, :], j[a][None, :]
        T3[np.ix_(a, a)] = (E[lb, ia] * GMH[kb, ja] + C[lb, ja] * GMG[ia, kb]
                            + E[ja, kb] * GMH[ia, lb])
        if len(s):
            ks, ls = i[s][None, :], j[s][None, :]
            half = np.where(ks == ls, 0.5, 1.0)
            t = (E[ja, ks] * GMG[ls, ia] + E[ja, ls] * GMG[ks, ia]) * half
            T3[np.ix_(a, s)] = t
            T3[np.ix_(s, a)] = t.T
    Hs = Hs + T3
    if meanstructure:
        z = omega @ d
        OW = omega @ Wm
        Hs = Hs + Wm.T @ OW
        t4 = (U.T @ z)[:, None] * (V.T @ OW) + (V.T @ z)[:, None] * (U.T @ OW)
        Hs = Hs + t4 + t4.T
        if len(a):
            zg = G.T @ z
            Em = imp.Em
            ia, ja = i[a][:, None], j[a][:, None]
            kb, lb = i[a][None, :], j[a][None, :]
            T5 = zg[kb] * E[lb, ia] * Em[ja] + zg[ia] * E[ja, kb] * Em[lb]
            Hs[np.ix_(a, a)] -= 0.5 * (T5 + T5.T)
            mm = np.flatnonzero(isM)
            if len(mm):
                t5 = zg[ia] * E[ja, i[mm][None, :]]
                Hs[np.ix_(a, mm)] -= t5
                Hs[np.ix_(mm, a)] -= t5.T
    return imp.per_parameter_pair(0.5 * (Hs + Hs.T))
