"""The PLS-PM algorithm (Wold; Lohmöller 1989), batched over correlation matrices.

Everything PLS estimates is a function of the indicators' correlation matrix ``S``: construct
scores are ``Y = X W`` with ``X`` the standardized indicators, so ``cor(Y) = W'SW``,
``cor(X, Y) = SW`` and the inner proxies ``Z = Y E`` have ``cov(X, Z) = SWE``. The functions
below therefore take a stack of correlation matrices ``S`` of shape ``(B, p, p)`` and run the
iterations for all of them at once (numpy batched matmul and solve, no pandas), which is what
makes the bootstrap fast. A replicate that has converged is frozen, so each matrix's result
does not depend on what it was stacked with.

Steps per iteration (seminr's ``simplePLS``; Tenenhaus et al. 2005, section 2):

1. ``C = W'SW`` (outer weights are normalized so that ``diag(C) = 1``).
2. Inner weights ``E``: centroid ``sign(c_jk)``, factorial ``c_jk``, or path weighting
   (regression coefficients of ``j`` on its predecessors, correlations with its followers).
3. Outer weights: Mode A ``w_j = S_j. W E_.j`` (covariances with the inner proxy), Mode B
   ``w_j = S_jj^{-1} S_j. W E_.j`` (regression on the block).
4. Normalize to unit-variance scores; stop when ``sum |W_new - W_old| < tol``.
"""
from __future__ import annotations

import numpy as np

from .spec import PLSSpec

SCHEMES = ("path", "factorial", "centroid")


def initial_weights(spec: PLSSpec, S: np.ndarray) -> np.ndarray:
    """Unit weights normalized to unit-variance scores, shape ``(B, p, J)``."""
    W = np.broadcast_to(spec.mask, (S.shape[0],) + spec.mask.shape).copy()
    return _normalize(W, S)


def _normalize(W: np.ndarray, S: np.ndarray) -> np.ndarray:
    var = (W * (S @ W)).sum(axis=1)
    return W / np.sqrt(var)[:, None, :]


def inner_weights(C: np.ndarray, spec: PLSSpec, scheme: str) -> np.ndarray:
    """Inner weights ``E[b, k, j]`` (weight of construct k in the proxy of construct j)."""
    P = spec.adjacency
    A = np.minimum(P + P.T, 1.0)
    if scheme == "centroid":
        return np.sign(C) * A
    E = C * A
    if scheme == "path":
        for j in spec.endogenous:
            pred = spec.predecessors(j)
            E[:, pred, j] = np.linalg.solve(C[:, pred][:, :, pred], C[:, pred, j][..., None])[..., 0]
    return E


def _outer_update(S, W, spec, scheme, mode_b):
    SW = S @ W
    C = np.swapaxes(W, 1, 2) @ SW
    E = inner_weights(C, spec, scheme)
    G = SW @ E                               # cov(x, inner proxy), up to a positive scale
    Wn = G * spec.mask
    for j, idx in mode_b:
        Wn[:, idx, j] = np.linalg.solve(S[:, idx][:, :, idx], G[:, idx, j][..., None])[..., 0]
    return _normalize(Wn, S)


def estimate_weights(S: np.ndarray, spec: PLSSpec, *, scheme: str = "path", tol: float = 1e-7,
                     max_iter: int = 300, W0: np.ndarray | None = None):
    """Outer weights for a stack of correlation matrices.

    Parameters
    ----------
    S : ndarray, shape (B, p, p)
        Indicator correlation matrices (indicators in ``spec.indicators`` order).
    spec : PLSSpec
    scheme : {"path", "factorial", "centroid"}
    tol : float
        Stop when the summed absolute change of the outer weights is below ``tol``.
    max_iter : int
    W0 : ndarray, shape (p, J) or (B, p, J), optional
        Starting weights (warm start); unit weights by default.

    Returns
    -------
    W : ndarray, shape (B, p, J)
    n_iter : ndarray of int, shape (B,)
    converged : ndarray of bool, shape (B,)
    """
    B = S.shape[0]
    if W0 is None:
        W = initial_weights(spec, S)
    else:
        W = _normalize(np.broadcast_to(W0 * spec.mask, (B,) + spec.mask.shape).copy(), S)
    mode_b = [(j, spec.block_of(j)) for j, m in enumerate(spec.modes) if m == "B"]
    n_iter = np.zeros(B, dtype=int)
    converged = np.zeros(B, dtype=bool)
    active = np.arange(B)
    # seminr's first change is measured against the raw unit weights (not yet scaled to
    # unit-variance scores): it matters with a loose stopCriterion
    prev = np.broadcast_to(spec.mask, W.shape) if W0 is None else W
    for it in range(1, max_iter + 1):
        Sa = S[active]
        Wa = W[active]
        Wn = _outer_update(Sa, Wa, spec, scheme, mode_b)
        diff = np.abs(Wn - (prev[active] if it == 1 else Wa)).sum(axis=(1, 2))
        W[active] = Wn
        n_iter[active] = it
        done = diff < tol
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    return W, n_iter, converged


def rho_a(W: np.ndarray, spec: PLSSpec) -> np.ndarray:
    """Dijkstra-Henseler rho_A per construct, shape (B, J); 1 for Mode B and one-item blocks.

    With unit-variance weights on a correlation matrix, ``rho_A = (w'w)^2 (1 - w'w) /
    ((w'w)^2 - sum w^4)`` (Dijkstra & Henseler 2015, eq. 13 with ``w'S w = 1``).
    """
    ww = (W ** 2).sum(axis=1)
    w4 = (W ** 4).sum(axis=1)
    sizes = spec.mask.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = ww ** 2 * (1.0 - ww) / (ww ** 2 - w4)
    fixed = (sizes < 2) | (np.array(spec.modes) == "B")
    rho[:, fixed] = 1.0
    return rho


def solve_paths(C: np.ndarray, spec: PLSSpec):
    """OLS path coefficients from construct correlations.

    Returns ``Bmat[b, k, j]`` (path k -> j) and ``r2[b, e]`` for ``spec.endogenous``.
    """
    nb, J = C.shape[0], spec.n_constructs
    Bm = np.zeros((nb, J, J))
    r2 = np.zeros((nb, len(spec.endogenous)))
    for e, j in enumerate(spec.endogenous):
        pred = spec.predecessors(j)
        beta = np.linalg.solve(C[:, pred][:, :, pred], C[:, pred, j][..., None])[..., 0]
        Bm[:, pred, j] = beta
        r2[:, e] = (beta * C[:, pred, j]).sum(axis=1)
    return Bm, r2


def total_effects(Bm: np.ndarray) -> np.ndarray:
    """Total effects ``T = (I - B')^{-1} - I`` arranged as ``T[b, k, j]`` (k on j)."""
    J = Bm.shape[-1]
    eye = np.eye(J)
    # sum_{n>=1} B^n with B[k, j] = k -> j; recursive model, so B is nilpotent.
    return np.linalg.solve(eye - Bm, np.broadcast_to(eye, Bm.shape)) - eye


def estimate(S: np.ndarray, spec: PLSSpec, *, consistent: bool = False, scheme: str = "path",
             tol: float = 1e-7, max_iter: int = 300, W0=None, composites=()) -> dict:
    """Run PLS (or PLSc) on a stack of correlation matrices and return every batched quantity.

    Under PLSc the constructs in ``composites`` (indices; interaction terms) are taken as
    fully reliable (rho_A = 1) and keep their PLS loadings, as seminr's
    ``plsc_disattenuation``.

    Keys: ``W`` (weights), ``L`` (loadings, indicator x construct on the block mask),
    ``C`` (construct correlations; disattenuated for PLSc), ``rho`` (rho_A), ``B`` (paths),
    ``r2``, ``T`` (total effects), ``n_iter``, ``converged``.
    """
    W, n_iter, converged = estimate_weights(S, spec, scheme=scheme, tol=tol, max_iter=max_iter,
                                            W0=W0)
    C = np.swapaxes(W, 1, 2) @ (S @ W)
    rho = rho_a(W, spec)
    if len(composites):
        rho[:, list(composites)] = 1.0
    mask = spec.mask
    L = (S @ W) * mask
    if consistent:
        with np.errstate(invalid="ignore"):
            sq = np.sqrt(rho)
            C = C / (sq[:, :, None] * sq[:, None, :])
        idx = np.arange(spec.n_constructs)
        C[:, idx, idx] = 1.0
        refl = np.array([m == "A" and j not in composites for j, m in enumerate(spec.modes)])
        ww = (W ** 2).sum(axis=1)
        Lc = W * (sq / ww)[:, None, :]
        L = np.where(refl[None, None, :], Lc, L) * mask
    bad = ~np.all(np.isfinite(C), axis=(1, 2))
    if np.any(bad):
        C = C.copy()
        C[bad] = np.eye(spec.n_constructs)
    Bm, r2 = solve_paths(C, spec)
    T = total_effects(Bm)
    if np.any(bad):
        for arr in (Bm, r2, T):
            arr[bad] = np.nan
    return dict(W=W, L=L, C=C, rho=rho, B=Bm, r2=r2, T=T, n_iter=n_iter,
                converged=converged & ~bad)


def correlation(X: np.ndarray) -> np.ndarray:
    """Correlation matrices of a stack of data sets, ``(B, n, p) -> (B, p, p)``."""
    Xc = X - X.mean(axis=1, keepdims=True)
    cov = np.swapaxes(Xc, 1, 2) @ Xc
    d = np.sqrt(np.einsum("bii->bi", cov))
    return cov / (d[:, :, None] * d[:, None, :])
