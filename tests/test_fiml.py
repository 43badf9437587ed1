"""Full-information ML (missing="fiml") against lavaan 0.6.14 and by construction.

Reference: tests/refs/edt_missing_fiml.json, ``sem(model, edt_missing, missing = "ml")``
(observed-information SEs, h1 by EM, mean structure switched on).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst

import trustmodel as tm
from trustmodel._errors import DataWarning, OptionError
from trustmodel.estimation import fiml
from trustmodel.estimation.inference.robust import observed_information

REFS = Path(__file__).parent / "refs"
TOL = 1e-4
FIT = ["chisq", "df", "npar", "pvalue", "baseline_chisq", "baseline_df", "cfi", "tli", "nnfi",
       "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "rmsea_pvalue", "srmr", "srmr_bentler_nomean",
       "rmr", "crmr", "logl", "unrestricted_logl", "aic", "bic", "bic2", "nfi", "rfi", "ifi",
       "rni", "pnfi", "mfi", "ecvi", "fmin", "ntotal"]


def rel(ours, ref):
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    return np.abs(ours - ref) / np.maximum(1.0, np.abs(ref))


@pytest.fixture(scope="module")
def case():
    case = json.loads((REFS / "edt_missing_fiml.json").read_text())
    data = tm.datasets.load("edt_missing")
    res = tm.fit(case["model"], data, **case["options"])
    return case, res, data


def test_fiml_estimates_and_se_match_lavaan(case):
    ref, res, _ = case
    ours = res.params.set_index(["lhs", "op", "rhs"])
    for r in ref["params"]:
        o = ours.loc[(r["lhs"], r["op"], r["rhs"] or "")]
        assert rel(o["est"], r["est"]) < TOL, (r, o["est"])
        assert rel(o["se"], r["se"]) < TOL, (r, o["se"])


def test_fiml_fit_measures_match_lavaan(case):
    ref, res, _ = case
    fmx = res.fit_measures
    bad = {k: (fmx[k], ref["fit"][k.replace("_", ".")]) for k in FIT
           if not rel(fmx[k], ref["fit"].get(k.replace("_", "."), ref["fit"].get(k))) < TOL}
    assert not bad


def test_fiml_corrected_robust_measures_match_lavaan(case):
    """Zhang & Savalei (2023) FIML-corrected RMSEA/CFI, as lavaan reports for missing='ml'."""
    ref, res, _ = case
    fmx = res.fit_measures
    for k in ("cfi_robust", "tli_robust", "nnfi_robust", "rni_robust", "rmsea_robust",
              "rmsea_ci_lower_robust", "rmsea_ci_upper_robust", "rmsea_pvalue_robust",
              "rmsea_notclose_pvalue_robust"):
        assert rel(fmx[k], ref["fit"][k.replace("_", ".")]) < TOL, k


def test_fiml_alias_and_meanstructure(case):
    ref, res, data = case
    res2 = tm.fit(ref["model"], data, missing="ml", se="none")
    assert res2.fit_measures["chisq"] == pytest.approx(res.fit_measures["chisq"], rel=1e-8)
    assert (res.params["op"] == "~1").any()


def test_fiml_on_complete_data_equals_ml():
    hs = tm.datasets.load("holzinger_swineford")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    ml = tm.fit(model, hs, meanstructure=True)
    fi = tm.fit(model, hs, missing="fiml")
    assert fi.params["est"].to_numpy() == pytest.approx(ml.params["est"].to_numpy(), abs=1e-6)
    for k in ("chisq", "df", "logl", "unrestricted_logl", "baseline_chisq", "cfi", "tli",
              "rmsea", "srmr", "aic", "bic"):
        assert fi.fit_measures[k] == pytest.approx(ml.fit_measures[k], rel=1e-6, abs=1e-8), k
    # FIML's SEs come from the observed information: those of complete-data ML's Hessian
    H = observed_information(ml.state.problem, ml.state.x)
    se_obs = np.sqrt(np.diag(np.linalg.inv(H) / ml.nobs))
    assert np.sqrt(np.diag(fi.vcov_free)) == pytest.approx(se_obs, rel=1e-5)
    S, m, ll, ok = fiml.h1_moments(hs[["x1", "x2", "x3"]].to_numpy(float))
    X = hs[["x1", "x2", "x3"]].to_numpy(float)
    assert ok and m == pytest.approx(X.mean(axis=0)) and S == pytest.approx(np.cov(X.T, bias=True))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), frac=st.floats(0.0, 0.4))
def test_pattern_loglik_equals_rowwise(seed, frac):
    rng = np.random.default_rng(seed)
    p, n = 4, 40
    A = rng.standard_normal((p, p))
    sigma = A @ A.T + p * np.eye(p)
    mu = rng.standard_normal(p)
    Y = rng.multivariate_normal(mu, sigma, n)
    Y[rng.random((n, p)) < frac] = np.nan
    Y = Y[~np.isnan(Y).all(axis=1)]
    if len(Y) == 0:
        return
    expect = 0.0
    for y in Y:
        o = ~np.isnan(y)
        expect += sst.multivariate_normal(mu[o], sigma[np.ix_(o, o)]).logpdf(y[o])
    pats = fiml.Patterns.from_data(Y)
    assert pats.loglik(sigma, mu) == pytest.approx(expect, rel=1e-10)


def test_gradient_matches_finite_differences(case):
    _, res, _ = case
    prob, x = res.state.problem, res.state.x + 0.01
    _, g, _ = prob.evaluate(x)
    h = 1e-6
    num = np.array([(prob.objective(x + h * e) - prob.objective(x - h * e)) / (2 * h)
                    for e in np.eye(len(x))])
    assert g == pytest.approx(num, abs=1e-6)


def test_multigroup_fiml_runs_and_sums():
    rng = np.random.default_rng(5)
    n = 300
    f = rng.standard_normal(n)
    X = np.column_stack([f * l + 0.6 * rng.standard_normal(n) for l in (1, .8, .7, .9)])
    X[rng.random(X.shape) < 0.08] = np.nan
    df = pd.DataFrame(X, columns=list("abcd")).assign(g=np.repeat([1, 2], n // 2))
    model = "F =~ a + b + c + d"
    both = tm.fit(model, df, missing="fiml", group="g")
    parts = [tm.fit(model, df[df.g == k].drop(columns="g").reset_index(drop=True),
                    missing="fiml") for k in (1, 2)]
    assert both.fit_measures["chisq"] == pytest.approx(
        sum(r.fit_measures["chisq"] for r in parts), rel=1e-6)
    assert both.fit_measures["logl"] == pytest.approx(
        sum(r.fit_measures["logl"] for r in parts), rel=1e-8)


def test_rows_without_values_are_dropped_with_warning():
    hs = tm.datasets.load("holzinger_swineford")[["x1", "x2", "x3"]].copy()
    hs.loc[0, :] = np.nan
    hs.loc[1, "x1"] = np.nan
    with pytest.warns(DataWarning, match="no observed values"):
        res = tm.fit("f =~ x1 + x2 + x3", hs, missing="fiml")
    assert res.nobs == 300


def test_fiml_refuses_moment_input():
    hs = tm.datasets.load("holzinger_swineford")
    with pytest.raises(OptionError):
        tm.fit("f =~ x1 + x2 + x3", sample_cov=hs[["x1", "x2", "x3"]].cov(), nobs=301,
               missing="fiml")


def test_mlr_fiml_on_complete_data_equals_complete_mlr():
    """MLR + FIML (lavaan: robust.huber.white, observed information, Yuan-Bentler Mplus with
    the incomplete-data h1 pieces) reduces to complete-data MLR without missing values."""
    hs = tm.datasets.load("holzinger_swineford")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    fi = tm.fit(model, hs, missing="fiml", estimator="MLR")
    ml = tm.fit(model, hs, estimator="MLR", meanstructure=True)
    assert fi.params["se"].to_numpy() == pytest.approx(ml.params["se"].to_numpy(), rel=1e-6)
    for k in ("chisq_scaled", "chisq_scaling_factor", "baseline_chisq_scaled", "cfi_scaled",
              "tli_scaled", "rmsea_scaled", "rmsea_ci_upper_scaled", "scaling_factor_h1",
              "scaling_factor_h0"):
        assert fi.fit_measures[k] == pytest.approx(ml.fit_measures[k], rel=1e-6), k
    # lavaan's robust CFI/RMSEA under missing="ml" are the FIML-corrected (V3) ones
    assert 0 < fi.fit_measures["cfi_robust"] < 1


def test_mlr_fiml_on_incomplete_data(case):
    ref, res, data = case
    rob = tm.fit(ref["model"], data, missing="fiml", estimator="MLR")
    fmx = rob.fit_measures
    assert fmx["chisq"] == pytest.approx(res.fit_measures["chisq"], rel=1e-8)
    assert 0.8 < fmx["chisq_scaling_factor"] < 1.2          # normal data: c near 1
    assert rob.params["se"].to_numpy() == pytest.approx(res.params["se"].to_numpy(), rel=0.15)


def test_fixed_x_rows_with_missing_covariate_are_dropped():
    rng = np.random.default_rng(3)
    n = 300
    X = rng.standard_normal((n, 2))
    y1 = X @ [0.5, 0.3] + 0.8 * rng.standard_normal(n)
    df = pd.DataFrame(dict(x1=X[:, 0], x2=X[:, 1], y1=y1, y2=0.7 * y1 + 0.7 * rng.standard_normal(n)))
    df.loc[:9, "x1"] = np.nan
    df.loc[20:40, "y1"] = np.nan
    model = "y1 ~ x1 + x2\ny2 ~ y1"
    with pytest.warns(DataWarning, match="exogenous covariates"):
        res = tm.fit(model, df, missing="fiml")
    same = tm.fit(model, df.iloc[10:].reset_index(drop=True), missing="fiml")
    assert res.nobs == n - 10
    assert res.fit_measures["chisq"] == pytest.approx(same.fit_measures["chisq"], rel=1e-8)
    fixed = res.params.query("lhs == 'x1' and op == '~~' and rhs == 'x1'")
    assert fixed["se"].iloc[0] == 0
