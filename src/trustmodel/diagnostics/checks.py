"""Admissibility checks that ``fit`` runs (lavaan's ``lav_object_post_check``).

Errors where fitting cannot go on (a variable neither in the data nor a latent); warnings,
recorded on the result, for statistical trouble: non-convergence, negative variances (Heywood
cases), non-positive-definite latent or residual covariance matrices, a singular information
matrix (empirical under-identification, naming the parameters of the null-space direction),
near-collinear latents (|r| > .95, naming both) and absurd standard errors, a model with more
parameters than moments.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import (CollinearityWarning, DataError, HeywoodCaseWarning,
                       IdentificationError, IdentificationWarning, NonConvergenceWarning,
                       NotPositiveDefiniteWarning, StandardErrorWarning)
from .._validation import did_you_mean
from ..estimation.fit_measures.indices import ndat
from ..model.standardized import standardize
from .._warnings import warn


def check_variables(table, data, sample_cov) -> None:
    """Every observed name must be a column; name structural-only names as missing latents."""
    source = data if data is not None else sample_cov
    if isinstance(source, (list, tuple)):
        source = source[0]
    if not isinstance(source, pd.DataFrame):
        return
    cols = [str(c) for c in source.columns]
    absent = [v for v in table.names.ov if v not in cols]
    if not absent:
        return
    indicators = set(table.names.ov_ind)
    structural = [v for v in absent if v not in indicators]
    hint = did_you_mean(absent, cols)
    if structural:
        raise DataError(
            f"{', '.join(map(repr, structural))} appear{'s' if len(structural) == 1 else ''} in "
            "the model but is neither a column of data nor a latent variable with indicators; "
            f"a latent needs a measurement line such as '{structural[0]} =~ item1 + item2 + "
            f"item3'." + hint)
    listed = ", ".join(repr(a) for a in absent)
    where = "data" if data is not None else "sample_cov"
    raise DataError(f"Column{'s' if len(absent) > 1 else ''} {listed} named in the model "
                    f"{'are' if len(absent) > 1 else 'is'} missing from {where}." + hint)


def check_identification(table, stats) -> None:
    """t-rule and scaling of every latent (necessary conditions)."""
    names = table.names
    nd = stats.ngroups * ndat(len(names.ov), table.meanstructure, len(names.ov_x),
                              bool(table.options.get("fixed_x", True)))
    if table.npar > nd:
        raise IdentificationError(
            f"The model has {table.npar} free parameters but only {nd} sample moments "
            f"(df = {nd - table.npar}): it is not identified (t-rule). Fix or drop parameters.")
    c = table.cols
    scaled = set()
    for lhs, op, rhs, g, fx in zip(c.lhs, c.op, c.rhs, c.group, c.free == 0):
        if fx and (op == "=~" or (op == "~~" and lhs == rhs)):
            scaled.add((lhs, g))
    for g in range(1, table.ngroups + 1):
        for lv in names.lv:
            if (lv, g) not in scaled:
                warn(f"Latent variable {lv!r} has no fixed loading and no fixed variance: "
                     "its scale is not identified. Fix one loading (1*item) or its "
                     f"variance ({lv} ~~ 1*{lv}), or use std_lv=True.",
                     IdentificationWarning)


def admissibility(table, state, vcov) -> None:
    if not state.converged:
        warn(f"The optimizer did not converge ({state.optim.message} after "
             f"{state.optim.iterations} iterations); estimates are not trustworthy. "
             "Check the model's identification and the starting values.",
             NonConvergenceWarning)
    c = table.cols
    values = state.values
    lv = set(table.names.lv)
    n = len(values)
    heywood = np.flatnonzero((c.op[:n] == "~~") & (c.lhs[:n] == c.rhs[:n]) & (c.free[:n] > 0)
                             & (values < 0))
    for k in heywood:
        kind = "latent (residual) variance" if c.lhs[k] in lv else "residual variance"
        grp = f" in group {c.group[k]}" if table.ngroups > 1 else ""
        warn(f"The {kind} of {c.lhs[k]!r}{grp} is negative ({values[k]:.4g}), a Heywood "
             "case; see res.params.query(\"op == '~~'\").", HeywoodCaseWarning)
    model = state.problem.model
    p = model.p
    for g in range(model.ngroups):
        A, S, _ = model.matrices(values, g)
        grp = f" in group {g + 1}" if model.ngroups > 1 else ""
        if model.lv:
            psi = S[p:, p:]
            if len(psi) and np.linalg.eigvalsh(psi)[0] < -1e-10:
                warn(f"The covariance matrix of latent variables{grp} is not positive "
                     "definite; use res.params to inspect the latent (co)variances.",
                     NotPositiveDefiniteWarning)
        theta = S[:p, :p]
        if np.linalg.eigvalsh(theta)[0] < -1e-10 and not (np.diag(theta) < 0).any():
            warn(f"The residual covariance matrix (Theta){grp} is not positive definite.",
                 NotPositiveDefiniteWarning)
    if table.npar and vcov is not None and np.any(vcov):
        info = state.optim.info
        if info is not None:
            d = np.sqrt(np.clip(np.diag(info), 1e-300, None))
            scaled = 0.5 * (info + info.T) / np.outer(d, d)  # scale-free
            eig, vec = np.linalg.eigh(scaled)
            if eig[0] < 1e-10:
                involved = _null_space_names(table, vec[:, 0])
                warn("The information matrix is singular at the solution (rank "
                     f"{int((eig > 1e-10).sum())} of {len(eig)}): the model may not be "
                     "(empirically) identified; standard errors are unreliable. "
                     f"Parameters involved (null-space direction): {involved}.",
                     IdentificationWarning)
    check_collinearity(table, state, vcov)


LATENT_R_MAX = 0.95     # |latent correlation| above this: near-collinear latents
STD_SE_MAX = 1.0        # standard error of a standardized coefficient above this: absurd


def _null_space_names(table, v, k: int = 6) -> str:
    names = table.free_names(readable=True)
    order = np.argsort(-np.abs(v))
    keep = [i for i in order[:k] if abs(v[i]) > 0.1] or list(order[:2])
    return ", ".join(f"{names[i]} ({v[i]:+.2f})" for i in keep)


def check_collinearity(table, state, vcov) -> None:
    """Near-collinear latents (|r| > .95) and absurd standard errors.

    A structural model whose predictors are latents correlating near 1 (e.g. Image and
    Quality in an ECSI model) is empirically under-identified in all but name: the paths from
    both to a shared outcome trade off against each other, their standard errors explode and
    their signs flip. Warned per pair of co-predictors, naming both latents, their latent
    correlation and the affected paths; other latent pairs above .95 that no direct path links
    in one summary warning;
    standardized coefficients whose standard error exceeds 1 (an absurd SE on a well-scaled
    model) in another, with the likely cause when one is found.
    """
    model = state.problem.model
    if not model.lv or vcov is None or not np.any(vcov):
        return
    rows = _RowFacts.of(table, state, vcov)
    blamed = set()
    for g in range(model.ngroups):
        blamed |= _collinear_latents(model, rows, g)
    _absurd_standard_errors(rows, blamed)


@dataclass(frozen=True)
class _RowFacts:
    """Per table row (defined rows excluded): operator, names, group, free index, estimate,
    standard error and the completely standardized value."""

    op: np.ndarray
    lhs: np.ndarray
    rhs: np.ndarray
    group: np.ndarray
    free: np.ndarray
    values: np.ndarray
    se: np.ndarray
    std_all: np.ndarray

    @classmethod
    def of(cls, table, state, vcov) -> _RowFacts:
        values = state.values
        c = table.cols
        n = len(values)
        free = c.free[:n].astype(int)
        se = np.zeros(n)
        sd_free = np.sqrt(np.clip(np.diag(vcov), 0, None))
        se[free > 0] = sd_free[free[free > 0] - 1]
        _, std_all = standardize(table, state.problem.model, values)
        return cls(c.op[:n], c.lhs[:n], c.rhs[:n], c.group[:n], free, values, se, std_all[:n])


def _collinear_latents(model, rows, g) -> set:
    """Warn about near-collinear latents of group ``g``; the rows of the paths blamed."""
    op, lhs, rhs, values, se = rows.op, rows.lhs, rows.rhs, rows.values, rows.se
    p = model.p
    lvset = set(model.lv)
    blamed = set()
    grp = f" in group {g + 1}" if model.ngroups > 1 else ""
    cov, _ = model.lv_moments(values, g)
    sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    corr = (cov / np.outer(sd, sd))[p:, p:]
    gsel = rows.group == g + 1
    reg = [(lhs[k], rhs[k]) for k in np.flatnonzero(gsel & (op == "~"))]
    predictors = {}
    for y, x in reg:
        if x in lvset:
            predictors.setdefault(y, []).append(x)
    lv = list(model.lv)
    flagged = set()
    co = {}
    for y, xs in predictors.items():
        for a in range(len(xs)):
            for b in range(a + 1, len(xs)):
                i, j = lv.index(xs[a]), lv.index(xs[b])
                if abs(corr[i, j]) > LATENT_R_MAX:
                    co.setdefault(tuple(sorted((i, j))), []).append(y)
    for (i, j), ys in co.items():
        flagged.add((i, j))
        paths = []
        for y in ys:
            for x in (lv[i], lv[j]):
                k = np.flatnonzero(gsel & (op == "~") & (lhs == y) & (rhs == x))
                if len(k):
                    k = k[0]
                    paths.append(f"{y} ~ {x} = {values[k]:.3g} (SE {se[k]:.3g})")
                    blamed.add(k)
        warn(f"Latent variables {lv[i]!r} and {lv[j]!r}{grp} are nearly collinear "
             f"(latent correlation {corr[i, j]:.3f}) and both predict "
             f"{', '.join(map(repr, ys))}: their separate effects cannot be "
             f"estimated and the standard errors explode ({'; '.join(paths)}). "
             "Merge the two constructs, drop one as a predictor, or model a "
             "higher-order factor; check their discriminant validity (HTMT).",
             CollinearityWarning)
    # a direct path between two latents (stability, dem60 -> dem65) may well carry r > .95
    linked = {frozenset(pair) for pair in reg}
    others = [(lv[i], lv[j], corr[i, j]) for i in range(len(lv)) for j in range(i + 1, len(lv))
              if abs(corr[i, j]) > LATENT_R_MAX and (i, j) not in flagged
              and frozenset((lv[i], lv[j])) not in linked]
    if others:
        listed = ", ".join(f"{a!r} and {b!r} ({r:.3f})" for a, b, r in others)
        warn(f"Latent correlations above {LATENT_R_MAX}{grp}: {listed}. Such "
             "constructs are not empirically distinct (discriminant validity); "
             "expect unstable estimates and large standard errors.",
             CollinearityWarning)
    return blamed


def _absurd_standard_errors(rows, blamed) -> None:
    """Warn about standard errors absurd on the standardized scale (paths not yet blamed)."""
    op, lhs, rhs, values, se, std_all = (rows.op, rows.lhs, rows.rhs, rows.values, rows.se,
                                         rows.std_all)
    bad = []
    candidates = (rows.free > 0) & np.isin(op, ("=~", "~", "~~")) & ~((op == "~~") & (lhs == rhs))
    for k in np.flatnonzero(candidates):
        est = values[k]
        if k in blamed or est == 0 or not np.isfinite(std_all[k]):
            continue
        std_se = se[k] * abs(std_all[k] / est)
        if std_se > STD_SE_MAX or (se[k] > 10 * abs(est) and abs(std_all[k]) > 0.1):
            bad.append(f"{lhs[k]} {op[k]} {rhs[k]} = {est:.3g} (SE {se[k]:.3g})")
    if bad:
        warn(f"Absurdly large standard errors: {'; '.join(bad[:6])}"
             f"{' ...' if len(bad) > 6 else ''}. The model is close to empirically "
             "under-identified: look for near-collinear latents (latent correlations "
             "near 1), Heywood cases or a factor with too few indicators.",
             StandardErrorWarning)
