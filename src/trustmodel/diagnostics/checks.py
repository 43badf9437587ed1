"""Admissibility checks that ``fit`` runs (lavaan's ``lav_object_post_check``).

Errors where fitting cannot go on (a variable neither in the data nor a latent); warnings,
recorded on the result, for statistical trouble: non-convergence, negative variances (Heywood
cases), non-positive-definite latent or residual covariance matrices, a singular information
matrix (empirical under-identification), a model with more parameters than moments.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._errors import (DataError, HeywoodCaseWarning, IdentificationError, IdentificationWarning,
                       NonConvergenceWarning, NotPositiveDefiniteWarning)
from .._validation import did_you_mean


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
    raise DataError(f"Column{'s' if len(absent) > 1 else ''} {listed} named in the model "
                    f"{'are' if len(absent) > 1 else 'is'} missing from data." + hint)


def check_identification(table, stats) -> None:
    """t-rule and scaling of every latent (necessary conditions)."""
    from ..results.fit_measures import ndat
    names = table.names
    nd = stats.ngroups * ndat(len(names.ov), table.meanstructure, len(names.ov_x),
                              bool(table.options.get("fixed_x", True)))
    if table.npar > nd:
        raise IdentificationError(
            f"The model has {table.npar} free parameters but only {nd} sample moments "
            f"(df = {nd - table.npar}): it is not identified (t-rule). Fix or drop parameters.")
    rows = table.rows
    fixed = rows["free"].to_numpy() == 0
    scaled = set()
    for lhs, op, rhs, g, fx in zip(rows["lhs"], rows["op"], rows["rhs"], rows["group"], fixed):
        if fx and (op == "=~" or (op == "~~" and lhs == rhs)):
            scaled.add((lhs, g))
    for g in range(1, table.ngroups + 1):
        for lv in names.lv:
            if (lv, g) not in scaled:
                warnings.warn(f"Latent variable {lv!r} has no fixed loading and no fixed variance: "
                              "its scale is not identified. Fix one loading (1*item) or its "
                              f"variance ({lv} ~~ 1*{lv}), or use std_lv=True.",
                              IdentificationWarning, stacklevel=4)


def admissibility(table, state, vcov) -> None:
    if not state.converged:
        warnings.warn(f"The optimizer did not converge ({state.optim.message} after "
                      f"{state.optim.iterations} iterations); estimates are not trustworthy. "
                      "Check the model's identification and the starting values.",
                      NonConvergenceWarning, stacklevel=4)
    rows = table.rows
    par = rows[rows["op"] != ":="]
    values = state.values
    lv = set(table.names.lv)
    for k, r in enumerate(par.itertuples()):
        if r.op == "~~" and r.lhs == r.rhs and r.free and values[k] < 0:
            kind = "latent (residual) variance" if r.lhs in lv else "residual variance"
            grp = f" in group {r.group}" if table.ngroups > 1 else ""
            warnings.warn(f"The {kind} of {r.lhs!r}{grp} is negative ({values[k]:.4g}), a Heywood "
                          "case; see res.params.query(\"op == '~~'\").", HeywoodCaseWarning,
                          stacklevel=4)
    model = state.problem.model
    p = model.p
    for g in range(model.ngroups):
        A, S, _ = model.matrices(values, g)
        grp = f" in group {g + 1}" if model.ngroups > 1 else ""
        if model.lv:
            psi = S[p:, p:]
            if len(psi) and np.linalg.eigvalsh(psi)[0] < -1e-10:
                warnings.warn(f"The covariance matrix of latent variables{grp} is not positive "
                              "definite; use res.params to inspect the latent (co)variances.",
                              NotPositiveDefiniteWarning, stacklevel=4)
        theta = S[:p, :p]
        if np.linalg.eigvalsh(theta)[0] < -1e-10 and not (np.diag(theta) < 0).any():
            warnings.warn(f"The residual covariance matrix (Theta){grp} is not positive definite.",
                          NotPositiveDefiniteWarning, stacklevel=4)
    if table.npar and vcov is not None and np.any(vcov):
        info = state.optim.info
        if info is not None:
            d = np.sqrt(np.clip(np.diag(info), 1e-300, None))
            eig = np.linalg.eigvalsh(0.5 * (info + info.T) / np.outer(d, d))  # scale-free
            if eig[0] < 1e-10:
                warnings.warn("The information matrix is singular at the solution: the model may "
                              "not be (empirically) identified; standard errors are unreliable.",
                              IdentificationWarning, stacklevel=4)
