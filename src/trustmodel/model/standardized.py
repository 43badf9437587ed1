"""Standardized solutions (lavaan's ``standardizedSolution``: std.lv and std.all).

``std_lv`` scales by the model-implied standard deviations of the latent variables only;
``std_all`` by those of latent and observed variables (the implied, not the sample, variances),
as ``R/lav_standardize.R``. Covariances between two residuals (observed-observed or
latent-latent) become residual correlations. Defined parameters are re-evaluated on the
standardized values.
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
    p = model.p
    c = getattr(table, "cols", None)  # diagnostics may pass a bare namespace with rows only
    op, group, lhs, rhs = ((c.op, c.group, c.lhs, c.rhs) if c is not None else
                           (rows[k].to_numpy() for k in ("op", "group", "lhs", "rhs")))
    lhs_i = np.array([pos.get(v, -1) for v in lhs])
    rhs_i = np.array([pos.get(v, -1) for v in rhs])
    nv = len(values)
    for g in range(model.ngroups):
        cov, _ = model.lv_moments(values, g)
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        sd_lv = np.where(np.arange(len(names)) >= p, sd, 1.0)
        _, S, _ = model.matrices(values, g)
        resid_sd = np.sqrt(np.clip(np.diag(S), 0, None))
        in_g = (group == g + 1) & (np.arange(n_all) < nv)
        est = np.zeros(n_all)
        est[:nv] = values
        with np.errstate(divide="ignore", invalid="ignore"):
            # directed: =~ (lhs -> rhs) and ~ (rhs -> lhs)
            for o, frm, to in (("=~", lhs_i, rhs_i), ("~", rhs_i, lhs_i)):
                k = np.flatnonzero(in_g & (op == o))
                std_lv[k] = est[k] * sd_lv[frm[k]] / sd_lv[to[k]]
                std_all[k] = est[k] * sd[frm[k]] / sd[to[k]]
            k = np.flatnonzero(in_g & (op == "~~"))
            a, b = lhs_i[k], rhs_i[k]
            std_lv[k] = est[k] / (sd_lv[a] * sd_lv[b])
            std_all[k] = est[k] / (sd[a] * sd[b])
            off = a != b
            both_ov = off & (a < p) & (b < p)
            both_lv = off & (a >= p) & (b >= p)
            pair = (both_ov | both_lv) & (resid_sd[a] > 0) & (resid_sd[b] > 0)
            rc = est[k] / (resid_sd[a] * resid_sd[b])
            std_all[k] = np.where(pair, rc, std_all[k])
            std_lv[k] = np.where(pair & both_lv, rc, np.where(pair & both_ov, est[k], std_lv[k]))
            k = np.flatnonzero(in_g & (op == "~1"))
            std_lv[k] = est[k] / sd_lv[lhs_i[k]]
            std_all[k] = est[k] / sd[lhs_i[k]]
    if definitions is not None and len(definitions):
        d = np.flatnonzero(op == ":=")
        base = values[: n_all - len(d)] if len(d) else values
        std_lv[d] = definitions.evaluate(np.where(np.isnan(std_lv[:len(base)]), base,
                                                  std_lv[:len(base)]))
        std_all[d] = definitions.evaluate(np.where(np.isnan(std_all[:len(base)]), base,
                                                   std_all[:len(base)]))
    return std_lv, std_all
