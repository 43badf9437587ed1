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
            E = np.linalg.inv(eye - A)
            G = E[:, :p]
            GS = G @ S
            sigma = GS @ np.swapaxes(G, 1, 2)
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
            GMH = GM @ (GS @ np.swapaxes(E, 1, 2))        # K x n x n
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


def bfgs_refit(problem, covs, means, x0, h_inv, bases=None, *, max_iter: int = 60,
               tol: float = 1e-9, gtol: float = np.inf):
    """Batched BFGS for K ML replicates (moments ``covs``, ``means``) of one problem.

    The full-sample inverse Hessian ``h_inv`` is an excellent start (a replicate's differs by
    O(N^-1/2)), so the updates make convergence superlinear within a few gradients. See
    :func:`bfgs`.
    """
    return bfgs(BatchedML(problem, covs, means, bases), x0, h_inv, max_iter=max_iter, tol=tol,
                gtol=gtol)


def bfgs(batch, x0, h_inv, *, max_iter: int = 60, tol: float = 1e-9, gtol: float = np.inf):
    """BFGS for the K problems of ``batch``, each from ``x0`` with inverse Hessian ``h_inv``.

    Every problem takes quasi-Newton steps with its own BFGS inverse-Hessian update and its
    own Armijo backtracking; problems that converged (largest relative step below ``tol`` and
    largest gradient element below ``gtol``) are frozen. ``batch`` has ``K`` and ``evaluate(X, idx) -> (fmin (k,), gradient (k, q))``
    (:class:`BatchedML`).

    Returns ``(X, fmin, converged, gradient_evaluations)`` (the last per problem).
    """
    K = batch.K
    X = np.tile(np.asarray(x0, dtype=float), (K, 1))
    f, g = batch.evaluate(X)
    nev = np.ones(K, dtype=int)  # gradient evaluations per replicate
    H = np.tile(h_inv, (K, 1, 1))
    active = np.isfinite(f)
    converged = np.zeros(K, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        step = -np.einsum("kij,kj->ki", H[idx], g[idx])
        slope = np.einsum("ki,ki->k", g[idx], step)
        reset = slope >= 0
        if reset.any():
            H[idx[reset]] = h_inv
            step[reset] = -g[idx[reset]] @ h_inv.T
            slope[reset] = np.einsum("ki,ki->k", g[idx[reset]], step[reset])
        t = np.ones(len(idx))
        Xn = X[idx] + step
        fn, gn = batch.evaluate(Xn, idx)
        nev[idx] += 1
        for _ in range(30):
            bad = ~(np.isfinite(fn) & (fn <= f[idx] + 1e-4 * t * slope + 1e-14 * np.abs(f[idx])))
            if not bad.any():
                break
            t[bad] *= 0.5
            Xn[bad] = X[idx[bad]] + t[bad, None] * step[bad]
            fb, gb = batch.evaluate(Xn[bad], idx[bad])
            fn[bad], gn[bad] = fb, gb
            nev[idx[bad]] += 1
        ok_step = np.isfinite(fn) & np.all(np.isfinite(gn), axis=1)
        active[idx[~ok_step]] = False
        idx, Xn, fn, gn, = idx[ok_step], Xn[ok_step], fn[ok_step], gn[ok_step]
        s_ = Xn - X[idx]
        y = gn - g[idx]
        X[idx], f[idx], g[idx] = Xn, fn, gn
        rel = np.max(np.abs(s_) / np.maximum(1.0, np.abs(Xn)), axis=1)
        done = (rel < tol) & (np.max(np.abs(gn), axis=1) < gtol)
        converged[idx[done]] = True
        active[idx[done]] = False
        sy = np.einsum("ki,ki->k", s_, y)
        upd = (~done) & (sy > 1e-14)
        if upd.any():
            u = idx[upd]
            rho = 1.0 / sy[upd]
            Hk = H[u]
            Hy = np.einsum("kij,kj->ki", Hk, y[upd])
            yHy = np.einsum("ki,ki->k", y[upd], Hy)
            ss = s_[upd][:, :, None] * s_[upd][:, None, :]
            H[u] = (Hk - rho[:, None, None] * (Hy[:, :, None] * s_[upd][:, None, :]
                                              + s_[upd][:, :, None] * Hy[:, None, :])
                    + (rho + rho ** 2 * yHy)[:, None, None] * ss)
    return X, f, converged, nev
