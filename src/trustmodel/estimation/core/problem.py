"""The estimation problem: a RAM model, sample moments per group and a discrepancy function.

``Problem.evaluate(x)`` returns the lavaan-scaled ``fmin`` (groups weighted by N_g / N), its
gradient and the expected information; everything works on sufficient statistics (covariance,
means), never on raw rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...model.ram import RamModel
from . import discrepancy as disc

ESTIMATORS = ("ML", "GLS", "ULS")


@dataclass
class Problem:
    model: RamModel
    covs: list              # N-divisor covariance per group
    means: list
    nobs: list
    estimator: str
    base: np.ndarray        # row values with fixed entries filled (free entries overwritten)
    free_pos: np.ndarray    # table rows holding a free parameter
    free_of: np.ndarray     # 0-based free index of each of those rows
    _cache: dict = field(default_factory=dict)

    def __post_init__(self):
        total = float(sum(self.nobs))
        # lavaan: ML weights groups by N_g / N; the least-squares estimators use the unbiased
        # covariance and (N_g - 1) / N, so that 2 N fmin is their test statistic
        shift = 0 if self.estimator == "ML" else 1
        self.weights = [(n - shift) / total for n in self.nobs]
        self.logdet_s = [np.linalg.slogdet(S)[1] for S in self.covs]
        self.s_inv = [np.linalg.inv(S) for S in self.covs]

    @property
    def npar(self) -> int:
        return self.model.npar

    @property
    def ntotal(self) -> int:
        return int(sum(self.nobs))

    def values(self, x: np.ndarray) -> np.ndarray:
        v = self.base.copy()
        v[self.free_pos] = x[self.free_of]
        return v

    def with_moments(self, covs, means, nobs=None) -> Problem:
        """The same model on other moments (bootstrap resamples, baseline fits)."""
        return Problem(self.model, covs, means, nobs or self.nobs, self.estimator, self.base,
                       self.free_pos, self.free_of)

    def objective(self, x: np.ndarray) -> float:
        v = self.values(x)
        total = 0.0
        ms = self.model.meanstructure
        for g in range(self.model.ngroups):
            imp = self.model.implied(v, g)
            if self.estimator == "ML":
                f = disc.ml_value(self.covs[g], self.means[g], imp.sigma, imp.mu,
                                  self.logdet_s[g], ms)
            elif self.estimator == "GLS":
                f = disc.gls_value(self.covs[g], self.means[g], imp.sigma, imp.mu,
                                   self.s_inv[g], ms)
            else:
                f = disc.uls_value(self.covs[g], self.means[g], imp.sigma, imp.mu, ms)
            if not np.isfinite(f):
                return np.inf
            total += self.weights[g] * f
        return total

    def _parts(self, g, imp, info=True, hessian=False):
        ms = self.model.meanstructure
        if self.estimator == "ML":
            return disc.ml_parts(self.covs[g], self.means[g], imp, self.logdet_s[g], ms, info,
                                 hessian)
        if self.estimator == "GLS":
            return disc.gls_parts(self.covs[g], self.means[g], imp, self.s_inv[g], ms, info)
        return disc.uls_parts(self.covs[g], self.means[g], imp, ms, info)

    def evaluate(self, x: np.ndarray, info: bool = True, hessian: bool = False):
        """fmin, gradient and information (groups weighted by N_g / N).

        With ``hessian=True`` (ML only) the third item is the exact Hessian of fmin instead
        of the expected information.
        """
        v = self.values(x)
        q = self.npar
        info = info or hessian
        f, grad, I = 0.0, np.zeros(q), np.zeros((q, q))
        for g in range(self.model.ngroups):
            imp = self.model.implied(v, g, derivatives=True)
            fg, gg, Ig = self._parts(g, imp, info, hessian)
            if not np.isfinite(fg):
                return np.inf, None, None
            w = self.weights[g]
            f += w * fg
            grad += w * gg
            if info:
                I += w * Ig
        return f, grad, (I if info else None)

    @property
    def has_hessian(self) -> bool:
        """Whether ``evaluate(x, hessian=True)`` gives the exact Hessian (complete-data ML)."""
        return self.estimator == "ML" and type(self).evaluate is Problem.evaluate

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """Exact Hessian of fmin (ML only; :mod:`.hessian`), groups weighted by N_g / N."""
        return self.evaluate(x, hessian=True)[2]

    def implied(self, x: np.ndarray, derivatives: bool = False):
        v = self.values(x)
        return [self.model.implied(v, g, derivatives) for g in range(self.model.ngroups)]
