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
    kk: np.ndarray       # K x po x po pattern index (for scattering)
    ii: np.ndarray
    jj: np.ndarray


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
            blocks.append(Block(obs=obs, n=counts[sel].astype(float), ybar=ybar,
                                S=0.5 * (S + S.transpose(0, 2, 1)), kk=kk,
                                ii=np.broadcast_to(obs[:, :, None], (K, po, po)),
                                jj=np.broadcast_to(obs[:, None, :], (K, po, po))))
        return cls(p=p, nobs=n, blocks=blocks)

    @property
    def npatterns(self) -> int:
        return int(sum(len(b.n) for b in self.blocks))

    def loglik(self, sigma, mu) -> float:
        """Casewise normal log-likelihood summed over rows (-inf where not defined)."""
        total = 0.0
        for b in self.blocks:
            Soo = sigma[b.ii, b.jj]
            try:
                L = np.linalg.cholesky(Soo)
            except np.linalg.LinAlgError:
                return -np.inf
            logdet = 2 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
            W = np.linalg.inv(Soo)
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
        Wsum = np.zeros((p, p)) if info else None
        for b in self.blocks:
            Soo = sigma[b.ii, b.jj]
            try:
                L = np.linalg.cholesky(Soo)
            except np.linalg.LinAlgError:
                return np.inf, None, None, None
            logdet = 2 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
            W = np.linalg.inv(Soo)
            d = b.ybar - mu[b.obs]
            Wd = np.einsum("kij,kj->ki", W, d)
            C = b.S + np.einsum("ki,kj->kij", d, d)
            WCW = W @ C @ W
            tr = np.einsum("kij,kji->k", W, C)
            f += 0.5 * np.sum(b.n * (b.obs.shape[1] * LOG2PI + logdet + tr))
            K = len(b.n)
            pad = np.zeros((K, p, p))
            pad[b.kk, b.ii, b.jj] = (W - WCW) * (0.5 * b.n)[:, None, None]
            G += pad.sum(axis=0)
            np.add.at(gmu, b.obs.ravel(), -(Wd * b.n[:, None]).ravel())
            if info:
                padW = np.zeros((K, p, p))
                padW[b.kk, b.ii, b.jj] = W
                Wvec.append(padW.reshape(K, p * p))
                nvec.append(b.n)
                Wsum += np.tensordot(b.n, padW, axes=1)
        if not info:
            return f, G, gmu, None
        Wv = np.concatenate(Wvec)
        nv = np.concatenate(nvec)
        # T[i,j,a,b] = sum_k n_k W_ij W_ab; 1/2 tr(W dA W dB) = 1/2 sum T[i,j,a,b] dA_ja dB_bi
        T = (Wv * nv[:, None]).T @ Wv
        T = T.reshape(p, p, p, p).transpose(1, 2, 3, 0).reshape(p * p, p * p)
        return f, G, gmu, (T, Wsum)


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
        grad, I = chain(self.dsig, self.dmu, G, gmu, parts)
        n = self.pats.nobs
        return f / n, grad / n, (I / n if I is not None else None)


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
    from .fitting import FitState, build_problem
    from .optimize import minimize
    from .robust_fit import x_indices
    from .start import start_values

    xi = x_indices(table)
    st1, pats, lls = h1_stats(stats, xi)
    base_problem, start = build_problem(table, st1, "ML")
    bl = sum(baseline_loglik(g.data, xi) for g in stats.groups)
    problem = FimlProblem(base_problem.model, base_problem.covs, base_problem.means,
                          base_problem.nobs, "ML", base_problem.base, base_problem.free_pos,
                          base_problem.free_of, patterns=pats, logl_h1=lls, baseline_logl=bl)
    res = minimize(problem, start if x0 is None else x0)
    if not res.converged:
        simple = start_values(table, st1, simple=True)[: len(problem.base)]
        xs = np.zeros(problem.npar)
        xs[problem.free_of] = simple[problem.free_pos]
        alt = minimize(problem, xs)
        if alt.converged or (np.isfinite(alt.fmin) and alt.fmin < res.fmin):
            res = alt
    return FitState(problem, res.x, problem.values(res.x), res), st1


def observed_vcov(state) -> np.ndarray:
    """lavaan's default for missing = "ml": observed information (the Hessian of fmin)."""
    from .robust import _inv, observed_information
    H = observed_information(state.problem, state.x, central=False)
    V = _inv(H) / state.problem.ntotal
    return 0.5 * (V + V.T)


def fiml_fit(table, stats, *, estimator: str = "ML", se: str = "standard"):
    """Pipeline steps 3-4 under FIML: ``(FitState, stats with h1 moments, vcov)``."""
    state, st1 = estimate_fiml(table, stats)
    q = state.problem.npar
    if se == "none":
        return state, st1, np.zeros((q, q))
    if estimator == "MLR" or se == "robust":
        raise NotImplementedError("estimator='MLR' / se='robust' with missing='fiml' is not "
                                  "built yet; use estimator='ML'.")
    return state, st1, observed_vcov(state)
