"""Robust ML without N x p* matrices: casewise scores accumulated block by block.

The same quantities as :mod:`.robust` and :mod:`.scaling` (lavaan's MLR / MLM: Huber-White sandwich, Yuan-Bentler
Mplus and Satorra-Bentler traces, ``robust.sem`` SEs), computed in one pass over row blocks
with memory independent of N. Every accumulation is a sum over rows of a block kernel, so an
array (:class:`trustmodel.moments.RowSource`) and a dask DataFrame
(:class:`trustmodel.distributed.DaskRowSource`) are treated alike.

The identities used (``W`` the inverse of the moment matrix named, ``r = y - ybar``,
``z = W r``, ``c_ab = 2`` off the diagonal and 1 on it, ``Dv_k,ab = c_ab dSigma_ab/dtheta_k``):

- casewise score ``s_k = 1/2 sum_{a>=b} Dv_k,ab (z_a z_b - W_ab) + dmu_k' z``, so
  ``B0 = S'S / N`` needs N x q scores of a block, never N x p* (``lav_model_information_firstorder``);
- the unrestricted (h1) information is ``A1 = 1/2 D'(W x W) D (+ W)`` with inverse
  ``2 D+(S x S)D+' (+ S)``, hence ``tr(B1 A1^-1) = (mean(d^2) - p) / 2 (+ p)`` with
  ``d = r' S^-1 r`` (Mardia's kurtosis; ``lav_test_yuan_bentler_mplus_trace``);
- ``Gamma`` (ADF fourth moments) never appears: ``tr(A1(Sigma) Gamma) =
  (mean(dh^2) - tr((W S)^2)) / 2 (+ tr(W S))`` with ``dh = r' W r``, ``W = Sigma^-1``, and
  ``Delta A1 Gamma A1 Delta' = T'T / N`` with ``t = 1/2 Dv (z z' - W S W) + dmu' z``
  (``lav_test_satorra_bentler``, ``lav_model_vcov`` ``robust.sem``).

With fixed-x covariates (lavaan's ``x.idx``) the unrestricted model loses the x-x block, the
closed forms no longer hold, and the h1 scores' p* x p* cross-product is accumulated instead
(still independent of N).

References
----------
Yuan, K.-H. & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance
structure analysis with nonnormal missing data. *Sociological Methodology*, 30, 165-200.
Satorra, A. & Bentler, P. M. (1994). Corrections to test statistics and standard errors in
covariance structure analysis. In von Eye & Clogg (Eds.), *Latent Variables Analysis*.
Mardia, K. V. (1970). Measures of multivariate skewness and kurtosis. *Biometrika*, 57, 519-530.
lavaan 0.6-14: ``R/lav_test_yuan_bentler.R``, ``R/lav_test_satorra_bentler.R``,
``R/lav_model_vcov.R``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...moments import as_source
from ..core.constraints import information_inverse
from ..core.linalg import SE_FALLBACK, TEST_FALLBACK, inv_or_pinv
from ..core.numdiff import gradient_hessian
from ..core.saturated import delta_in_pi, expected_information, saturated_derivatives

__all__ = [
    "h1_trace",
    "robust_parts",
    "robust_sem_vcov",
    "sandwich_vcov",
    "satorra_bentler_trace",
    "yb_mplus_trace",
]


# ----- shared with :mod:`.robust` (the direct computation) ------------------------------------
@dataclass(frozen=True)
class RobustParts:
    """Per-group first-order information, unit information of the model, and N_g / N."""

    B0: list            # per group: mean outer product of the scores (q x q)
    A: np.ndarray       # unit information sum_g f_g A_g (observed or expected)
    weights: list       # N_g / N
    Ainv: np.ndarray | None = None   # its inverse, augmented under general constraints

    def inverse(self, fallback: str) -> np.ndarray:
        if self.Ainv is not None:
            return self.Ainv
        return inv_or_pinv(self.A, "the information matrix", fallback)


def observed_information(problem, x) -> np.ndarray:
    """Hessian of ``fmin``: exact where the problem has one (complete-data ML,
    :mod:`.hessian`), else by differences of the analytic gradient (lavaan's
    ``observed.information = "hessian"``, ``R/lav_model_hessian.R``)."""
    if getattr(problem, "has_hessian", False):
        return problem.hessian(x)
    return gradient_hessian(problem, x)


def unit_information(problem, x, kind: str) -> np.ndarray:
    if kind == "observed":
        return observed_information(problem, x)
    return problem.evaluate(x)[2]


def sandwich_vcov(parts: RobustParts, ntotal: int) -> np.ndarray:
    """Huber-White: A^-1 B0 A^-1 / N (``lav_model_vcov``, ``se = "robust.huber.white"``)."""
    Ainv = parts.inverse(SE_FALLBACK)
    B = sum(w * b for w, b in zip(parts.weights, parts.B0))
    V = Ainv @ B @ Ainv / ntotal
    return 0.5 * (V + V.T)



# ----- block kernels (module level: picklable for dask workers) ------------------------------
def score_gram(Y, center, W, const, Dv, dmu, ia, ib, ms, quad=None):
    """Cross-product of ``t = 1/2 Dv (z_a z_b - const) + dmu' z`` over the rows of a block,
    ``z = W (y - center)``; with ``quad`` also ``sum (r' quad r)^2``.

    Works on the transposed block (variables x rows) so that the pair products gather whole
    contiguous rows.
    """
    Rt = (Y - center).T
    Zt = W @ Rt                                   # W symmetric
    Tt = 0.5 * (Dv @ (Zt[ia] * Zt[ib]) - (Dv @ const)[:, None])
    if ms:
        Tt += dmu @ Zt
    out = (Tt @ Tt.T,)
    if quad is not None:
        d = np.einsum("ij,ij->j", quad @ Rt, Rt)
        out += (np.array(d @ d),)
    return out


def rank2_score_gram(Y, center, W, U, V, const, Wm, order, K, ms, quad=None):
    """As :func:`score_gram` for a RAM model's rank-2 derivatives: entry ``e`` has
    ``dSigma_e = U_e V_e' + V_e U_e'`` (:meth:`trustmodel.model.ram.RamModel.implied`), so its
    score term is ``(z'U_e)(z'V_e) - const_e`` and a row costs O(p E + q^2), not O(p* q)."""
    Rt = (Y - center).T
    Zt = W @ Rt
    Te = (U.T @ Zt) * (V.T @ Zt) - const[:, None]
    if ms:
        Te += Wm.T @ Zt
    Tt = Te[order] if order is not None else K @ Te
    out = (Tt @ Tt.T,)
    if quad is not None:
        d = np.einsum("ij,ij->j", quad @ Rt, Rt)
        out += (np.array(d @ d),)
    return out


def _rank2_args(imp, M):
    """Arguments of :func:`rank2_score_gram` with ``const_e = U_e' M V_e`` (M = W for the
    casewise scores, W S W for the Satorra-Bentler deviations)."""
    const = np.einsum("ie,ij,je->e", imp.U, M, imp.V)
    return imp.U, imp.V, const, imp.W, imp.order, imp.K


def mahalanobis_square_sum(Y, center, W):
    """``sum_i (r_i' W r_i)^2`` over a block, ``r = y - center``."""
    R = Y - center
    d = np.einsum("ij,ij->i", R @ W, R)
    return (np.array(d @ d),)


# ----- helpers --------------------------------------------------------------------------------
def _pairs(p):
    """Lower-triangle pairs in :func:`.robust.saturated_derivatives` order and their c_ab."""
    ia, ib = zip(*[(i, j) for j in range(p) for i in range(j, p)])
    ia, ib = np.array(ia), np.array(ib)
    return ia, ib, np.where(ia == ib, 1.0, 2.0)


def _vech_weights(dsig, ia, ib, c):
    """``Dv`` (q x p*): c_ab dSigma_ab / dtheta."""
    return dsig[:, ia, ib] * c


def _groups(stats):
    """(row source, sample mean, sample covariance, N_g) of every group."""
    out = []
    for g in stats.groups:
        rows = g.data if g.data is not None else getattr(g, "source", None)
        if rows is None:
            from .._errors import DataError
            raise DataError("Robust inference needs the raw data (data=), not sample_cov=: "
                            "the casewise scores come from the rows.")
        out.append((as_source(rows), g.mean, g.cov, g.nobs))
    return out


def _h1_gram(src, ybar, S, ms, x_idx):
    """h1 scores' cross-product B1 (N-divisor mean) and A1 at the sample moments (fixed x)."""
    p = len(ybar)
    dsat, dmsat = saturated_derivatives(p, ms, x_idx)
    W = np.linalg.inv(S)
    ia, ib, c = _pairs(p)
    Dv = _vech_weights(dsat, ia, ib, c)
    (G,) = src.reduce(score_gram, ybar, W, W[ia, ib], Dv, dmsat, ia, ib, ms)
    return G / len(src), expected_information(S, dsat, dmsat, ms), dsat, dmsat


def h1_trace(src, ybar, S, ms: bool, x_idx=()) -> tuple[float, int]:
    """tr(B1 A1^-1) of the unrestricted model at the sample moments and its ndat."""
    p = len(ybar)
    if len(x_idx) == 0:
        (d2,) = src.reduce(mahalanobis_square_sum, ybar, np.linalg.inv(S))
        ndat = p * (p + 1) // 2 + (p if ms else 0)
        return 0.5 * (float(d2) / len(src) - p) + (p if ms else 0), ndat
    B1, A1, dsat, _ = _h1_gram(src, ybar, S, ms, x_idx)
    return float(np.sum(B1 * np.linalg.inv(A1).T)), dsat.shape[0]


# ----- MLR ------------------------------------------------------------------------------------
def _at_estimates(problem, x, stats):
    """Groups' row sources and moments, implied moments at ``x``, meanstructure, total N."""
    groups = _groups(stats)
    imps = problem.implied(x, derivatives=True)
    return groups, imps, problem.model.meanstructure, float(sum(n for *_, n in groups))


def robust_parts(problem, x, stats, information: str = "observed") -> RobustParts:
    """Per-group mean outer products of the casewise scores, accumulated over row blocks.

    Computed once per fit: the MLR sandwich and the Yuan-Bentler test need the same parts
    (one pass over the rows and one observed information), so they are kept on the problem
    for these ``x`` and ``stats``.
    """
    cache = getattr(problem, "_cache", None)
    key = ("robust_parts", information, np.asarray(x, dtype=float).tobytes())
    hit = cache.get(key) if cache is not None else None
    if hit is not None and hit[0] is stats and hit[1] is problem:
        return hit[2]
    parts = _robust_parts(problem, x, stats, information)
    if cache is not None:
        cache[key] = (stats, problem, parts)
    return parts


def _robust_parts(problem, x, stats, information) -> RobustParts:
    groups, imps, ms, total = _at_estimates(problem, x, stats)
    B0 = []
    for (src, ybar, _, _), imp in zip(groups, imps):
        W = np.linalg.inv(imp.sigma)
        center = imp.mu if ms else ybar
        (G,) = src.reduce(rank2_score_gram, center, W, *_rank2_args(imp, W), ms)
        B0.append(G / len(src))
    A = unit_information(problem, x, information)
    Ainv = (information_inverse(problem, x, A) if getattr(problem, "constraint_set", None)
            else None)
    return RobustParts(B0=B0, A=A, weights=[n / total for *_, n in groups], Ainv=Ainv)


def yb_mplus_trace(parts: RobustParts, stats, meanstructure: bool, x_idx=()):
    """trace(U Gamma) of the Yuan-Bentler Mplus variant, with its h1 and h0 parts."""
    Ainv = parts.inverse(TEST_FALLBACK)
    h1 = [h1_trace(src, ybar, S, meanstructure, x_idx)[0] for src, ybar, S, _ in _groups(stats)]
    h0 = [w * float(np.sum(B * Ainv.T)) for w, B in zip(parts.weights, parts.B0)]
    return sum(h1) - sum(h0), h1, h0


# ----- MLM ------------------------------------------------------------------------------------
def _mlm_terms(problem, x, stats, x_idx):
    """Per group: f_g, ``J Gamma J'`` (q x q, J = Delta A1) and ``tr(A1 Gamma)``."""
    groups, imps, ms, total = _at_estimates(problem, x, stats)
    out = []
    for (src, ybar, S, n), imp in zip(groups, imps):
        W = np.linalg.inv(imp.sigma)
        if len(x_idx) == 0:
            WS = W @ S
            G, d2 = src.reduce(rank2_score_gram, ybar, W, *_rank2_args(imp, WS @ W), ms, W)
            JGJ = G / len(src)
            trA1G = 0.5 * (float(d2) / len(src) - np.sum(WS * WS.T)) + (np.trace(WS) if ms else 0)
        else:
            B1, A1s, dsat, dmsat = _h1_gram(src, ybar, S, ms, x_idx)
            A1sinv = np.linalg.inv(A1s)
            Gamma = A1sinv @ B1 @ A1sinv
            A1 = expected_information(imp.sigma, dsat, dmsat, ms)
            J = delta_in_pi(imp.dsigma, imp.dmu, dsat, dmsat, ms) @ A1
            JGJ = J @ Gamma @ J.T
            trA1G = float(np.sum(A1 * Gamma.T))
        out.append((n / total, JGJ, trA1G))
    return out


def satorra_bentler_trace(problem, x, stats, x_idx=()) -> float:
    """tr(U Gamma) = sum_g [tr(A1 Gamma) - f_g tr(A^-1 J Gamma J')] without forming Gamma."""
    Ainv = information_inverse(problem, x, problem.evaluate(x)[2], fallback=TEST_FALLBACK)
    return sum(tr - f * float(np.sum(Ainv * JGJ.T))
               for f, JGJ, tr in _mlm_terms(problem, x, stats, x_idx))


def robust_sem_vcov(problem, x, stats, x_idx=()) -> np.ndarray:
    """lavaan's ``se = "robust.sem"``: A^-1 (sum_g f_g J Gamma J') A^-1 / N."""
    Ainv = information_inverse(problem, x, problem.evaluate(x)[2], fallback=SE_FALLBACK)
    B = sum(f * JGJ for f, JGJ, _ in _mlm_terms(problem, x, stats, x_idx))
    V = Ainv @ B @ Ainv / stats.ntotal
    return 0.5 * (V + V.T)
