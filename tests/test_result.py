"""FitResult contract: immutable, reproducible, warnings recorded, moments exposed."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

HS = tm.datasets.load("holzinger_swineford")
CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def res():
    return tm.fit(CFA, HS)


def test_fit_twice_identical(res):
    again = tm.fit(CFA, HS)
    pd.testing.assert_frame_equal(res.params, again.params)
    pd.testing.assert_series_equal(res.fit_measures, again.fit_measures)


def test_result_cannot_be_mutated(res):
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.table = None
    p = res.params
    p.loc[0, "est"] = 99.0
    assert res.params.loc[0, "est"] == 1.0
    fmx = res.fit_measures
    fmx["chisq"] = 0
    assert res.fit_measures["chisq"] > 80
    with pytest.raises(ValueError):
        res.x[0] = 1.0


def test_param_columns_and_fit_names(res):
    assert list(res.params.columns) == ["lhs", "op", "rhs", "group", "label", "est", "se", "z",
                                        "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"]
    for name in ("npar", "chisq", "df", "pvalue", "baseline_chisq", "baseline_df", "cfi", "tli",
                 "nnfi", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "rmsea_pvalue", "srmr",
                 "aic", "bic", "logl", "unrestricted_logl", "gfi", "agfi"):
        assert name in res.fit_measures.index


def test_implied_and_sample_moments(res):
    imp, smp = res.implied, res.sample
    assert list(imp["cov"].columns) == [f"x{i}" for i in range(1, 10)]
    S = HS[[f"x{i}" for i in range(1, 10)]].cov().to_numpy() * 300 / 301
    np.testing.assert_allclose(smp["cov"].to_numpy(), S)
    assert np.all(np.linalg.eigvalsh(imp["cov"].to_numpy()) > 0)
    np.testing.assert_allclose(res.vcov.to_numpy(), res.vcov.to_numpy().T, atol=1e-15)
    assert res.vcov.shape == (21, 21)


def test_heywood_case_warned_and_recorded():
    """Political Democracy's textbook Heywood model: a 2-indicator factor with free loadings."""
    df = tm.datasets.load("political_democracy")
    model = "f =~ y1 + y2\ng =~ x1 + x2 + x3\nf ~ g\ny1 ~~ y2"
    with pytest.warns(tm.TrustModelWarning):
        r = tm.fit(model, df)
    assert r.warnings
    assert all(isinstance(w.message, str) for w in r.warnings)


def test_negative_variance_is_a_heywood_warning():
    """r12 r13 / r23 = 1.28 > 1: the one-factor model needs a negative residual variance."""
    S = pd.DataFrame([[1, .8, .8], [.8, 1, .5], [.8, .5, 1]], index=list("abc"),
                     columns=list("abc"))
    with pytest.warns(tm.HeywoodCaseWarning, match="'a'.*negative"):
        r = tm.fit("f =~ a + b + c", sample_cov=S, nobs=200)
    assert any(w.category is tm.HeywoodCaseWarning for w in r.warnings)
    theta_a = r.params.query("lhs == 'a' and op == '~~'")["est"].iloc[0]
    np.testing.assert_allclose(theta_a, (1 - 1.28) * 199 / 200, rtol=1e-5)


def test_unscaled_latent_warns():
    with pytest.warns(tm.IdentificationWarning) as rec:
        tm.fit("visual =~ NA*x1 + x2 + x3 + x4", HS)
    messages = [str(w.message) for w in rec]
    assert any("'visual'" in m and "not identified" in m for m in messages)
    assert any("information matrix is singular" in m for m in messages)


def test_meanstructure_adds_intercepts():
    r = tm.fit(CFA, HS, meanstructure=True)
    ints = r.params.query("op == '~1'")
    assert len(ints) == 12
    np.testing.assert_allclose(ints["est"].to_numpy()[:9],
                               HS[[f"x{i}" for i in range(1, 10)]].mean().to_numpy(), rtol=1e-6)


def test_gls_close_to_ml_on_well_fitting_model():
    df = tm.datasets.load("edt")
    model = "EXP =~ e1 + e2 + e3\nPERF =~ p1 + p2 + p3\nPERF ~ EXP"
    ml = tm.fit(model, df)
    gls = tm.fit(model, df, estimator="GLS")
    assert gls.converged
    np.testing.assert_allclose(gls.params["est"], ml.params["est"], atol=0.05)
    assert abs(gls.fit_measures["chisq"] - ml.fit_measures["chisq"]) < 0.2 * ml.fit_measures["chisq"] + 2


def test_saturated_model_fit_measures_follow_lavaan():
    """df = 0 (a three-indicator factor): lavaan reports cfi = tli = nfi = 1, pnfi = 0, rmsea = 0."""
    r = tm.fit("f =~ x1 + x2 + x3", HS)
    fmx = r.fit_measures
    assert fmx["df"] == 0 and abs(fmx["chisq"]) < 1e-9
    np.testing.assert_allclose(fmx[["cfi", "tli", "nfi", "rni", "ifi"]], 1.0)
    assert fmx["pnfi"] == 0.0 and fmx["rmsea"] == 0.0 and fmx["srmr"] < 1e-8
