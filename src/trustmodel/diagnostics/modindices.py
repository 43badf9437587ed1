"""Modification indices: univariate score (Lagrange multiplier) tests, as lavaan's ``modindices``.

lavaan's method (``R/lav_modification.R``; Saris, Satorra & Sorbom 1987): take every parameter
that *could* be free (``lav_partable_full``: loadings of each latent on each non-exogenous
observed variable, covariances among observed and among latent variables, regressions among
the variables of the structural equations, intercepts), keep those the model does not have,
and add them fixed at zero to an *extended* model. At the estimates, with the unit expected
information ``I`` of the extended model and the gradient ``g`` of the fit function ``F``
(lavaan's ``fmin``; groups weighted by ``N_g / N``)::

    V   = I_11 - I_12 I_22^-1 I_21        (1 = added, 2 = model parameters)
    mi  = N g^2 / diag(V)
    epc = -g / diag(V)

Entries with ``diag(V) < eps^(1/3)`` (a parameter that would not be identified, or is
equivalent to an existing one) are dropped, as lavaan's ``na.remove = TRUE``. Standardized EPCs
(``sepc_lv``, ``sepc_all``, ``sepc_nox``) scale by the implied standard deviations of the
fitted model; covariances are scaled by the (residual) variances (``cov.std = TRUE``).

:func:`score_test_equality` is lavaan's ``lavTestScore``: the univariate score test of
releasing each equality constraint (a label shared by several parameters).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import stats as sst

from .._errors import OptionError
from ..estimation.core.linalg import inv_or_pinv

MI_COLUMNS = ["lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]
OPS = ("=~", "~", "~~", "~1")


def _candidates(table) -> pd.DataFrame:
    """lavaan's ``lav_partable_full`` minus the rows the model already has."""
    names = table.names
    lv, ov = list(names.lv), list(names.ov)
    ov_x = [v for v in names.ov_x if table.options.get("fixed_x", True)]
    ov_nox = [v for v in ov if v not in ov_x]
    eqs = list(dict.fromkeys(list(names.eqs_y) + list(names.eqs_x)))
    ind = set(names.ov_ind)
    rows = table.rows
    have = set()
    for r in rows.itertuples():
        have.add((r.lhs, r.op, r.rhs, r.group))
        if r.op == "~~":
            have.add((r.rhs, r.op, r.lhs, r.group))
    out = []
    for g in range(1, table.ngroups + 1):
        cand = [(f, "=~", v) for f in lv for v in ov_nox if v not in eqs]
        for i, a in enumerate(ov_nox):
            cand += [(a, "~~", b) for b in ov_nox[i:]]
        for i, a in enumerate(ov_x):
            cand += [(a, "~~", b) for b in ov_x[i:]]
        for i, a in enumerate(lv):
            cand += [(a, "~~", b) for b in lv[i:]]
        cand += [(y, "~", x) for y in eqs for x in eqs
                 if y != x and not (y in ind and x in lv)]
        if table.meanstructure:
            cand += [(v, "~1", "") for v in ov + lv]
        out += [(a, o, b, g) for a, o, b in cand if (a, o, b, g) not in have]
    return pd.DataFrame(out, columns=["lhs", "op", "rhs", "group"])


def _extended(res, cand):
    """An extended RAM model: the model's rows plus the candidates as extra free parameters."""
    from ..estimation.core.problem import Problem
    from ..model.ram import RamModel
    table = res.table
    rows = table.rows
    par = rows[rows["op"] != ":="][["lhs", "op", "rhs", "group", "free"]].reset_index(drop=True)
    npar = table.npar
    add = cand.assign(free=np.arange(npar + 1, npar + 1 + len(cand)))
    ext_rows = pd.concat([par, add], ignore_index=True)
    fake = SimpleNamespace(names=table.names, rows=ext_rows, ngroups=table.ngroups,
                           npar=npar + len(cand), meanstructure=table.meanstructure)
    model = RamModel.from_table(fake)
    old = res.state.problem
    base = np.concatenate([res.state.values, np.zeros(len(cand))])
    free = ext_rows["free"].to_numpy().astype(int)
    free_pos = np.flatnonzero(free > 0)
    problem = Problem(model, old.covs, old.means, old.nobs, old.estimator, base, free_pos,
                      free[free_pos] - 1)
    x = np.concatenate([res.state.x, np.zeros(len(cand))])
    return problem, x, ext_rows


def modification_indices(res, sort: bool = True, op=None, minimum=None) -> pd.DataFrame:
    """Modification indices and expected parameter changes of every parameter not in the model.

    Parameters
    ----------
    res : FitResult
    sort : bool
        Largest ``mi`` first (lavaan's ``sort. = TRUE``).
    op : str or sequence of str, optional
        Keep only these operators (``"=~"``, ``"~~"``, ``"~"``, ``"~1"``).
    minimum : float, optional
        Keep only rows with ``mi`` above this value (lavaan's ``minimum.value``).

    Returns
    -------
    pandas.DataFrame
        ``lhs op rhs group mi epc sepc_lv sepc_all sepc_nox`` (lavaan's names, "." -> "_"),
        plus ``pvalue`` (chi-square, 1 df). ``group`` is 1 in a single-group model.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...              "speed =~ x7 + x8 + x9", hs)
    >>> mi = modification_indices(res)   # lavaan: modindices(fit, sort. = TRUE)
    >>> top = mi.iloc[0]
    >>> top["lhs"], top["op"], top["rhs"], round(float(top["mi"]), 3), round(float(top["epc"]), 3)
    ('visual', '=~', 'x9', 36.411, 0.577)
    """
    if op is not None:
        ops = (op,) if isinstance(op, str) else tuple(op)
        bad = [o for o in ops if o not in OPS]
        if bad:
            raise OptionError(f"The 'op' parameter of modification_indices must be among "
                              f"{list(OPS)}. Got {bad[0]!r} instead.")
    table = res.table
    cand = _candidates(table)
    empty = pd.DataFrame(columns=MI_COLUMNS + ["pvalue"])
    if cand.empty or table.npar == 0:
        return empty
    problem, x, ext_rows = _extended(res, cand)
    _, grad, info = problem.evaluate(x)
    q = table.npar
    i22 = info[:q, :q]
    i12 = info[q:, :q]
    i22_inv = inv_or_pinv(i22)
    v = np.diag(info[q:, q:]) - np.einsum("ij,jk,ik->i", i12, i22_inv, i12)
    v = np.where(v < np.finfo(float).eps ** (1 / 3), np.nan, v)
    g = grad[q:]
    N = problem.ntotal
    mi = N * g * g / v
    epc = -g / v
    out = cand.copy()
    out["mi"] = mi
    out["epc"] = epc
    lv, all_, nox = _standardize_epc(res, cand, epc)
    out["sepc_lv"], out["sepc_all"], out["sepc_nox"] = lv, all_, nox
    out["pvalue"] = sst.chi2.sf(mi, 1)
    out = out[np.isfinite(out["mi"])]
    if sort:
        out = out.sort_values("mi", ascending=False, kind="stable")
    if minimum is not None:
        out = out[out["mi"] > minimum]
    if op is not None:
        out = out[out["op"].isin(ops)]
    return out.reset_index(drop=True)


def _standardize_epc(res, cand, epc):
    """sepc.lv / sepc.all / sepc.nox with the fitted model's implied SDs (lav_standardize_*)."""
    from ..model.standardized import standardize
    table = res.table
    rows = table.rows
    par = rows[rows["op"] != ":="][["lhs", "op", "rhs", "group"]]
    ext = pd.concat([par, cand], ignore_index=True)
    values = np.concatenate([res.state.values, np.where(np.isfinite(epc), epc, 0.0)])
    model = res.state.problem.model
    std_lv, std_all = standardize(SimpleNamespace(rows=ext), model, values)
    k = len(par)
    s_lv, s_all = std_lv[k:].copy(), std_all[k:].copy()
    s_nox = s_all.copy()
    ov_x = set(table.names.ov_x) if table.options.get("fixed_x", True) else set()
    if ov_x:
        names = model.ov + model.lv
        for j, r in enumerate(cand.itertuples()):
            frm = r.lhs if r.op == "=~" else r.rhs
            if r.op == "~" and frm in ov_x:
                cov, _ = model.lv_moments(res.state.values, r.group - 1)
                s_nox[j] = s_all[j] / np.sqrt(cov[names.index(frm), names.index(frm)])
    return s_lv, s_all, s_nox


def score_test_equality(res) -> pd.DataFrame:
    """Univariate score tests for releasing each equality constraint (lavaan's ``lavTestScore``).

    Every parameter sharing a free index with others (a label used twice, or ``group_equal``) is
    a constraint ``theta_a == theta_b`` (the first member against each other one, as lavaan's
    ``.p2. == .p38.`` rows). In the unconstrained parameterisation, with gradient ``g`` and unit
    information ``I`` at the constrained estimates, releasing constraint ``r`` alone gives
    ``X2 = N g' P_r g`` where ``P_r`` is the upper-left block of the generalized inverse of
    ``[[I, R_r'], [R_r, 0]]`` and ``R_r`` holds the other constraints (lavaan's
    ``lav_test_score``, univariate part).

    Returns
    -------
    pandas.DataFrame
        ``lhs op rhs`` (the two parameters as lavaan's ``.pX. == .pY.`` pairs, named),
        ``x2``, ``df`` (1), ``pvalue``.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...              "speed =~ x7 + x8 + x9", hs, group="school", group_equal=["loadings"])
    >>> st = score_test_equality(res)    # lavaan: lavTestScore(fit)$uni
    >>> len(st)
    6
    """
    from ..estimation.core.problem import Problem
    table = res.table
    rows = table.rows
    par = rows[rows["op"] != ":="].reset_index(drop=True)
    free = par["free"].to_numpy().astype(int)
    old = res.state.problem
    # unconstrained parameterisation: every free row its own parameter
    pos = np.flatnonzero(free > 0)
    k = len(pos)
    fake = SimpleNamespace(names=table.names, rows=par.assign(free=np.where(free > 0, 0, 0)),
                           ngroups=table.ngroups, npar=k, meanstructure=table.meanstructure)
    fake.rows.loc[pos, "free"] = np.arange(1, k + 1)
    from ..model.ram import RamModel
    model = RamModel.from_table(fake)
    prob = Problem(model, old.covs, old.means, old.nobs, old.estimator, res.state.values.copy(),
                   pos, np.arange(k))
    x = res.state.values[pos]
    _, grad, info = prob.evaluate(x)
    N = prob.ntotal
    # constraints: consecutive pairs within each class (lavaan's '==' rows: first vs others)
    pairs = []
    for f in np.unique(free[pos]):
        members = pos[free[pos] == f]
        members_idx = [int(np.flatnonzero(pos == m)[0]) for m in members]
        for m in members_idx[1:]:
            pairs.append((members_idx[0], m))
    if not pairs:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "x2", "df", "pvalue"])
    R = np.zeros((len(pairs), k))
    for c, (a, b) in enumerate(pairs):
        R[c, a], R[c, b] = 1.0, -1.0
    out = []
    for c, (a, b) in enumerate(pairs):
        # lavaan: release constraint c, keep the others (Z1 = [I R1'; R1 0], ginv)
        P = _constrained_inverse(info, np.delete(R, c, axis=0))
        x2 = float(N * grad @ P @ grad)
        ra, rb = par.iloc[pos[a]], par.iloc[pos[b]]
        out.append({"lhs": _pname(ra, table), "op": "==", "rhs": _pname(rb, table), "x2": x2,
                    "df": 1, "pvalue": float(sst.chi2.sf(x2, 1))})
    return pd.DataFrame(out)


def _pname(r, table) -> str:
    name = f"{r['lhs']} {r['op']} {r['rhs']}"
    return name + (f" (group {r['group']})" if table.ngroups > 1 else "")


def _constrained_inverse(info, R):
    """Inverse of the information under the linear constraints R theta = 0 (augmented matrix)."""
    k = info.shape[0]
    m = R.shape[0]
    if m == 0:
        return np.linalg.pinv(info)
    aug = np.block([[info, R.T], [R, np.zeros((m, m))]])
    inv = np.linalg.pinv(aug)
    return inv[:k, :k]


def modindices(res, sort: bool = True, op=None, minimum=None) -> pd.DataFrame:
    """Alias of :func:`modification_indices` (lavaan's name)."""
    return modification_indices(res, sort=sort, op=op, minimum=minimum)
