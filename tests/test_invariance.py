"""tm.invariance: the configural -> strict ladder on Holzinger-Swineford (lavaan's numbers)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sst

import trustmodel as tm

REFS = Path(__file__).parent / "refs"
HS = tm.datasets.load("holzinger_swineford")
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def ladder():
    return tm.invariance(MODEL, HS, group="school")


def test_levels_match_lavaan(ladder):
    t = ladder.table.set_index("level")
    for level, case in (("configural", "hs_groups_configural"), ("metric", "hs_groups_metric")):
        ref = json.loads((REFS / f"{case}.json").read_text())["fit"]
        for k in ("chisq", "df", "cfi", "rmsea", "bic"):
            np.testing.assert_allclose(t.loc[level, k], ref[k], rtol=1e-3, err_msg=(level, k))
    # lavaan: cfa(..., group.equal = c("loadings", "intercepts")) / + "residuals"
    np.testing.assert_allclose(t.loc["scalar", "chisq"], 164.103, atol=5e-3)
    np.testing.assert_allclose(t.loc["strict", "chisq"], 181.511, atol=5e-3)
    assert list(t["df"]) == [48, 54, 60, 69]


def test_difference_tests_and_decisions(ladder):
    t = ladder.table
    assert list(t.columns) == ["level", "chisq", "df", "delta_chisq", "delta_df", "pvalue", "cfi",
                               "delta_cfi", "rmsea", "delta_rmsea", "bic", "decision"]
    m = t.iloc[1]
    np.testing.assert_allclose(m["delta_chisq"], t.iloc[1]["chisq"] - t.iloc[0]["chisq"])
    np.testing.assert_allclose(m["pvalue"], sst.chi2.sf(m["delta_chisq"], 6))
    np.testing.assert_allclose(m["pvalue"], 0.224, atol=1e-3)   # lavTestLRT(configural, metric)
    assert list(t["decision"]) == ["holds", "holds", "rejected", "rejected"]
    assert ladder.highest == "metric"
    assert ladder.latent_means is None            # scalar invariance does not hold
    assert set(ladder.fits) == {"configural", "metric", "scalar", "strict"}
    assert isinstance(ladder.fits["metric"], tm.FitResult)
    text = str(ladder)
    assert "Chen 2007" in text and "Highest level that holds: metric" in text
    assert "<table" in ladder._repr_html_()


def test_partial_scalar_and_latent_means():
    inv = tm.invariance(MODEL, HS, group="school", levels=("configural", "metric", "scalar"),
                        group_partial=["x3 ~ 1", "x7 ~ 1"], rule="chisq")
    t = inv.table.set_index("level")
    # lavaan tutorial, partial scalar invariance (x3, x7 intercepts free): chisq 129.422, df 58
    np.testing.assert_allclose(t.loc["scalar", "chisq"], 129.422, atol=5e-3)
    assert t.loc["scalar", "df"] == 58
    assert inv.highest == "scalar"
    lm = inv.latent_means.set_index("factor")
    assert list(lm.columns) == ["group", "reference", "est", "se", "z", "pvalue", "d"]
    assert (lm["group"] == "Grant-White").all() and (lm["reference"] == "Pasteur").all()
    np.testing.assert_allclose(lm.loc["textual", "est"], 0.576, atol=2e-3)
    assert lm.loc["textual", "pvalue"] < 0.001 and lm.loc["visual", "pvalue"] > 0.05
    np.testing.assert_allclose(lm["z"], lm["est"] / lm["se"])
    assert "Latent mean differences" in str(inv)


def test_bad_options():
    with pytest.raises(tm.OptionError, match="levels"):
        tm.invariance(MODEL, HS, group="school", levels=("metric", "configural"))
    with pytest.raises(tm.OptionError, match="levels"):
        tm.invariance(MODEL, HS, group="school", levels=("weak",))
    with pytest.raises(tm.OptionError, match="rule"):
        tm.invariance(MODEL, HS, group="school", rule="cheung")
    with pytest.raises(tm.OptionError, match="group_equal"):
        tm.invariance(MODEL, HS, group="school", group_equal=["loadings"])


def test_caller_frame_untouched():
    before = HS.copy()
    tm.invariance(MODEL, HS, group="school", levels=("configural", "metric"))
    assert HS.equals(before)
