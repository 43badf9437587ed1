"""Stage 1: univariate statistics of ordinal and continuous variables, with casewise scores.

An ordinal variable's thresholds are the probit ML estimates without covariates, which are
``qnorm`` of the cumulative proportions (lavaan 0.6-14 ``R/lav_uvord.R``,
``lav_uvord_fit`` / ``lav_uvord_scores_cache``); a continuous variable gets its mean and
N-divisor variance (``R/lav_uvreg.R``). With exogenous covariates (lavaan's
``conditional.x = TRUE``) an ordinal variable gets the probit regression
``P(y <= k | x) = Phi(tau_k - x'beta)`` and a continuous one the linear regression
``y = a + x'beta + e`` with ML residual variance; the case's limits (ordinal) or residual
(continuous) then carry the covariates into stage 2, and the slopes' scores are
``-x`` (ordinal) or ``x`` (continuous) times the score of a shift of the case's location. The casewise scores (derivatives of each case's
log-likelihood) feed the asymptotic covariance matrix (:mod:`.acov`). Missing values give a
zero score (lavaan's ``na.rm`` cross-products under ``missing = "pairwise"``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ..._errors import DataError

_SQRT_2PI = np.sqrt(2 * np.pi)


def dnorm(x):
    """Standard normal density, 0 at +-inf."""
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.exp(-0.5 * np.square(x)) / _SQRT_2PI
    return np.where(np.isfinite(x), out, 0.0)


@dataclass(frozen=True)
class Ordinal:
    """One ordinal variable: integer codes 0..K-1 (-1 missing) and its thresholds."""

    name: str
    codes: np.ndarray
    th: np.ndarray          # K - 1 thresholds
    levels: tuple
    offset: np.ndarray | None = None   # x'beta per case (probit regression on covariates)
    slopes: np.ndarray | None = None

    @property
    def ncat(self) -> int:
        return len(self.th) + 1

    @property
    def padded(self) -> np.ndarray:
        """[-inf, th..., +inf]: the limits of category k are padded[k], padded[k + 1]."""
        return np.concatenate([[-np.inf], self.th, [np.inf]])

    @property
    def observed(self) -> np.ndarray:
        return self.codes >= 0

    def limits(self):
        """Per case: (upper, lower) limit of its category (0, 0 for a missing case)."""
        pad = self.padded
        c = np.where(self.observed, self.codes, 0)
        up, lo = pad[c + 1], pad[c]
        if self.offset is not None:
            up, lo = up - self.offset, lo - self.offset
        miss = ~self.observed
        return np.where(miss, 0.0, up), np.where(miss, 0.0, lo)

    def scores(self) -> np.ndarray:
        """N x (K - 1) scores of the thresholds (``lav_uvord_scores_cache``)."""
        up, lo = self.limits()
        prob = ndtr(up) - ndtr(lo)
        c = self.codes
        n, k = len(c), self.ncat - 1
        out = np.zeros((n, k))
        ok = self.observed
        rows = np.flatnonzero(ok & (c < k))
        out[rows, c[rows]] = dnorm(up[rows]) / prob[rows]
        rows = np.flatnonzero(ok & (c > 0))
        out[rows, c[rows] - 1] -= dnorm(lo[rows]) / prob[rows]
        return out


@dataclass(frozen=True)
class Numeric:
    """One continuous variable: values (NaN missing), mean and N-divisor variance."""

    name: str
    values: np.ndarray
    mean: float             # the intercept under a regression on covariates
    var: float              # (residual) variance
    fitted: np.ndarray | None = None   # a + x'beta per case
    slopes: np.ndarray | None = None

    @property
    def observed(self) -> np.ndarray:
        return np.isfinite(self.values)

    @property
    def centered(self) -> np.ndarray:
        loc = self.mean if self.fitted is None else self.fitted
        return np.where(self.observed, self.values - loc, 0.0)

    def scores(self):
        """(score of the mean, score of the variance), N each (``lav_uvreg_scores_cache``)."""
        r = self.centered
        ok = self.observed
        s_mu = r / self.var
        s_var = np.where(ok, -1 / (2 * self.var) + r * r / (2 * self.var ** 2), 0.0)
        return s_mu, s_var


def fit_ordinal(name: str, codes: np.ndarray, levels: tuple, exo=None) -> Ordinal:
    """Thresholds of one ordinal variable from its integer codes (-1 missing).

    Examples
    --------
    >>> v = fit_ordinal("y", np.array([0, 0, 1, 1, 1, 2]), (1, 2, 3))
    >>> np.round(v.th, 4)  # qnorm(2/6), qnorm(5/6)
    array([-0.4307,  0.9674])
    """
    ok = codes >= 0
    k = len(levels)
    freq = np.bincount(codes[ok], minlength=k)
    if k < 2:
        raise DataError(f"Ordinal variable {name!r} has a single category; it carries no "
                        "information. Drop it from the model.")
    if np.any(freq == 0):
        raise DataError(f"Some categories of ordinal variable {name!r} are empty; frequencies "
                        f"are [{' '.join(map(str, freq))}]. Merge the empty categories (recode "
                        "the column) before fitting.")
    cum = np.cumsum(freq)[:-1] / freq.sum()
    th = ndtri(cum)
    if exo is None:
        return Ordinal(name, codes, th, tuple(levels))
    th, beta = _probit(name, codes, th, np.asarray(exo, float))
    return Ordinal(name, codes, th, tuple(levels), offset=exo @ beta, slopes=beta)


def _probit(name, codes, th, X, max_iter=100):
    """ML probit regression (thresholds, slopes) by Newton's method with the exact Hessian
    (``lav_uvord_fit`` maximises the same likelihood with ``nlminb``)."""
    N, q = X.shape
    k = len(th)
    c = codes
    theta = np.concatenate([th, np.zeros(q)])
    ia, ib = np.flatnonzero(c < k), np.flatnonzero(c > 0)

    def parts(theta):
        pad = np.concatenate([[-np.inf], theta[:k], [np.inf]])
        eta = X @ theta[k:]
        a, b = pad[c + 1] - eta, pad[c] - eta
        P = ndtr(a) - ndtr(b)
        return a, b, P

    def loglik(theta):
        if np.any(np.diff(theta[:k]) <= 0):
            return -np.inf
        P = parts(theta)[2]
        return np.sum(np.log(np.maximum(P, 1e-300)))

    ll = loglik(theta)
    for _ in range(max_iter):
        a, b, P = parts(theta)
        fa, fb = dnorm(a), dnorm(b)
        ga, gb = fa / P, -fb / P
        with np.errstate(invalid="ignore"):
            haa = -np.where(np.isfinite(a), a * fa, 0.0) / P - ga * ga
            hbb = np.where(np.isfinite(b), b * fb, 0.0) / P - gb * gb
        hab = -ga * gb
        Ja = np.zeros((N, k + q))
        Jb = np.zeros((N, k + q))
        Ja[ia, c[ia]] = 1.0
        Jb[ib, c[ib] - 1] = 1.0
        Ja[:, k:] = Jb[:, k:] = -X
        grad = Ja.T @ ga + Jb.T @ gb
        H = (Ja.T @ (haa[:, None] * Ja) + Jb.T @ (hbb[:, None] * Jb)
             + Ja.T @ (hab[:, None] * Jb) + Jb.T @ (hab[:, None] * Ja))
        try:
            step = -np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            raise DataError(f"The probit regression of {name!r} on the covariates failed; the "
                            "covariates may not be of full rank.") from None
        t = 1.0
        while t > 1e-8:
            new = loglik(theta + t * step)
            if new >= ll - 1e-12 * abs(ll):
                break
            t /= 2
        theta, ll = theta + t * step, new
        if np.max(np.abs(t * step)) < 1e-11:
            break
    return theta[:k], theta[k:]


def fit_numeric(name: str, values: np.ndarray, exo=None) -> Numeric:
    """Mean and N-divisor variance of a continuous variable (available cases); with
    covariates ``exo`` (N x q) the OLS regression on them and the ML residual variance
    (``lav_uvreg_fit``)."""
    if exo is not None:
        X1 = np.column_stack([np.ones(len(values)), exo])
        coef = np.linalg.lstsq(X1, values, rcond=None)[0]
        fitted = X1 @ coef
        var = float(np.mean((values - fitted) ** 2))
        if var <= 0:
            raise DataError(f"Continuous variable {name!r} is an exact function of the "
                            "covariates; drop it from the model.")
        return Numeric(name, values, float(coef[0]), var, fitted=fitted, slopes=coef[1:])
    v = values[np.isfinite(values)]
    mean = float(v.mean())
    var = float(np.mean((v - mean) ** 2))
    if var <= 0:
        raise DataError(f"Continuous variable {name!r} is constant; drop it from the model.")
    return Numeric(name, values, mean, var)
