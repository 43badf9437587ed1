"""Standardized solutions (lavaan's ``standardizedSolution``: std.lv and std.all).

``std_lv`` scales by the model-implied standard deviations of the latent variables only;
``std_all`` by those of latent and observed variables (the implied, not the sample, variances),
as ``R/lav_standardize.R``. Defined parameters are re-evaluated on the standardized values.
"""
from __future__ import annotations

import numpy as np


def standardize(table, model, values: np.ndarray, definitions=None):
    """Return (std_lv, std_all) arrays aligned with the table rows."""
    rows = table.rows
    n_all = len(rows)
    std_lv = np.full(n_all, np.nan)
    std_all = np.full(n_all, np.nan)
    names = model.ov + model.lv
    pos = {v: k for k, v in enumerate(names)}
    lvset = set(model.lv)
    lhs, op, rhs, group = (rows[c].to_numpy() for c in ("lhs", "op", "rhs", "group"))
    resid = {(g, a): values[r] for r, (g, a, o, b) in enumerate(zip(group, lhs, op, rhs))
             if o == "~~" and a == b and r < len(values)}
    for g in range(model.ngroups):
        cov, _ = model.lv_moments(values, g)
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        sd_lv = np.array([sd[k] if v in lvset else 1.0 for k, v in enumerate(names)])
        for r in np.flatnonzero(group == g + 1):
            est = values[r]
            o = op[r]
            if o in ("=~", "~"):
                to, frm = (rhs[r], lhs[r]) if o == "=~" else (lhs[r], rhs[r])
                a, b = pos[frm], pos[to]
                std_lv[r] = _ratio(est * sd_lv[a], sd_lv[b])
                std_all[r] = _ratio(est * sd[a], sd[b])
            elif o == "~~":
                a, b = pos[lhs[r]], pos[rhs[r]]
                std_lv[r] = _ratio(est, sd_lv[a] * sd_lv[b])
                if a == b:
                    std_all[r] = _ratio(est, sd[a] * sd[b])
                    continue
                va, vb = resid.get((g + 1, lhs[r])), resid.get((g + 1, rhs[r]))
                both_ov = lhs[r] not in lvset and rhs[r] not in lvset
                both_lv = lhs[r] in lvset and rhs[r] in lvset
                if (both_ov or both_lv) and va and vb and va > 0 and vb > 0:
                    # residual covariance -> residual correlation, as lavaan
                    std_all[r] = est / np.sqrt(va * vb)
                    std_lv[r] = est if both_ov else std_all[r]
                else:
                    std_all[r] = _ratio(est, sd[a] * sd[b])
            elif o == "~1":
                a = pos[lhs[r]]
                std_lv[r] = _ratio(est, sd_lv[a])
                std_all[r] = _ratio(est, sd[a])
    if definitions is not None and len(definitions):
        d = np.flatnonzero(op == ":=")
        base = values[: n_all - len(d)] if len(d) else values
        std_lv[d] = definitions.evaluate(np.where(np.isnan(std_lv[:len(base)]), base,
                                                  std_lv[:len(base)]))
        std_all[d] = definitions.evaluate(np.where(np.isnan(std_all[:len(base)]), base,
                                                   std_all[:len(base)]))
    return std_lv, std_all


def _ratio(a, b):
    return a / b if b > 0 else np.nan
