"""Central-difference Jacobians: the one place trustmodel differentiates numerically.

Used for the delta method of defined parameters and effects (lavaan:
``lav_func_jacobian_complex``/``_simple``) and for observed information where no analytic
Hessian exists (FIML, MLR: lavaan differentiates its analytic gradient the same way,
``R/lav_model_hessian.R``). Steps are relative: ``h * max(1, |x_k|)``.
"""
from __future__ import annotations

import numpy as np


def jacobian(func, x: np.ndarray, h: float = 1e-6, columns=None) -> np.ndarray:
    """d func(x) / dx (len(func(x)) x len(columns)) by central differences.

    ``columns`` restricts the differentiation to those coordinates of ``x`` (default all).
    Returns None when ``func`` returns None at a step (a non-admissible point).
    """
    x = np.asarray(x, dtype=float)
    columns = range(len(x)) if columns is None else columns
    cols = []
    for k in columns:
        step = h * max(1.0, abs(x[k]))
        e = np.zeros(len(x))
        e[k] = step
        hi, lo = func(x + e), func(x - e)
        if hi is None or lo is None:
            return None
        cols.append((np.asarray(hi) - np.asarray(lo)) / (2 * step))
    if not cols:
        return np.zeros((len(np.atleast_1d(func(x))), 0))
    return np.column_stack(cols)


def gradient_hessian(problem, x: np.ndarray, h: float = 1e-5) -> np.ndarray | None:
    """Symmetrised Hessian of ``fmin`` from differences of the analytic gradient."""
    H = jacobian(lambda z: problem.evaluate(z, info=False)[1], x, h)
    return None if H is None else 0.5 * (H + H.T)
