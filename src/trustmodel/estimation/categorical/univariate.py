"""Stage 1: univariate statistics of ordinal and continuous variables, with casewise scores.

An ordinal variable's thresholds are the probit ML estimates without covariates, which are
``qnorm`` of the cumulative proportions (lavaan 0.6-14 ``R/lav_uvord.R``,
``lav_uvord_fit`` / ``lav_uvord_scores_cache``); a continuous variable gets its mean and
N-divisor variance (``R/lav_uvreg.R``). The casewise scores (derivatives of each case's
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
    mean: float
    var: float

    @property
    def observed(self) -> np.ndarray:
        return np.isfinite(self.values)

    @property
    def centered(self) -> np.ndarray:
        return np.where(self.observed, self.values - self.mean, 0.0)

    def scores(self):
        """(score of the mean, score of the variance), N each (``lav_uvreg_scores_cache``)."""
        r = self.centered
        ok = self.observed
        s_mu = r / self.var
        s_var = np.where(ok, -1 / (2 * self.var) + r * r / (2 * self.var ** 2), 0.0)
        return s_mu, s_var


def fit_ordinal(name: str, codes: np.ndarray, levels: tuple) -> Ordinal:
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
    return Ordinal(name, codes, ndtri(cum), tuple(levels))


def fit_numeric(name: str, values: np.ndarray) -> Numeric:
    """Mean and N-divisor variance of a continuous variable (available cases)."""
    v = values[np.isfinite(values)]
    mean = float(v.mean())
    var = float(np.mean((v - mean) ** 2))
    if var <= 0:
        raise DataError(f"Continuous variable {name!r} is constant; drop it from the model.")
    return Numeric(name, values, mean, var)
