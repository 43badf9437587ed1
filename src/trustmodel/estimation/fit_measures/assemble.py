"""``fit_measures``: lavaan's ``fitMeasures`` as a pure function of the test-statistic step.

Nothing here fits a model: every statistic comes from :class:`~.statistics.FitStatistics`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import indices as fm
from .statistics import FitStatistics


def fit_measures(st: FitStatistics) -> pd.Series:
    """lavaan's ``fitMeasures`` names (``.`` -> ``_``) from the statistics of one fit."""
    ml = st.discrepancy == "ML"
    # lavaan: ML uses N in RMSEA, ECVI, MFI, CN; the least-squares estimators N - G
    n_fit = st.ntotal if ml else st.ntotal - st.ngroups
    out = fm.compute(chisq=st.chisq, df=st.df, npar=st.npar, ntotal=n_fit, ngroups=st.ngroups,
                     baseline_chisq=st.baseline_chisq, baseline_df=st.baseline_df,
                     logl=st.logl, unrestricted_logl=st.unrestricted_logl, fmin=st.fmin,
                     srmr_by_group=list(st.srmr_by_group), gfi_by_group=list(st.gfi_by_group),
                     nobs=list(st.nobs), p=st.p, meanstructure=st.meanstructure, nx=st.nx,
                     fixed_x=st.fixed_x)
    if not ml:
        for k in ("logl", "unrestricted_logl", "aic", "bic", "bic2"):
            out[k] = np.nan
    if st.discrepancy == "ULS":  # lavaan: refdistr "unknown", p-values NA (lav_test.R)
        out["pvalue"] = out["baseline_pvalue"] = np.nan
    out["ntotal"] = st.ntotal
    if not ml:  # information criteria keep the real N
        out["bic"] = out["bic2"] = np.nan
    for part in (st.scaled, st.extra):
        for k, v in part.items():
            out[k] = v
    return out
