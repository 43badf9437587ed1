"""Stone-Geisser Q² by blindfolding (``res.q2(omission_distance=7)``).

The procedure of SmartPLS and Hair et al. (2017, ch. 6), run for every endogenous construct
with a Mode A block of observed items:

1. the construct's data points are numbered down the item columns (row ``i`` of item ``k``
   of a ``K``-item block is point ``k n + i``); round ``r = 0, ..., D - 1`` omits the points
   whose number is ``r`` modulo the omission distance ``D``, so every point is omitted once;
2. the omitted points are replaced by the mean of the item's remaining values and the whole
   model is re-estimated (interaction items and HOC stages rebuilt from the blinded data);
3. each omitted point is predicted in the blinded estimate's standardized units and put back
   on the item's scale: *cross-validated redundancy* from the construct's inner model,
   ``x_hat = l_k sum_p b_p y_p`` (the predecessors' scores), *cross-validated communality*
   from the construct's own score, ``x_hat = l_k y`` (Tenenhaus et al. 2005);
4. ``Q² = 1 - SSE / SSO`` with the errors and the observations in the full sample's
   standardized units (``SSO = (n - 1) K``).

Q² > 0 says the model has predictive relevance for the construct (Hair et al. 2017). Mode B
and higher-order endogenous constructs are left out (Hair et al. apply blindfolding to
reflectively measured endogenous constructs), and PLSc is refused, as in the prediction
module. Hair et al. advise an ``n`` that is not a multiple of ``D`` (otherwise round ``r``
omits whole rows of the block); such a ``D`` gives a :class:`~trustmodel.DataWarning`.

References
----------
Stone, M. (1974). Cross-validatory choice and assessment of statistical predictions. JRSS B,
36, 111-147. Geisser, S. (1974). A predictive approach to the random effect model.
Biometrika, 61, 101-107. Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C.
(2005). PLS path modeling. CSDA, 48, 159-205. Hair, J. F., Hult, G. T. M., Ringle, C. M., &
Sarstedt, M. (2017). A Primer on PLS-SEM (2nd ed.), ch. 6.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from .._warnings import warn
from .._errors import DataWarning, OptionError
from .pipeline import estimate_batch


def omission_rounds(n: int, k: int, distance: int) -> np.ndarray:
    """Round (0-based) in which each point of an ``(n, k)`` block is omitted."""
    number = np.arange(k)[None, :] * n + np.arange(n)[:, None]
    return number % distance


def targets(res) -> list:
    """Endogenous constructs with a Mode A block of observed items."""
    plan, sp = res.plan, res.spec
    raw = set(plan.raw_items)
    return [j for j in sp.endogenous
            if sp.modes[j] == "A" and sp.constructs[j] not in plan.hocs
            and all(sp.indicators[p].split("@")[0] in raw for p in sp.block_of(j))]


def blindfold(res, omission_distance: int = 7) -> pd.DataFrame:
    """Q² (cross-validated redundancy and communality) of ``res``; see the module docstring."""
    if res.estimator != "PLS":
        raise OptionError("Blindfolding predicts from composite scores; refit with "
                          "estimator='PLS' (PLSc has no blindfolding rule).")
    X, plan, sp = res._raw, res.plan, res.spec
    n = X.shape[0]
    D = omission_distance
    if isinstance(D, bool) or not isinstance(D, (int, np.integer)) or not 2 <= D <= n // 2:
        raise OptionError(f"omission_distance= must be an integer between 2 and n / 2 "
                          f"({n // 2}); got {omission_distance!r}.")
    if n % D == 0:
        warn(f"n = {n} is a multiple of omission_distance={D}: every round omits "
                      "whole rows of a block; Hair et al. (2017) advise a distance that does "
                      "not divide n (e.g. 7 unless n is a multiple of 7).", DataWarning)
    names = list(plan.raw_items)
    kw = dict(consistent=False, scheme=res.scheme, tol=res.options.get("tol", 1e-7),
              max_iter=res.options.get("max_iter", 300))
    mean, sd = X.mean(axis=0), X.std(axis=0, ddof=1)
    rows, index = [], []
    for j in targets(res):
        block = list(sp.block_of(j))
        pos = [names.index(sp.indicators[p].split("@")[0]) for p in block]
        omit = omission_rounds(n, len(pos), D)[None] == np.arange(D)[:, None, None]
        Xb = np.repeat(X[None], D, axis=0)
        part = Xb[:, :, pos]
        fill = np.where(omit, 0.0, part).sum(axis=1) / (~omit).sum(axis=1)
        Xb[:, :, pos] = np.where(omit, fill[:, None, :], part)
        with np.errstate(all="ignore"):
            out = estimate_batch({nm: Xb[:, :, q] for q, nm in enumerate(names)}, plan, kw)
        Y, L = out["scores"], out["L"][:, block, j]
        own = Y[..., j]
        inner = np.einsum("bnk,bk->bn", Y, out["B"][:, :, j])
        z = (X[:, pos] - mean[pos]) / sd[pos]
        sse = []
        for y in (inner, own):
            x_hat = out["mean"][:, None, block] + out["sd"][:, None, block] * y[..., None] \
                * L[:, None, :]
            e = (z[None] - (x_hat - mean[pos]) / sd[pos]) ** 2
            sse.append(float(np.where(omit, e, 0.0).sum()))
        sso = float((z ** 2).sum())
        rows.append((sso, sse[0], 1 - sse[0] / sso, sse[1], 1 - sse[1] / sso,
                     bool(np.all(out["converged"]))))
        index.append(sp.constructs[j])
    return pd.DataFrame(rows, columns=["SSO", "SSE", "q2", "SSE_communality", "q2_communality",
                                       "converged"],
                        index=pd.Index(index, name="construct"))
