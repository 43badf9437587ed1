"""Starting values, close to lavaan's ``start = "default"`` (``R/lav_start.R``).

Loadings of first-order factors come from a non-iterative ratio estimator in the spirit of
Hägglund's (1982) FABIN (instrumental indicators: the other indicators of the same factor);
factor variances from the loading-scaled indicator covariances; residual variances are half
the observed variances; regressions and covariances start at 0, intercepts at the sample means,
exogenous covariates (``fixed.x``) at their sample moments. User ``start()`` values win.
"""
from __future__ import annotations

import numpy as np


def start_values(table, stats, simple: bool = False) -> np.ndarray:
    """Start value for every table row (fixed rows get their fixed value)."""
    c = table.cols
    ov = list(table.names.ov)
    lv = set(table.names.lv)
    pos = {v: k for k, v in enumerate(ov)}
    std_lv = bool(table.options.get("std_lv"))
    out = c.ustart.astype(float)
    lhs, op, rhs, group, free, exo = c.lhs, c.op, c.rhs, c.group, c.free, c.exo
    user_start = c.start.astype(float)
    for g in range(1, table.ngroups + 1):
        gs = stats.groups[g - 1]
        S, mean = gs.cov, gs.mean
        sel = np.flatnonzero(group == g)
        loadings, lvvar = ({}, {}) if simple else _factor_starts(table, sel, S, pos, lv, std_lv)
        for r in sel:
            if exo[r]:
                if op[r] == "~~":
                    out[r] = S[pos[lhs[r]], pos[rhs[r]]]
                elif op[r] == "~1":
                    out[r] = mean[pos[lhs[r]]]
                continue
            if not free[r]:
                continue
            if np.isfinite(user_start[r]):
                out[r] = user_start[r]
                continue
            if op[r] == "=~":
                out[r] = loadings.get((lhs[r], rhs[r]), 1.0)
            elif op[r] == "~":
                out[r] = 0.0
            elif op[r] == "~~":
                if lhs[r] != rhs[r]:
                    out[r] = 0.0
                elif lhs[r] in lv:
                    out[r] = lvvar.get(lhs[r], 0.05)
                else:
                    out[r] = 0.5 * S[pos[lhs[r]], pos[lhs[r]]]
            elif op[r] == "~1":
                out[r] = mean[pos[lhs[r]]] if lhs[r] in pos else 0.0
    return out


def _factor_starts(table, sel, S, pos, lv, std_lv):
    op, lhs, rhs = table.cols.op, table.cols.lhs, table.cols.rhs
    inds: dict = {}
    for r in sel:
        if op[r] == "=~" and rhs[r] in pos:
            inds.setdefault(lhs[r], []).append(rhs[r])
    loadings, lvvar = {}, {}
    for f, items in inds.items():
        idx = [pos[v] for v in items]
        marker = idx[0]
        lam = {items[0]: 1.0}
        for v, j in zip(items[1:], idx[1:]):
            others = [k for k in idx if k not in (j, marker)]
            if others:
                num, den = S[j, others].sum(), S[marker, others].sum()
                lam[v] = num / den if abs(den) > 1e-8 else 1.0
            else:
                lam[v] = S[j, marker] / S[marker, marker] if S[marker, marker] > 0 else 1.0
            if not np.isfinite(lam[v]) or abs(lam[v]) > 10:
                lam[v] = 1.0
        vals = []
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                la, lb = lam[items[a]], lam[items[b]]
                if abs(la * lb) > 1e-8:
                    vals.append(S[idx[a], idx[b]] / (la * lb))
        psi = float(np.mean(vals)) if vals else 0.5 * S[marker, marker]
        if not np.isfinite(psi) or psi <= 0:
            psi = 0.05
        if std_lv:
            sd = np.sqrt(psi)
            for v in items:
                loadings[(f, v)] = lam[v] * sd
            lvvar[f] = 1.0
        else:
            for v in items:
                loadings[(f, v)] = lam[v]
            lvvar[f] = psi
    return loadings, lvvar
