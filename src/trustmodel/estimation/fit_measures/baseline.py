"""The baseline (independence) model: its table, its closed-form ML statistic, its refits.

lavaan's ``lav_lavaan_step15_baseline.R`` / ``lav_partable_independence``: every observed
variable's variance (and mean) free, the covariances among fixed-x covariates saturated.
"""
from __future__ import annotations

import numpy as np

from ...syntax import build_table
from ..core.fitting import estimate


def baseline_table(table):
    """lavaan's independence model: variances (and means) free, the fixed-x block saturated."""
    names = table.names
    xs = [v for v in names.ov if v in set(names.ov_x)] if table.options.get("fixed_x", True) \
        else []
    lines = []
    for v in names.ov:
        lines += [f"{v} ~~ {w}" for w in (xs[xs.index(v):] if v in xs else [v])]
    if table.meanstructure:
        lines += [f"{v} ~ 1" for v in names.ov]
    return build_table("\n".join(lines), ngroups=table.ngroups,
                       meanstructure=table.meanstructure,
                       fixed_x=bool(table.options.get("fixed_x", True)))


def baseline_df(table, nd: int, ngroups: int) -> int:
    """Degrees of freedom of the independence model out of ``nd`` sample statistics."""
    names = table.names
    ox = set(names.ov_x) if table.options.get("fixed_x", True) else set()
    per_var = 1 + (1 if table.meanstructure else 0)
    return int(nd - ngroups * per_var * sum(v not in ox for v in names.ov))


def ml_chisq(table, stats) -> float:
    """The ML baseline statistic in closed form: sum_g N_g [sum log s_jj - log|S| (+ log|S_xx|)]."""
    names = table.names
    ox = set(names.ov_x) if table.options.get("fixed_x", True) else set()
    yi = [k for k, v in enumerate(names.ov) if v not in ox]
    xi = [k for k, v in enumerate(names.ov) if v in ox]
    chisq = 0.0
    for g in stats.groups:
        S = g.cov
        F = np.sum(np.log(np.diag(S)[yi])) - np.linalg.slogdet(S)[1]
        if xi:
            F += np.linalg.slogdet(S[np.ix_(xi, xi)])[1]
        chisq += g.nobs * F
    return float(chisq)


def refit(table, stats, estimator: str):
    """The independence model fitted by ``estimator`` (a ``FitState``), or None when its
    observed variables differ from the model's."""
    btab = baseline_table(table)
    if list(btab.names.ov) != list(table.names.ov):
        return None
    return estimate(btab, stats, estimator)
