"""The jackknife: leave-one-row-out refits (the acceleration of BCa intervals)."""
from __future__ import annotations

import numpy as np

from .defined import Definitions
from .replicates import _context, _fiml_context, _is_fiml


def jackknife(table, stats, state) -> np.ndarray:
    """Leave-one-row-out estimates (n, npar + n_defined) for the BCa acceleration.

    Leave-one-out moments come from the full-sample ones in closed form
    (``mean_-i = (n mean - x_i) / (n - 1)``, likewise the second moments), so the jackknife
    costs one warm refit per row.
    """
    defs = Definitions(table)

    def row(x):
        if x is None:
            return np.full(state.problem.npar + len(defs), np.nan)
        d = defs.evaluate(state.problem.values(x)) if len(defs) else np.zeros(0)
        return np.concatenate([x, d])

    if _is_fiml(state):  # leave one row out and refit by FIML
        fctx = _fiml_context(table, stats, state)
        rows = []
        for g, X in enumerate(fctx.data):
            for i in range(len(X)):
                data = [np.delete(Y, i, axis=0) if h == g else Y
                        for h, Y in enumerate(fctx.data)]
                rows.append(row(fctx.refit(data)[0]))
        return np.asarray(rows)
    ctx = _context(table, stats, state)
    full = [(X.mean(axis=0), X.T @ X / len(X)) for X in ctx.data]
    rows = []
    for g, X in enumerate(ctx.data):
        n = len(X)
        for i in range(n):
            covs, means = [], []
            for h, (m, M2) in enumerate(full):
                if h == g:
                    m = (n * m - X[i]) / (n - 1)
                    M2 = (n * M2 - np.outer(X[i], X[i])) / (n - 1)
                S = M2 - np.outer(m, m)
                covs.append(0.5 * (S + S.T))
                means.append(m + ctx.center[h])
            rows.append(row(ctx.refit(covs, means)[0]))
    return np.asarray(rows)
