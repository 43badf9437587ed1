"""Drivers of a latent outcome: from a fitted CB-SEM model or from PLS construct scores.

A CB-SEM fit gives the model-implied covariance matrix of every variable, latent ones
included (``(I - A)^-1 S (I - A)^-T`` in RAM form, :meth:`RamModel.lv_moments`); the
importance shares are computed from its latent block, so they describe the constructs
without the attenuation that measurement error brings to composite scores. With the fit's
bootstrap draws (``se="bootstrap"``) each draw's parameters give one more matrix and the
intervals are percentile intervals over them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import OptionError
from .._validation import did_you_mean
from . import importance as imp
from .shares import estimate, from_rows


def _group_index(res, group) -> int:
    labels = [g.label for g in res.stats.groups]
    if len(labels) == 1:
        if group not in (None, 0, 1, labels[0]):
            raise OptionError(f"group={group!r}: the model has one group.")
        return 0
    if group is None:
        raise OptionError("The model has several groups; say which with group= (one of "
                          f"{', '.join(map(repr, labels))}).")
    if group in labels:
        return labels.index(group)
    if isinstance(group, (int, np.integer)) and 1 <= group <= len(labels):
        return int(group) - 1
    raise OptionError(f"group={group!r} is not a group of the model; groups are "
                      f"{', '.join(map(repr, labels))}.")


def _direct_predictors(rows: pd.DataFrame, outcome: str) -> list:
    r = rows[(rows["op"] == "~") & (rows["lhs"] == outcome)]
    return list(dict.fromkeys(r["rhs"]))


def _fit_drivers(res, outcome, predictors, method, bootstrap, level, seed, group):
    model = res.state.problem.model
    names = list(model.ov) + list(model.lv)
    if outcome not in model.lv and outcome not in model.ov:
        raise OptionError(f"outcome={outcome!r} is not a variable of the model."
                          + did_you_mean([outcome], names))
    if predictors is None:
        predictors = _direct_predictors(res.table.rows, outcome)
        if not predictors:
            raise OptionError(f"{outcome!r} has no regression (~) in the model; name the "
                              "constructs to compare with predictors=.")
    predictors = [predictors] if isinstance(predictors, str) else list(predictors)
    bad = [c for c in predictors if c not in names]
    if bad:
        raise OptionError(f"Predictors {', '.join(map(repr, bad))} are not variables of the "
                          "model." + did_you_mean(bad, names))
    if outcome in predictors:
        raise OptionError(f"outcome={outcome!r} is also listed among predictors=.")
    g = _group_index(res, group)
    sel = [names.index(v) for v in (outcome, *predictors)]

    def corr(values):
        cov, _ = model.lv_moments(values, g)
        return imp.to_correlation(cov[np.ix_(sel, sel)])

    draws = None
    boot = res.bootstrap
    if bootstrap and boot is None:
        raise OptionError("bootstrap= for a fitted model uses the fit's own draws; fit "
                          "with se='bootstrap' (the draws are then used automatically).")
    if boot is not None and bootstrap != 0:
        x = boot.draws[np.isfinite(boot.draws).all(axis=1)]
        values = [res.state.problem.values(xb) for xb in x]
        draws = np.array([corr(v) for v in values])
        draws = draws[np.isfinite(draws).all(axis=(1, 2))]
    return estimate(corr(res.state.values), predictors, outcome, method, nobs=res.nobs,
                    draws=draws, level=level, seed=res.seed, source="latent")


def _pls_drivers(res, outcome, predictors, method, bootstrap, level, seed):
    scores = res.scores.dropna()
    cons = list(scores.columns)
    if outcome not in cons:
        raise OptionError(f"outcome={outcome!r} is not a construct of the PLS model."
                          + did_you_mean([outcome], cons))
    if predictors is None:
        predictors = [c for c in res.path_coefficients.index
                      if c != outcome and abs(res.path_coefficients.loc[c, outcome]) > 0]
    predictors = [predictors] if isinstance(predictors, str) else list(predictors)
    bad = [c for c in predictors if c not in cons]
    if bad:
        raise OptionError(f"Predictors {', '.join(map(repr, bad))} are not constructs of the "
                          "PLS model." + did_you_mean(bad, cons))
    X = scores[[outcome, *predictors]].to_numpy(float)
    B = (1000 if method == "relative_weights" else 0) if bootstrap is None else int(bootstrap)
    return from_rows(X, predictors, outcome, method, B=B, level=level, seed=seed,
                     source="pls_scores")


def latent_drivers(res, outcome, predictors=None, *, method="relative_weights",
                   bootstrap=None, level=0.95, seed=None, group=None):
    """Drivers of ``outcome`` from a ``FitResult`` (latent covariances) or a ``PLSResult``
    (construct scores; the bootstrap resamples score rows, holding the outer weights fixed).
    See :func:`trustmodel.drivers`."""
    if hasattr(res, "state") and hasattr(res.state, "problem"):
        return _fit_drivers(res, outcome, predictors, method, bootstrap, level, seed, group)
    if hasattr(res, "scores") and hasattr(res, "path_coefficients"):
        if group is not None:
            raise OptionError("group= applies to a multi-group CB-SEM fit, not to PLS scores.")
        return _pls_drivers(res, outcome, predictors, method, bootstrap, level, seed)
    raise OptionError("data= must be a DataFrame, a FitResult or a PLS result; got "
                      f"{type(res).__name__}.")
