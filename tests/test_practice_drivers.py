"""Key driver analysis (trustmodel.practice.drivers) against published outputs.

References (tests/refs/practice/published.json, transcribed from the sources it names):
Azen & Budescu (2003) conditional dominance table; the R package dominanceanalysis's
printed attitude example; the R package rwa's printed mtcars relative weights. And
tests/refs/practice/lmg_bruteforce.json: LMG by brute force over all orderings with R's lm()
(scripts/practice.R).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.practice import importance as imp

REFS = Path(__file__).parent / "refs" / "practice"
PUB = json.loads((REFS / "published.json").read_text())
BRUTE = json.loads((REFS / "lmg_bruteforce.json").read_text())
# copied from shared/data/published/ (its README: "the correlation matrix of Azen & Budescu
# (2003), as transcribed in a dominance-analysis test suite")
AZEN = pd.read_csv(REFS / "azen_budescu_2003_correlations.csv", index_col=0)


def printed(decimals):
    """Agreement to the printed decimals: half a unit in the last place."""
    return 0.5 * 10.0 ** -decimals + 1e-12


def test_azen_budescu_2003_conditional_and_dominance():
    ref = PUB["azen_budescu_2003"]
    res = tm.drivers(sample_cov=AZEN, outcome="y", method="dominance")
    assert list(res.table.index) == ref["predictors"]
    # Table 3 of Azen & Budescu: rows k = 0..3, columns x1..x4
    assert_allclose(res.conditional.to_numpy().T, ref["conditional"], atol=printed(3))
    assert_allclose(res.dominance["complete"].to_numpy(), ref["complete"])
    assert_allclose(res.dominance["conditional"].to_numpy(), ref["conditional_dominance"])
    assert_allclose(res.dominance["general"].to_numpy(), ref["general_dominance"])
    assert res.table["weight"].sum() == pytest.approx(res.r2)
    assert res.r2 == pytest.approx(res.subsets.iloc[-1])


def test_dominanceanalysis_attitude():
    ref = PUB["dominanceanalysis_attitude"]
    d = pd.read_csv(REFS / "attitude.csv")
    res = tm.drivers(d, outcome="rating", method="dominance")
    assert list(res.table.index) == ref["predictors"]
    assert_allclose(res.table["weight"], ref["general"], atol=printed(3))
    assert res.r2 == pytest.approx(ref["r2_full"], abs=printed(3))
    assert_allclose(res.conditional.to_numpy().T, ref["conditional_by_level"], atol=printed(3))
    for subset, r2 in ref["subsets"].items():
        assert res.subsets[subset] == pytest.approx(r2, abs=printed(3)), subset
    for kind, key in (("complete", "complete_dominates"), ("general", "general_dominates")):
        D = res.dominance[kind]
        for i, dominated in ref[key].items():
            assert sorted(D.columns[D.loc[i] == 1]) == sorted(dominated), (kind, i)


@pytest.mark.parametrize("case,outcome", [("swiss", "Fertility"), ("attitude", "rating")])
@pytest.mark.parametrize("method", ["shapley", "dominance"])
def test_lmg_equals_bruteforce_over_orderings(case, outcome, method):
    ref = BRUTE[case]
    d = pd.read_csv(REFS / f"{case}.csv")
    res = tm.drivers(d, outcome=outcome, method=method)
    assert_allclose(res.table["weight"], [ref["lmg"][k] for k in res.table.index], rtol=1e-10)
    assert res.r2 == pytest.approx(ref["r2"], rel=1e-12)


def test_rwa_mtcars_relative_weights():
    ref = PUB["rwa_mtcars"]
    d = pd.read_csv(REFS / "mtcars.csv")
    res = tm.drivers(d, outcome="mpg", predictors=ref["predictors"], bootstrap=0)
    assert_allclose(res.table["weight"], ref["raw"], atol=printed(ref["decimals"]))
    assert_allclose(res.table["percent"], ref["rescaled"], atol=printed(ref["rescaled_decimals"]))
    assert res.r2 == pytest.approx(ref["rsquare"], abs=printed(ref["decimals"]))


def _random_data(seed, n, p, rho):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rho * rng.standard_normal((n, 1))
    y = X @ rng.uniform(-1, 1, p) + rng.standard_normal(n)
    cols = [f"x{j}" for j in range(p)]
    return pd.DataFrame(np.column_stack([y, X]), columns=["y", *cols])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), p=st.integers(1, 6), rho=st.floats(0, 2),
       method=st.sampled_from(["relative_weights", "shapley"]))
def test_properties_sum_order_scale(seed, p, rho, method):
    d = _random_data(seed, 60, p, rho)
    res = tm.drivers(d, outcome="y", method=method, bootstrap=0)
    X = np.column_stack([np.ones(len(d)), d.iloc[:, 1:].to_numpy()])
    beta, *_ = np.linalg.lstsq(X, d["y"].to_numpy(), rcond=None)
    r2 = 1 - np.var(d["y"] - X @ beta) / np.var(d["y"])
    assert res.table["weight"].sum() == pytest.approx(r2, rel=1e-9, abs=1e-12)
    assert (res.table["weight"] >= -1e-12).all()
    rng = np.random.default_rng(seed)
    perm = list(rng.permutation(d.columns[1:]))
    scaled = d.copy()
    scaled[perm[0]] = scaled[perm[0]] * 37.5 - 4
    scaled["y"] = scaled["y"] * 0.01
    again = tm.drivers(scaled, outcome="y", predictors=perm, method=method, bootstrap=0)
    assert_allclose(again.table.loc[res.table.index, "weight"], res.table["weight"],
                    rtol=1e-8, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), p=st.integers(1, 6),
       method=st.sampled_from(["relative_weights", "shapley", "dominance"]))
def test_orthogonal_predictors_give_squared_correlations(seed, p, method):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((50, p))
    Q, _ = np.linalg.qr(Z - Z.mean(axis=0))        # centred, exactly uncorrelated columns
    y = Q @ rng.uniform(-1, 1, p) + 0.3 * rng.standard_normal(50)
    d = pd.DataFrame(np.column_stack([y, Q]), columns=["y", *[f"x{j}" for j in range(p)]])
    res = tm.drivers(d, outcome="y", method=method, bootstrap=0)
    r = d.corr()["y"].iloc[1:]
    assert_allclose(res.table["weight"], r ** 2, atol=1e-10)


def test_subset_r2_matches_least_squares():
    d = _random_data(3, 80, 5, 0.7)
    R = d.corr().to_numpy()
    r2 = imp.subset_r2(R)
    y = d["y"].to_numpy()
    for mask in (1, 6, 13, 31):
        cols = [j for j in range(5) if mask >> j & 1]
        X = np.column_stack([np.ones(80), d.iloc[:, [c + 1 for c in cols]].to_numpy()])
        b, *_ = np.linalg.lstsq(X, y, rcond=None)
        assert r2[mask] == pytest.approx(1 - np.var(y - X @ b) / np.var(y), rel=1e-10)


def test_relative_weights_bootstrap_and_significance():
    rng = np.random.default_rng(11)
    n = 400
    X = rng.standard_normal((n, 3))
    X[:, 1] += 0.5 * X[:, 0]
    y = 0.6 * X[:, 0] + 0.4 * X[:, 1] + rng.standard_normal(n)   # x2 has no effect
    d = pd.DataFrame({"y": y, "x0": X[:, 0], "x1": X[:, 1], "x2": X[:, 2]})
    before = d.copy()
    res = tm.drivers(d, outcome="y", bootstrap=500, seed=5)
    pd.testing.assert_frame_equal(d, before)
    t = res.table
    assert res.bootstrap == 500
    assert list(t["significant"]) == [True, True, False]
    assert ((t["ci_lower"] <= t["weight"]) & (t["weight"] <= t["ci_upper"])).all()
    again = tm.drivers(d, outcome="y", bootstrap=500, seed=5)
    pd.testing.assert_frame_equal(t, again.table)
    # the bootstrap SD is the right size: compare with the spread over fresh samples
    sims = []
    for k in range(200):
        r = np.random.default_rng(1000 + k)
        Xs = r.standard_normal((n, 3))
        Xs[:, 1] += 0.5 * Xs[:, 0]
        ys = 0.6 * Xs[:, 0] + 0.4 * Xs[:, 1] + r.standard_normal(n)
        R = np.corrcoef(np.column_stack([ys, Xs]), rowvar=False)
        sims.append(imp.relative_weights(R))
    assert_allclose(t["se"], np.std(sims, axis=0, ddof=1), rtol=0.35)


def test_latent_drivers_from_a_fit():
    df = tm.datasets.load("edt")
    m = tm.ExpectationDisconfirmation(
        expectation=["e1", "e2", "e3"], performance=["p1", "p2", "p3"],
        disconfirmation=["d1", "d2", "d3"], satisfaction=["s1", "s2", "s3"],
        loyalty=["l1", "l2", "l3"])
    res = tm.fit(m, df)
    out = res.drivers("SAT")
    assert list(out.table.index) == ["DISC", "PERF", "EXP"]       # SAT's direct predictors
    p = res.params
    resid = p.query("lhs == 'SAT' and op == '~~' and rhs == 'SAT'")["std_all"].iloc[0]
    assert out.r2 == pytest.approx(1 - resid, rel=1e-8)             # the model's R2 of SAT
    sh = tm.drivers(res, outcome="SAT", method="shapley")
    assert sh.table["weight"].sum() == pytest.approx(out.r2, rel=1e-10)
    assert out.source == "latent"


def test_latent_drivers_use_the_fit_bootstrap():
    df = tm.datasets.load("edt")
    res = tm.fit("SAT =~ s1 + s2 + s3\nPERF =~ p1 + p2 + p3\nDISC =~ d1 + d2 + d3\n"
                 "SAT ~ PERF + DISC", df, se="bootstrap", bootstrap=40, seed=3, progress=False)
    out = res.drivers("SAT", method="shapley")
    assert out.bootstrap == 40
    assert ((out.table["ci_lower"] <= out.table["weight"])
            & (out.table["weight"] <= out.table["ci_upper"])).all()


def test_drivers_from_pls_scores():
    mobi = tm.datasets.load("mobi")
    ecsi = tm.ECSI(image=["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
                   expectation=["CUEX1", "CUEX2", "CUEX3"],
                   quality=[f"PERQ{k}" for k in range(1, 8)], value=["PERV1", "PERV2"],
                   satisfaction=["CUSA1", "CUSA2", "CUSA3"], complaints=["CUSCO"],
                   loyalty=["CUSL1", "CUSL2", "CUSL3"])
    pls = tm.fit(ecsi, mobi, estimator="PLS")
    out = tm.drivers(pls, outcome="Satisfaction", bootstrap=0)
    assert set(out.table.index) == {"Image", "Expectation", "Quality", "Value"}
    r2 = pls.r2
    r2 = float(r2.loc["Satisfaction"].iloc[0]) if isinstance(r2, pd.DataFrame) else r2["Satisfaction"]
    assert out.r2 == pytest.approx(r2, rel=1e-8)


def test_importance_performance_table():
    mobi = tm.datasets.load("mobi")
    res = tm.drivers(mobi, outcome="CUSA1", predictors=["PERQ1", "PERV1"], bootstrap=0)
    ipma = res.importance_performance(mobi, lower=1, upper=10)
    assert ipma.loc["PERQ1", "performance"] == pytest.approx((mobi["PERQ1"].mean() - 1) / 9 * 100)
    assert ipma["importance"].sum() == pytest.approx(100)


@pytest.mark.parametrize("kwargs,err,match", [
    (dict(outcome="y", method="lmg"), tm.OptionError, "method"),
    (dict(outcome="nope"), tm.DataError, "outcome='nope'"),
    (dict(outcome="y", predictors=["x0", "zz"]), tm.DataError, "'zz'"),
    (dict(outcome="y", predictors=["y", "x0"]), tm.OptionError, "also listed"),
    (dict(outcome="y", bootstrap=1), tm.OptionError, "bootstrap"),
    (dict(outcome="y", level=95), tm.OptionError, "level"),
])
def test_bad_input(kwargs, err, match):
    d = _random_data(1, 30, 2, 0.0)
    with pytest.raises(err, match=match):
        tm.drivers(d, **kwargs)


def test_collinear_and_matrix_refusals():
    d = _random_data(1, 30, 2, 0.0)
    d["x2"] = d["x0"] + d["x1"]
    with pytest.raises(tm.DataError, match="linearly dependent"):
        tm.drivers(d, outcome="y", method="shapley")
    with pytest.raises(tm.OptionError, match="resampled"):
        tm.drivers(sample_cov=d.cov(), outcome="y", bootstrap=100)


def test_too_many_predictors_for_subsets():
    d = _random_data(2, 60, 25, 0.1)
    with pytest.raises(tm.OptionError, match="too many"):
        tm.drivers(d, outcome="y", method="shapley")
    assert tm.drivers(d, outcome="y", bootstrap=0).table.shape[0] == 25


def test_missing_rows_are_dropped_with_a_warning():
    d = _random_data(4, 50, 3, 0.2)
    d.iloc[[3, 7], 2] = np.nan
    with pytest.warns(tm.DataWarning, match="2 of 50 rows"):
        res = tm.drivers(d, outcome="y", method="shapley")
    assert res.nobs == 48
    ref = tm.drivers(d.dropna(), outcome="y", method="shapley")
    assert_allclose(res.table["weight"], ref.table["weight"])
