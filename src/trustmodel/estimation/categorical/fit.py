"""Fit a model with ordinal indicators: lavaan's three stages end to end.

``fit_categorical`` is what ``tm.fit(..., ordered=...)`` runs: the table with thresholds and
scale factors (:mod:`.model`), the sample statistics and NACOV of every group
(:mod:`.data`, :mod:`.samplestats`), the weighted least-squares fit (:mod:`.wls`), standard
errors (:mod:`.wls`); test statistics are :mod:`.statistics`, fit measures
:mod:`trustmodel.estimation.fit_measures.categorical`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._errors import OptionError, UnsupportedFeatureError
from ...data import SampleStats
from ...syntax import build_table
from .data import ordinal_columns, sample_from_frame
from .model import CategoricalModel, ordinal_table, split_statements
from .wls import ESTIMATORS, WLSProblem, minimize, vcov

PARAMETERIZATIONS = ("delta", "theta")


@dataclass
class CategoricalFit:
    """What the ordinal pipeline hands to the result (``OrdinalFitResult``)."""

    table: object
    sample: object
    problem: WLSProblem
    x: np.ndarray
    values: np.ndarray
    vcov: np.ndarray
    optim: object
    fmin: float
    fit_measures: dict = field(default_factory=dict)   # filled by fit_measures.categorical
    se: str = "robust"
    einv: np.ndarray | None = None      # inverse of the expected information
    estimator: str = "WLSMV"

    @property
    def converged(self) -> bool:
        return bool(self.optim.converged)

    @property
    def model(self):
        """The RAM model (standardized solution, effects)."""
        return self.problem.model.ram


def fit_categorical(statements, data: pd.DataFrame, *, ordered, estimator="WLSMV",
                    parameterization="delta", group=None, group_equal=(), group_partial=(),
                    std_lv=False, missing="listwise", se=None, x0=None) -> CategoricalFit:
    """Three-stage WLS fit of a model with ordinal indicators (see module docstring)."""
    if estimator not in ESTIMATORS:
        raise OptionError(f"estimator= must be one of {', '.join(map(repr, ESTIMATORS))} with "
                          f"ordinal indicators; got {estimator!r}.")
    if parameterization not in PARAMETERIZATIONS:
        raise OptionError(f"parameterization= must be 'delta' or 'theta'; got "
                          f"{parameterization!r}.")
    weight, se_default, test = ESTIMATORS[estimator]
    se = se_default if se in (None, "default") else se
    if se not in ("standard", "robust", "none"):
        raise UnsupportedFeatureError(f"se={se!r} is not available here for ordinal "
                                      "indicators (use 'standard', 'robust' or 'none').")
    base_st, cat_st = split_statements(statements)
    ngroups = 1 if group is None else int(pd.Series(data[group]).nunique())
    base = build_table(base_st, ngroups=ngroups, meanstructure=True, std_lv=std_lv)
    exo = list(base.names.ov_x)        # covariates: lavaan's conditional.x = TRUE
    endo = [v for v in base.names.ov if v not in set(exo)]
    declared = {s.lhs for s in cat_st}
    ordinal = ordinal_columns(data, endo if ordered is True else base.names.ov, ordered,
                              declared)
    bad = [v for v in exo if v in ordinal]
    if bad:
        raise UnsupportedFeatureError(
            f"Exogenous covariate(s) {', '.join(map(repr, bad))} are declared ordinal; "
            "lavaan conditions on covariates as numbers (conditional.x), so give them as "
            "numeric columns (dummy variables for categories) or let them depend on another "
            "variable of the model.")
    if not ordinal:
        raise UnsupportedFeatureError(
            f"estimator={estimator!r} without ordinal indicators (continuous data, lavaan's "
            "ADF Gamma) is not implemented; name the ordinal items in ordered= or use "
            "estimator='MLM'/'MLR' for robust continuous fits.")
    sample = sample_from_frame(data, endo, ordinal, missing=missing, group=group, exo=exo)
    nthresh = {v: int(np.sum(sample.groups[0].th_var == k))
               for k, v in enumerate(endo) if v in ordinal}
    table = ordinal_table(statements, nthresh, ngroups=ngroups,
                          parameterization=parameterization, std_lv=std_lv,
                          group_equal=group_equal, group_partial=group_partial)
    model = CategoricalModel(table, parameterization,
                             exo_moments=tuple(s.exo_moments for s in sample.groups)
                             if exo else ())
    problem = WLSProblem(model, sample.groups, weight, test)
    if x0 is None or len(x0) != table.npar:
        x0 = start_values(table, base, model, sample, parameterization)
    x, optim = minimize(problem, x0)
    f = problem.evaluate(x, jacobian=False)[0]
    V, Einv = vcov(problem, x, "robust" if se == "robust" else "standard")
    if se == "none":
        V = np.zeros_like(V)
    return CategoricalFit(table=table, sample=sample, problem=problem, x=x,
                          values=model.values(x), vcov=V, optim=optim, fmin=f, se=se,
                          einv=Einv, estimator=estimator)


def _joint_moments(s):
    """Covariance and means of (y*, x) implied by the sample statistics (start values):
    with covariates ``Sigma_yy = Sres + Pi Sxx Pi'``, ``Sigma_yx = Pi Sxx``."""
    m = np.zeros(s.p)
    m[s.num_idx] = s.th[np.isin(s.th_var, s.num_idx)]
    if not s.exo:
        return s.cov, m
    mx, Sxx = s.exo_moments
    Pi = s.slopes
    Syx = Pi @ Sxx
    cov = np.block([[s.cov + Pi @ Syx.T, Syx], [Syx.T, Sxx]])
    m[s.num_idx] += Pi[s.num_idx] @ mx
    return cov, np.concatenate([m, mx])


def start_values(table, base, model: CategoricalModel, sample, parameterization):
    """Starts from ULS on the polychoric matrix (the continuous model), rescaled."""
    from ..core.fitting import estimate
    names = list(base.names.ov)
    covs, means = [], []
    for s in sample.groups:
        cov, m = _joint_moments(s)
        nm = list(s.names) + list(s.exo)
        covs.append(pd.DataFrame(cov * s.nobs / (s.nobs - 1), index=nm, columns=nm)
                    .loc[names, names])
        means.append(pd.Series(m, index=nm)[names])
    stats = SampleStats.from_moments(covs if len(covs) > 1 else covs[0],
                                     [s.nobs for s in sample.groups] if len(covs) > 1
                                     else sample.groups[0].nobs, names,
                                     sample_mean=means if len(means) > 1 else means[0])
    try:
        st = estimate(base, stats, "ULS")
        bv = st.values
    except Exception:  # noqa: BLE001 - starting values only; fall back to simple ones
        bv = np.where(base.cols.op == "=~", 0.7, np.where(base.cols.lhs == base.cols.rhs, 0.5, 0))
    key = {(r.lhs, r.op, r.rhs, r.group): k for k, r in enumerate(base.rows.itertuples())
           if r.op != ":="}
    c = table.cols
    ordi = set(table.options["ordered"])
    theta_res = {}
    for k, (lhs, op, rhs, g) in enumerate(zip(c.lhs, c.op, c.rhs, c.group)):
        if op == "~~" and lhs == rhs and lhs in ordi and (lhs, op, rhs, g) in key:
            theta_res[(lhs, g)] = max(bv[key[(lhs, op, rhs, g)]], 0.05)
    x0 = np.zeros(table.npar)
    seen = np.zeros(table.npar, bool)
    th_pos = {}
    for s_i, s in enumerate(sample.groups):
        for m, (nm, val) in enumerate(zip(s.th_names, s.th)):
            th_pos[(s_i + 1, nm)] = val
    for k, (lhs, op, rhs, g, fr) in enumerate(zip(c.lhs, c.op, c.rhs, c.group, c.free)):
        if fr <= 0 or seen[fr - 1]:
            continue
        val = 0.0
        if op == "|":
            val = th_pos.get((g, f"{lhs}|{rhs}"), 0.0)
            if parameterization == "theta":
                val /= np.sqrt(theta_res.get((lhs, g), 1.0))
        elif op == "~*~":
            val = 1.0
        elif (lhs, op, rhs, g) in key:
            val = bv[key[(lhs, op, rhs, g)]]
            if parameterization == "theta" and op == "=~" and rhs in ordi:
                val /= np.sqrt(theta_res.get((rhs, g), 1.0))
            if op == "~~" and lhs == rhs and lhs in ordi:
                val = 1.0
        x0[fr - 1] = val
        seen[fr - 1] = True
    return x0
