"""PLS predictions: ``res.predict(new_data)`` and PLSpredict cross-validation.

Follows seminr's ``predict.seminr_model`` and ``predict_pls`` (R/feature_plspredict.R):
new items are standardized with the estimation sample's means and SDs (interaction items
rebuilt with the estimation sample's moments, orthogonalizing regressions and stage-1
weights), scores are ``Z W``, the endogenous scores are predicted from

* ``"DA"`` (direct antecedents, seminr's ``predict_DA``): ``Y B``, exogenous scores kept;
* ``"EA"`` (earliest antecedents, ``predict_EA``): exogenous scores propagated through the
  inner model in causal order;

and items are ``Y_hat L'`` put back on their scales (Shmueli et al. 2016); PLSc estimates
predict with the model-implied conditional expectation instead
(:mod:`trustmodel.pls.plsc_predict`). PLSpredict
(Shmueli et al. 2019) shuffles the rows, cuts them into ``folds`` as R's ``cut(seq(n),
breaks = folds)`` does, predicts every fold from a model trained on the others, and averages
the predictions over ``repeats`` shuffles; the linear-model benchmark regresses each
endogenous construct's items on the items of its direct antecedents (DA) or of the exogenous
constructs (EA). ``Q2_predict = 1 - SSE_PLS / SSE_naive`` with the training-fold item mean as
the naive prediction.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from .._errors import DataError, OptionError
from .pipeline import interaction_columns
from .plsc_predict import predict_standardized as plsc_predict_standardized

TECHNIQUES = ("DA", "EA")


def _technique(Y, Bm, spec, technique):
    exo = [j for j in range(spec.n_constructs) if j not in spec.endogenous]
    if technique == "DA":
        out = Y @ Bm
        out[..., exo] = Y[..., exo]
        return out
    R = np.zeros_like(Y)
    R[..., exo] = Y[..., exo]
    done = set(exo)
    todo = list(spec.endogenous)
    while todo:
        for j in list(todo):
            if set(spec.predecessors(j)) <= done:
                R[..., j] = np.einsum("bnk,bk->bn", R, Bm[:, :, j])
                done.add(j)
                todo.remove(j)
    return R


def check_predictable(plan, estimator):
    if plan.hocs:
        raise OptionError("Prediction of higher-order-construct models has no published "
                          "solution (seminr refuses it too); predict from the first-order model.")
    if estimator == "PLSc" and plan.interactions:
        raise OptionError("PLSc models with interaction terms have no model-implied prediction "
                          "rule (seminr refuses them too, sem-in-r/seminr#427); refit with "
                          "estimator='PLS'.")


def predict_batch(out, plan, cols, technique="DA", given=False):
    """Predicted items ``(B, m, p)`` (original units, spec order), construct scores and, per
    estimate, why its PLSc solution cannot predict ("" if it can; always "" under PLS), for
    the stacked estimates ``out`` applied to the stacked new data ``cols`` (``given``: see
    :func:`~trustmodel.pls.pipeline.interaction_columns`). PLSc estimates predict with the
    model-implied conditional expectation (:mod:`trustmodel.pls.plsc_predict`)."""
    cols = interaction_columns(cols, plan, out, given)
    spec = out["spec"]
    X = np.stack([cols[x] if x in cols else cols[x.split("@")[0]] for x in spec.indicators],
                 axis=-1)
    Z = (X - out["mean"][:, None, :]) / out["sd"][:, None, :]
    if out.get("consistent"):
        Zhat, reasons = plsc_predict_standardized(out, Z, technique)
        Yhat = Zhat @ out["W"]
    else:
        Yhat = _technique(Z @ out["W"], out["B"], spec, technique)
        Zhat = np.einsum("bnj,bpj->bnp", Yhat, out["L"])
        reasons = np.full(Z.shape[0], "", dtype=object)
    return Zhat * out["sd"][:, None, :] + out["mean"][:, None, :], Yhat, reasons


def item_positions(spec, plan, constructs=None):
    """Positions in ``spec.indicators`` of the items of ``constructs`` (default: all
    non-interaction constructs)."""
    keep = [j for j, c in enumerate(spec.constructs) if c not in plan.interactions
            and (constructs is None or j in constructs)]
    return [k for k in range(len(spec.indicators)) if spec.block[k] in keep]


def predict_result(res, new_data, technique="DA") -> pd.DataFrame:
    """Predicted items for ``new_data`` from a fitted :class:`PLSResult`."""
    technique = _check_technique(technique)
    check_predictable(res.plan, res.estimator)
    if not isinstance(new_data, pd.DataFrame):
        raise DataError(f"new_data= must be a pandas DataFrame; got {type(new_data).__name__}.")
    names = res.plan.raw_items
    absent = [c for c in names if c not in new_data.columns]
    if absent:
        raise DataError(f"new_data lacks the item(s) {', '.join(map(repr, absent))}.")
    X = new_data[list(names)].to_numpy(dtype=float)
    if not np.all(np.isfinite(X)):
        raise DataError("new_data has missing item values; predictions need complete rows "
                        "(impute them first).")
    out = res._est["_batch"]
    Xhat, _, why = predict_batch(out, res.plan,
                                 {nm: X[None, :, k] for k, nm in enumerate(names)}, technique)
    if why[0]:
        raise DataError(f"The PLSc solution is inadmissible ({why[0]}), so it has no "
                        "model-implied prediction; check the model or use estimator='PLS'.")
    spec = out["spec"]
    pos = item_positions(spec, res.plan)
    return pd.DataFrame(Xhat[0][:, pos], index=new_data.index,
                        columns=[spec.indicators[k] for k in pos])


def _check_technique(technique):
    t = str(technique).upper().replace("PREDICT_", "")
    if t not in TECHNIQUES:
        raise OptionError(f"technique= must be 'DA' or 'EA'; got {technique!r}.")
    return t


def r_cut_folds(n: int, k: int) -> np.ndarray:
    """Fold (0-based) of positions 1..n as R's ``cut(seq(1, n), breaks = k, labels = FALSE)``."""
    x = np.arange(1, n + 1, dtype=float)
    if k == 1:
        return np.zeros(n, dtype=int)
    dx = x[-1] - x[0]
    breaks = np.linspace(x[0], x[-1], k + 1)
    breaks[0], breaks[-1] = x[0] - dx / 1000, x[-1] + dx / 1000
    return np.searchsorted(breaks, x, side="left") - 1
