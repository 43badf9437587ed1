"""Monte Carlo power for Likert data analysed as ordinal (``tm.power(..., likert=5,
analysis="WLSMV")``).

Each replicate draws raw rows from the population model, cuts them into ``1..likert``
categories (as :func:`trustmodel.simulate`) and fits the analysis model with the requested
ordinal estimator in lavaan's three stages (:mod:`trustmodel.estimation.categorical`),
starting from the estimate on a large population sample. Only estimates and standard errors
are computed per replicate (no fit measures). The ``population`` column is that large-sample
estimate: the value the ordinal estimates target (latent-response metric).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._errors import TrustModelWarning
from .estimation.categorical.fit import fit_categorical
from .estimation.core.numdiff import jacobian
from .estimation.inference.defined import Definitions


def _frame(rng, sigma, mu, n, cuts, names, draw, discretize) -> pd.DataFrame:
    x = draw(rng, sigma, mu, n, False)
    y = discretize(x, mu, np.sqrt(np.diag(sigma)), cuts)
    return pd.DataFrame(y, columns=names)


def ordinal_replicates(statements, names, sigma, mu, cuts, tasks, effects, estimator,
                       draw, discretize, population_n=20_000, seed_pop=None):
    """(truth per effect, est, se, converged) over ``tasks`` = [(n, seed), ...]."""
    rng = np.random.default_rng(seed_pop)
    big = _frame(rng, sigma, mu, population_n, cuts, names, draw, discretize)
    ref = fit_categorical(statements, big, ordered=True, estimator=estimator)
    defs = Definitions(ref.table)
    truth = _pick(ref, ref.x, effects, defs)[0]
    est = np.full((len(tasks), len(effects)), np.nan)
    se = np.full_like(est, np.nan)
    ok = np.zeros(len(tasks), bool)
    for k, (n, ss) in enumerate(tasks):
        frame = _frame(np.random.default_rng(ss), sigma, mu, n, cuts, names, draw, discretize)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TrustModelWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                res = fit_categorical(statements, frame, ordered=True, estimator=estimator,
                                      x0=ref.x)
        except (ValueError, np.linalg.LinAlgError):   # an empty category in a small sample
            continue
        if not res.converged:
            continue
        e, s = _pick(res, res.x, effects, defs)
        est[k], se[k], ok[k] = e, s, True
    return truth, est, se, ok


def _pick(res, x, effects, defs):
    est = np.empty(len(effects))
    se = np.empty(len(effects))
    vals = J = None
    for j, e in enumerate(effects):
        if e.kind == "free":
            est[j] = x[e.index]
            se[j] = np.sqrt(max(res.vcov[e.index, e.index], 0.0))
            continue
        if vals is None:
            vals = defs.evaluate(res.problem.values(x))
            J = jacobian(lambda z: defs.evaluate(res.problem.values(z)), x)
        est[j] = vals[e.index]
        se[j] = np.sqrt(max(J[e.index] @ res.vcov @ J[e.index], 0.0))
    return est, se
