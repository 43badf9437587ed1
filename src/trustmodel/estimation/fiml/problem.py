"""``FimlProblem``: the estimation problem whose discrepancy is the casewise likelihood.

``fmin = (log L_h1 - log L(theta)) / N``, so ``chisq = 2 N fmin`` as for complete data; the
observed information is the analytic Hessian of (Sigma, mu) chained with Delta.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.problem import Problem
from .patterns import chain


@dataclass
class FimlProblem(Problem):
    """``Problem`` whose discrepancy is the casewise (pattern-grouped) likelihood.

    ``covs``/``means`` hold the h1 (EM) moments per group, as lavaan uses them for SRMR.
    """

    patterns: list = field(default_factory=list)
    logl_h1: list = field(default_factory=list)
    baseline_logl: float = np.nan
    baseline_moments: list = field(default_factory=list)   # per group (means, variances)
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
        :func:`trustmodel.estimation.fit_measures.indices.gfi_parts` (only the ratio matters).
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
            inverses = pats.inverses(imp.sigma)
            if inverses is None:   # not positive definite: no admissible point, GFI is NA
                out.append((np.nan, np.nan))
                continue
            for b, (W, _) in zip(pats.blocks, inverses):
                WE, WS = W @ E[b.ii, b.jj], W @ S[b.ii, b.jj]
                do, mo = d[b.obs], m[b.obs]
                num += np.sum(b.n * (np.einsum("kij,kji->k", WE, WE)
                                     + 2 * np.einsum("ki,kij,kj->k", do, W, do)))
                den += np.sum(b.n * (np.einsum("kij,kji->k", WS, WS)
                                     + 2 * np.einsum("ki,kij,kj->k", mo, W, mo)))
            out.append((float(num), float(den)))
        return out


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
            return im.per_parameter(e)

        f0 = first(x)
        for k in range(q):
            step = h * max(1.0, abs(x[k]))
            e = np.zeros(q)
            e[k] = step
            H[:, k] += (first(x + e) - f0) / step
    H = H / problem.ntotal
    return 0.5 * (H + H.T)
