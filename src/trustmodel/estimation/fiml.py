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

from dataclasses import dataclass, field

import numpy as np

from .discrepancy import _combine_vec
from .optimize import fisher_scoring
from .problem import Problem

LOG2PI = np.log(2 * np.pi)


@dataclass(frozen=True)
class Block:
    """Missing-data patterns sharing the number of observed variables."""

    obs: np.ndarray      # K x po observed-variable indices
    n: np.ndarray        # K rows per pattern
    ybar: np.ndarray     # K x po pattern means
    S: np.ndarray        # K x po x po pattern covariances (N divisor)
    mis: np.ndarray      # K x pm missing-variable indices
    flat: np.ndarray     # K x po*po positions i * p + j of the observed block in a p x p matrix
    kk: np.ndarray       # K x po x po pattern index (for scattering)
    ii: np.ndarray
    jj: np.ndarray
    Yo: np.ndarray = None    # rows of these patterns, observed values only (m x po)
    pid: np.ndarray = None   # pattern (0..K-1) of each of those rows


@dataclass(frozen=True)
class Patterns:
    """All patterns of one group's raw data (rows with no value at all removed upstream)."""

    p: int
    nobs: int
    blocks: list

    @classmethod
    def from_data(cls, Y: np.ndarray) -> "Patterns":
        n, p = Y.shape
        mask = ~np.isnan(Y)
        uniq, inv = np.unique(mask, axis=0, return_inverse=True)
        inv = inv.ravel()
        order = np.argsort(inv, kind="stable")
        counts = np.bincount(inv, minlength=len(uniq))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        Z = np.where(mask, Y, 0.0)[order]
        sums = np.add.reduceat(Z, starts, axis=0)
        outer = np.add.reduceat(np.einsum("ni,nj->nij", Z, Z), starts, axis=0)
        means = sums / counts[:, None]
        covs = outer / counts[:, None, None] - np.einsum("ki,kj->kij", means, means)
        nobs_var = uniq.sum(axis=1)
        blocks = []
        for po in np.unique(nobs_var):
            sel = np.flatnonzero(nobs_var == po)
            K = len(sel)
            obs = np.nonzero(uniq[sel])[1].reshape(K, po)
            ybar = np.take_along_axis(means[sel], obs, axis=1)
            S = covs[sel][np.arange(K)[:, None, None], obs[:, :, None], obs[:, None, :]]
            kk = np.broadcast_to(np.arange(K)[:, None, None], (K, po, po))
            mis = np.nonzero(~uniq[sel])[1].reshape(K, p - po)
            flat = (obs[:, :, None] * p + obs[:, None, :]).reshape(K, po * po)
            in_block = np.isin(inv, sel)
            rows = Y[in_block]
            pid = np.searchsorted(sel, inv[in_block])
            Yo = np.take_along_axis(rows, obs[pid], axis=1)
            blocks.append(Block(obs=obs, mis=mis, flat=flat, n=counts[sel].astype(float),
                                ybar=ybar,
                                S=0.5 * (S + S.transpose(0, 2, 1)), kk=kk,
                                ii=np.broadcast_to(obs[:, :, None], (K, po, po)),
                                jj=np.broadcast_to(obs[:, None, :], (K, po, po)),
                                Yo=Yo, pid=pid))
        return cls(p=p, nobs=n, blocks=blocks)

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
        T = (Wv * nv[:, None]).T @ Wv
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

        def pair(Xv, Yv):  # sum_k n_k tr(A X B Y) as a (p^2 x p^2) form on vec A, vec B
            M = (Xv * n[:, None]).T @ Yv                    # [(j,k),(l,i)] = X_jk Y_li
            return M.reshape(p, p, p, p).transpose(3, 0, 1, 2).reshape(p * p, p * p)

        Hss = 0.5 * (-pair(Wv, Wv) + pair(Wv, Qv) + pair(Qv, Wv))
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


# ----- the saturated (h1) model ----------------------------------------------------------------
class _Saturated:
    """Unrestricted (vech Sigma, mu) for the h1 fit; the optimiser's problem interface."""

    def __init__(self, pats: Patterns):
        from .robust import saturated_derivatives
        self.pats = pats
        p = pats.p
        self.dsig, self.dmu = saturated_derivatives(p, True)
        pairs = np.array([(i, j) for j in range(p) for i in range(j, p)])
        self.r, self.c = pairs[:, 0], pairs[:, 1]
        self.npar = self.dsig.shape[0]

    def unpack(self, x):
        p = self.pats.p
        S = np.zeros((p, p))
        S[self.r, self.c] = x[: len(self.r)]
        S[self.c, self.r] = x[: len(self.r)]
        return S, x[len(self.r):]

    def pack(self, S, m):
        return np.concatenate([S[self.r, self.c], m])

    def objective(self, x):
        S, m = self.unpack(x)
        ll = self.pats.loglik(S, m)
        return -ll / self.pats.nobs if np.isfinite(ll) else np.inf

    def evaluate(self, x, info=True):
        S, m = self.unpack(x)
        f, G, gmu, parts = self.pats.derivatives(S, m, info)
        if not np.isfinite(f):
            return np.inf, None, None
        p = self.pats.p
        r1, r2 = self.r * p + self.c, self.c * p + self.r
        off = (self.r != self.c).astype(float)

        def sel(M):  # D @ M for the 0/1 duplication rows of vech (no dense Jacobian)
            return M[r1] + off.reshape((-1,) + (1,) * (M.ndim - 1)) * M[r2]

        grad = np.concatenate([sel(G.ravel()), gmu])
        n = self.pats.nobs
        if parts is None:
            return f / n, grad / n, None
        T, Wsum = parts
        m = len(self.r)
        I = np.zeros((m + p, m + p))
        I[:m, :m] = 0.5 * sel(sel(T).T).T
        I[m:, m:] = Wsum
        return f / n, grad / n, 0.5 * (I + I.T) / n


def h1_moments(Y: np.ndarray, pats: Patterns | None = None):
    """ML estimates of the mean and covariance from incomplete rows, and the h1 log-likelihood.

    Starts from the available-case moments (diagonal if those are not positive definite).
    """
    pats = pats or Patterns.from_data(Y)
    mean = np.nanmean(Y, axis=0)
    var = np.nanvar(Y, axis=0)
    sat = _Saturated(pats)
    import pandas as pd
    S0 = pd.DataFrame(Y).cov(min_periods=2).to_numpy()
    S0 = np.where(np.isnan(S0), 0.0, S0)
    np.fill_diagonal(S0, var)
    if np.linalg.eigvalsh(S0)[0] <= 1e-8 * var.max():
        S0 = np.diag(var)
    res = fisher_scoring(sat, sat.pack(S0, mean), tol=1e-14)
    S, m = sat.unpack(res.x)
    return S, m, pats.loglik(S, m), bool(res.converged)


# ----- the structured model ---------------------------------------------------------------------
@dataclass
class FimlProblem(Problem):
    """``Problem`` whose discrepancy is the casewise (pattern-grouped) likelihood.

    ``covs``/``means`` hold the h1 (EM) moments per group, as lavaan uses them for SRMR.
    """

    patterns: list = field(default_factory=list)
    logl_h1: list = field(default_factory=list)
    baseline_logl: float = np.nan
    baseline_moments: list = field(default_factory=list)   # per group (means, variances)
    test: str = "standard"          # or "yuan.bentler.mplus" (MLR)
    baseline: object = None         # FitState of the independence model (MLR only)
    pairwise_moments: list = field(default_factory=list)  # (cov, mean) per group, for GFI

    def _group_terms(self, v, g, derivatives, info):
        imp = self.model.implied(v, g, derivatives=derivatives)
        return imp

    def objective(self, x: np.ndarray) -> float:
        v = self.values(x)
        ll = 0.0
        for g, pats in enumerate(self.patterns):
            imp = self.model.implied(v, g)
            lg = pats.loglik(imp.sigma, imp.mu)
            if not np.isfinite(lg):
                return np.inf
            ll += lg
        return (sum(self.logl_h1) - ll) / self.ntotal

    def evaluate(self, x: np.ndarray, info: bool = True):
        v = self.values(x)
        q = self.npar
        f, grad, I = 0.0, np.zeros(q), (np.zeros((q, q)) if info else None)
        for g, pats in enumerate(self.patterns):
            imp = self.model.implied(v, g, derivatives=True)
            fg, G, gmu, parts = pats.derivatives(imp.sigma, imp.mu, info)
            if not np.isfinite(fg):
                return np.inf, None, None
            gg, Ig = chain(imp.dsigma, imp.dmu, G, gmu, parts)
            f += fg
            grad += gg
            if info:
                I += Ig
        N = self.ntotal
        f = (f + sum(self.logl_h1)) / N   # f holds -log L
        return f, grad / N, (I / N if info else None)

    def loglik(self, x) -> float:
        v = self.values(x)
        return float(sum(p.loglik(self.model.implied(v, g).sigma, self.model.implied(v, g).mu)
                         for g, p in enumerate(self.patterns)))

    def fit_inputs(self, x):
        """(logl, unrestricted_logl, baseline_chisq) for the fit measures."""
        ll = self.loglik(x)
        lh1 = float(sum(self.logl_h1))
        return ll, lh1, 2.0 * (lh1 - self.baseline_logl)

    def gfi_parts(self, x, x_idx=()) -> list:
        """GFI numerator and denominator per group as lavaan 0.6.14 under ``missing = "ml"``.

        lavaan's ``lav_fit_gfi`` (``R/lav_fit_gfi.R``) takes ``1 - e' V e / s' V s`` with
        ``s = WLS.obs``, ``e = s - WLS.est`` and ``V = lavInspect(fit, "wls.v")``. Under
        ``missing = "ml"`` (no sampling weights) ``WLS.obs`` is built from the *pairwise*
        available-case moments, colMeans(na.rm = TRUE) and the pairwise covariance rescaled by
        (N - 1) / N (``lav_samplestats_from_data``, ``R/lav_samplestats.R``: "NEEDED? why not
        just EM-based?"), not from the EM moments; ``V`` is the h1 expected information
        (``lav_object_inspect_wls_v`` -> ``lav_model_h1_information_expected``,
        ``R/lav_model_h1_information.R``), for missing data the pattern-weighted
        ``lav_mvnorm_missing_information_expected`` at the implied moments,
        ``(1/N) sum_k n_k [W_k (means), 1/2 D'(W_k (x) W_k) D (vech Sigma)]`` with ``W_k``
        the zero-padded ``Sigma_oo^-1`` of pattern ``k``; its fixed-x rows and columns are
        zero (here: those elements of ``s`` and ``e`` are zeroed). Returned doubled, as
        :func:`trustmodel.estimation.fit_indices.gfi_parts` (only the ratio matters).
        """
        v = self.values(x)
        out = []
        xi = np.asarray(list(x_idx), dtype=int)
        for g, pats in enumerate(self.patterns):
            imp = self.model.implied(v, g)
            S, m = self.pairwise_moments[g]
            E, d = S - imp.sigma, m - imp.mu
            if len(xi):
                S, m, E, d = S.copy(), m.copy(), E.copy(), d.copy()
                for M in (S, E):
                    M[np.ix_(xi, xi)] = 0.0
                m[xi] = d[xi] = 0.0
            num = den = 0.0
            for b, (W, _) in zip(pats.blocks, pats.inverses(imp.sigma)):
                WE, WS = W @ E[b.ii, b.jj], W @ S[b.ii, b.jj]
                do, mo = d[b.obs], m[b.obs]
                num += np.sum(b.n * (np.einsum("kij,kji->k", WE, WE)
                                     + 2 * np.einsum("ki,kij,kj->k", do, W, do)))
                den += np.sum(b.n * (np.einsum("kij,kji->k", WS, WS)
                                     + 2 * np.einsum("ki,kij,kj->k", mo, W, mo)))
            out.append((float(num), float(den)))
        return out

    def robust_fit_measures(self, x, df, bdf, N, G) -> dict:
        """lavaan's FIML-corrected ``*_robust`` RMSEA/CFI (:mod:`.fiml_robust`)."""
        from .fiml_robust import fiml_corrected, robust_measures
        if df <= 0 or bdf <= 0 or any(len(v) == 0 for v in self.baseline_moments):
            return {}
        if self.test == "standard":
            try:
                XX3, k, XX3b, kb = fiml_corrected(self, x)
            except np.linalg.LinAlgError:  # h1 information singular (0% coverage): NA
                return {}
            return robust_measures(XX3, df, k / df, XX3b, bdf, kb / bdf, N, G)
        from .fiml_mlr import scaled_fiml_measures
        try:
            return scaled_fiml_measures(self, x, df, bdf, N, G)
        except np.linalg.LinAlgError:  # h1 information singular (0% coverage): NA
            return {}


def _observed_moments(Y, x_idx=()):
    """Each variable's observed mean and variance (the FIML independence model); () with
    fixed-x covariates (their block is saturated there: not built)."""
    if len(x_idx):
        return ()
    return np.nanmean(Y, axis=0), np.nanvar(Y, axis=0)


def pairwise_moments(Y: np.ndarray):
    """lavaan's sample moments under ``missing = "ml"``: the pairwise-complete covariance
    (N - 1 divisor per pair, rescaled by (N - 1) / N, undefined pairs 0) and the available-case
    means (``lav_samplestats_from_data``, ``R/lav_samplestats.R``); only the GFI uses them."""
    import pandas as pd
    n = len(Y)
    S = pd.DataFrame(Y).cov(min_periods=2).to_numpy() * (n - 1) / n
    return np.where(np.isnan(S), 0.0, S), np.nanmean(Y, axis=0)


def baseline_loglik(Y: np.ndarray, x_idx=()) -> float:
    """Independence model by FIML: closed form, each variable's observed mean and variance;
    a fixed-x block (complete by construction) is kept saturated."""
    x = list(x_idx)
    total = 0.0
    for j in range(Y.shape[1]):
        if j in x:
            continue
        y = Y[~np.isnan(Y[:, j]), j]
        v = y.var()
        total += -0.5 * len(y) * (LOG2PI + np.log(v) + 1.0)
    if x:
        X = Y[:, x]
        n = len(X)
        S = np.cov(X, rowvar=False, bias=True).reshape(len(x), len(x))
        total += -0.5 * n * (len(x) * LOG2PI + np.linalg.slogdet(S)[1] + len(x))
    return float(total)


# ----- driver -------------------------------------------------------------------------------------
def drop_missing_x(stats, x_idx):
    """Rows with a missing fixed-x covariate are deleted, as lavaan 0.6.14 does for
    ``missing = "ml"`` with ``fixed.x = TRUE`` (``R/lav_data.R``; ``missing = "ml.x"`` would
    keep them), with a warning."""
    from dataclasses import replace
    if not len(x_idx):
        return stats
    groups, dropped = [], 0
    for g in stats.groups:
        bad = np.isnan(g.data[:, list(x_idx)]).any(axis=1)
        if bad.any():
            dropped += int(bad.sum())
            keep = ~bad
            g = replace(g, data=g.data[keep], nobs=int(keep.sum()),
                        rows=None if g.rows is None else g.rows[keep])
        groups.append(g)
    if dropped:
        import warnings
        from .._errors import DataWarning
        warnings.warn(f"{dropped} row(s) with missing values on exogenous covariates were "
                      "deleted (fixed_x=True, as lavaan's missing='ml'); use fixed_x=False to "
                      "keep them.", DataWarning, stacklevel=4)
    return replace(stats, groups=groups, n_dropped=stats.n_dropped + dropped)


def h1_stats(stats, x_idx=()):
    """Sample statistics with the h1 (EM) moments in place of the available-case ones.

    Returns the new ``SampleStats``, the patterns and the h1 log-likelihood of every group.
    """
    from dataclasses import replace

    groups, pats, lls = [], [], []
    for g in stats.groups:
        pt = Patterns.from_data(g.data)
        S, m, ll, ok = h1_moments(g.data, pt)
        if not ok:
            import warnings
            from .._errors import NonConvergenceWarning
            warnings.warn("The unrestricted (h1) model for the incomplete data did not converge; "
                          "chisq and unrestricted_logl may be off.", NonConvergenceWarning,
                          stacklevel=3)
        groups.append(replace(g, cov=S, mean=m))
        pats.append(pt)
        lls.append(ll)
    return replace(stats, groups=groups), pats, lls


def estimate_fiml(table, stats, x0=None):
    """Fit ``table`` by FIML; ``stats`` holds the raw incomplete rows per group.

    Returns ``(FitState, stats_h1)``, the latter with the h1 moments (used for SRMR, starts).
    """
    from .fitting import FitState, build_problem, minimize_with_restart
    from .robust_fit import x_indices

    xi = x_indices(table)
    stats = drop_missing_x(stats, xi)
    st1, pats, lls = h1_stats(stats, xi)
    base_problem, start = build_problem(table, st1, "ML")
    bl = sum(baseline_loglik(g.data, xi) for g in stats.groups)
    problem = FimlProblem(base_problem.model, base_problem.covs, base_problem.means,
                          base_problem.nobs, "ML", base_problem.base, base_problem.free_pos,
                          base_problem.free_of, patterns=pats, logl_h1=lls, baseline_logl=bl,
                          baseline_moments=[_observed_moments(g.data, xi) for g in stats.groups],
                          pairwise_moments=[pairwise_moments(g.data) for g in stats.groups])
    res = minimize_with_restart(problem, table, st1, start if x0 is None else x0)
    return FitState(problem, res.x, problem.values(res.x), res), st1


def observed_information_fiml(problem: FimlProblem, x, h: float = 1e-7) -> np.ndarray:
    """Hessian of ``fmin`` (lavaan's ``observed.information = "hessian"``) for FIML.

    The (Sigma, mu) part is analytic (:meth:`Patterns.hessian_parts`), chained with the
    Jacobian Delta; the curvature of the model itself, sum_s g_s d2 s / dtheta dtheta' (g the
    first derivatives w.r.t. the implied moments s), by forward differences of Delta(theta)' g
    (about 1e-7 relative), which needs only implied moments, not the likelihood.
    """
    v = problem.values(x)
    q = problem.npar
    H = np.zeros((q, q))
    for g, pats in enumerate(problem.patterns):
        imp = problem.model.implied(v, g, derivatives=True)
        p = imp.sigma.shape[0]
        G, gmu, Hss, R, Wsum = pats.hessian_parts(imp.sigma, imp.mu)
        D = imp.dsigma.reshape(q, p * p)
        DR = D @ R @ imp.dmu.T
        H += D @ Hss @ D.T + DR + DR.T + imp.dmu @ Wsum @ imp.dmu.T

        def first(xx):  # Delta' g in the rank-2 form: tr(G dSigma_e) = 2 u_e' G v_e
            im = problem.model.implied(problem.values(xx), g, derivatives=True)
            e = 2 * np.einsum("ie,ie->e", im.U, G @ im.V) + im.W.T @ gmu
            return _combine_vec(im, e)

        f0 = first(x)
        for k in range(q):
            step = h * max(1.0, abs(x[k]))
            e = np.zeros(q)
            e[k] = step
            H[:, k] += (first(x + e) - f0) / step
    H = H / problem.ntotal
    return 0.5 * (H + H.T)


def observed_vcov(state) -> np.ndarray:
    """lavaan's default for missing = "ml": observed information (the Hessian of fmin)."""
    from .robust import _inv
    V = _inv(observed_information_fiml(state.problem, state.x)) / state.problem.ntotal
    return 0.5 * (V + V.T)


def fiml_fit(table, stats, *, estimator: str = "ML", se: str = "standard"):
    """Pipeline steps 3-4 under FIML: ``(FitState, stats with h1 moments, vcov)``."""
    state, st1 = estimate_fiml(table, stats)
    q = state.problem.npar
    if se == "none":
        return state, st1, np.zeros((q, q))
    if estimator == "MLR" or se == "robust":
        from .fiml_mlr import mlr_vcov
        from .robust_fit import baseline_table
        if estimator == "MLR":
            state.problem.test = "yuan.bentler.mplus"
            state.problem.baseline = estimate_fiml(baseline_table(table), st1)[0]
        return state, st1, mlr_vcov(state.problem, state.x)
    return state, st1, observed_vcov(state)
