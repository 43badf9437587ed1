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


def fisher_scoring(problem, x0, *, max_iter: int = 500, tol: float = 1e-14,
                   secant_from: float = 1e-4, newton_from: float = 1e-2) -> OptimResult:
    """Fisher scoring that turns into Newton's method near the solution.

    The step solves (I + C) step = -g, I the expected information. Far from the solution C = 0
    (plain Fisher scoring, robust). Once the Newton decrement g' step drops below
    ``newton_from`` and the problem has an exact Hessian (ML, :mod:`.hessian`), that Hessian
    replaces I + C while it is positive definite: quadratic convergence. Otherwise, below
    ``secant_from``, C learns the part of the Hessian that I misses under misfit by the
    Dennis-Gay-Welsch update used in NL2SOL (Dennis, Gay & Welsch 1981), which turns Fisher
    scoring's linear convergence into a superlinear one. Stops when the decrement < ``tol``.
    """
    x = np.asarray(x0, dtype=float).copy()
    f, g, I = problem.evaluate(x)
    if not np.isfinite(f):
        return OptimResult(x, np.inf, None, None, False, 0, "fisher", "start not admissible")
    C = np.zeros_like(I)
    secant = newton = False       # newton: I currently holds the exact Hessian
    exact = getattr(problem, "has_hessian", False)
    ridge = 1e-12 * max(1.0, float(np.trace(I)))

    def done(it, message, ok=True):
        info = problem.evaluate(x)[2] if newton else I   # SEs need the expected information
        return OptimResult(x, f, g, info, ok, it, "fisher", message)

    for it in range(1, max_iter + 1):
        step = _cholesky_step(I, g) if newton else None
        if newton and step is None:   # Hessian not positive definite here: back to Fisher
            newton, exact = False, False
            f, g, I = problem.evaluate(x)
        if step is None:
            step = _solve(I + C, g, ridge)
        if step is None or g @ step >= 0:
            C[:] = 0.0
            step = _solve(I, g, ridge)
            if step is None or g @ step >= 0:  # information not PD: steepest descent
                step = -g
        slope = g @ step
        if -slope < tol:
            if newton:  # the last Newton step is almost free and squares the error
                f_n, g_n, _ = problem.evaluate(x + step, info=False)
                if np.isfinite(f_n) and f_n <= f + 1e-12 * abs(f):
                    x, f, g = x + step, f_n, g_n
            return done(it - 1, "converged")
        secant = secant or -slope < secant_from
        use_newton = exact and -slope < newton_from
        t = 1.0
        while True:
            f_new, g_new, I_new = (problem.evaluate(x + t * step, hessian=True) if use_newton
                                   else problem.evaluate(x + t * step))
            if np.isfinite(f_new) and f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-10:
                return done(it, "line search failed", _small(g, f, tol))
        s_ = t * step
        x = x + s_
        y = g_new - g
        ys = y @ s_
        if secant and not use_newton and ys > 1e-16:
            r = (y - I_new @ s_) - C @ s_
            C = C + (np.outer(r, y) + np.outer(y, r)) / ys - (r @ s_) * np.outer(y, y) / ys ** 2
        f, g, I = f_new, g_new, I_new
        newton = use_newton
    return done(max_iter, "iteration limit reached", False)


def _cholesky_step(H, g):
    """-H^-1 g, or None where H is not positive definite."""
    try:
        L = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return None
    return -np.linalg.solve(L.T, np.linalg.solve(L, g))


def _solve(H, g, ridge):
    try:
        return -np.linalg.solve(H + ridge * np.eye(len(g)), g)
    except np.linalg.LinAlgError:
        return None


def _small(g, f, tol) -> bool:
    return g is not None and np.max(np.abs(g)) < 1e-7


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
