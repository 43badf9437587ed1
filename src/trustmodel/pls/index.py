"""The 0-100 customer-satisfaction index (ACSI/ECSI) and the importance-performance map.

Each item is first put on a 0-100 scale, ``x*_i = 100 (x_i - lower_i) / (upper_i - lower_i)``;
the unstandardized outer weights of a block are its standardized weights divided by the SD of
``x*_i``, rescaled to sum to one (Fornell et al. 1996; Ringle & Sarstedt 2016). The index is the
weighted mean ``100 * sum_i w_i (xbar_i - lower_i) / (upper_i - lower_i)``. When every item
shares one scale this is ``w_i ∝ w_std_i / sd_i``; putting the items on 0-100 first makes the
index invariant to a linear change of units of any single item.

The rescaled construct score ``sum_i w_i x*_i`` is ``c_j * Y_j + const`` with ``Y_j`` the
standardized PLS score and ``c_j = 100 / sum_i (w_std_i (upper_i - lower_i) / sd_i)``, so the
unstandardized total effect of ``k`` on ``j`` is the standardized one times ``c_j / c_k``.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._errors import DataWarning, OptionError
from .._warnings import warn


def _bounds(value, names, what):
    if isinstance(value, (Mapping, pd.Series)):
        missing = [n for n in names if n not in value]
        if missing:
            raise OptionError(f"{what}= lacks the item(s) {', '.join(map(repr, missing))}.")
        return np.array([float(value[n]) for n in names])
    if isinstance(value, (int, float, np.integer, np.floating)):
        return np.full(len(names), float(value))
    raise OptionError(f"{what}= must be a number or a mapping item -> number; got {value!r}.")


def scale_bounds(res, lower, upper):
    """``(lower, upper)``: the caller's, or the smallest and largest item value observed in
    the data (one scale for all items, as a questionnaire has) with a DataWarning."""
    if lower is not None and upper is not None:
        return lower, upper
    X = res._raw
    lo = float(np.min(X)) if lower is None else lower
    hi = float(np.max(X)) if upper is None else upper
    warn(f"Scale bounds for the 0-100 index taken from the data: lower={lo:g}, "
         f"upper={hi:g}; pass lower= and upper= (e.g. 1 and 10 for the ACSI/ECSI "
         "questionnaires) to state the questionnaire's scale.", DataWarning)
    return lo, hi


def _parts(res, lower, upper):
    spec = res.spec
    plan = getattr(res, "plan", None)
    if plan is not None and (plan.interactions or plan.hocs):
        raise OptionError("The 0-100 index is defined for first-order models of observed "
                          "items; fit the model without interaction terms and higher-order "
                          "constructs for it.")
    lower, upper = scale_bounds(res, lower, upper)
    lo = _bounds(lower, spec.indicators, "lower")
    hi = _bounds(upper, spec.indicators, "upper")
    if np.any(hi <= lo):
        raise OptionError("upper= must exceed lower= for every item; got "
                          f"lower={lower!r}, upper={upper!r}.")
    if np.any(res._means < lo) or np.any(res._means > hi):
        warn("Some item means lie outside [lower, upper]; check the scale bounds given "
             "to the index.", DataWarning)
    rng = hi - lo
    w = res._est["W"][np.arange(len(spec.indicators)), spec.block]
    u = w * rng / res._sds                      # weights of the 0-100 items (up to 100)
    J = spec.n_constructs
    tot = np.bincount(spec.block, weights=u, minlength=J)
    wt = u / tot[spec.block]
    perf = 100 * np.bincount(spec.block, weights=wt * (res._means - lo) / rng, minlength=J)
    scale = 100 / tot                            # c_j
    return wt, perf, scale


def block_index(weights, sds, means, lower, upper) -> float:
    """0-100 index of one block from its standardized outer weights and item moments.

    ``100 * sum_i u_i (mean_i - lower_i) / (upper_i - lower_i)`` with ``u_i ∝ weights_i *
    (upper_i - lower_i) / sds_i`` summing to one.

    Examples
    --------
    >>> block_index([0.4, 0.7], [1.5, 2.0], [10, 10], 1, 10)
    100.0
    """
    w, sd, m = (np.asarray(v, dtype=float) for v in (weights, sds, means))
    lo = np.broadcast_to(np.asarray(lower, dtype=float), w.shape)
    rng = np.broadcast_to(np.asarray(upper, dtype=float), w.shape) - lo
    u = w * rng / sd
    return float(100 * np.sum(u / u.sum() * (m - lo) / rng))


def unstandardized_weights(res, lower=None, upper=None) -> pd.DataFrame:
    wt, _, _ = _parts(res, lower, upper)
    spec = res.spec
    return pd.DataFrame({"construct": [spec.constructs[b] for b in spec.block],
                         "indicator": list(spec.indicators), "weight": wt})


def acsi_index(res, lower=None, upper=None) -> pd.Series:
    """The 0-100 index of every construct of a PLS result (ACSI / ECSI scores).

    Parameters
    ----------
    res : PLSResult
        A fit of ``tm.fit(..., estimator="PLS")``.
    lower, upper : float or mapping item -> float, optional
        Scale minimum and maximum of the items (1 and 10 for the ACSI/ECSI questionnaires).
        When omitted, the smallest and largest value observed over the model's items, with a
        :class:`~trustmodel.DataWarning`.

    Returns
    -------
    pandas.Series
        Index (0-100) by construct.

    Examples
    --------
    >>> import trustmodel as tm
    >>> mobi = tm.datasets.load("mobi")
    >>> ecsi = tm.ECSI(image=[f"IMAG{i}" for i in range(1, 6)],
    ...                expectation=["CUEX1", "CUEX2", "CUEX3"],
    ...                quality=[f"PERQ{i}" for i in range(1, 8)], value=["PERV1", "PERV2"],
    ...                satisfaction=["CUSA1", "CUSA2", "CUSA3"], complaints=["CUSCO"],
    ...                loyalty=["CUSL1", "CUSL2", "CUSL3"])
    >>> res = tm.fit(ecsi, mobi, estimator="PLS")
    >>> # seminr: 100 * (colMeans(mobi[items]) - 1) / 9 weighted by outer_weights / sd, normalized
    >>> float(round(tm.acsi_index(res, lower=1, upper=10)["Satisfaction"], 2))
    72.45
    """
    _, perf, _ = _parts(res, lower, upper)
    return pd.Series(perf, index=list(res.spec.constructs), name="index")


def ipma(res, target: str = "Satisfaction", lower=None, upper=None) -> pd.DataFrame:
    """Importance-performance map data for ``target``.

    Importance is the unstandardized total effect on ``target`` (0-100 rescaled scores),
    performance the 0-100 index; one row per construct with an effect on ``target``.
    """
    spec = res.spec
    if target not in spec.constructs:
        from .._validation import did_you_mean
        raise OptionError(f"target={target!r} is not a construct of the model."
                          + did_you_mean([target], spec.constructs))
    _, perf, scale = _parts(res, lower, upper)
    j = spec.constructs.index(target)
    T = res._est["T"]
    rows = [(c, T[k, j], T[k, j] * scale[j] / scale[k], perf[k])
            for k, c in enumerate(spec.constructs) if k != j and abs(T[k, j]) > 0]
    return pd.DataFrame(rows, columns=["construct", "total_effect", "importance", "performance"]
                        ).set_index("construct")
