"""The estimation pipeline of a :class:`~trustmodel.pls.model.Plan`, batched over data sets.

``estimate_batch(cols, plan, kw)`` takes the raw item columns of ``B`` data sets (each an
``(B, n)`` array) and runs, as seminr's ``estimate_pls`` does (R/estimate_pls.R,
R/specify_interactions.R, R/feature_higher_order.R, R/estimate_simplePLS.R):

1. two-stage HOCs: stage 1 (:meth:`Plan.hoc_first_stage`) gives dimension scores, which
   become the HOC's items;
2. interaction items: ``product_indicator`` multiplies every item of ``A`` (standardized,
   N - 1) by every item of ``B`` (named ``"a:b"``, ``A``'s items outermost); ``orthogonal``
   replaces each product by its residual on an intercept and the items of ``A`` and ``B``
   (Henseler & Chin 2010); ``two_stage`` multiplies the scores of ``A`` and ``B`` from the
   model without interaction terms (one item ``"A:B_intxn"``);
3. the PLS algorithm (:mod:`trustmodel.pls.algorithm`) on the items' correlation matrix;
4. the interaction adjustment of Henseler & Chin (2010) as seminr's ``adjust_interaction``:
   the interaction score is rescaled by ``sum_i sd(x_i) |l_i| / sum_i |l_i|`` over its items,
   and paths and loadings are computed from the rescaled scores (OLS on the scores).

Every step is a numpy operation on the whole stack, so bootstrap, permutation and
cross-validation replicates run together.
"""
from __future__ import annotations

import numpy as np

from . import algorithm as alg
from .spec import make_spec


def standardize(X: np.ndarray):
    """Column-standardize a stack ``(B, n, p)`` with the N - 1 SD (R's ``scale``)."""
    mean = X.mean(axis=1, keepdims=True)
    sd = X.std(axis=1, ddof=1, keepdims=True)
    return (X - mean) / sd, mean[:, 0, :], sd[:, 0, :]


def _column(cols: dict, name: str) -> np.ndarray:
    return cols[name] if name in cols else cols[name.split("@")[0]]


def _products(cols, plan, name, params=None):
    """Product items of interaction ``name``; with ``params`` (from an estimate) the parent
    items are standardized with the estimation sample's moments and the orthogonalizing
    regression is the estimation sample's, as seminr's ``create_pi_items_for_test_data``."""
    a, m = plan.interactions[name]
    ia, im = plan.blocks[a], plan.blocks[m]
    Xa = np.stack([_column(cols, x) for x in ia], axis=-1)
    Xm = np.stack([_column(cols, x) for x in im], axis=-1)
    if params is None:
        Za, ma, sa = standardize(Xa)
        Zm, mm, sm = standardize(Xm)
        params = {"a": (ma, sa), "m": (mm, sm)}
    else:
        (ma, sa), (mm, sm) = params["a"], params["m"]
        Za = (Xa - ma[:, None, :]) / sa[:, None, :]
        Zm = (Xm - mm[:, None, :]) / sm[:, None, :]
    P = (Za[..., :, None] * Zm[..., None, :]).reshape(Za.shape[:2] + (-1,))
    names = [f"{x}:{y}" for x in ia for y in im]
    if plan.interaction == "orthogonal":
        A = np.concatenate([np.ones(Za.shape[:2] + (1,)), Za, Zm], axis=-1)
        if "beta" not in params:
            AtA = np.swapaxes(A, 1, 2) @ A
            params["beta"] = np.linalg.solve(AtA, np.swapaxes(A, 1, 2) @ P)
        P = P - A @ params["beta"]
    return {nm: P[..., k] for k, nm in enumerate(names)}, names, params


def interaction_columns(cols: dict, plan, out: dict, given: bool = False) -> dict:
    """``cols`` with the interaction items of ``plan`` built as estimate ``out`` built them
    (for new data: training moments, orthogonalizing regressions and stage-1 weights); with
    ``given=True`` a two-stage item ``"A:B_intxn"`` already in ``cols`` is kept as it is."""
    cols = dict(cols)
    for c in plan.constructs:
        if c not in plan.interactions:
            continue
        if plan.interaction == "two_stage":
            if given and f"{c}_intxn" in cols:
                continue
            ts = out["two_stage"]
            tsp = ts["spec"]
            X = np.stack([_column(cols, x) for x in tsp.indicators], axis=-1)
            Y = ((X - ts["mean"][:, None, :]) / ts["sd"][:, None, :]) @ ts["W"]
            a, m = plan.interactions[c]
            cols[f"{c}_intxn"] = Y[..., tsp.constructs.index(a)] * Y[..., tsp.constructs.index(m)]
        else:
            new, _, _ = _products(cols, plan, c, out["inter"][c])
            cols.update(new)
    return cols


def estimate_batch(cols: dict, plan, kw: dict, W0=None) -> dict:
    """Estimate ``plan`` on each of the stacked data sets in ``cols`` (see module docstring).

    Returns :func:`trustmodel.pls.algorithm.estimate`'s dict (paths ``B``, loadings ``L``,
    weights ``W``, ...) plus ``spec``, ``Z`` (standardized items), ``mean``, ``sd``,
    ``scale`` (interaction adjustment per construct), ``scores`` and ``first`` (the stage-1
    result of a two-stage HOC, or None).
    """
    first = None
    if plan.hocs:
        first = estimate_batch(cols, plan.hoc_first_stage(), {**kw, "consistent": False})
        fc = first["spec"].constructs
        cols = dict(cols)
        for h in plan.hocs:
            for d in plan.blocks[h]:
                cols[d] = first["scores"][..., fc.index(d)]
    constructs = plan.constructs
    items: dict = {}
    inter: dict = {}
    two_stage = None
    for c in constructs:
        if c not in plan.interactions:
            items[c] = plan.blocks[c]
            continue
        if plan.interaction == "two_stage":
            if two_stage is None:
                two_stage = estimate_batch(cols, plan.without_interactions(),
                                           {**kw, "consistent": False})
            tc = two_stage["spec"].constructs
            a, m = plan.interactions[c]
            nm = f"{c}_intxn"
            cols = {**cols, nm: two_stage["scores"][..., tc.index(a)]
                    * two_stage["scores"][..., tc.index(m)]}
            items[c] = (nm,)
        else:
            new, names, inter[c] = _products(cols, plan, c)
            cols = {**cols, **new}
            items[c] = tuple(names)
    modes = {c: plan.modes.get(c, "A") for c in constructs}
    spec = make_spec(constructs, modes, items, plan.paths)
    X = np.stack([_column(cols, x) for x in spec.indicators], axis=-1)
    Z, mean, sd = standardize(X)
    n = Z.shape[1]
    S = np.swapaxes(Z, 1, 2) @ Z / (n - 1)
    where = [j for j, c in enumerate(constructs) if c in plan.interactions]
    out = alg.estimate(S, spec, W0=W0, composites=tuple(where), **kw)
    scale = np.ones((Z.shape[0], spec.n_constructs))
    if where:
        out = _adjust_interactions(out, spec, sd, where, scale, kw.get("consistent", False))
    for sub in (first, two_stage):
        if sub is not None:
            out["converged"] = out["converged"] & sub["converged"]
    out.update(spec=spec, Z=Z, mean=mean, sd=sd, scale=scale, first=first, S=S, inter=inter,
               two_stage=two_stage, consistent=bool(kw.get("consistent", False)),
               scores=(Z @ out["W"]) * scale[:, None, :])
    return out


def _adjust_interactions(out, spec, sd, inter, scale, consistent=False):
    """seminr's ``adjust_interaction`` followed by OLS paths on the rescaled scores (PLS);
    under PLSc seminr's paths come from the disattenuated correlations, which the rescaling
    leaves alone, so only the interaction loadings are rescaled."""
    L = out["L"]
    for j in inter:
        idx = spec.block_of(j)
        lam = np.abs(L[:, idx, j])
        scale[:, j] = (sd[:, idx] * lam).sum(axis=1) / lam.sum(axis=1)
    out = dict(out)
    out["L"] = L * scale[:, None, :]
    if not consistent:
        C = out["C"] * scale[:, :, None] * scale[:, None, :]
        Bm, r2 = alg.solve_paths(C, spec)
        out.update(B=Bm, r2=r2, T=alg.total_effects(Bm))
    return out
