"""Full-information ML (``missing = "fiml"``, lavaan's ``missing = "ml"``), pattern-grouped.

Rows are grouped by missing-data pattern; a pattern ``k`` with ``n_k`` rows, observed variables
``o`` and within-pattern mean ``ybar_k`` and (N-divisor) covariance ``S_k`` contributes

    log L_k = -n_k / 2 [p_o log(2 pi) + log|Sigma_oo| + tr(Sigma_oo^-1 (S_k + d d'))],
    d = ybar_k - mu_o

(lavaan's ``lav_mvnorm_missing_loglik_samplestats``, ``R/lav_mvnorm_missing.R``). Patterns
with the same number of observed variables form a block whose sub-matrices are inverted in one
batched call, so nothing loops over rows and only a handful of blocks are visited per
evaluation. Derivatives: d(-log L)/dSigma = sum_k n_k/2 P_k' (W - W C W) P_k and
d(-log L)/dmu = -sum_k n_k P_k' W d (W = Sigma_oo^-1, C = S_k + d d'); the expected information
of (Sigma, mu) is sum_k n_k/2 (W~ (x) W~) and sum_k n_k W~ (W~ the zero-padded W), chained with
dSigma/dtheta, dmu/dtheta. The saturated (h1) model is fitted by Fisher scoring on the same
likelihood (the fixed point lavaan's EM reaches, ``lav_mvnorm_missing_h1_estimate_moments``).

``fmin = (log L_h1 - log L(theta)) / N``, so ``chisq = 2 N fmin`` as for complete data.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ...moments import PatternMoments, pattern_codes, pattern_moments

LOG2PI = np.log(2 * np.pi)


def missing_patterns(Y: np.ndarray):
    """The distinct observed/missing masks of the rows of ``Y`` (NaN = missing) and each row's
    pattern: ``(uniq, inv)`` with ``uniq`` (K x p, True = observed) and ``inv`` (n,)."""
    return pattern_codes(~np.isnan(Y))   # integer codes: one 1-d sort, not a row sort


def pattern_blocks(uniq, inv):
    """The patterns grouped by their number of observed variables, fewest first: yields
    ``(sel, obs, rows, pid)`` -- the patterns ``sel`` of the block, their observed columns
    ``obs`` (K x po), the positions of the block's rows and each row's pattern (0..K-1)."""
    n_obs = uniq.sum(axis=1)
    for po in np.unique(n_obs):
        sel = np.flatnonzero(n_obs == po)
        obs = np.nonzero(uniq[sel])[1].reshape(len(sel), po)
        rows = np.flatnonzero(np.isin(inv, sel))
        yield sel, obs, rows, np.searchsorted(sel, inv[rows])


@dataclass(frozen=True)
class Block:
    """Missing-data patterns sharing the number of observed variables.

    ``Yo`` and ``pid`` (the block's rows, for casewise scores) are gathered from the rows
    on first use only: the likelihood, its derivatives and the information need the
    pattern statistics alone.
    """

    obs: np.ndarray      # K x po observed-variable indices
    n: np.ndarray        # K rows per pattern
    ybar: np.ndarray     # K x po pattern means
    S: np.ndarray        # K x po x po pattern covariances (N divisor)
    mis: np.ndarray      # K x pm missing-variable indices
    flat: np.ndarray     # K x po*po positions i * p + j of the observed block in a p x p matrix
    kk: np.ndarray       # K x po x po pattern index (for scattering)
    ii: np.ndarray
    jj: np.ndarray
    rows: object = None  # () -> (positions of the block's rows, their pattern 0..K-1)

    @functools.cached_property
    def _gathered(self):
        if self.rows is None:
            raise ValueError("the rows of these patterns are not in memory (casewise scores "
                             "need them)")
        return self.rows()

    @property
    def Yo(self) -> np.ndarray:
        """Rows of these patterns, observed values only (m x po)."""
        return self._gathered[0]

    @property
    def pid(self) -> np.ndarray:
        """Pattern (0..K-1) of each row of :attr:`Yo`."""
        return self._gathered[1]


def _block_rows(Y, pm, sel, obs):
    """A function gathering the rows of the patterns ``sel`` (pattern by pattern)."""
    def gather():
        rows = pm.rows_of(sel)
        pid = np.repeat(np.arange(len(sel)), pm.counts[sel])
        return np.take_along_axis(Y[rows], obs[pid], axis=1), pid
    return gather if Y is not None and pm.order is not None else None


@dataclass(frozen=True)
class Patterns:
    """All patterns of one group's raw data (rows with no value at all removed upstream).

    ``moments`` holds the per-pattern sums (:class:`trustmodel.moments.PatternMoments`) from
    which the blocks, the h1 start values, the available-case and pairwise moments derive.
    """

    p: int
    nobs: int
    blocks: list
    moments: PatternMoments | None = None

    @classmethod
    def from_data(cls, Y: np.ndarray | None, pm: PatternMoments | None = None) -> Patterns:
        """Patterns of the rows ``Y`` (NaN = missing), or of their statistics ``pm`` (then
        ``Y`` may be None: no casewise scores)."""
        pm = pattern_moments(Y) if pm is None else pm   # one sort of integer pattern codes
        counts, means, covs = pm.counts, pm.means, pm.covs
        p = pm.uniq.shape[1]
        n_obs = pm.uniq.sum(axis=1)
        blocks = []
        for po in np.unique(n_obs):
            sel = np.flatnonzero(n_obs == po)
            K = len(sel)
            obs = np.nonzero(pm.uniq[sel])[1].reshape(K, po)
            ybar = np.take_along_axis(means[sel], obs, axis=1)
            S = covs[sel][np.arange(K)[:, None, None], obs[:, :, None], obs[:, None, :]]
            kk = np.broadcast_to(np.arange(K)[:, None, None], (K, po, po))
            mis = np.nonzero(~pm.uniq[sel])[1].reshape(K, p - po)
            flat = (obs[:, :, None] * p + obs[:, None, :]).reshape(K, po * po)
            blocks.append(Block(obs=obs, mis=mis, flat=flat, n=counts[sel].astype(float),
                                ybar=ybar,
                                S=0.5 * (S + S.transpose(0, 2, 1)), kk=kk,
                                ii=np.broadcast_to(obs[:, :, None], (K, po, po)),
                                jj=np.broadcast_to(obs[:, None, :], (K, po, po)),
                                rows=_block_rows(Y, pm, sel, obs)))
        return cls(p=p, nobs=int(counts.sum()), blocks=blocks, moments=pm)

    @property
    def npatterns(self) -> int:
        return int(sum(len(b.n) for b in self.blocks))

    def inverses(self, sigma):
        """(Sigma_oo^-1, log|Sigma_oo|) per block, or None if Sigma is not positive definite.

        From the one full inverse P = Sigma^-1 by the Schur complement: Sigma_oo^-1 =
        P_oo - P_om P_mm^-1 P_mo and log|Sigma_oo| = log|Sigma| + log|P_mm|, so only the
        small missing-by-missing blocks are inverted per pattern.
        """
        try:
            L = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return None
        logdet_full = 2 * np.log(np.diag(L)).sum()
        P = np.linalg.inv(sigma)
        P = 0.5 * (P + P.T)
        out = []
        for b in self.blocks:
            if b.mis.shape[1] == 0:
                out.append((np.broadcast_to(P, (len(b.n),) + P.shape),
                            np.full(len(b.n), logdet_full)))
                continue
            Poo = P[b.ii, b.jj]
            Pom = P[b.obs[:, :, None], b.mis[:, None, :]]
            Pmm = P[b.mis[:, :, None], b.mis[:, None, :]]
            sign, ld = np.linalg.slogdet(Pmm)
            if np.any(sign <= 0):
                return None
            W = Poo - Pom @ np.linalg.solve(Pmm, Pom.transpose(0, 2, 1))
            out.append((W, logdet_full + ld))
        return out

    def loglik(self, sigma, mu) -> float:
        """Casewise normal log-likelihood summed over rows (-inf where not defined)."""
        total = 0.0
        inv = self.inverses(sigma)
        if inv is None:
            return -np.inf
        for b, (W, logdet) in zip(self.blocks, inv):
            d = b.ybar - mu[b.obs]
            tr = np.einsum("kij,kji->k", W, b.S) + np.einsum("ki,kij,kj->k", d, W, d)
            total += -0.5 * np.sum(b.n * (b.obs.shape[1] * LOG2PI + logdet + tr))
        return float(total)

    def derivatives(self, sigma, mu, info: bool = True):
        """-log L, its gradient w.r.t. Sigma (p x p, entries taken as free) and mu, and the
        expected information pieces: T (p^2 x p^2, for 1/2 tr(W dA W dB) sums) and Wsum."""
        p = self.p
        f = 0.0
        G = np.zeros((p, p))
        gmu = np.zeros(p)
        Wvec = [] if info else None
        nvec = [] if info else None
        Wsum = np.zeros(p * p) if info else None
        inv = self.inverses(sigma)
        if inv is None:
            return np.inf, None, None, None
        for b, (W, logdet) in zip(self.blocks, inv):
            d = b.ybar - mu[b.obs]
            Wd = np.einsum("kij,kj->ki", W, d)
            C = b.S + np.einsum("ki,kj->kij", d, d)
            WCW = W @ C @ W
            tr = np.einsum("kij,kji->k", W, C)
            f += 0.5 * np.sum(b.n * (b.obs.shape[1] * LOG2PI + logdet + tr))
            K = len(b.n)
            G += np.bincount(b.flat.ravel(), ((W - WCW) * (0.5 * b.n)[:, None, None]).ravel(),
                             minlength=p * p).reshape(p, p)
            gmu -= np.bincount(b.obs.ravel(), (Wd * b.n[:, None]).ravel(), minlength=p)
            if info:
                padW = np.zeros((K, p * p))
                np.put_along_axis(padW, b.flat, W.reshape(K, -1), axis=1)
                Wvec.append(padW)
                nvec.append(b.n)
                Wsum += b.n @ padW
        if not info:
            return f, G, gmu, None
        Wsum = Wsum.reshape(p, p)
        Wv = np.concatenate(Wvec)
        nv = np.concatenate(nvec)
        # T[i,j,a,b] = sum_k n_k W_ij W_ab; 1/2 tr(W dA W dB) = 1/2 sum T[i,j,a,b] dA_ja dB_bi
        Ws = Wv * np.sqrt(nv)[:, None]
        T = Ws.T @ Ws                          # one symmetric rank-K update (syrk)
        T = T.reshape(p, p, p, p).transpose(1, 2, 3, 0).reshape(p * p, p * p)
        return f, G, gmu, (T, Wsum)


    def hessian_parts(self, sigma, mu):
        """Analytic second derivatives of -log L w.r.t. (Sigma, mu), Sigma entries as free.

        Along symmetric A, B (Sigma) and delta, eps (mu), with W = Sigma_oo^-1, C = S_k + d d',
        Q = W C W::

            f'' = sum_k n_k [ 1/2 (-tr(A W B W) + tr(A W B Q) + tr(A Q B W))
                              + (W d)' A (W eps) + (W d)' B (W delta) + eps' W delta ]

        Returns ``G, gmu`` (first derivatives), ``Hss`` (p^2 x p^2, acting on vec A, vec B),
        ``R`` (p^2 x p, the A-eps block) and ``Wsum`` (p x p, the mu block).
        """
        p = self.p
        G = np.zeros((p, p))
        gmu = np.zeros(p)
        Wl, Ql, ul, nl = [], [], [], []
        for b, (W, _) in zip(self.blocks, self.inverses(sigma)):
            d = b.ybar - mu[b.obs]
            Wd = np.einsum("kij,kj->ki", W, d)
            Q = W @ (b.S + np.einsum("ki,kj->kij", d, d)) @ W
            K = len(b.n)
            padW = np.zeros((K, p, p))
            padQ = np.zeros((K, p, p))
            padW[b.kk, b.ii, b.jj] = W
            padQ[b.kk, b.ii, b.jj] = Q
            u = np.zeros((K, p))
            u[np.arange(K)[:, None], b.obs] = Wd
            G += np.tensordot(0.5 * b.n, padW - padQ, axes=1)
            gmu -= b.n @ u
            Wl.append(padW.reshape(K, p * p)), Ql.append(padQ.reshape(K, p * p))
            ul.append(u), nl.append(b.n)
        Wv, Qv, U, n = map(np.concatenate, (Wl, Ql, ul, nl))

        # sum_k n_k tr(A X B Y) as a (p^2 x p^2) form on vec A, vec B is the permuted
        # [(j,k),(l,i)] = sum_k n_k X_jk Y_li; the three terms -WW + WQ + QW in one product:
        # M + M' with M = sum_k n_k vec(W) vec(Q - W/2)'
        M = (Wv * n[:, None]).T @ (Qv - 0.5 * Wv)
        M += M.T
        Hss = 0.5 * M.reshape(p, p, p, p).transpose(3, 0, 1, 2).reshape(p * p, p * p)
        R = np.einsum("k,ki,kjl->ijl", n, U, Wv.reshape(-1, p, p)).reshape(p * p, p)
        Wsum = (n @ Wv).reshape(p, p)
        return G, gmu, Hss, R, Wsum


def chain(dsig, dmu, G, gmu, parts, meanstructure=True):
    """Gradient and expected information w.r.t. theta from the (Sigma, mu) pieces."""
    q, p = dsig.shape[0], G.shape[0]
    D = dsig.reshape(q, p * p)
    grad = D @ G.ravel() + dmu @ gmu
    if parts is None:
        return grad, None
    T, Wsum = parts
    I = 0.5 * D @ T @ D.T + dmu @ Wsum @ dmu.T
    return grad, 0.5 * (I + I.T)
