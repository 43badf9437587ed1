"""Discriminant validity and model fit for PLS, batched over correlation matrices.

* HTMT (Henseler, Ringle & Sarstedt 2015): mean heterotrait correlation over the geometric
  mean of the two mean monotrait correlations; HTMT2 (Roemer, Schuberth & Henseler 2021):
  geometric means instead of arithmetic means. Both use absolute correlations, as seminr's
  ``HTMT`` (R/evaluate_validity.R) and semTools' ``htmt(absolute = TRUE)`` do, so a
  correlation that turns negative in a bootstrap resample does not lower the ratio. One-item
  blocks have monotrait mean 1 (seminr's convention).
* SRMR, d_ULS and d_G (Dijkstra & Henseler 2015) compare the item correlations ``S`` with
  those implied by the composite model, ``Sigma_jj = S_jj`` within a block and ``Sigma_ij =
  S_ii w_i r_ij w_j' S_jj`` between blocks (Dijkstra 2017); ``r`` is the construct
  correlation matrix ("saturated" model) or the one implied by the recursive inner model
  ("estimated" model). ``SRMR = sqrt(mean_{i<j} (s - sigma)^2)``, ``d_ULS = 1/2 ||S -
  Sigma||_F^2``, ``d_G = 1/2 sum log^2(eig(S^-1 Sigma))``.
* Exact-fit bootstrap test (Dijkstra & Henseler 2015; Beran & Srivastava 1985): the items
  are rotated to ``Z S^-1/2 Sigma^1/2`` so the model holds exactly, resampled, re-estimated
  and the discrepancies' quantiles HI95 / HI99 and p-value reported.
"""
from __future__ import annotations

import numpy as np


def htmt_pairs(spec) -> list:
    J = spec.n_constructs
    return [(i, j) for i in range(J) for j in range(i + 1, J)]


def htmt_batch(S: np.ndarray, spec, geometric: bool = False) -> np.ndarray:
    """HTMT (or HTMT2) of every construct pair ``i < j``, shape (B, n_pairs)."""
    A = np.abs(S)

    def mean(block):
        if geometric:
            with np.errstate(divide="ignore"):
                return np.exp(np.log(block).mean(axis=-1))
        return block.mean(axis=-1)
    J = spec.n_constructs
    mono = np.ones((S.shape[0], J))
    for j in range(J):
        idx = spec.block_of(j)
        if len(idx) > 1:
            iu = np.triu_indices(len(idx), 1)
            mono[:, j] = mean(A[:, idx][:, :, idx][:, iu[0], iu[1]])
    out = []
    for i, j in htmt_pairs(spec):
        het = A[:, spec.block_of(i)][:, :, spec.block_of(j)].reshape(S.shape[0], -1)
        out.append(mean(het) / np.sqrt(mono[:, i] * mono[:, j]))
    return np.stack(out, axis=1) if out else np.zeros((S.shape[0], 0))


def implied_construct_correlations(C: np.ndarray, Bm: np.ndarray, spec) -> np.ndarray:
    """Construct correlations implied by the recursive inner model (exogenous block from C,
    unit variances), shape (B, J, J)."""
    J = spec.n_constructs
    endo = set(spec.endogenous)
    exo = [j for j in range(J) if j not in endo]
    R = np.zeros_like(C)
    R[:, exo][:, :, exo] = 0
    R[np.ix_(range(C.shape[0]), exo, exo)] = C[np.ix_(range(C.shape[0]), exo, exo)]
    done = list(exo)
    todo = list(spec.endogenous)
    while todo:
        for j in list(todo):
            pred = spec.predecessors(j)
            if not set(pred) <= set(done):
                continue
            b = Bm[:, pred, j]                              # (B, k)
            cov = np.einsum("bk,bkm->bm", b, R[:, pred][:, :, done])
            R[:, j, done] = cov
            R[:, done, j] = cov
            R[:, j, j] = 1.0
            done.append(j)
            todo.remove(j)
    return R


def implied_item_correlations(S, W, R, spec) -> np.ndarray:
    """Composite-model item correlations ``Sigma`` (see module docstring)."""
    mask = spec.mask.astype(bool)
    SW = (S @ W) * mask                                     # (B, p, J): S_ii w_i per block
    Sig = SW @ R @ np.swapaxes(SW, 1, 2)
    same = mask @ mask.T > 0
    return np.where(same[None], S, Sig)


def discrepancies(S, Sig) -> np.ndarray:
    """(SRMR, d_ULS, d_G) per matrix, shape (B, 3)."""
    p = S.shape[-1]
    iu = np.triu_indices(p, 1)
    D = (S - Sig)[:, iu[0], iu[1]]
    srmr = np.sqrt((D ** 2).sum(axis=1) / (p * (p + 1) / 2))
    duls = (D ** 2).sum(axis=1)
    with np.errstate(all="ignore"):
        ev = np.linalg.eigvals(np.linalg.pinv(S, hermitian=True) @ Sig).real
        dg = 0.5 * (np.log(np.clip(ev, 1e-300, None)) ** 2).sum(axis=1)
    return np.stack([srmr, duls, dg], axis=1)


def model_fit(out, spec) -> np.ndarray:
    """Rows saturated / estimated, columns SRMR, d_ULS, d_G, for each batch member:
    shape (B, 2, 3)."""
    S, W, C, Bm = out["S"], out["W"], out["C"], out["B"]
    sat = discrepancies(S, implied_item_correlations(S, W, C, spec))
    R = implied_construct_correlations(C, Bm, spec)
    est = discrepancies(S, implied_item_correlations(S, W, R, spec))
    return np.stack([sat, est], axis=1)


def _sqrtm(M):
    v, U = np.linalg.eigh(M)
    return (U * np.sqrt(np.clip(v, 0, None))) @ U.T


def exact_fit_data(Z: np.ndarray, S: np.ndarray, Sig: np.ndarray) -> np.ndarray:
    """Items rotated so their correlation is ``Sig`` (Beran & Srivastava 1985)."""
    v, U = np.linalg.eigh(S)
    S_inv_half = (U / np.sqrt(v)) @ U.T
    return Z @ S_inv_half @ _sqrtm(Sig)
