"""Bootstrap summaries for PLS: standard errors, percentile and BCa intervals, jackknife.

BCa (Efron 1987; Efron & Tibshirani 1993, ch. 14): with ``z0 = Phi^-1(#{b* < b} / B)`` and
the jackknife acceleration ``a = sum(d^3) / (6 (sum d^2)^1.5)``, ``d = mean(jack) - jack``,
the interval ends are the bootstrap quantiles at ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))``.
"""
from __future__ import annotations

import numpy as np
from scipy import stats as st

from .bootstrap import stack_columns
from .pipeline import estimate_batch


def jackknife(X, plan, kw, extract, chunk: int = 50) -> np.ndarray:
    """Leave-one-out statistics, shape (n, k)."""
    n = X.shape[0]
    base = np.arange(n)
    rows = []
    for a in range(0, n, chunk):
        idx = np.stack([np.delete(base, i) for i in range(a, min(a + chunk, n))])
        with np.errstate(all="ignore"):
            rows.append(extract(estimate_batch(stack_columns(X, plan.raw_items, idx), plan, kw)))
    return np.concatenate(rows)


def summarize(boot: np.ndarray, est: np.ndarray, level: float, jack=None):
    """(se, lower, upper) per statistic from the finite bootstrap rows; BCa when ``jack``."""
    b = boot[np.all(np.isfinite(boot), axis=1)]
    se = b.std(axis=0, ddof=1)
    a = (1 - level) / 2
    if jack is None:
        lo, hi = np.quantile(b, [a, 1 - a], axis=0)
        return se, lo, hi
    lo, hi = np.empty(b.shape[1]), np.empty(b.shape[1])
    z = st.norm.ppf([a, 1 - a])
    for k in range(b.shape[1]):
        prop = np.mean(b[:, k] < est[k])
        if prop <= 0 or prop >= 1 or np.ptp(b[:, k]) == 0:
            lo[k], hi[k] = np.quantile(b[:, k], [a, 1 - a])
            continue
        z0 = st.norm.ppf(prop)
        d = jack[:, k].mean() - jack[:, k]
        den = 6 * (d ** 2).sum() ** 1.5
        acc = (d ** 3).sum() / den if den > 0 else 0.0
        q = st.norm.cdf(z0 + (z0 + z) / (1 - acc * (z0 + z)))
        lo[k], hi[k] = np.quantile(b[:, k], q)
    return se, lo, hi
