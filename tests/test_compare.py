"""tm.compare: LR tests of nested models (lavaan's lavTestLRT) and AIC/BIC."""
import json
from pathlib import Path

import numpy as np
import pytest

import trustmodel as tm

REFS = Path(__file__).parent / "refs"
CONF = json.loads((REFS / "hs_groups_configural.json").read_text())
METRIC = json.loads((REFS / "hs_groups_metric.json").read_text())


@pytest.fixture(scope="module")
def fits():
    hs = tm.datasets.load("holzinger_swineford")
    m = CONF["model"]
    return (tm.fit(m, hs, group="school"),
            tm.fit(m, hs, group="school", group_equal=["loadings"]))


def test_lrt_matches_lavaan_chisq_difference(fits):
    conf, metric = fits
    tab = tm.compare(metric, conf, names=["metric", "configural"])
    assert list(tab["model"]) == ["configural", "metric"]   # ordered by df
    d = METRIC["fit"]["chisq"] - CONF["fit"]["chisq"]
    ddf = METRIC["fit"]["df"] - CONF["fit"]["df"]
    assert tab["chisq_diff"].iloc[1] == pytest.approx(d, rel=1e-4)
    assert tab["df_diff"].iloc[1] == ddf
    assert tab["aic"].tolist() == pytest.approx([CONF["fit"]["aic"], METRIC["fit"]["aic"]],
                                                rel=1e-6)
    assert tab["bic"].iloc[1] == pytest.approx(METRIC["fit"]["bic"], rel=1e-6)
    assert np.isnan(tab["pvalue"].iloc[0]) and 0 < tab["pvalue"].iloc[1] < 1


def test_scaled_difference_when_scaling_factors_exist(fits):
    from trustmodel.compare import _difference
    free = {"df": 48, "chisq": 115.0, "chisq_scaling_factor": 1.10}
    restricted = {"df": 54, "chisq": 124.0, "chisq_scaling_factor": 1.12}
    out = _difference(free, restricted, "a", "b")
    cd = (54 * 1.12 - 48 * 1.10) / 6
    assert out["scaled"] and out["chisq_diff"] == pytest.approx(9.0 / cd)


def test_bad_calls(fits):
    with pytest.raises(tm.OptionError):
        tm.compare(fits[0])
    with pytest.raises(tm.TrustModelWarning):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tm.compare(fits[0], fits[0])


# ----- MLR: Satorra-Bentler (2001) scaled difference (lavTestLRT's default for MLR) -----------
import pandas as pd
from scipy import stats as sst

HS_MODEL = CONF["model"]


@pytest.fixture(scope="module")
def mlr_ladder():
    hs = tm.datasets.load("holzinger_swineford")
    return tm.invariance(HS_MODEL, hs, group="school", estimator="MLR",
                         levels=("configural", "metric", "scalar"))


def _sb2001(free, restricted):
    """lavaan's lav_test_diff_SatorraBentler2001 (R/lav_test_diff.R), written out."""
    T1, r1, c1 = free["chisq"], free["df"], free["chisq_scaling_factor"]
    T0, r0, c0 = restricted["chisq"], restricted["df"], restricted["chisq_scaling_factor"]
    if r1 == 0:
        c1 = 1.0
    cd = (r0 * c0 - r1 * c1) / (r0 - r1)
    return (T0 - T1) / cd, r0 - r1, cd


def test_mlr_multigroup_scaling_factor_is_the_sum_of_the_groups():
    """Independent check of the MLR scaling factors the test rests on: with no cross-group
    constraints (configural), chisq and the trace df * c add up over the groups fitted
    one at a time (c = chisq / chisq_scaled)."""
    hs = tm.datasets.load("holzinger_swineford")
    conf = tm.fit(HS_MODEL, hs, group="school", estimator="MLR").fit_measures
    parts = [tm.fit(HS_MODEL, hs[hs["school"] == s].drop(columns="school"),
                    estimator="MLR").fit_measures for s in pd.unique(hs["school"])]
    assert conf["chisq"] == pytest.approx(sum(p["chisq"] for p in parts), rel=1e-6)
    assert conf["df"] * conf["chisq_scaling_factor"] == pytest.approx(
        sum(p["df"] * p["chisq_scaling_factor"] for p in parts), rel=1e-5)
    assert conf["chisq_scaling_factor"] == pytest.approx(conf["chisq"] / conf["chisq_scaled"],
                                                         rel=1e-10)


def test_mlr_compare_metric_vs_configural_is_sb2001(mlr_ladder):
    conf, metric = mlr_ladder.fits["configural"], mlr_ladder.fits["metric"]
    tab = tm.compare(metric, conf, names=["metric", "configural"])
    stat, ddf, cd = _sb2001(conf.fit_measures, metric.fit_measures)
    row = tab.iloc[1]
    assert row["scaled"] and row["model"] == "metric"
    assert row["chisq_diff"] == pytest.approx(stat, rel=1e-12)
    assert row["df_diff"] == ddf == 6           # 9 loadings - 3 markers, made equal
    assert row["pvalue"] == pytest.approx(float(sst.chi2.sf(stat, 6)), rel=1e-12)
    # sensible: positive, near the unscaled difference (scaling factors near 1 here), and
    # not simply the difference of the scaled statistics
    raw = metric.fit_measures["chisq"] - conf.fit_measures["chisq"]
    naive = metric.fit_measures["chisq_scaled"] - conf.fit_measures["chisq_scaled"]
    assert stat > 0 and cd > 0 and 0.5 < stat / raw < 2
    assert abs(stat - naive) > 1e-3


def test_mlr_invariance_ladder_uses_sb2001(mlr_ladder):
    t = mlr_ladder.table.set_index("level")
    f = {lv: r.fit_measures for lv, r in mlr_ladder.fits.items()}
    assert "chisq_scaled" in t.columns
    for lo, hi, ddf in (("configural", "metric", 6), ("metric", "scalar", 6)):
        stat, d, _ = _sb2001(f[lo], f[hi])
        assert t.loc[hi, "delta_chisq"] == pytest.approx(stat, rel=1e-12)
        assert t.loc[hi, "delta_df"] == d == ddf
        assert t.loc[hi, "delta_chisq"] > 0
        assert t.loc[hi, "chisq"] == pytest.approx(f[hi]["chisq"])       # unscaled ML
        assert t.loc[hi, "chisq_scaled"] == pytest.approx(f[hi]["chisq_scaled"])
    assert any("Satorra-Bentler (2001)" in n for n in mlr_ladder.notes)


def test_mlr_saturated_free_model_uses_unit_scaling():
    """lavaan: a saturated less restricted model (df = 0) enters with c1 = 1."""
    hs = tm.datasets.load("holzinger_swineford")
    sat = tm.fit("x1 ~~ x2 + x3\nx2 ~~ x3", hs, estimator="MLR")
    ind = tm.fit("x1 ~~ x2\nx1 ~~ 0*x3\nx2 ~~ 0*x3", hs, estimator="MLR")
    assert sat.fit_measures["df"] == 0 and ind.fit_measures["df"] == 2
    tab = tm.compare(sat, ind)
    f0 = ind.fit_measures
    stat = (f0["chisq"] - 0.0) / ((2 * f0["chisq_scaling_factor"] - 0) / 2)
    assert tab["scaled"].iloc[1]
    assert tab["chisq_diff"].iloc[1] == pytest.approx(stat, rel=1e-10)
    assert tab["chisq_diff"].iloc[1] == pytest.approx(f0["chisq_scaled"], rel=1e-8)
