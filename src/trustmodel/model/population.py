"""Population moments of a RAM model: residual variances solved for unit total variances.

The one place where simulation (:func:`trustmodel.simulate.population_model`) and the theory
builders (:func:`trustmodel.theory.base.population_covariance`) turn standardized population
values (loadings, paths, covariances) into a full parameter vector.
"""
from __future__ import annotations

import numpy as np


def solve_unit_variances(model, values: np.ndarray, rows, variables, *, tol: float = 1e-13,
                         max_iter: int = 500) -> np.ndarray:
    """``values`` with the (residual) variances at ``rows`` set so that the RAM variables
    ``variables`` (positions in ``model.ov + model.lv``) have total variance 1.

    The total variance of variable ``i`` is ``(E S E')_ii`` with ``E = (I - A)^-1``; it is
    linear in its own residual variance with slope ``E_ii^2``, so the iteration is Newton's
    method on every variable at once (one step for a recursive model, where ``E_ii = 1``).

    Examples
    --------
    >>> from trustmodel.model.ram import RamModel
    >>> from trustmodel.syntax import build_table
    >>> t = build_table("f =~ x1 + x2", std_lv=True, auto_fix_first=False)
    >>> m = RamModel.from_table(t)
    >>> v = solve_unit_variances(m, np.array([0.8, 0.6, 0.0, 0.0, 1.0]), [2, 3], [0, 1])
    >>> v.round(2).tolist()
    [0.8, 0.6, 0.36, 0.64, 1.0]
    """
    values = np.array(values, dtype=float, copy=True)
    rows, index = np.asarray(rows, dtype=int), np.asarray(variables, dtype=int)
    if not len(rows):
        return values
    eye = np.eye(model.n)
    for _ in range(max_iter):
        A, S, _m = model.matrices(values, 0)
        E = np.linalg.inv(eye - A)
        total = np.einsum("ij,jk,ik->i", E[index], S, E[index])
        step = (1.0 - total) / E[index, index] ** 2
        values[rows] += step
        if np.max(np.abs(step)) < tol:
            break
    return values
