"""Modification indices of WLS-family fits, as lavaan 0.6-14's ``modindices``.

The candidate parameters (cross-loadings and residual covariances of observed variables not
in the model) are freed at zero in an extended model; with ``I`` its expected information
``sum_g (N_g / N) Delta' W Delta`` and ``g`` the gradient of ``fmin`` at the estimates,
``mi = N g^2 / V`` and ``epc = -g / V`` where ``V = I_11 - I_12 I_22^-1 I_21`` (the extra
parameters' block after the free ones are partialled out; ``R/lav_modindices.R``).
"""
from __future__ import annotations

import numpy as np

from ...syntax.parser import Statement
from .model import CategoricalModel, ordinal_table


def candidates(table) -> list:
    """lavaan's default candidates: cross-loadings and residual covariances not yet free."""
    c = table.cols
    have = set(zip(c.lhs, c.op, c.rhs))
    # covariates (conditional.x) are conditioned on: no candidates involve them
    ov = [v for v in table.names.ov if v not in set(table.names.ov_x)]
    lv = list(table.names.lv)
    out = []
    indicators = {f: {r for lh, op, r in have if lh == f and op == "=~"} for f in lv}
    for f in lv:
        out += [(f, "=~", y) for y in ov if y not in indicators[f] and y not in lv]
    for a in range(len(ov)):
        for b in range(a + 1, len(ov)):
            x, y = ov[a], ov[b]
            if (x, "~~", y) not in have and (y, "~~", x) not in have:
                out.append((x, "~~", y))
    return out


def modification_indices(fit) -> list:
    """(lhs, op, rhs, mi, epc, row values of the extended model) for every candidate."""
    table = fit.table
    cands = candidates(table)
    if not cands:
        return [], None, None
    extra = tuple(Statement(lhs, op, rhs) for lhs, op, rhs in cands)
    nth = {v: int(n) for v, n in table.options["nthresh"].items()}
    ext = ordinal_table(tuple(table.statements) + extra, nth, ngroups=table.ngroups,
                        parameterization=table.options["parameterization"],
                        std_lv=bool(table.options.get("std_lv")),
                        group_equal=tuple(table.options.get("group_equal", ())),
                        group_partial=tuple(table.options.get("group_partial", ())))
    model = CategoricalModel(ext, table.options["parameterization"],
                             exo_moments=fit.problem.model.exo_moments)
    problem = fit.problem
    # row values of the extended model: the estimates, zero for the candidates
    key = {(l, o, r, g): k for k, (l, o, r, g) in
           enumerate(zip(table.cols.lhs, table.cols.op, table.cols.rhs, table.cols.group))}
    ec = ext.cols
    x = np.zeros(ext.npar)
    extra_idx = []
    for k, (l, o, r, g, fr) in enumerate(zip(ec.lhs, ec.op, ec.rhs, ec.group, ec.free)):
        if fr <= 0 or o == ":=":
            continue
        src = key.get((l, o, r, g))
        if src is None:
            extra_idx.append(fr - 1)
        else:
            x[fr - 1] = fit.values[src]
    v = model.values(x)
    I = np.zeros((ext.npar, ext.npar))
    grad = np.zeros(ext.npar)
    for g, (s, W) in enumerate(zip(problem.stats, problem.weights)):
        est, J = model.implied(v, g)
        WJ = W @ J
        I += problem.fg[g] * J.T @ WJ
        grad -= problem.fo[g] * WJ.T @ (s.wls_obs - est)
    extra_idx = np.array(sorted(extra_idx))
    model_idx = np.setdiff1d(np.arange(ext.npar), extra_idx)
    I11 = I[np.ix_(extra_idx, extra_idx)]
    I12 = I[np.ix_(extra_idx, model_idx)]
    I22inv = np.linalg.inv(I[np.ix_(model_idx, model_idx)])
    Vd = np.diag(I11 - I12 @ I22inv @ I12.T).copy()
    Vd[Vd < np.finfo(float).eps ** (1 / 3)] = np.nan
    N = problem.ntotal
    sc = grad[extra_idx]
    mi = N * sc * sc / Vd
    epc = -sc / Vd
    names = {fr - 1: (l, o, r, g) for l, o, r, g, fr in zip(ec.lhs, ec.op, ec.rhs, ec.group,
                                                            ec.free) if fr > 0}
    rows = [(*names[k], float(m), float(e)) for k, m, e in zip(extra_idx, mi, epc)]
    return rows, model, v
