"""Common method checks (trustmodel.practice.common_method) against lavaan 0.6-14.

References: tests/refs/practice/{marker_*,trait_cfa,ulmc,cmb_harman_vif}.json from
scripts/practice.R, which writes its own lavaan syntax for the Williams, Hartman &
Cavazotte (2010) sequence (CFA, Baseline, Method-C, Method-U, Method-R), the ULMC model,
and computes Harman's first-component share with eigen() and Kock's (2015) VIFs with lm().
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import trustmodel as tm

REFS = Path(__file__).parent / "refs" / "practice"
CONSTRUCTS = {"QUAL": ["q1", "q2", "q3"], "SAT": ["s1", "s2", "s3"], "LOY": ["l1", "l2", "l3"]}
CASES = {"CFA": "marker_cfa", "Baseline": "marker_baseline", "Method-C": "marker_method_c",
         "Method-U": "marker_method_u", "Method-R": "marker_method_r", "Trait CFA": "trait_cfa",
         "ULMC": "ulmc"}


def ref(name):
    return json.loads((REFS / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(REFS / "cmb.csv")


@pytest.fixture(scope="module")
def result(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tm.TrustModelWarning)   # ULMC: a Heywood case, as in lavaan
        return tm.common_method(data, CONSTRUCTS, marker=["m1", "m2", "m3"])


@pytest.mark.parametrize("model", list(CASES))
def test_models_match_lavaan(result, model):
    r = ref(CASES[model])
    fit = result.fits[model]
    assert fit.converged and r["converged"]
    assert fit.fit_measures["df"] == r["fit"]["df"]
    assert fit.fit_measures["chisq"] == pytest.approx(r["fit"]["chisq"], rel=1e-6, abs=1e-6)
    lv = pd.DataFrame(r["params"])
    ours = fit.params
    for lhs in ("MARKER", "METHOD"):
        want = lv[(lv["lhs"] == lhs) & (lv["op"] == "=~")]
        if len(want):
            got = ours[(ours["lhs"] == lhs) & (ours["op"] == "=~")]
            assert_allclose(got["est"].to_numpy(), want["est"].to_numpy(), atol=1e-4)


def test_retained_model_and_tests(result):
    r = ref("marker_method_r")
    assert result.marker_tests.attrs["retained"] == r["extra"]["retained"]
    chisq = {k: ref(v)["fit"]["chisq"] for k, v in CASES.items()}
    t = result.marker_tests
    assert t.loc["Baseline vs Method-C", "chisq_diff"] == pytest.approx(
        chisq["Baseline"] - chisq["Method-C"], abs=1e-5)
    assert t.loc["Method-C vs Method-U", "df_diff"] == 8
    ul = result.ulmc
    assert ul["chisq_diff"] == pytest.approx(chisq["Trait CFA"] - chisq["ULMC"], abs=1e-5)
    assert ul["df_diff"] == 9


def test_harman_and_full_collinearity(result):
    r = ref("cmb_harman_vif")
    assert result.harman["first_share"] == pytest.approx(r["harman_first_share"], rel=1e-10)
    assert result.harman["n_eigen_above_1"] == r["n_eigen_above_1"]
    assert_allclose(result.vif[list(r["vif"])], list(r["vif"].values()), rtol=1e-10)
    assert "Harman" in result.verdict and "VIF" in result.verdict and "Marker" in result.verdict


def test_from_a_fit_and_from_a_matrix(data):
    spec = "\n".join(f"{c} =~ {' + '.join(i)}" for c, i in CONSTRUCTS.items())
    res = tm.fit(spec, data)
    a = tm.common_method(res, ulmc=False)
    b = tm.common_method(sample_cov=data.cov(), nobs=len(data), constructs=CONSTRUCTS,
                         ulmc=False)
    c = tm.common_method(data, CONSTRUCTS, ulmc=False)
    for x in (a, b):
        assert x.harman["first_share"] == pytest.approx(c.harman["first_share"], rel=1e-10)
        assert_allclose(x.vif, c.vif, rtol=1e-10)
        assert x.fits == {} and x.ulmc is None and x.marker is None


@pytest.mark.parametrize("kwargs,match", [
    (dict(constructs={"A": ["q1"]}), "at least two"),
    (dict(constructs=CONSTRUCTS, marker=["q1"]), "must not be items"),
    (dict(constructs={"A": ["q1", "zz"], "B": ["s1", "s2"]}), "'zz'"),
])
def test_bad_input(data, kwargs, match):
    with pytest.raises(tm.TrustModelError, match=match):
        tm.common_method(data, **kwargs)


def test_reserved_construct_names(data):
    with pytest.raises(tm.OptionError, match="reserved"):
        tm.common_method(data, {"MARKER": ["q1", "q2", "q3"], "SAT": ["s1", "s2", "s3"]})
