"""Common checks over every theory builder x estimator (scikit-learn's check_estimator idea).

Each case is a builder on its bundled data set. For every estimator the same contract holds:
fitting twice gives identical results, the caller's frame is never modified, the order of
columns and rows does not change the estimates, rescaling an indicator leaves the test statistic
and the standardized solution unchanged (not for ULS, which is not scale invariant), and the
warnings issued are the warnings recorded.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

MOBI = {"image": [f"IMAG{i}" for i in range(1, 6)], "expectation": ["CUEX1", "CUEX2", "CUEX3"],
        "quality": [f"PERQ{i}" for i in range(1, 8)], "value": ["PERV1", "PERV2"],
        "satisfaction": ["CUSA1", "CUSA2", "CUSA3"], "complaints": ["CUSCO"],
        "loyalty": ["CUSL1", "CUSL2", "CUSL3"]}


def _cases():
    def items(prefix, n=3):
        return [f"{prefix}{i}" for i in range(1, n + 1)]
    return {
        "edt": (lambda: tm.ExpectationDisconfirmation(
            expectation=items("e"), performance=items("p"), disconfirmation=items("d"),
            satisfaction=items("s"), loyalty=items("l")), "edt"),
        "cdv": (lambda: tm.CustomerDeliveredValue(
            value={"product": items("pv"), "service": items("sv"), "personnel": items("psv"),
                   "image": items("iv")},
            cost={"monetary": items("mc"), "time": items("tc"), "energy": items("ec"),
                  "physical": items("pc")},
            perceived_value=items("val"), satisfaction=items("sat")), "cdv"),
        "trust": (lambda: tm.ThreeLevelTrust(
            satisfaction=items("sat"), cognitive=items("cog"), affective=items("aff"),
            behavioral=items("beh")), "trust"),
        "loyalty": (lambda: tm.SatisfactionLoyalty(
            satisfaction=items("s"), loyalty=items("l"),
            antecedents={"PERF": items("p"), "EXP": items("e")}), "edt"),
    }


CASES = _cases()
ESTIMATORS = ["ML", "MLR", "GLS", "ULS"]
GRID = [(c, e) for c in CASES for e in ESTIMATORS]


def fit_quiet(model, data, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tm.fit(model, data, **options)


@pytest.fixture(scope="module")
def fitted():
    cache = {}

    def get(case, estimator):
        if (case, estimator) not in cache:
            build, data = CASES[case]
            df = tm.datasets.load(data)
            cache[case, estimator] = (build(), df, fit_quiet(build(), df, estimator=estimator))
        return cache[case, estimator]
    return get


@pytest.mark.parametrize("case,estimator", GRID)
def test_fit_twice_identical_and_frame_untouched(fitted, case, estimator):
    model, df, res = fitted(case, estimator)
    before = df.copy()
    again = fit_quiet(model, df, estimator=estimator)
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_frame_equal(res.params, again.params)
    pd.testing.assert_series_equal(res.fit_measures, again.fit_measures)
    assert res.converged


@pytest.mark.parametrize("case,estimator", GRID)
def test_column_and_row_order_do_not_matter(fitted, case, estimator):
    model, df, res = fitted(case, estimator)
    rng = np.random.default_rng(7)
    shuffled = df.iloc[rng.permutation(len(df)), rng.permutation(df.shape[1])]
    res2 = fit_quiet(model, shuffled, estimator=estimator)
    np.testing.assert_allclose(res2.params["est"], res.params["est"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(res2.params["se"], res.params["se"], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("case,estimator", [g for g in GRID if g[1] != "ULS"])
def test_rescaled_indicator_keeps_chisq_and_std_all(fitted, case, estimator):
    model, df, res = fitted(case, estimator)
    item = df.columns[1]
    scaled = df.assign(**{item: df[item] * 7.5})
    res2 = fit_quiet(model, scaled, estimator=estimator)
    np.testing.assert_allclose(res2.fit_measures["chisq"], res.fit_measures["chisq"], rtol=1e-5)
    std = res.params["std_all"].to_numpy()
    np.testing.assert_allclose(res2.params["std_all"].to_numpy(), std, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("case", list(CASES))
def test_warnings_issued_are_recorded(case):
    build, data = CASES[case]
    df = tm.datasets.load(data).copy()
    df.iloc[:3, 0] = np.nan  # listwise deletion: a DataWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = tm.fit(build(), df)
    issued = [(w.category, str(w.message)) for w in caught
              if issubclass(w.category, tm.TrustModelWarning)]
    recorded = [(w.category, w.message) for w in res.warnings]
    assert issued == recorded
    assert any(c is tm.DataWarning for c, _ in recorded)


def test_same_seed_same_bootstrap():
    build, data = CASES["trust"]
    df = tm.datasets.load(data)
    a = fit_quiet(build(), df, se="bootstrap", bootstrap=40, seed=3)
    b = fit_quiet(build(), df, se="bootstrap", bootstrap=40, seed=3)
    c = fit_quiet(build(), df, se="bootstrap", bootstrap=40, seed=4)
    pd.testing.assert_frame_equal(a.params, b.params)
    assert not np.allclose(a.params["se"], c.params["se"])


@pytest.mark.parametrize("estimator", ["ML", "PLS"])
def test_index_model_contract(estimator):
    df = tm.datasets.load("mobi")
    before = df.copy()
    a = fit_quiet(tm.ECSI(**MOBI), df, estimator=estimator)
    b = fit_quiet(tm.ECSI(**MOBI), df.iloc[:, ::-1], estimator=estimator)
    pd.testing.assert_frame_equal(df, before)
    np.testing.assert_allclose(a.params["est"], b.params["est"], rtol=1e-6, atol=1e-8)
