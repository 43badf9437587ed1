"""Q² by blindfolding (trustmodel.pls.blindfold) against a brute-force run of the procedure
through the public API: every round blinds the data frame, refits it with missing="mean" and
predicts the omitted points from the refit's scores, paths and loadings."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

MODEL = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Value ~ Expectation
Satisfaction ~ Image + Expectation + Value
Loyalty ~ Image + Satisfaction
"""


def brute_force_q2(model, data, construct, items, D):
    """SmartPLS / Hair et al. (2017) blindfolding written out round by round."""
    n = len(data)
    z_full = (data[items] - data[items].mean()) / data[items].std()
    sse_red = sse_com = 0.0
    for r in range(D):
        blind = data.copy()
        omitted = np.zeros((n, len(items)), dtype=bool)
        for k, item in enumerate(items):
            rows = [i for i in range(n) if (k * n + i) % D == r]
            omitted[rows, k] = True
            blind.loc[blind.index[rows], item] = np.nan
        with pytest.warns(tm.DataWarning, match="replaced by item means"):
            fit = tm.fit(model, blind, estimator="PLS", missing="mean")
        filled = blind[items].fillna(blind[items].mean())
        scores = fit.scores
        paths = fit.path_coefficients[construct]
        inner = sum(scores[p] * paths[p] for p in paths.index if paths[p] != 0)
        for k, item in enumerate(items):
            lam = fit.outer_loadings.loc[item, construct]
            for y, kind in ((inner, "red"), (scores[construct], "com")):
                x_hat = filled[item].mean() + filled[item].std() * lam * y
                z_hat = (x_hat - data[item].mean()) / data[item].std()
                e = float(((z_full[item] - z_hat)[omitted[:, k]] ** 2).sum())
                if kind == "red":
                    sse_red += e
                else:
                    sse_com += e
    sso = float((z_full ** 2).to_numpy().sum())
    return sso, 1 - sse_red / sso, 1 - sse_com / sso


@pytest.fixture(scope="module")
def mobi():
    return tm.datasets.load("mobi")


def test_q2_matches_brute_force(mobi):
    res = tm.fit(MODEL, mobi, estimator="PLS")
    q2 = res.q2(omission_distance=7)
    assert list(q2.index) == ["Expectation", "Satisfaction", "Loyalty"]   # Value is Mode B
    assert q2["converged"].all()
    for construct, items in (("Satisfaction", ["CUSA1", "CUSA2", "CUSA3"]),
                             ("Expectation", ["CUEX1", "CUEX2", "CUEX3"])):
        sso, red, com = brute_force_q2(MODEL, mobi, construct, items, 7)
        assert q2.loc[construct, "SSO"] == pytest.approx(sso, rel=1e-12)
        assert q2.loc[construct, "SSO"] == pytest.approx((len(mobi) - 1) * len(items))
        assert q2.loc[construct, "q2"] == pytest.approx(red, abs=1e-6)
        assert q2.loc[construct, "q2_communality"] == pytest.approx(com, abs=1e-6)


def test_q2_tracks_predictive_relevance():
    """Simulated: Q² of a construct driven by its predecessor is near the population squared
    correlation of one of its items with the predecessor's composite (the best linear
    prediction), shrunk a little by the mean-replaced points; one unrelated to its
    predecessor has Q² near zero."""
    rng = np.random.default_rng(5)
    n = 500
    x = rng.standard_normal(n)
    y = 0.7 * x + np.sqrt(1 - 0.49) * rng.standard_normal(n)
    u = rng.standard_normal(n)
    data = pd.DataFrame({f"x{k}": x + 0.6 * rng.standard_normal(n) for k in range(3)}
                        | {f"y{k}": y + 0.6 * rng.standard_normal(n) for k in range(3)}
                        | {f"u{k}": u + 0.6 * rng.standard_normal(n) for k in range(3)})
    model = ("X =~ x0 + x1 + x2\nY =~ y0 + y1 + y2\nU =~ u0 + u1 + u2\n"
             "Y ~ X\nU ~ X")
    q2 = tm.fit(model, data, estimator="PLS").q2(omission_distance=7)
    rho2 = 0.7 ** 2 / ((1 + 0.36) * (1 + 0.36 / 3))    # corr(y_k, mean of the x items)^2
    assert q2.loc["Y", "q2"] == pytest.approx(rho2, abs=0.06)
    assert q2.loc["Y", "q2"] < rho2
    assert -0.02 < q2.loc["U", "q2"] < 0.01
    # Y's own score (its other items) predicts an omitted item better than X does
    assert q2.loc["Y", "q2_communality"] > q2.loc["Y", "q2"] + 0.2


def test_q2_options_checked(mobi):
    res = tm.fit(MODEL, mobi, estimator="PLS")
    with pytest.raises(tm.OptionError, match="omission_distance"):
        res.q2(omission_distance=1)
    with pytest.raises(tm.OptionError, match="omission_distance"):
        res.q2(omission_distance=2.5)
    with pytest.warns(tm.DataWarning, match="multiple of omission_distance=5"):
        res.q2(omission_distance=5)                  # n = 250
    plsc = tm.fit(MODEL, mobi, estimator="PLSc")
    with pytest.raises(tm.OptionError, match="estimator='PLS'"):
        plsc.q2()


def test_q2_with_interaction_and_hoc(mobi):
    inter = tm.fit("Image =~ IMAG1 + IMAG2 + IMAG3\nExpectation =~ CUEX1 + CUEX2 + CUEX3\n"
                   "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
                   "Satisfaction ~ Image + Expectation + Image:Expectation",
                   mobi, estimator="PLS", interaction="two_stage")
    q = inter.q2()
    assert list(q.index) == ["Satisfaction"] and 0 < q.loc["Satisfaction", "q2"] < 1
    hoc = tm.fit("Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2\n"
                 "Quality =~ Image + Value\nSatisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
                 "Satisfaction ~ Quality", mobi, estimator="PLS")
    q = hoc.q2()
    assert list(q.index) == ["Satisfaction"] and 0 < q.loc["Satisfaction", "q2"] < 1
