"""The saturated (h1) model of incomplete data and the FIML independence model.

The h1 moments are fitted by Fisher scoring on the casewise likelihood (the fixed point
lavaan's EM reaches, ``lav_mvnorm_missing_h1_estimate_moments``,
``R/lav_mvnorm_missing_h1.R``); the independence model has a closed form (each variable's
observed mean and variance).
"""
from __future__ import annotations

import numpy as np

from ...moments import PatternMoments, pattern_moments
from ..core.optimize import fisher_scoring
from ..core.saturated import saturated_derivatives
from .patterns import LOG2PI, Patterns


class _Saturated:
    """Unrestricted (vech Sigma, mu) for the h1 fit; the optimiser's problem interface."""

    def __init__(self, pats: Patterns):
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


def _pattern_moments(Y) -> PatternMoments:
    """The per-pattern statistics of rows ``Y``, of a :class:`Patterns` or themselves."""
    if isinstance(Y, PatternMoments):
        return Y
    if isinstance(Y, Patterns) and Y.moments is not None:
        return Y.moments
    return pattern_moments(np.asarray(Y, dtype=float))


def h1_moments(Y, pats: Patterns | None = None):
    """ML estimates of the mean and covariance from incomplete rows, and the h1 log-likelihood.

    Starts from the available-case moments (diagonal if those are not positive definite),
    all from the per-pattern statistics: no pass over the rows.
    """
    pats = pats or Patterns.from_data(None if isinstance(Y, PatternMoments) else Y,
                                      _pattern_moments(Y))
    pm = _pattern_moments(pats)
    _, mean, var = pm.available()
    sat = _Saturated(pats)
    S0 = pm.pairwise()[1]
    S0 = np.where(np.isnan(S0), 0.0, S0)
    np.fill_diagonal(S0, var)
    if np.linalg.eigvalsh(S0)[0] <= 1e-8 * var.max():
        S0 = np.diag(var)
    res = fisher_scoring(sat, sat.pack(S0, mean), tol=1e-14)
    S, m = sat.unpack(res.x)
    return S, m, pats.loglik(S, m), bool(res.converged)


def observed_moments(Y):
    """Each variable's observed mean and variance (the FIML independence model; a fixed-x
    block is saturated there, its covariances are taken from the h1 moments). ``Y``: the
    rows, their :class:`Patterns` or :class:`~trustmodel.moments.PatternMoments`."""
    _, mean, var = _pattern_moments(Y).available()
    return mean, var


def pairwise_moments(Y):
    """lavaan's sample moments under ``missing = "ml"``: the pairwise-complete covariance
    (N - 1 divisor per pair, rescaled by (N - 1) / N, undefined pairs 0) and the available-case
    means (``lav_samplestats_from_data``, ``R/lav_samplestats.R``); only the GFI uses them.
    ``Y``: the rows, their :class:`Patterns` or per-pattern statistics."""
    pm = _pattern_moments(Y)
    n = int(pm.counts.sum())
    S = pm.pairwise()[1] * (n - 1) / n
    return np.where(np.isnan(S), 0.0, S), pm.available()[1]


def baseline_loglik(Y, x_idx=()) -> float:
    """Independence model by FIML: closed form, each variable's observed mean and variance;
    a fixed-x block (complete by construction) is kept saturated. ``Y``: the rows, their
    :class:`Patterns` or per-pattern statistics."""
    pm = _pattern_moments(Y)
    x = list(x_idx)
    n_obs, _, var = pm.available()
    y = [j for j in range(len(var)) if j not in x]
    total = float(np.sum(-0.5 * n_obs[y] * (LOG2PI + np.log(var[y]) + 1.0)))
    if x:
        S = pm.pairwise(ddof=0)[1][np.ix_(x, x)]
        n = int(pm.counts.sum())
        total += -0.5 * n * (len(x) * LOG2PI + np.linalg.slogdet(S)[1] + len(x))
    return float(total)
