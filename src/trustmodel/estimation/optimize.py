"""The optimizer: Fisher scoring with a backtracking line search, quasi-Newton as a fallback.

Fisher scoring (Lee & Jennrich 1979) uses the expected information as the Hessian, which the
discrepancy functions compute analytically; near the solution it converges in a handful of
steps. If it cannot make progress (a start where the implied covariance is not positive
definite, a flat direction) the fit falls back to scipy's BFGS with the analytic gradient.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize as sopt


@dataclass(frozen=True)
class OptimResult:
    x: np.ndarray
    fmin: float
    grad: np.ndarray
    info: np.ndarray
    converged: bool
    iterations: int
    method: str
    message: str


def fisher_scoring(problem, x0, *, max_iter: int = 500, tol: float = 1e-10) -> OptimResult:
    x = np.asarray(x0, dtype=float).copy()
    f, g, I = problem.evaluate(x)
    if not np.isfinite(f):
        return OptimResult(x, np.inf, None, None, False, 0, "fisher", "start not admissible")
    it = 0
    for it in range(1, max_iter + 1):
        try:
            step = -np.linalg.solve(I + 1e-12 * np.eye(len(x)) * max(1.0, np.trace(I)), g)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(I, g, rcond=None)[0]
        slope = g @ step
        if slope > 0:  # information not PD: steepest descent
            step, slope = -g, -(g @ g)
        t = 1.0
        while True:
            x_new = x + t * step
            f_new = problem.objective(x_new)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-10:
                return OptimResult(x, f, g, I, _small(g, f, tol * 100), it, "fisher",
                                   "line search failed")
        x = x_new
        df = f - f_new
        f, g, I = problem.evaluate(x)
        if (df < tol * (abs(f) + tol) and np.max(np.abs(t * step)) < 1e-6) or _small(g, f, tol):
            return OptimResult(x, f, g, I, True, it, "fisher", "converged")
    return OptimResult(x, f, g, I, False, it, "fisher", "iteration limit reached")


def _small(g, f, tol) -> bool:
    return g is not None and np.max(np.abs(g)) < np.sqrt(tol) * 1e-3


def quasi_newton(problem, x0, *, max_iter: int = 2000) -> OptimResult:
    def fun(x):
        f, g, _ = problem.evaluate(x, info=False)
        if not np.isfinite(f):
            return 1e10, np.zeros_like(x)
        return f, g
    res = sopt.minimize(fun, x0, jac=True, method="BFGS",
                        options={"maxiter": max_iter, "gtol": 1e-9})
    f, g, I = problem.evaluate(res.x)
    ok = bool(np.isfinite(f) and g is not None and np.max(np.abs(g)) < 1e-5)
    return OptimResult(res.x, f, g, I, ok, int(res.nit), "bfgs", str(res.message))


def minimize(problem, x0, *, max_iter: int = 500) -> OptimResult:
    """Fisher scoring, then BFGS (and Fisher scoring again from its end) if needed."""
    res = fisher_scoring(problem, x0, max_iter=max_iter)
    if res.converged:
        return res
    qn = quasi_newton(problem, x0 if not np.isfinite(res.fmin) else res.x)
    if np.isfinite(qn.fmin):
        polished = fisher_scoring(problem, qn.x, max_iter=max_iter)
        if polished.converged:
            return OptimResult(polished.x, polished.fmin, polished.grad, polished.info, True,
                               res.iterations + qn.iterations + polished.iterations,
                               "fisher+bfgs", polished.message)
        return qn
    return res
