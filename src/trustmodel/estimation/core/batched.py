"""BFGS for many ML problems at once: one model, K sets of moments (bootstrap, jackknife).

Every replicate starts at the full-sample estimate ``x0`` and takes BFGS steps whose inverse
Hessian starts at the full-sample one (a replicate's differs by O(N^-1/2)), each replicate with
its own updates and Armijo backtracking: about twenty gradients reach a relative step of 1e-9.
All K replicates move in lockstep through batched numpy (stacked ``inv``/``matmul``), so the
Python overhead is paid once per iteration instead of once per replicate per iteration. Each replicate's arithmetic
is independent of the others in its batch, so results do not depend on how replicates are
chunked. Replicates that diverge or do not converge are reported so the caller can refit them
with the robust one-at-a-time optimizer.
"""
from __future__ import annotations

import numpy as np

_A, _S, _M = 0, 1, 2


class BatchedML:
    """Batched ML fmin and gradient for K moment sets of one :class:`~.problem.Problem`."""

    def __init__(self, problem, covs, means, bases=None):
        # covs[g]: (K, p, p); means[g]: (K, p); bases: (K, nrows) row values (fixed-x rows)
        self.problem = problem
        self.model = problem.model
        self.covs = covs
        self.means = means
        self.K = covs[0].shape[0]
        self.bases = bases if bases is not None else np.broadcast_to(problem.base,
                                                                     (self.K, len(problem.base)))
        total = float(sum(problem.nobs))
        self.weights = [n / total for n in problem.nobs]
        self.logdet_s = [np.linalg.slogdet(S)[1] for S in covs]
        self.pats = []
        q = self.model.npar
        for pat in self.model.patterns:
            fr = pat.free > 0
            k, i, j, f = pat.kind[fr], pat.i[fr], pat.j[fr], pat.free[fr] - 1
            Kmap = np.zeros((len(f), q))
            Kmap[np.arange(len(f)), f] = 1.0
            self.pats.append((pat, k, i, j, Kmap))
        self.squarings = [_squarings(pat, self.model.n) for pat in self.model.patterns]
        self.blocks = [_latent_block(pat, self.model.p, self.model.n)
                       for pat in self.model.patterns]

    def _values(self, X, idx):
        V = np.array(self.bases[idx], dtype=float, copy=True)
        V[:, self.problem.free_pos] = X[:, self.problem.free_of]
        return V

    def evaluate(self, X, idx=None):
        """fmin (K,) and gradient (K, q) of the replicates ``idx`` (all by default) at ``X``.

        Rows with a non-admissible implied covariance get fmin = inf and a NaN gradient.
        """
        model = self.model
        if idx is None:
            idx = np.arange(self.K)
        p, n, q, K = model.p, model.n, model.npar, len(idx)
        ms = model.meanstructure
        V = self._values(X, idx)
        f = np.zeros(K)
        grad = np.zeros((K, q))
        bad = np.zeros(K, dtype=bool)
        eye = np.eye(n)
        for g, (pat, kind, i, j, Kmap) in enumerate(self.pats):
            A = np.zeros((K, n, n))
            S = np.zeros((K, n, n))
            m = np.zeros((K, n))
            vals = V[:, pat.rows]
            ka, ks, km = pat.kind == _A, pat.kind == _S, pat.kind == _M
            A[:, pat.i[ka], pat.j[ka]] = vals[:, ka]
            S[:, pat.i[ks], pat.j[ks]] = vals[:, ks]
            S[:, pat.j[ks], pat.i[ks]] = vals[:, ks]
            m[:, pat.i[km]] = vals[:, km]
            E = _total_effects(A, eye, p, self.blocks[g], self.squarings[g])
            G = E[:, :p]
            GS = G @ S
            GSE = GS @ np.swapaxes(E, 1, 2)               # K x p x n; its first p columns
            sigma = GSE[:, :, :p]                         # are G S G' (G: rows of E)
            sigma = 0.5 * (sigma + np.swapaxes(sigma, 1, 2))
            sign, logdet = np.linalg.slogdet(sigma)
            eig_ok = sign > 0
            bad |= ~eig_ok
            sigma[~eig_ok] = np.eye(p)
            inv = np.linalg.inv(sigma)
            W = self.covs[g][idx]
            if ms:
                d = self.means[g][idx] - np.einsum("kpn,kn->kp", G, m)
                W = W + d[:, :, None] * d[:, None, :]
            fg = 0.5 * (logdet + np.einsum("kij,kij->k", W, inv) - self.logdet_s[g][idx] - p)
            M = inv @ (sigma - W) @ inv
            GM = np.swapaxes(G, 1, 2) @ M                 # K x n x p
            GMH = GM @ GSE                                # K x n x n
            GMG = GM @ G
            a, s_, mm = kind == _A, kind == _S, kind == _M
            contrib = np.zeros((K, len(kind)))
            contrib[:, a] = GMH[:, i[a], j[a]]
            contrib[:, s_] = GMG[:, i[s_], j[s_]] * np.where(i[s_] == j[s_], 0.5, 1.0)
            if ms:
                u = np.einsum("kpn,kp->kn", G, np.einsum("kij,kj->ki", inv, d))
                Em = np.einsum("kij,kj->ki", E, m)
                contrib[:, a] -= u[:, i[a]] * Em[:, j[a]]
                contrib[:, mm] -= u[:, i[mm]]
            w = self.weights[g]
            f += w * fg
            grad += w * (contrib @ Kmap)
        f[bad] = np.inf
        grad[bad] = np.nan
        return f, grad


def _squarings(pat, n: int):
    """For a recursive model (no cycle among the possible non-zeros of A, so A is nilpotent,
    A^d = 0): the r with 2^r >= d, else None."""
    reach = np.zeros((n, n), dtype=bool)
    ka = pat.kind == _A
    reach[pat.i[ka], pat.j[ka]] = True
    step, d = reach.copy(), 1
    while step.any():
        if d >= n:
            return None               # a cycle: A is not nilpotent
        step = (step.astype(np.int64) @ reach.astype(np.int64)) > 0
        d += 1
    return max(0, int(np.ceil(np.log2(d))))


def _latent_block(pat, p: int, n: int):
    """When no arrow leaves an observed variable (the usual SEM: indicators and outcomes
    only), ``(I - A)^-1 = [[I, L F], [0, F]]`` with ``F = (I - B)^-1`` of the latent block B
    and L the loadings; returns B's squarings for :func:`_neumann` (-1: B is cyclic), else
    None."""
    ka = pat.kind == _A
    if n == p or np.any(pat.j[ka] < p):
        return None
    lat = ka & (pat.i >= p)
    sub = type("Entries", (), {"kind": pat.kind[lat], "i": pat.i[lat] - p,
                               "j": pat.j[lat] - p})
    r = _squarings(sub, n - p)
    return -1 if r is None else r


def _total_effects(A, eye, p: int, block, squarings):
    """E = (I - A)^-1 of a batch: by blocks (:func:`_latent_block`), by a Neumann product for
    recursive models, else by a batched inverse."""
    if block is None:
        return np.linalg.inv(eye - A) if squarings is None else _neumann(A, eye, squarings)
    B = A[:, p:, p:]
    eye_m = eye[p:, p:]
    F = np.linalg.inv(eye_m - B) if block < 0 else _neumann(B, eye_m, block)
    E = np.zeros_like(A)
    E[:, :p, :p] = eye[:p, :p]
    E[:, p:, p:] = F
    E[:, :p, p:] = A[:, :p, p:] @ F
    return E


def _neumann(A, eye, r: int):
    """(I - A)^-1 of nilpotent A (A^(2^r) = 0) as (I + A)(I + A^2)(I + A^4)...: 2(r - 1)
    batched products instead of a batched inverse (three times faster for the usual SEM)."""
    E = eye + A
    P = A
    for _ in range(r - 1):
        P = P @ P
        E = E @ (eye + P)
    return E


def bfgs_refit(problem, covs, means, x0, h_inv, bases=None, *, max_iter: int = 60,
               tol: float = 1e-9, gtol: float = np.inf):
    """Batched BFGS for K ML replicates (moments ``covs``, ``means``) of one problem.

    The full-sample inverse Hessian ``h_inv`` is an excellent start (a replicate's differs by
    O(N^-1/2)), so the updates make convergence superlinear within a few gradients. See
    :func:`bfgs`.
    """
    return bfgs(BatchedML(problem, covs, means, bases), x0, h_inv, max_iter=max_iter, tol=tol,
                gtol=gtol)


class OneProblem:
    """A batch of one: any problem with ``evaluate(x, info=False) -> (fmin, gradient, _)``
    (ML, GLS, ULS, FIML) seen through the interface of :class:`BatchedML`."""

    K = 1

    def __init__(self, problem):
        self.problem = problem

    def evaluate(self, X, idx=None):
        f, g, _ = self.problem.evaluate(X[0], info=False)
        if not np.isfinite(f) or g is None:
            return np.array([np.inf]), np.full((1, X.shape[1]), np.nan)
        return np.array([float(f)]), np.asarray(g, dtype=float)[None]


_C1 = 1e-4            # Armijo's sufficient-decrease constant
_STALLS = 5           # steps in a row without a decrease in fmin that stop a problem


def bfgs(batch, x0, h_inv, *, max_iter: int = 60, tol: float = 1e-9, gtol: float = np.inf,
         max_step: float = np.inf, scale_start: bool = False):
    """BFGS for the K problems of ``batch``, each from ``x0`` with inverse Hessian ``h_inv``.

    Every problem takes quasi-Newton steps with its own BFGS inverse-Hessian update and its
    own Armijo line search (:func:`_armijo_search`); an update whose curvature ``s'y`` is not
    positive is skipped, so the inverse Hessian stays positive definite (Powell's safeguard
    for a backtracking search, which does not enforce the Wolfe curvature condition); a few
    steps in a row without a decrease in fmin (rounding level) stop the problem where it is,
    unconverged. Problems that converged (largest relative step
    below ``tol`` and largest gradient element below ``gtol``) are frozen. A direction that is
    not a descent direction, or a line search that fails, restarts the problem's inverse
    Hessian at ``h_inv`` (Nocedal & Wright 2006, sec. 6.1); a failure right after a restart
    stops the problem, unconverged. ``max_step`` bounds every step's largest relative change
    ``|s_i| / max(1, |x_i|)``; ``scale_start`` rescales ``h_inv`` by ``s'y / y'Hy`` before the
    first update (Nocedal & Wright, eq. 6.20), for a start that knows no curvature (identity).
    ``batch`` has ``K`` and ``evaluate(X, idx) -> (fmin (k,), gradient (k, q))``
    (:class:`BatchedML`, :class:`OneProblem`).

    Returns ``(X, fmin, converged, gradient_evaluations)`` (the last per problem).

    References
    ----------
    Nocedal, J. & Wright, S. J. (2006). *Numerical Optimization* (2nd ed.), ch. 3 and 6.
    """
    K = batch.K
    X = np.tile(np.asarray(x0, dtype=float), (K, 1))
    f, g = batch.evaluate(X)
    nev = np.ones(K, dtype=int)  # gradient evaluations per replicate
    H = np.tile(h_inv, (K, 1, 1))
    fresh = np.ones(K, dtype=bool)   # H is (still) the start h_inv
    active = np.isfinite(f) & np.all(np.isfinite(g), axis=1)
    converged = np.zeros(K, dtype=bool)
    stalls = np.zeros(K, dtype=int)  # consecutive steps without a decrease
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        Ha = H if len(idx) == K else H[idx]          # no copy while every problem is active
        step = -np.einsum("kij,kj->ki", Ha, g[idx])
        slope = np.einsum("ki,ki->k", g[idx], step)
        reset = ~(slope < 0)
        if reset.any():
            r = idx[reset]
            H[r], fresh[r] = h_inv, True
            step[reset] = -g[r] @ h_inv.T
            slope[reset] = np.einsum("ki,ki->k", g[r], step[reset])
        descent = slope < 0
        active[idx[~descent]] = False    # even h_inv gives no descent: stop, unconverged
        idx, step, slope = idx[descent], step[descent], slope[descent]
        if not len(idx):
            break
        rel_step = np.max(np.abs(step) / np.maximum(1.0, np.abs(X[idx])), axis=1)
        t_cap = np.minimum(1.0, max_step / np.maximum(rel_step, 1e-300))
        ok, Xn, fn, gn, used = _armijo_search(batch, idx, X[idx], f[idx], step, slope, t_cap)
        nev[idx] += used
        failed = idx[~ok]
        stop = failed[fresh[failed]]
        active[stop] = False
        H[failed], fresh[failed] = h_inv, True   # restart the others from h_inv
        idx, Xn, fn, gn = idx[ok], Xn[ok], fn[ok], gn[ok]
        s_ = Xn - X[idx]
        y = gn - g[idx]
        rel = np.max(np.abs(s_) / np.maximum(1.0, np.abs(Xn)), axis=1)
        done = (rel < tol) & (np.max(np.abs(gn), axis=1) < gtol)
        # no decrease left but rounding (scipy's "precision loss"): a few such steps in a row
        # and the problem stops where it is, unconverged (the caller judges its gradient)
        stalls[idx] = np.where((fn >= f[idx]) & ~done, stalls[idx] + 1, 0)
        active[idx[stalls[idx] >= _STALLS]] = False
        X[idx], f[idx], g[idx] = Xn, fn, gn
        converged[idx[done]] = True
        active[idx[done]] = False
        sy = np.einsum("ki,ki->k", s_, y)
        upd = ~done & (sy > 1e-14)
        if upd.any():
            u = idx[upd]
            su, yu = s_[upd], y[upd]
            rho = 1.0 / sy[upd]
            Hk = H[u]
            Hy = np.einsum("kij,kj->ki", Hk, yu)
            yHy = np.einsum("ki,ki->k", yu, Hy)
            if scale_start and fresh[u].any():
                c = np.where(fresh[u], sy[upd] / yHy, 1.0)
                Hk, Hy, yHy = Hk * c[:, None, None], Hy * c[:, None], yHy * c
            # H + [s Hy] C [s Hy]', C = [[rho + rho^2 y'Hy, -rho], [-rho, 0]]: one rank-2
            # product per problem instead of three outer-product temporaries
            Us = np.stack([su, Hy], axis=2)                              # k x q x 2
            C = np.zeros((len(u), 2, 2))
            C[:, 0, 0] = rho + rho ** 2 * yHy
            C[:, 0, 1] = C[:, 1, 0] = -rho
            H[u] = Hk + Us @ (C @ np.swapaxes(Us, 1, 2))
            fresh[u] = False
    return X, f, converged, nev


def _armijo_search(batch, idx, X, f, step, slope, t0, *, tries: int = 30):
    """Backtracking line search: the first ``t = t0 / 2^j`` (``t0 <= 1``, the bounded
    quasi-Newton step) with ``f(x + t s) <= f(x) + c1 t g's`` (Armijo, with a 1e-14 |f|
    allowance for rounding) and a finite gradient (Nocedal & Wright 2006, alg. 3.1).

    A batch of many problems evaluates the next few halvings of every problem whose step
    failed in one call (:data:`_HALVINGS` candidates each): near the rounding floor a
    replicate may need twenty halvings, and one call per halving cost a second per thousand
    bootstrap draws in Python overhead. The first passing ``t`` is the one the halvings one
    by one would find (a problem's arithmetic does not depend on the batch), so the results
    are the same.

    Returns ``(ok, X_new, f_new, g_new, evaluations)``, rows as ``idx``; ``ok`` is False where
    no such ``t`` was found in ``tries`` halvings (the caller restarts or stops the problem).
    """
    def passes(fn, gn, t, f, slope):
        return (np.isfinite(fn) & (fn <= f + _C1 * t * slope + 1e-14 * np.abs(f))
                & np.all(np.isfinite(gn), axis=-1))

    t = t0.copy()
    Xn = X + t[:, None] * step
    fn, gn = batch.evaluate(Xn, idx)
    used = np.ones(len(idx), dtype=int)
    ok = passes(fn, gn, t, f, slope)
    width = 1 if batch.K == 1 else _HALVINGS
    left = tries
    while left > 0:
        bad = np.flatnonzero(~ok)
        if not len(bad):
            break
        L = min(width, left)
        left -= L
        ts = t[bad, None] * 0.5 ** np.arange(1, L + 1)                  # (b, L) halvings
        Xc = X[bad, None, :] + ts[:, :, None] * step[bad, None, :]
        fc, gc = batch.evaluate(Xc.reshape(-1, X.shape[1]), np.repeat(idx[bad], L))
        fc, gc = fc.reshape(len(bad), L), gc.reshape(len(bad), L, -1)
        okc = passes(fc, gc, ts, f[bad, None], slope[bad, None])
        found = okc.any(axis=1)
        j = np.where(found, np.argmax(okc, axis=1), L - 1)
        r = np.arange(len(bad))
        t[bad], Xn[bad], fn[bad], gn[bad] = ts[r, j], Xc[r, j], fc[r, j], gc[r, j]
        used[bad] += j + 1
        ok[bad] = found
    return ok, Xn, fn, gn, used


_HALVINGS = 8   # halvings evaluated together per failed step of a batch
