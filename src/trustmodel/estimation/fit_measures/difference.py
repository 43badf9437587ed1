"""Chi-square difference tests of nested models, scaled as Satorra & Bentler (2001).

lavaan's ``lavTestLRT(method = "satorra.bentler.2001")`` (``R/lav_test_diff.R``): with the
scaling factors ``c0`` (restricted) and ``c1`` (free model),
``cd = (df0 c0 - df1 c1) / (df0 - df1)`` and ``T = (T0 - T1) / cd`` on ``df0 - df1`` degrees
of freedom; a saturated free model has ``c1 = 1``.

References
----------
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
moment structure analysis. Psychometrika, 66(4), 507-514.
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sst


def chisq_difference(free, restricted) -> dict:
    """The (scaled) difference test of ``restricted`` against the nested ``free`` model.

    Both are mappings with ``chisq``, ``df`` and optionally ``chisq_scaling_factor`` (a fit's
    ``fit_measures``). Returns ``chisq_diff``, ``df_diff``, ``pvalue``, ``scaled`` and
    ``problem``: "" or ``"not nested"`` (no more degrees of freedom, p-value NaN) or
    ``"negative scaling"`` (``cd <= 0``: the 2001 correction fails, statistic NaN).

    Examples
    --------
    >>> d = chisq_difference({"chisq": 10.0, "df": 5}, {"chisq": 18.0, "df": 8})
    >>> d["chisq_diff"], d["df_diff"], round(d["pvalue"], 4)
    (8.0, 3, 0.046)
    """
    ddf = int(restricted["df"] - free["df"])
    diff = float(restricted["chisq"]) - float(free["chisq"])
    if ddf <= 0:
        return {"chisq_diff": diff, "df_diff": ddf, "pvalue": np.nan, "scaled": False,
                "problem": "not nested"}
    c0 = restricted.get("chisq_scaling_factor", np.nan)
    c1 = free.get("chisq_scaling_factor", np.nan)
    if free["df"] == 0 and np.isfinite(c0):  # lavaan: a saturated free model has c1 = 1
        c1 = 1.0
    if np.isfinite(c0) and np.isfinite(c1):
        cd = (restricted["df"] * c0 - free["df"] * c1) / ddf
        if cd <= 0:
            return {"chisq_diff": np.nan, "df_diff": ddf, "pvalue": np.nan, "scaled": True,
                    "problem": "negative scaling"}
        stat = diff / cd
        return {"chisq_diff": stat, "df_diff": ddf, "pvalue": float(sst.chi2.sf(stat, ddf)),
                "scaled": True, "problem": ""}
    return {"chisq_diff": diff, "df_diff": ddf, "pvalue": float(sst.chi2.sf(max(diff, 0.0), ddf)),
            "scaled": False, "problem": ""}
