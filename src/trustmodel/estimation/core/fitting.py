"""Drive one fit: problem set-up, optimisation, information and standard errors."""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ...model.ram import RamModel
from .linalg import inv_or_pinv
from .optimize import OptimResult, minimize
from .problem import Problem
from .start import start_values


@dataclass(frozen=True)
class FitState:
    """What the optimiser produced: estimates, information, the problem it solved."""

    problem: Problem
    x: np.ndarray               # free parameters
    values: np.ndarray          # every table row (defined rows excluded)
    optim: OptimResult

    @property
    def fmin(self) -> float:
        return float(self.optim.fmin)

    @property
    def converged(self) -> bool:
        return bool(self.optim.converged)


_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ram_model(table) -> RamModel:
    """The RAM model of a table, built once per (immutable) table."""
    model = _MODELS.get(table)
    if model is None:
        model = _MODELS[table] = RamModel.from_table(table)
    return model


def build_problem(table, stats, estimator: str) -> tuple[Problem, np.ndarray]:
    model = ram_model(table)
    start = start_values(table, stats)
    free = table.cols.free[table.cols.op != ":="].astype(int)
    free_pos = np.flatnonzero(free > 0)
    free_of = free[free_pos] - 1
    base = np.where(np.isnan(start), 0.0, start)[: len(free)]
    covs = [g.cov if estimator == "ML" else g.cov * g.nobs / (g.nobs - 1) for g in stats.groups]
    problem = Problem(model, covs, [g.mean for g in stats.groups],
                      [g.nobs for g in stats.groups], estimator, base, free_pos, free_of)
    x0 = np.zeros(model.npar)
    x0[free_of] = base[free_pos]
    return problem, x0


def estimate(table, stats, estimator: str = "ML", x0=None) -> FitState:
    problem, start = build_problem(table, stats, estimator)
    res = minimize_with_restart(problem, table, stats, start if x0 is None else x0)
    return FitState(problem, res.x, problem.values(res.x), res)


def minimize_with_restart(problem, table, stats, x0):
    """Optimise from ``x0``; if that fails, again from lavaan's "simple" starting values."""
    res = minimize(problem, x0)
    if not res.converged:
        simple_base = start_values(table, stats, simple=True)[: len(problem.base)]
        xs = np.zeros(problem.npar)
        xs[problem.free_of] = simple_base[problem.free_pos]
        alt = minimize(problem, xs)
        if alt.converged or (np.isfinite(alt.fmin) and alt.fmin < res.fmin):
            res = alt
    return res


def expected_vcov(state: FitState) -> np.ndarray:
    """vcov of the free parameters from the expected information (lavaan's default for ML).

    For GLS and ULS, as lavaan's ``se = "standard"``: the inverse of Delta' W Delta with the
    estimator's own weight (identity for ULS), scaled by N - 1.
    """
    problem = state.problem
    info = state.optim.info
    if info is None:
        _, _, info = problem.evaluate(state.x)
    return inv_or_pinv(info) / problem.ntotal


def x_indices(table) -> list:
    """Positions of the fixed-x covariates among the observed variables (lavaan's x.idx)."""
    if not table.options.get("fixed_x", True):
        return []
    ov = list(table.names.ov)
    return [ov.index(v) for v in table.names.ov_x]
