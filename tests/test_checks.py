"""Admissibility checks: no false alarms on the lavaan reference models; the ECSI mobi model
with Image and Quality both predicting Value and Satisfaction is flagged, naming both."""
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import trustmodel as tm
from trustmodel.diagnostics.checks import CollinearityWarning, StandardErrorWarning

REFS = Path(__file__).parent / "refs"
DATA = {"holzinger_swineford.csv": "holzinger_swineford",
        "political_democracy.csv": "political_democracy", "edt.csv": "edt", "cdv.csv": "cdv",
        "trust.csv": "trust"}
CASES = ["hs_cfa_ml", "hs_cfa_stdlv", "hs_cfa_uls", "hs_cfa_meanstructure",
         "hs_groups_configural", "hs_groups_metric", "political_democracy", "edt_ml", "cdv_ml",
         "trust_ml"]

MOBI_ECSI = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Quality ~ Expectation
Value ~ Image + Quality
Satisfaction ~ Image + Quality + Value
Loyalty ~ Satisfaction + Image
"""


@pytest.mark.parametrize("case", CASES)
def test_no_false_alarms_on_reference_models(case):
    ref = json.loads((REFS / f"{case}.json").read_text())
    data = tm.datasets.load(DATA[ref["data"]])
    opts = {k: (tuple(v) if isinstance(v, list) else v) for k, v in ref["options"].items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = tm.fit(ref["model"], data, **opts)
    assert res.warnings == ()


def test_mobi_image_quality_collinearity_is_named():
    mobi = tm.datasets.load("mobi")
    with pytest.warns(tm.TrustModelWarning) as record:
        res = tm.fit(MOBI_ECSI, mobi)
    msgs = [str(w.message) for w in record if issubclass(w.category, CollinearityWarning)]
    pair = [m for m in msgs if "'Image'" in m and "'Quality'" in m]
    assert pair, msgs
    assert "latent correlation 0.98" in pair[0] and "Value ~ Quality" in pair[0]
    # recorded on the result
    assert any(issubclass(w.category, CollinearityWarning) and "'Quality'" in w.message
               for w in res.warnings)
    assert issubclass(CollinearityWarning, tm.IdentificationWarning)


def test_absurd_standard_errors_flagged():
    """Two indicators per factor and a tiny sample: SEs blow up on the standardized scale."""
    rng = np.random.default_rng(3)
    f = rng.normal(size=(25, 1))
    import pandas as pd
    x = pd.DataFrame(np.hstack([f + rng.normal(size=(25, 1)) * 3 for _ in range(2)]
                               + [rng.normal(size=(25, 2))]), columns=["a", "b", "c", "d"])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        tm.fit("F =~ a + b\nG =~ c + d", x)
    cats = {w.category for w in rec}
    assert cats & {StandardErrorWarning, tm.IdentificationWarning, tm.HeywoodCaseWarning,
                   tm.NotPositiveDefiniteWarning, tm.NonConvergenceWarning}


def test_singular_information_names_parameters():
    hs = tm.datasets.load("holzinger_swineford")
    # a two-indicator factor uncorrelated with the rest is not identified: its loading and the
    # factor variance trade off
    model = "visual =~ x1 + x2 + x3\nf2 =~ x4 + x5\nvisual ~~ 0*f2"
    with pytest.warns(tm.TrustModelWarning) as record:
        tm.fit(model, hs)
    msgs = [str(w.message) for w in record if issubclass(w.category, tm.IdentificationWarning)]
    assert any("null-space" in m and "f2" in m for m in msgs), msgs


def test_free_parameter_names():
    hs = tm.datasets.load("holzinger_swineford")
    res = tm.fit("visual =~ x1 + x2 + x3", hs)
    assert res.table.free_names(readable=True)[0] == "visual =~ x2"


def test_unidentified_parameters_get_nan_standard_errors_not_zero():
    # speed has no covariance with anything and x7 ~~ x8 is free: 7 parameters for the
    # 6 moments of its block. lavaan 0.6-14 returns NA for the standard errors whose
    # sampling variance comes out negative (lav_model_vcov_se); a 0 would read as "exact".
    model = ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
             "x7 ~~ x8\ntextual ~ visual\nvisual ~ sex\nx8 ~ sex")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tm.TrustModelWarning)
        res = tm.fit(model, tm.datasets.load("holzinger_swineford"))
    assert any(issubclass(w.category, tm.IdentificationWarning) for w in res.warnings)
    free = res.params[res.table.rows["free"].to_numpy() > 0]
    assert free["se"].isna().any()
    assert not (free["se"] == 0).any()
    identified = free.query("lhs == 'visual' and op == '=~'")
    assert identified["se"].notna().all() and (identified["se"] > 0).all()


@pytest.mark.parametrize("estimator, missing", [("ML", "listwise"), ("MLM", "listwise"),
                                                ("MLR", "listwise"), ("ML", "fiml"),
                                                ("MLR", "fiml")])
def test_a_fit_without_an_admissible_point_reports_na_not_an_exception(estimator, missing):
    # g's only indicator has its loading fixed at 0 and (single indicator) its residual at 0:
    # the implied variance of x4 is 0 at every parameter value. lavaan 0.6-14: "Model
    # estimation FAILED! Returning starting values", converged FALSE.
    data = tm.datasets.load("holzinger_swineford")
    if missing == "fiml":
        data = data.assign(x1=data["x1"].mask(data.index < 20))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tm.TrustModelWarning)
        res = tm.fit("visual =~ x1 + x2 + x3\ng =~ 0*x4", data, estimator=estimator,
                     missing=missing)
    assert not res.converged
    assert any(issubclass(w.category, tm.NonConvergenceWarning) for w in res.warnings)
    fm = res.fit_measures
    assert np.isnan(fm[["chisq", "cfi", "logl", "aic"]].to_numpy(float)).all()
    assert fm["df"] == 2
    free = res.params[res.table.rows["free"].to_numpy() > 0]
    assert free["se"].isna().all()
    assert "Estimate" in str(res.summary())
