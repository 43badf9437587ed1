"""``tm.compare``: likelihood-ratio tests of nested models and an information-criteria table.

A leaf above ``api`` (it reads finished fits and may be handed fits of several models), as
lavaan's ``lavTestLRT``/``anova``: models are ordered by their degrees of freedom; each
consecutive pair gets ``chisq_diff = chisq_restricted - chisq_free`` on ``df_diff`` degrees of
freedom. When the fit measures carry a Satorra-Bentler/MLR scaling factor
(``chisq_scaling_factor``, robust ML), the scaled difference test of Satorra & Bentler (2001)
is used, as lavaan's ``lavTestLRT(method = "satorra.bentler.2001")``, the default of
``lavTestLRT`` for MLR/MLM fits (``lav_test_diff_SatorraBentler2001``, ``R/lav_test_diff.R``)::

    cd = (df0 c0 - df1 c1) / (df0 - df1)
    T  = (T0 - T1) / cd            (T0, T1 the unscaled ML statistics, c the scaling factors)

with model 0 the restricted one; a saturated free model (df1 = 0) has ``c1 = 1``, and a
negative ``cd`` gives no test (lavaan: "scaling factor is negative", NA).
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from ._errors import OptionError, TrustModelWarning
from .estimation.fit_measures.difference import chisq_difference
from ._warnings import warn

COLUMNS = ["model", "npar", "df", "chisq", "aic", "bic", "chisq_diff", "df_diff", "pvalue",
           "scaled"]


def compare(*results, names=None) -> pd.DataFrame:
    """Compare fitted models: LR (chi-square difference) tests and AIC/BIC.

    Parameters
    ----------
    *results : FitResult
        Two or more fits of nested models on the same data (any order).
    names : sequence of str, optional
        Labels of the models (default ``m1, m2, ...`` in the order given).

    Returns
    -------
    pandas.DataFrame
        One row per model, ordered by ``df`` (the least restricted first), with ``npar df
        chisq aic bic`` and, from the second row on, ``chisq_diff df_diff pvalue`` of the test
        against the row above; ``scaled`` says whether the Satorra-Bentler (2001) scaled
        difference was used (for WLSMV / ULSMV fits: the scaled-shifted Satorra 2000 test,
        lavaan's ``lavTestLRT`` default; see
        :func:`trustmodel.estimation.categorical.statistics.difference_test`).

    Raises
    ------
    OptionError
        Fewer than two models, or fits on different numbers of observations.

    Warns
    -----
    TrustModelWarning
        Two models with the same df (not nested: only AIC/BIC are meaningful).

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> m = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> free = tm.fit(m, hs, group="school")
    >>> metric = tm.fit(m, hs, group="school", group_equal=["loadings"])
    >>> tab = tm.compare(free, metric)   # lavaan: lavTestLRT(fit.configural, fit.metric)
    >>> round(float(tab["chisq_diff"].iloc[1]), 3), int(tab["df_diff"].iloc[1])
    (8.192, 6)
    """
    if len(results) == 1 and isinstance(results[0], (list, tuple)):
        results = tuple(results[0])
    if len(results) < 2:
        raise OptionError("compare() needs at least two fitted models.")
    names = list(names) if names is not None else [f"m{i + 1}" for i in range(len(results))]
    if len(names) != len(results):
        raise OptionError(f"names= has {len(names)} labels for {len(results)} models.")
    nobs = {int(r.nobs) for r in results}
    if len(nobs) > 1:
        raise OptionError(f"The models were fitted on different numbers of observations "
                          f"({sorted(nobs)}); a likelihood-ratio test needs the same data.")
    fms = [r.fit_measures for r in results]
    order = sorted(range(len(results)), key=lambda i: (fms[i]["df"], fms[i]["chisq"]))
    rows = []
    for k, i in enumerate(order):
        f = fms[i]
        row = {"model": names[i], "npar": int(f["npar"]), "df": int(f["df"]),
               "chisq": float(f["chisq"]), "aic": float(f.get("aic", np.nan)),
               "bic": float(f.get("bic", np.nan)), "chisq_diff": np.nan, "df_diff": np.nan,
               "pvalue": np.nan, "scaled": False}
        if k:
            j = order[k - 1]
            if _ordinal(results[j]) and _ordinal(results[i]):   # WLSMV family: lavTestLRT
                from .estimation.categorical.statistics import difference_test
                row.update(difference_test(results[j].state.fit, results[i].state.fit))
            else:
                row.update(_difference(fms[j], f, names[j], names[i]))
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _ordinal(res) -> bool:
    """A fit of the ordinal (WLSMV-family) pipeline."""
    return hasattr(getattr(res, "state", None), "fit")


def _difference(free, restricted, name_free, name_restricted) -> dict:
    d = chisq_difference(free, restricted)
    problem = d.pop("problem")
    if problem == "not nested":
        warn(f"Models {name_free!r} and {name_restricted!r} have the same degrees of "
             "freedom: they are not nested; compare them by AIC/BIC only.",
             TrustModelWarning)
        d.pop("scaled")
    elif problem:  # Satorra-Bentler 2001 can fail; lavaan then suggests the 2010 version
        warn("The Satorra-Bentler (2001) scaling correction is negative; the scaled "
             "difference test is not available for these models.",
             TrustModelWarning)
    elif not d["scaled"]:
        d.pop("scaled")
    return d
