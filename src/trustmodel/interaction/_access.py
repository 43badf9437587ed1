"""What probing needs from a fitted model, for :class:`FitResult` and the LMS result alike.

A result offers ``table`` (a ParameterTable), ``x`` (free estimates), ``vcov_free`` and either
``state.problem.values`` (FitResult) or ``row_values`` (LMS) to map free values to row values;
``moments(name)`` gives a variable's model-implied mean and variance.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sst

from .._errors import OptionError
from ..estimation.core.linalg import se_from_variances
from ..estimation.inference.intervals import interval

CI_KINDS = ("delta", "montecarlo", "bootstrap")


def row_values(res):
    """The function free values -> row values of the result's table (defined rows excluded)."""
    fn = getattr(res, "row_values", None)
    return fn if callable(fn) else res.state.problem.values


def find_row(res, lhs: str, op: str, rhs: str) -> int | None:
    """Position of a (non-defined) row of group 1, or None; ``a:b`` also matches ``b:a``."""
    c = res.table.cols
    want = {rhs}
    if ":" in rhs:
        want.add(":".join(reversed(rhs.split(":"))))
    hit = np.flatnonzero((c.lhs == lhs) & (c.op == op) & np.isin(c.rhs, list(want))
                         & (c.group <= 1))
    return int(hit[0]) if len(hit) else None


def coefficient_keys(res, pairs) -> list:
    """Row positions for (lhs, rhs) regression pairs; a missing row is None (coefficient 0)."""
    return [find_row(res, lhs, "~", rhs) for lhs, rhs in pairs]


class Coefficients:
    """Estimates of chosen rows and the ways to draw them (delta, Monte Carlo, bootstrap)."""

    def __init__(self, res, rows):
        self.res = res
        self.rows = rows
        vals = row_values(res)(np.asarray(res.x, dtype=float))
        self.est = np.array([vals[r] if r is not None else 0.0 for r in rows])
        free = res.table.cols.free
        self.idx = [int(free[r]) - 1 if r is not None and free[r] > 0 else -1 for r in rows]
        V = np.asarray(res.vcov_free, dtype=float)
        k = len(rows)
        self.vcov = np.zeros((k, k))
        for a in range(k):
            for b in range(k):
                if self.idx[a] >= 0 and self.idx[b] >= 0:
                    self.vcov[a, b] = V[self.idx[a], self.idx[b]]

    def montecarlo(self, draws: int, rng) -> np.ndarray:
        """(draws, k) coefficient draws from N(est, vcov) (Preacher & Selig 2012)."""
        return rng.multivariate_normal(self.est, self.vcov, size=draws, method="eigh")

    def bootstrap(self) -> np.ndarray:
        """(B, k) coefficient values per successful bootstrap replicate of the fit."""
        boot = getattr(self.res, "bootstrap", None)
        if boot is None:
            raise OptionError("ci='bootstrap' needs a fit with se='bootstrap' (the draws are "
                              "reused); refit with tm.fit(..., se='bootstrap').")
        D = np.asarray(boot.draws, dtype=float)
        D = D[np.all(np.isfinite(D), axis=1)]
        out = np.tile(self.est, (len(D), 1))
        for a, i in enumerate(self.idx):
            if i >= 0:
                out[:, a] = D[:, i]
        return out


def infer(coefs: Coefficients, func, *, ci: str, level: float, draws: int, seed):
    """(est, se, ci_lower, ci_upper) arrays of ``func(coefficients)`` (vectorised over rows).

    ``func`` maps a (n, k) coefficient matrix to (n, m) values. Delta: gradient by central
    differences and the normal interval; Monte Carlo and bootstrap: SD of the draws and the
    percentile interval (bootstrap with the fit's ``boot_ci_type``).
    """
    if ci not in CI_KINDS:
        raise OptionError(f"ci= must be one of {', '.join(map(repr, CI_KINDS))}; got {ci!r}.")
    if not 0 < level < 1:
        raise OptionError(f"level= must lie strictly between 0 and 1; got {level!r}.")
    est = func(coefs.est[None, :])[0]
    if ci == "delta":
        k = len(coefs.est)
        J = np.zeros((len(est), k))
        for j in range(k):
            h = 1e-6 * max(1.0, abs(coefs.est[j]))
            up, dn = coefs.est.copy(), coefs.est.copy()
            up[j] += h
            dn[j] -= h
            J[:, j] = (func(up[None, :])[0] - func(dn[None, :])[0]) / (2 * h)
        se = se_from_variances(np.einsum("ij,jk,ik->i", J, coefs.vcov, J))
        q = sst.norm.ppf(0.5 + level / 2)
        return est, se, est - q * se, est + q * se
    if ci == "montecarlo":
        if not isinstance(draws, (int, np.integer)) or draws < 100:
            raise OptionError(f"draws= must be an integer of at least 100; got {draws!r}.")
        from .._validation import check_seed
        T = func(coefs.montecarlo(int(draws), check_seed(seed)))
        ci_type = "perc"
    else:
        T = func(coefs.bootstrap())
        ci_type = getattr(coefs.res.bootstrap, "ci_type", "perc") or "perc"
        ci_type = "perc" if ci_type == "bca" else ci_type   # no jackknife of derived values
    se = np.std(T, axis=0, ddof=1)
    lo, hi = np.transpose([interval(T[:, m], est[m], level, ci_type) for m in range(T.shape[1])])
    return est, se, lo, hi


def moments(res, name: str) -> tuple[float, float]:
    """Model-implied mean and variance of a variable (latent or observed)."""
    fn = getattr(res, "moments", None)
    if callable(fn):
        return fn(name)
    model = res.state.problem.model
    names = list(model.ov) + list(model.lv)
    if name not in names:
        raise OptionError(f"{name!r} is not a variable of the model.")
    cov, mean = model.lv_moments(res.state.values, 0)
    k = names.index(name)
    m = 0.0
    if k < len(model.ov):
        m = float(res.stats.groups[0].mean[list(res.stats.names).index(name)])
    elif mean is not None:
        m = float(np.asarray(mean).ravel()[k])
    return m, float(cov[k, k])


def wald_table(labels, values, name: str, est, se, lo, hi) -> pd.DataFrame:
    """``label, value, <name>, se, z, pvalue, ci_lower, ci_upper`` rows per moderator value."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    return pd.DataFrame({"label": labels, "value": values, name: est, "se": se, "z": z,
                         "pvalue": 2 * sst.norm.sf(np.abs(z)), "ci_lower": lo,
                         "ci_upper": hi})
