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
        struct = {} if simple else _structural_starts(table, sel, S, pos, loadings, lvvar)
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
                out[r] = struct.get((lhs[r], "=~", rhs[r]), loadings.get((lhs[r], rhs[r]), 1.0))
            elif op[r] == "~":
                out[r] = struct.get((lhs[r], "~", rhs[r]), 0.0)
            elif op[r] == "~~":
                key = (lhs[r], "~~", rhs[r])
                if lhs[r] != rhs[r]:
                    out[r] = struct.get(key, 0.0)
                elif lhs[r] in lv:
                    out[r] = struct.get(key, lvvar.get(lhs[r], 0.05))
                else:
                    out[r] = struct.get(key, 0.5 * S[pos[lhs[r]], pos[lhs[r]]])
            elif op[r] == "~1":
                out[r] = mean[pos[lhs[r]]] if lhs[r] in pos else 0.0
    return out


def _ratio_loadings(cov, items):
    """Marker-scaled loadings and factor variance from an indicator covariance function.

    Loading of indicator j: sum_k cov(j, k) / sum_k cov(marker, k) over the other indicators k
    (a FABIN-like instrumental ratio); variance: mean of cov(j, k) / (l_j l_k).
    """
    lam = {items[0]: 1.0}
    for v in items[1:]:
        others = [k for k in items if k not in (v, items[0])]
        if others:
            num = sum(cov(v, k) for k in others)
            den = sum(cov(items[0], k) for k in others)
        else:
            num, den = cov(v, items[0]), cov(items[0], items[0])
        lam[v] = num / den if abs(den) > 1e-8 else 1.0
        if not np.isfinite(lam[v]) or abs(lam[v]) > 10:
            lam[v] = 1.0
    vals = [cov(a, b) / (lam[a] * lam[b]) for i, a in enumerate(items) for b in items[i + 1:]
            if abs(lam[a] * lam[b]) > 1e-8]
    psi = float(np.mean(vals)) if vals else 0.5 * cov(items[0], items[0])
    if not np.isfinite(psi) or psi <= 0:
        psi = 0.05
    return lam, psi


def _structural_starts(table, sel, S, pos, loadings, lvvar) -> dict:
    """Regressions, latent covariances and residual variances from the measurement starts.

    The covariance of two factors is estimated from their indicators' covariances divided by
    the loadings (averaged over indicator pairs: ``w_f' S w_g`` with ``w_f = 1 / (n_f l_j)``
    on f's indicators), a factor's covariance with an observed variable likewise, a
    second-order factor's from its first-order factors; every regression is then the OLS
    solution on that covariance matrix and its residual variance what the regression leaves.
    (lavaan starts regressions at 0; this two-step estimate saves iterations on hard models.)
    """
    c = table.cols
    lvvar = dict(lvvar)
    first = [f for f in table.names.lv if f in lvvar and any(k[0] == f for k in loadings)]
    ov = list(pos)
    known = first + ov
    idx = {v: k for k, v in enumerate(known)}
    Wt = np.zeros((len(ov), len(first)))
    for (f, v), lam in loadings.items():
        if f in idx and abs(lam) > 1e-8:
            Wt[pos[v], idx[f]] = 1.0 / lam
    counts = np.maximum((Wt != 0).sum(axis=0), 1)
    Wt /= counts
    SW = S @ Wt
    C = np.block([[Wt.T @ SW, SW.T], [SW, S]])
    for f in first:
        C[idx[f], idx[f]] = lvvar[f]
    out = {}
    # second-order factors: their indicators are first-order factors
    higher: dict = {}
    for r in sel:
        if c.op[r] == "=~" and c.rhs[r] in idx and c.rhs[r] not in pos and c.lhs[r] not in idx:
            higher.setdefault(c.lhs[r], []).append(c.rhs[r])
    for F, items in higher.items():
        lam, psi = _ratio_loadings(lambda a, b: C[idx[a], idx[b]], items)
        if psi <= 0.05:
            continue
        scale = np.sqrt(psi) if table.options.get("std_lv") else 1.0
        row = np.zeros(len(known))
        for f in items:
            out[(F, "=~", f)] = float(lam[f] * scale)
            var = lvvar[f]
            out[(f, "~~", f)] = float(np.clip(var - lam[f] ** 2 * psi, 0.1 * var, 0.9 * var))
            row += C[idx[f]] / lam[f] / len(items)
        for f in items:  # its own indicators: leave the indicator out of the average
            others = [g for g in items if g != f]
            row[idx[f]] = (np.mean([C[idx[g], idx[f]] / lam[g] for g in others])
                           if others else psi)
        lvvar[F] = psi
        out[(F, "~~", F)] = psi
        idx[F] = len(known)
        known.append(F)
        C = np.block([[C, row[:, None]], [row[None, :], np.array([[psi]])]])
    reg: dict = {}
    for r in sel:
        if c.op[r] == "~" and c.free[r] and c.lhs[r] in idx and c.rhs[r] in idx:
            reg.setdefault(c.lhs[r], []).append(c.rhs[r])
    for y, xs in reg.items():
        xi = [idx[x] for x in xs]
        Cxx, Cxy = C[np.ix_(xi, xi)], C[xi, idx[y]]
        beta = np.linalg.lstsq(Cxx, Cxy, rcond=None)[0]
        vy = C[idx[y], idx[y]]
        if not (np.all(np.isfinite(beta)) and vy > 0):
            continue
        out.update({(y, "~", x): float(b) for x, b in zip(xs, beta)})
        out[(y, "~~", y)] = float(max(vy - Cxy @ beta, 0.1 * vy))
    for r in sel:
        a_, b_ = c.lhs[r], c.rhs[r]
        if (c.op[r] == "~~" and a_ != b_ and c.free[r] and a_ in lvvar and b_ in lvvar
                and a_ in idx and b_ in idx and a_ not in reg and b_ not in reg):
            val = C[idx[a_], idx[b_]]
            if np.isfinite(val) and abs(val) < np.sqrt(lvvar[a_] * lvvar[b_]):
                out[(a_, "~~", b_)] = float(val)
    # indicators: what the factor leaves of their variance (kept within 10-90%)
    for (f, v), lam in loadings.items():
        if f in lvvar:
            var = S[pos[v], pos[v]]
            out.setdefault((v, "~~", v), float(np.clip(var - lam ** 2 * lvvar[f],
                                                        0.1 * var, 0.9 * var)))
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
