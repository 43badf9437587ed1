"""Bootstrap confidence intervals from draws: percentile, BCa, bias-corrected only, normal.

Quantiles interpolate on the normal scale as ``boot:::norm.inter`` (which lavaan's
``parameterEstimates`` copies, ``R/lav_object_methods.R``); BCa follows Efron (1987) with the
acceleration from jackknife values; ``"bca_simple"`` is lavaan's ``bca.simple`` (no
acceleration); ``"norm"`` is ``boot::norm.ci`` (bias-corrected normal interval).
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sst

from ..._errors import OptionError

CI_TYPES = ("perc", "bca", "bca_simple", "norm")


def norm_inter(t: np.ndarray, alpha) -> np.ndarray:
    """Quantiles of draws ``t`` at ``alpha`` interpolated on the normal scale (``boot``).

    As ``boot:::norm.inter`` (used by lavaan's ``parameterEstimates``): with ``R`` draws,
    ``rk = (R + 1) alpha``; integer ranks take the order statistic, others interpolate between
    neighbouring order statistics linearly in ``qnorm``.
    """
    t = np.sort(t[np.isfinite(t)])
    R = len(t)
    alpha = np.atleast_1d(np.asarray(alpha, dtype=float))
    out = np.full(alpha.shape, np.nan)
    if R == 0:
        return out
    rk = (R + 1) * alpha
    k = np.floor(rk + 1e-10).astype(int)
    for m, (a, r, kk) in enumerate(zip(alpha, rk, k)):
        if abs(r - round(r)) < 1e-10 and 1 <= round(r) <= R:
            out[m] = t[int(round(r)) - 1]
        elif kk <= 0:
            out[m] = t[0]
        elif kk >= R:
            out[m] = t[-1]
        else:
            z = sst.norm.ppf([a, kk / (R + 1), (kk + 1) / (R + 1)])
            out[m] = t[kk - 1] + (z[0] - z[1]) / (z[2] - z[1]) * (t[kk] - t[kk - 1])
    return out


def interval(t: np.ndarray, est: float, level: float = 0.95, ci_type: str = "perc",
             jack: np.ndarray | None = None) -> tuple[float, float]:
    """One bootstrap interval from draws ``t`` of an estimate ``est``."""
    t = t[np.isfinite(t)]
    if len(t) < 2:
        return np.nan, np.nan
    if np.ptp(t) == 0 and t[0] == est:
        return est, est
    a = np.array([(1 - level) / 2, (1 + level) / 2])
    if ci_type == "perc":
        lo, hi = norm_inter(t, a)
    elif ci_type == "norm":
        z = sst.norm.ppf(a[1])
        sd = np.std(t, ddof=1)
        centre = 2 * est - np.mean(t)
        lo, hi = centre - z * sd, centre + z * sd
    elif ci_type in ("bca", "bca_simple"):
        z0 = sst.norm.ppf(np.clip(np.mean(t < est), 1e-10, 1 - 1e-10))
        acc = 0.0
        if ci_type == "bca" and jack is not None and np.all(np.isfinite(jack)):
            L = np.mean(jack) - jack
            den = 6 * np.sum(L ** 2) ** 1.5
            acc = float(np.sum(L ** 3) / den) if den > 0 else 0.0
        za = sst.norm.ppf(a)
        adj = sst.norm.cdf(z0 + (z0 + za) / (1 - acc * (z0 + za)))
        lo, hi = norm_inter(t, adj)
    else:
        raise OptionError(f"boot_ci_type= must be one of {', '.join(map(repr, CI_TYPES))}; "
                          f"got {ci_type!r}.")
    return float(lo), float(hi)
