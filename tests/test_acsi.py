"""ACSI / ECSI builders, the 0-100 index and the importance-performance map."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.pls.index import block_index

ITEMS = dict(image=[f"IMAG{i}" for i in range(1, 6)], expectation=["CUEX1", "CUEX2", "CUEX3"],
             quality=[f"PERQ{i}" for i in range(1, 8)], value=["PERV1", "PERV2"],
             satisfaction=["CUSA1", "CUSA2", "CUSA3"], complaints=["CUSCO"],
             loyalty=["CUSL1", "CUSL2", "CUSL3"])


@pytest.fixture(scope="module")
def mobi():
    return tm.datasets.load("mobi")


@pytest.fixture(scope="module")
def res(mobi):
    return tm.fit(tm.ECSI(**ITEMS), mobi, estimator="PLS")


def test_ecsi_structure():
    e = tm.ECSI(**ITEMS)
    assert list(e.constructs) == ["Image", "Expectation", "Quality", "Value", "Satisfaction",
                                  "Complaints", "Loyalty"]
    assert len(e.paths) == 12
    assert ("Image", "Loyalty") in e.paths and ("Complaints", "Loyalty") in e.paths
    assert "Satisfaction ~ Image + Expectation + Quality + Value" in e.syntax
    assert "CUSCO ~~ 0*CUSCO" in e.syntax


def test_acsi_structure_and_names():
    items = {k: v for k, v in ITEMS.items() if k != "image"}
    a = tm.ACSI(**items, names={"satisfaction": "CSI"})
    assert len(a.paths) == 9 and "Image" not in a.constructs
    assert ("Value", "CSI") in a.paths and ("CSI", "Loyalty") in a.paths
    assert "CSI =~ CUSA1 + CUSA2 + CUSA3" in a.syntax


@pytest.mark.parametrize("kwargs, match", [
    (dict(ITEMS, loyalty=["CUSL1", "CUSA1"]), "both"),
    (dict(ITEMS, value=[]), "non-empty"),
    (dict(ITEMS, value=["PERV1", "PERV1"]), "twice"),
    (dict(ITEMS, names={"mood": "M"}), "unknown role"),
])
def test_builder_errors(kwargs, match):
    with pytest.raises(tm.OptionError, match=match):
        tm.ECSI(**kwargs)


def test_builder_fits_with_ml(mobi):
    # mobi's Expectation and Quality factors are nearly collinear under ML: CB-SEM warns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tm.TrustModelWarning)
        r = tm.fit(tm.ECSI(**ITEMS), mobi, estimator="ML")
    assert r.converged and r.fit_measures["df"] == 241


def test_index_extremes():
    w, sd = [0.3, 0.5, 0.4], [1.2, 2.0, 0.7]
    assert block_index(w, sd, [10, 10, 10], 1, 10) == pytest.approx(100.0)
    assert block_index(w, sd, [1, 1, 1], 1, 10) == pytest.approx(0.0)
    assert block_index(w, sd, [7, 7, 7], 1, 10) == pytest.approx(200 / 3)


def test_index_extremes_through_fit(mobi):
    # items of a block at the maximum in all but one respondent -> index near 100 and the
    # exact weighted formula
    df = mobi.copy()
    df[ITEMS["satisfaction"]] = 10.0
    df.loc[0, ITEMS["satisfaction"]] = [9.0, 8.0, 9.0]
    r = tm.fit(tm.ECSI(**ITEMS), df, estimator="PLS")
    idx = r.index(lower=1, upper=10)
    w = r.outer_weights.loc[ITEMS["satisfaction"], "Satisfaction"].to_numpy()
    sd = df[ITEMS["satisfaction"]].std().to_numpy()
    u = w / sd / (w / sd).sum()
    assert_allclose(idx["Satisfaction"],
                    100 * (u * (df[ITEMS["satisfaction"]].mean() - 1) / 9).sum())
    assert 99.5 < idx["Satisfaction"] < 100


def test_index_formula_and_range(res, mobi):
    idx = res.index(lower=1, upper=10)
    items = ITEMS["satisfaction"]
    w = res.outer_weights.loc[items, "Satisfaction"].to_numpy()
    sd = mobi[items].std().to_numpy()
    u = (w / sd) / (w / sd).sum()
    assert_allclose(idx["Satisfaction"], 100 * (u * (mobi[items].mean() - 1) / 9).sum())
    assert_allclose(tm.acsi_index(res, lower=1, upper=10), idx)
    assert ((idx > 0) & (idx < 100)).all()
    assert_allclose(idx["Complaints"], 100 * (mobi["CUSCO"].mean() - 1) / 9)
    uw = res.unstandardized_weights(lower=1, upper=10)
    assert_allclose(uw.groupby("construct")["weight"].sum(), 1.0)


def test_index_invariant_to_units(res, mobi):
    df = mobi.copy()
    lower = {c: 1.0 for c in mobi.columns}
    upper = {c: 10.0 for c in mobi.columns}
    for col, a, b in [("CUSA1", 10.0, -10.0), ("CUSA3", 0.5, 3.0), ("PERQ2", 7.0, 100.0)]:
        df[col] = a * df[col] + b
        lower[col], upper[col] = a * 1 + b, a * 10 + b
    r2 = tm.fit(tm.ECSI(**ITEMS), df, estimator="PLS")
    assert_allclose(r2.index(lower=lower, upper=upper), res.index(lower=1, upper=10), atol=1e-10)
    assert_allclose(r2.ipma(lower=lower, upper=upper), res.ipma(lower=1, upper=10), atol=1e-10)


def test_ipma_importance_is_unstandardized_effect(res, mobi):
    ip = res.ipma(target="Satisfaction", lower=1, upper=10)
    assert list(ip.index) == ["Image", "Expectation", "Quality", "Value"]
    assert_allclose(ip["performance"], res.index(lower=1, upper=10)[ip.index])
    # independent: rescaled 0-100 construct scores, then OLS of Satisfaction on its predictors
    uw = res.unstandardized_weights(lower=1, upper=10)
    R = {}
    for c, g in uw.groupby("construct"):
        R[c] = (100 * (mobi[g.indicator] - 1) / 9).to_numpy() @ g.weight.to_numpy()
    preds = ["Image", "Expectation", "Quality", "Value"]
    P = np.column_stack([np.ones(250)] + [R[c] for c in preds])
    beta = np.linalg.lstsq(P, R["Satisfaction"], rcond=None)[0][1:]
    # Value has only a direct effect on Satisfaction: importance = its unstandardized path
    assert_allclose(ip.loc["Value", "importance"], beta[3], rtol=1e-8)
    assert_allclose(ip["total_effect"], res.total_effects.loc[preds, "Satisfaction"])
    with pytest.raises(tm.OptionError, match="target"):
        res.ipma(target="Satisfation", lower=1, upper=10)


def test_index_bad_bounds(res):
    with pytest.raises(tm.OptionError, match="exceed"):
        res.index(lower=10, upper=1)
    with pytest.raises(tm.OptionError, match="lacks"):
        res.index(lower={"CUSA1": 1}, upper=10)


def test_index_bounds_from_data_warn_and_follow_the_scale(mobi):
    # the same answers on a 1-7 scale: with bounds from the data the index is unchanged,
    # where assuming 1-10 would understate it
    seven = mobi.copy()
    for c in seven.columns:
        seven[c] = 1 + (mobi[c] - 1) * 6 / 9
    r10 = tm.fit(tm.ECSI(**ITEMS), mobi, estimator="PLS")
    r7 = tm.fit(tm.ECSI(**ITEMS), seven, estimator="PLS")
    with pytest.warns(tm.DataWarning, match="taken from the data: lower=1, upper=7"):
        idx7 = r7.index()
    assert_allclose(idx7, r10.index(lower=1, upper=10), atol=1e-10)
    assert_allclose(r7.index(lower=1, upper=7), idx7)
    assert (r7.index(lower=1, upper=10) < idx7 - 10).all()
