"""Drive one fit: problem set-up, optimisation, information and standard errors."""
from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np

from ...model.ram import RamModel
from .constraints import Constraints, constrained_minimize, information_inverse
from .linalg import SE_FALLBACK
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

    @property
    def admissible(self) -> bool:
        """False when the optimiser found no admissible point (lavaan: "estimation FAILED",
        the start returned): the objective is not finite, statistics and SEs are NA."""
        return bool(np.isfinite(self.optim.fmin))


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
    res = fit_problem(problem, table, stats, start if x0 is None else x0)
    return FitState(problem, res.x, problem.values(res.x), res)


def fit_problem(problem, table, stats, x0) -> OptimResult:
    """Minimise ``problem`` from ``x0``: under the table's general constraints (``==``, ``<``,
    ``>`` beyond shared labels, :mod:`.constraints`; the constraints and the active set are
    kept on ``problem.constraint_set`` for the inverses of the information), else with
    restarts (:func:`minimize_with_restart`)."""
    if table.constraints:
        con = Constraints(table)
        res, active = constrained_minimize(problem, x0, con)
        problem.constraint_set = (con, active)
        return res
    return minimize_with_restart(problem, table, stats, x0)


def minimize_with_restart(problem, table, stats, x0):
    """Optimise from ``x0`` and accept the end only where :func:`verified` finds a minimum.

    An end that is not (a saddle, a non-zero gradient, a failed optimiser) or that is flat
    (a singular Hessian, as at a runaway start) triggers restarts from lavaan-like default
    starts (user ``start()`` values dropped) and from lavaan's "simple" starts; the lowest
    verified end wins, a flat end only if no restart goes lower. When no start ends at a
    minimum the lowest end is returned with ``converged=False`` and the reason (the fit then
    warns, :func:`trustmodel.diagnostics.checks.admissibility`)."""
    res = minimize(problem, x0)
    status, why = verified(problem, res)
    if status == "ok":
        return res
    ends = [(status, res, why)]
    for simple in (False, True):
        base = start_values(table, stats, simple=simple, user=False)[: len(problem.base)]
        xs = np.zeros(problem.npar)
        xs[problem.free_of] = base[problem.free_pos]
        if np.allclose(xs, x0):
            continue
        alt = minimize(problem, xs)
        alt_status, alt_why = verified(problem, alt)
        ends.append((alt_status, alt, alt_why))
    good = [e for e in ends if e[0] in ("ok", "flat")]
    if good:
        return min(good, key=lambda e: e[1].fmin)[1]
    finite = [e for e in ends if np.isfinite(e[1].fmin)] or ends
    _, best, why = min(finite, key=lambda e: e[1].fmin)
    return replace(best, converged=False,
                   message=f"{why} (also after restarts from default and simple starts)")


def verified(problem, res) -> tuple[str, str]:
    """Check an optimiser's end: ("ok" | "flat" | "bad", reason).

    "bad": the optimiser failed, the gradient is not zero in the parameters' own units
    (``max |g_k| / sqrt(I_kk)`` above 1e-6, a test that does not depend on the data's units)
    or, where the exact Hessian exists (ML), a direction of negative curvature is left (the
    smallest eigenvalue of ``D H D``, ``D = diag(I)^-1/2``, below -1e-6: a saddle; skipped
    when the optimiser's last Newton step already factored it as positive definite). "flat":
    that eigenvalue is (numerically) zero, a singular end worth a restart (a runaway start,
    or a model the data do not identify).
    """
    if not np.isfinite(res.fmin) or res.grad is None:
        return "bad", "no admissible point found"
    if not res.converged:
        return "bad", res.message
    g, info = res.grad, res.info
    if info is None:
        _, g, info = problem.evaluate(res.x)
    d = np.diag(info)
    if not np.all(d > 0):
        return "flat", "a parameter the data do not inform"
    D = 1.0 / np.sqrt(d)
    worst = float(np.max(np.abs(g) * D))
    if worst > 1e-6:
        return "bad", f"the gradient is not zero at the end (max scaled |g| {worst:.2g})"
    if getattr(problem, "has_hessian", False) and not res.hessian_pd:
        low = float(np.linalg.eigvalsh(D[:, None] * problem.hessian(res.x) * D[None, :]).min())
        if low < -1e-6:
            return "bad", f"the end is a saddle point (curvature {low:.2g})"
        if low < 1e-9:
            return "flat", "the Hessian is singular at the end"
    return "ok", ""


def expected_vcov(state: FitState) -> np.ndarray:
    """vcov of the free parameters from the expected information (lavaan's default for ML).

    For GLS and ULS, as lavaan's ``se = "standard"``: the inverse of Delta' W Delta with the
    estimator's own weight (identity for ULS), groups weighted by N_g / N, over N - G.
    """
    problem = state.problem
    info = state.optim.info
    if info is None:
        _, _, info = problem.evaluate(state.x)
    if info is None:   # no admissible point (lavaan returns the start with a warning)
        return np.full((problem.npar, problem.npar), np.nan)
    if problem.estimator != "ML" and problem.model.ngroups > 1:
        # lavaan (lav_model_vcov): inv(sum_g (N_g / N) I_g) / (N - G); the discrepancy
        # weighs the groups by (N_g - 1) / N (its test statistic), so re-weight here
        shift = problem.weights
        problem.weights = [n / problem.ntotal for n in problem.nobs]
        try:
            info = problem.evaluate(state.x)[2]
        finally:
            problem.weights = shift
        scale = problem.ntotal - problem.model.ngroups
    else:
        scale = problem.ntotal
    # lavaan's augmented (constrained) inverse under general constraints
    return information_inverse(problem, state.x, info, fallback=SE_FALLBACK) / scale


def x_indices(table) -> list:
    """Positions of the fixed-x covariates among the observed variables (lavaan's x.idx)."""
    if not table.options.get("fixed_x", True):
        return []
    ov = list(table.names.ov)
    return [ov.index(v) for v in table.names.ov_x]
