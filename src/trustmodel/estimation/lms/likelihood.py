"""LMS marginal likelihood by Gauss-Hermite quadrature, its gradient and the node moments.

With ``Phi = A A'`` (Cholesky, integrated latents first), ``xi = kappa + A1 z1 + A2 z2`` where
``z1`` are the integrated standard normal dimensions. Given a node ``z1``, each product
``xi_i xi_j`` has ``xi_i`` fixed, so the model is linear in ``z2`` and the indicators are
normal with moments ``mu_q, Sigma_q``; the density is the mixture ``sum_q w_q N(mu_q,
Sigma_q)`` (Klein & Moosbrugger 2000, eqs. 9-13). The gradient uses the mixture identity
``d log f = sum_q r_iq d log N_q`` (posterior node weights ``r_iq``) with the node moments'
derivatives by central differences, computed for all parameters in one batched pass.
"""
from __future__ import annotations

from itertools import product as iproduct

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import logsumexp

LOG2PI = np.log(2 * np.pi)


def quadrature(m: int, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor Gauss-Hermite rule for ``m`` standard normal dimensions (weights sum to 1)."""
    if m == 0:
        return np.zeros((1, 0)), np.ones(1)
    z, w = hermegauss(nodes)
    w = w / w.sum()
    pts = np.array(list(iproduct(z, repeat=m)))
    wts = np.prod(np.array(list(iproduct(w, repeat=m))), axis=1)
    keep = wts > 1e-300
    return pts[keep], wts[keep]


def _fill(spec, V, kind, shape, sym=False):
    """Batch (B, *shape) matrix with the entries of ``kind`` from row values V (B, rows)."""
    out = np.zeros((V.shape[0],) + shape)
    r, (i, j) = spec.rows[kind]
    if len(r):
        if len(shape) == 1:
            out[:, i] = V[:, r]
        else:
            out[:, i, j] = V[:, r]
            if sym:
                out[:, j, i] = V[:, r]
    return out


def _cholesky_or_nan(M: np.ndarray) -> np.ndarray:
    """Cholesky factor of each matrix of a batch; NaN where one is not positive definite."""
    try:
        return np.linalg.cholesky(M)
    except np.linalg.LinAlgError:
        pass
    out = np.full_like(M, np.nan)
    for b in range(len(M)):
        try:
            out[b] = np.linalg.cholesky(M[b])
        except np.linalg.LinAlgError:
            pass
    return out


def node_moments(spec, V: np.ndarray, z: np.ndarray, factor: bool = False):
    """Indicator moments per parameter set and node: mu (B, Q, p), Sigma (B, Q, p, p).

    Also returns the latent moments (E (B, Q, nlat), C (B, Q, nlat, nlat)). Parameter sets
    whose Phi is not positive definite give NaN.
    """
    B = V.shape[0]
    p, nx, ne, m = len(spec.ov), len(spec.xi), len(spec.eta), spec.m
    L = _fill(spec, V, "L", (p, nx + ne))
    G = _fill(spec, V, "G", (ne, nx))
    Bm = _fill(spec, V, "B", (ne, ne))
    Phi = _fill(spec, V, "Phi", (nx, nx), sym=True)
    Psi = _fill(spec, V, "Psi", (ne, ne), sym=True)
    Theta = _fill(spec, V, "Theta", (p, p), sym=True)
    nu = _fill(spec, V, "nu", (p,))
    kappa = _fill(spec, V, "kappa", (nx,))
    alpha = _fill(spec, V, "alpha", (ne,))
    A = _cholesky_or_nan(Phi)
    mu_xi = kappa[:, None, :] + np.einsum("bxk,qk->bqx", A[:, :, :m], z)   # (B, Q, nx)
    A2 = A[:, :, m:]
    Phic = A2 @ np.swapaxes(A2, 1, 2)                                        # (B, nx, nx)
    Gq = np.repeat(G[:, None], len(z), axis=1)                               # (B, Q, ne, nx)
    Bq = np.repeat(Bm[:, None], len(z), axis=1)                              # (B, Q, ne, ne)
    for e, i, j, r, kind in spec.products:
        target = Gq if kind == "xx" else Bq
        target[:, :, e, j] += V[:, r, None] * mu_xi[:, :, i]
    B0inv = np.linalg.inv(np.eye(ne) - Bq)                                   # (B, Q, ne, ne)
    Eeta = np.einsum("bqef,bqf->bqe", B0inv, alpha[:, None] +
                     np.einsum("bqex,bqx->bqe", Gq, mu_xi))
    GP = Gq @ Phic[:, None]                                                  # (B, Q, ne, nx)
    Cxe = B0inv @ GP
    Cee = B0inv @ (GP @ np.swapaxes(Gq, 2, 3) + Psi[:, None]) @ np.swapaxes(B0inv, 2, 3)
    Q = len(z)
    C = np.zeros((B, Q, nx + ne, nx + ne))
    C[:, :, :nx, :nx] = Phic[:, None]
    C[:, :, nx:, :nx] = Cxe
    C[:, :, :nx, nx:] = np.swapaxes(Cxe, 2, 3)
    C[:, :, nx:, nx:] = Cee
    E = np.concatenate([mu_xi, Eeta], axis=2)
    mu = nu[:, None] + np.einsum("bpl,bql->bqp", L, E)
    Sigma = L[:, None] @ C @ np.swapaxes(L, 1, 2)[:, None] + Theta[:, None]
    if not factor:
        return mu, Sigma, E, C
    # latent (xi, eta) = E + T u with u ~ N(0, I): u = (z2, Lpsi^-1 zeta)
    Lpsi = _cholesky_or_nan(Psi)
    nu_ = nx - m + ne
    T = np.zeros((B, Q, nx + ne, nu_))
    T[:, :, :nx, :nx - m] = A2[:, None]
    T[:, :, nx:, :nx - m] = B0inv @ Gq @ A2[:, None]
    T[:, :, nx:, nx - m:] = B0inv @ Lpsi[:, None]
    return mu, Sigma, L[:, None] @ T, Theta


# ----- adaptive quadrature on the exact quadratic node moments --------------------------
def _basis(z: np.ndarray, degree: int = 2) -> np.ndarray:
    """Monomials of the last axis of ``z`` (..., m) -> (..., nb), ordered by degree: all of
    total degree <= 2 for m = 2, powers up to ``degree`` for m = 1."""
    m = z.shape[-1]
    cols = [np.ones(z.shape[:-1])] + [z[..., a] for a in range(m)]
    if m == 1:
        cols += [z[..., 0] ** k for k in range(2, degree + 1)]
    else:
        cols += [z[..., a] * z[..., b] for a in range(m) for b in range(a, m)]
    return np.stack(cols, axis=-1)


def _design(m: int, degree: int = 2) -> np.ndarray:
    if m == 1:
        return np.linspace(-1.0, 1.0, degree + 1)[:, None]
    return np.array(list(iproduct((-1.0, 0.0, 1.0), repeat=m))) if m else np.zeros((1, 0))


def poly_moments(spec, V: np.ndarray):
    """Node moments as polynomials in z: mu(z) = sum_j b_j(z) Mc[j], Sigma(z) likewise, and
    the indicator loadings on the standard-normal residual latents H(z) = sum_j h_j(z) Hc[j].

    With products of exogenous latents mu and Sigma are exactly quadratic in z and H linear
    (``xi`` is linear in z, the products bilinear); an endogenous partner makes
    ``(I - B(z))^-1`` a polynomial of degree up to ne - 1 (recursive B), raising the degrees
    (``spec.degree``). A design of degree + 1 points per dimension recovers them. Returns
    Mc (B, nb, p), Sc (B, nb, p, p), Hc (B, 1 + m, p, nu) and Theta (B, p, p).
    """
    deg = spec.degree
    Zd = _design(spec.m, deg)
    mu, Sigma, H, Theta = node_moments(spec, V, Zd, factor=True)
    Bd = _basis(Zd, deg)
    P = np.linalg.pinv(Bd)                                            # (nb, D)
    P1 = np.linalg.pinv(Bd[:, :spec.degree_h + 1] if spec.m == 1 else Bd[:, :1 + spec.m])
    return (np.einsum("jd,bdp->bjp", P, mu), np.einsum("jd,bdpq->bjpq", P, Sigma),
            np.einsum("jd,bdpu->bjpu", P1, H), Theta)


class Quadrature:
    """Per-observation adaptive Gauss-Hermite nodes ``z_ik = c_i + L_i t_k``.

    ``c_i, L_i`` (posterior mean and Cholesky factor of the posterior covariance of the
    integrated dimensions) start at 0 and I (plain Gauss-Hermite) and are updated with
    :meth:`adapt` (Rabe-Hesketh, Skrondal & Pickles 2005, section 3).
    """

    def __init__(self, m: int, nodes: int, n: int, degree: int = 2):
        self.t, self.w = quadrature(m, nodes)
        self.m, self.degree = m, degree
        self.c = np.zeros((n, m))
        self.L = np.repeat(np.eye(m)[None], n, axis=0)
        self._set()

    def _set(self):
        self.z = self.c[:, None, :] + np.einsum("nab,kb->nka", self.L, self.t)
        logdet = np.log(np.abs(np.diagonal(self.L, axis1=1, axis2=2))).sum(axis=1) \
            if self.m else np.zeros(len(self.c))
        self.logw = (np.log(self.w)[None, :] + logdet[:, None]
                     - 0.5 * np.sum(self.z ** 2, axis=2) + 0.5 * np.sum(self.t ** 2, axis=1))
        self.b = _basis(self.z, self.degree)                          # (N, K, nb)

    def repeated(self, Y: np.ndarray) -> np.ndarray:
        """Each row of Y repeated once per node (cached: the data do not change)."""
        if getattr(self, "_rep", None) is None or self._rep[0] is not Y:
            self._rep = (Y, np.repeat(Y, len(self.t), axis=0))
        return self._rep[1]

    def adapt(self, r: np.ndarray) -> None:
        """Move the nodes to the posterior moments given posterior node weights ``r``."""
        if not self.m:
            return
        mean = np.einsum("nk,nka->na", r, self.z)
        d = self.z - mean[:, None, :]
        cov = np.einsum("nk,nka,nkb->nab", r, d, d) + 1e-10 * np.eye(self.m)
        self.c, self.L = mean, np.linalg.cholesky(cov)
        self._set()


def _small_cholesky(M):
    """Cholesky factors of a batch (n, u, u) of small SPD matrices, vectorised over n."""
    u = M.shape[1]
    L = np.zeros_like(M)
    for c in range(u):
        s = M[:, c, c] - np.sum(L[:, c, :c] ** 2, axis=1)
        if np.any(s <= 0):
            return None
        L[:, c, c] = np.sqrt(s)
        for r in range(c + 1, u):
            L[:, r, c] = (M[:, r, c] - np.sum(L[:, r, :c] * L[:, c, :c], axis=1)) / L[:, c, c]
    return L


def _obs_terms(Y, Mc, Sc, Hc, Theta, quad, need_grad: bool):
    """Per observation and node: log densities, posterior weights and the score pieces.

    ``Sigma(z) = Theta + H(z) H(z)'`` with H of width ``nu`` (the residual latent
    dimensions), so Woodbury's identity and the determinant lemma need only ``nu x nu``
    factorisations per observation and node (Theta is factorised once).
    """
    N, K, nb = quad.b.shape
    p = Y.shape[1]
    try:
        Lt = np.linalg.cholesky(Theta)
    except np.linalg.LinAlgError:
        return None
    Ti = np.linalg.inv(Theta)
    logdet_t = 2 * np.log(np.diag(Lt)).sum()
    b = quad.b.reshape(N * K, nb)
    b1 = np.ascontiguousarray(b[:, :Hc.shape[0]])
    nh, _, u = Hc.shape
    mu = b @ Mc
    d = quad.repeated(Y) - mu                                          # (NK, p)
    TiH = (b1 @ np.einsum("pq,jqu->jpu", Ti, Hc).reshape(nh, p * u)).reshape(-1, p, u)
    H = (b1 @ Hc.reshape(nh, p * u)).reshape(-1, p, u)
    M = np.empty((len(b), u, u))
    for i in range(u):
        for j in range(i, u):
            M[:, i, j] = M[:, j, i] = np.sum(H[:, :, i] * TiH[:, :, j], axis=1) + (i == j)
    Lm = _small_cholesky(M)
    if Lm is None:
        return None
    t = d @ Ti
    v = np.einsum("npu,np->nu", TiH, d)
    s = np.zeros_like(v)                                               # Lm s = v
    for c in range(u):
        s[:, c] = (v[:, c] - np.sum(Lm[:, c, :c] * s[:, :c], axis=1)) / Lm[:, c, c]
    logdet = logdet_t + 2 * np.log(np.diagonal(Lm, axis1=1, axis2=2)).sum(axis=1)
    quadf = np.sum(d * t, axis=1) - np.sum(s * s, axis=1)
    lw = quad.logw - 0.5 * (p * LOG2PI + logdet + quadf).reshape(N, K)
    ll_i = logsumexp(lw, axis=1)
    r = np.exp(lw - ll_i[:, None])
    if not need_grad:
        return ll_i, r, None, None
    w = np.zeros_like(s)                                               # Lm' w = s
    for c in reversed(range(u)):
        w[:, c] = (s[:, c] - np.sum(Lm[:, c + 1:, c] * w[:, c + 1:], axis=1)) / Lm[:, c, c]
    a = t - np.einsum("npu,nu->np", TiH, w)                            # Sigma^-1 d
    R = np.zeros_like(TiH)                                             # R Lm' = TiH
    for c in range(u):
        R[:, :, c] = (TiH[:, :, c] - np.einsum("npk,nk->np", R[:, :, :c], Lm[:, c, :c])) \
            / Lm[:, c, c][:, None]
    rb = r.reshape(N * K, 1) * b                                       # (NK, nb)
    A = rb.T @ a
    M2 = np.empty((nb, p, p))
    Rf = R.reshape(-1, p * u)
    for j in range(nb):
        RR = ((Rf * rb[:, j:j + 1]).T @ Rf).reshape(p, u, p, u)
        M2[j] = 0.5 * ((a * rb[:, j:j + 1]).T @ a + np.einsum("aubu->ab", RR)
                       - rb[:, j].sum() * Ti)
    return ll_i, r, A, M2


def loglik(spec, Y, v, quad, posterior: bool = False):
    """Log-likelihood of the data at row values ``v`` with the current nodes (and, with
    ``posterior``, the posterior node weights, None where the model is not admissible)."""
    Mc, Sc, Hc, Th = poly_moments(spec, v[None])
    out = None
    if np.all(np.isfinite(Sc)) and np.all(np.isfinite(Hc)):
        out = _obs_terms(Y, Mc[0], Sc[0], Hc[0], Th[0], quad, False)
    ll = -np.inf if out is None else float(out[0].sum())
    return (ll, None if out is None else out[1]) if posterior else ll


def loglik_grad(spec, Y, x, to_rows, quad, h: float = 1e-6, posterior: bool = False):
    """(loglik, gradient in the free parameters[, posterior weights]) at ``x``."""
    k = len(x)
    steps = np.maximum(np.abs(x), 1.0) * h
    X = np.vstack([x, x + np.diag(steps), x - np.diag(steps)])
    Mc, Sc, Hc, Th = poly_moments(spec, np.array([to_rows(xx) for xx in X]))
    bad = (-np.inf, np.zeros(k)) + ((None,) if posterior else ())
    if not (np.all(np.isfinite(Sc[0])) and np.all(np.isfinite(Hc[0]))):
        return bad
    out = _obs_terms(Y, Mc[0], Sc[0], Hc[0], Th[0], quad, True)
    if out is None:
        return bad
    ll_i, r, A, M = out
    dM = (Mc[1:k + 1] - Mc[k + 1:]) / (2 * steps[:, None, None])
    dS = (Sc[1:k + 1] - Sc[k + 1:]) / (2 * steps[:, None, None, None])
    grad = np.einsum("jp,kjp->k", A, dM) + np.einsum("jpq,kjpq->k", M, dS)
    if not np.all(np.isfinite(grad)):
        return bad
    return (float(ll_i.sum()), grad) + ((r,) if posterior else ())
