"""tm.response_surface: polynomial regression with response surface analysis."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.rsa import stationary_point


def survey(n=600, seed=0, surface="congruence", noise=0.5):
    """P and E on a 1-7 metric (midpoint 4), correlated 0.3, Z from a planted surface."""
    rng = np.random.default_rng(seed)
    cov = [[1.0, 0.3], [0.3, 1.0]]
    pe = rng.multivariate_normal([4.2, 3.9], cov, size=n)
    P, E = pe[:, 0], pe[:, 1]
    x, y = P - 4, E - 4
    if surface == "congruence":      # Z = 5 - (P - E)^2: ridge along P = E
        Z = 5 - (x - y) ** 2
    elif surface == "bowl":          # a dome with its peak at (4, 4), ridge on P = E
        Z = 5 - (x - y) ** 2 - 0.15 * (x + y) ** 2
    else:                            # linear: performance up, expectation down
        Z = 3 + 0.6 * x - 0.3 * y
    Z = Z + rng.normal(0, noise, n)
    return pd.DataFrame({"perf": P, "exp": E, "sat": Z})


class TestAgainstStatsmodels:
    """An independent computation: formula OLS on hand-made terms, contrasts via t_test."""

    @pytest.fixture(scope="class")
    def case(self):
        d = survey(400, seed=1, surface="linear", noise=1.0)
        d["sat"] += 0.2 * (d.perf - 4) ** 2 - 0.1 * (d.perf - 4) * (d.exp - 4)
        res = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat",
                                  scale_midpoint=4)
        t = pd.DataFrame({"x": d.perf - 4, "y": d.exp - 4, "z": d.sat})
        ref = smf.ols("z ~ x + y + I(x**2) + I(x*y) + I(y**2)", data=t).fit()
        return res, ref

    def test_coefficients(self, case):
        res, ref = case
        assert_allclose(res.coefficients["est"], ref.params.to_numpy(), rtol=1e-10)
        assert_allclose(res.coefficients["se"], ref.bse.to_numpy(), rtol=1e-10)
        assert_allclose(res.coefficients["pvalue"], ref.pvalues.to_numpy(), rtol=1e-8)
        ci = ref.conf_int().to_numpy()
        assert_allclose(res.coefficients[["ci_lower", "ci_upper"]].to_numpy(), ci, rtol=1e-10)

    @pytest.mark.parametrize("name, vec", [
        ("a1", [0, 1, 1, 0, 0, 0]), ("a2", [0, 0, 0, 1, 1, 1]),
        ("a3", [0, 1, -1, 0, 0, 0]), ("a4", [0, 0, 0, 1, -1, 1])])
    def test_surface_parameters(self, case, name, vec):
        res, ref = case
        tt = ref.t_test(np.array([vec], dtype=float))
        row = res.surface.loc[name]
        assert_allclose(row["est"], float(np.squeeze(tt.effect)), rtol=1e-10)
        assert_allclose(row["se"], float(np.squeeze(tt.sd)), rtol=1e-10)
        assert_allclose(row["t"], float(np.squeeze(tt.tvalue)), rtol=1e-10)
        assert_allclose(row["pvalue"], float(np.squeeze(tt.pvalue)), rtol=1e-8)
        lo, hi = np.squeeze(tt.conf_int())
        assert_allclose([row["ci_lower"], row["ci_upper"]], [lo, hi], rtol=1e-10)

    def test_fit_and_constraint_test(self, case):
        res, ref = case
        assert_allclose(res.fit["r2"], ref.rsquared, rtol=1e-12)
        assert_allclose(res.fit["f"], ref.fvalue, rtol=1e-10)
        assert res.fit["nobs"] == 400
        # difference-score constraints b1 + b2 = 0, b3 - b5 = 0, b4 + 2 b3 = 0 (Edwards 1994)
        R = np.array([[0, 1, 1, 0, 0, 0], [0, 0, 0, 1, 0, -1], [0, 0, 0, 2, 1, 0]], float)
        ft = ref.f_test(R)
        assert_allclose(res.constraint_test["f"], float(np.squeeze(ft.fvalue)), rtol=1e-8)
        assert_allclose(res.constraint_test["pvalue"], float(np.squeeze(ft.pvalue)), rtol=1e-6)
        assert res.constraint_test["pvalue"] < 1e-6   # a linear P, E surface is no difference

    def test_predict_is_fitted_values(self, case):
        res, ref = case
        d = res.data
        assert_allclose(res.predict(d["P"], d["E"]), ref.fittedvalues.to_numpy(), rtol=1e-10)


class TestPlantedSurfaces:
    def test_congruence_ridge(self):
        d = survey(800, seed=2, surface="congruence")
        res = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat",
                                  scale_midpoint=4)
        a = res.surface
        for name in ("a1", "a2", "a3"):
            assert abs(a.loc[name, "est"]) < 3 * a.loc[name, "se"]
        assert_allclose(a.loc["a4", "est"], -4.0, atol=0.15)
        assert a.loc["a4", "pvalue"] < 1e-10
        # the difference-score model is true here: the constraints hold
        assert res.constraint_test["pvalue"] > 0.01
        # first principal axis along P = E (slope 1); the stationary point is undefined on a
        # perfect ridge, so only its slope is estimable
        assert_allclose(res.stationary.loc["p11", "est"], 1.0, atol=0.05)
        assert_allclose(res.stationary.loc["p21", "est"], -1.0, atol=0.05)

    def test_bowl_stationary_point_and_axes(self):
        d = survey(1500, seed=3, surface="bowl", noise=0.3)
        res = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat",
                                  scale_midpoint=4)
        s = res.stationary["est"]
        assert_allclose([s["X0"], s["Y0"]], [0.0, 0.0], atol=0.15)   # (4, 4) raw
        assert_allclose(s["p11"], 1.0, atol=0.05)
        assert_allclose(s["p10"], 0.0, atol=0.1)
        assert_allclose(s["p21"], -1.0, atol=0.05)
        assert res.stationary.loc["p11", "pvalue"] > 0.01      # consistent with slope 1
        assert res.surface.loc["a2", "est"] < 0 and res.surface.loc["a4", "est"] < -3
        # the stationary point is the surface's maximum
        peak = res.predict(4 + s["X0"], 4 + s["Y0"])
        grid = res.predict(4 + s["X0"] + np.array([0.3, -0.3, 0, 0]),
                           4 + s["Y0"] + np.array([0, 0, 0.3, -0.3]))
        assert (grid < peak).all()

    def test_stationary_point_formulas(self):
        # Z = -(x - 1)^2 - (y + 2)^2: maximum at (1, -2), b4 = 0 -> axes parallel to P, E
        b = [-5, 2, -4, -1, 0.0, -1]
        sp = stationary_point(b)
        assert_allclose([sp["X0"], sp["Y0"]], [1, -2])
        # an ellipse with b4 != 0: check the stationary point zeroes the gradient
        b = [0, 0.3, -0.2, -1.0, 0.6, -0.5]
        sp = stationary_point(b)
        x0, y0 = sp["X0"], sp["Y0"]
        assert_allclose([b[1] + 2 * b[3] * x0 + b[4] * y0, b[2] + b[4] * x0 + 2 * b[5] * y0],
                        [0, 0], atol=1e-12)
        # axes pass through it and are perpendicular
        assert_allclose(sp["p10"] + sp["p11"] * x0, y0)
        assert_allclose(sp["p11"] * sp["p21"], -1.0)


class TestInputs:
    def test_items_are_averaged(self):
        d = survey(300, seed=4, surface="linear")
        rng = np.random.default_rng(5)
        items = d.assign(p1=d.perf + rng.normal(0, .1, 300), e1=d.exp)
        items["p2"] = 2 * items.perf - items.p1           # mean(p1, p2) == perf
        res_items = tm.response_surface(items, performance=["p1", "p2"], expectation=["e1"],
                                        outcome="sat", scale_midpoint=4)
        res = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat",
                                  scale_midpoint=4)
        assert_allclose(res_items.surface["est"], res.surface["est"], rtol=1e-10)
        assert res_items.names["performance"] == "mean(p1, p2)"

    def test_series_input_without_data(self):
        d = survey(200, seed=6, surface="linear")
        res = tm.response_surface(performance=d.perf, expectation=d.exp, outcome=d.sat,
                                  center=None)
        ref = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat",
                                  center=None)
        assert_allclose(res.coefficients["est"], ref.coefficients["est"], rtol=1e-12)
        assert res.center == 0.0

    def test_centering_options(self):
        d = survey(200, seed=7, surface="linear")
        kw = dict(performance="perf", expectation="exp", outcome="sat")
        pooled = np.concatenate([d.perf, d.exp])
        assert_allclose(tm.response_surface(d, center="mean", **kw).center, pooled.mean())
        assert_allclose(tm.response_surface(d, **kw).center,
                        (pooled.min() + pooled.max()) / 2)
        assert tm.response_surface(d, center=3.5, **kw).center == 3.5
        # centring moves b1, b2 but not the quadratic terms or the fit
        r0 = tm.response_surface(d, center=None, **kw)
        r4 = tm.response_surface(d, scale_midpoint=4, **kw)
        assert_allclose(r0.coefficients.loc[["b3", "b4", "b5"], "est"],
                        r4.coefficients.loc[["b3", "b4", "b5"], "est"], rtol=1e-8)
        assert_allclose(r0.fit["r2"], r4.fit["r2"], rtol=1e-10)
        assert_allclose(r0.predict(4.5, 3.5), r4.predict(4.5, 3.5), rtol=1e-10)

    def test_missing_rows_dropped_with_warning(self):
        d = survey(100, seed=8, surface="linear")
        d.loc[[3, 7], "exp"] = np.nan
        before = d.copy()
        with pytest.warns(tm.DataWarning, match="2 of 100 rows"):
            res = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat")
        assert res.fit["nobs"] == 98
        pd.testing.assert_frame_equal(d, before)        # caller's frame untouched

    @pytest.mark.parametrize("kwargs, err, match", [
        (dict(performance="perf_x"), tm.DataError, "'perf_x' given in performance="),
        (dict(outcome=["sat", "nope"]), tm.DataError, "'nope'"),
        (dict(center="median"), tm.OptionError, "center="),
        (dict(level=1.2), tm.OptionError, "level="),
        (dict(performance=[]), tm.OptionError, "at least one column"),
    ])
    def test_bad_input(self, kwargs, err, match):
        d = survey(50, seed=9, surface="linear")
        base = dict(performance="perf", expectation="exp", outcome="sat")
        base.update(kwargs)
        with pytest.raises(err, match=match):
            tm.response_surface(d, **base)

    def test_too_few_rows_and_degenerate(self):
        d = survey(6, seed=10, surface="linear")
        with pytest.raises(tm.DataError, match="minimum of 7"):
            tm.response_surface(d, performance="perf", expectation="exp", outcome="sat")
        d = survey(50, seed=10, surface="linear")
        with pytest.raises(tm.DataError, match="linearly dependent"):
            tm.response_surface(d, performance="perf", expectation="perf", outcome="sat")

    def test_str(self):
        d = survey(300, seed=11)
        res = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat",
                                  scale_midpoint=4)
        text = str(res)
        assert text.startswith("Response surface analysis: sat on P = perf, E = exp")
        assert "centred at 4" in text and "a4" in text and "Difference-score" in text
        assert "<pre>" in res._repr_html_()


@settings(max_examples=20, deadline=None)
@given(st.permutations(list(range(40))))
def test_surface_invariant_to_row_order(order):
    d = survey(40, seed=12)
    base = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat",
                               scale_midpoint=4)
    shuffled = d.iloc[order]
    res = tm.response_surface(shuffled, performance="perf", expectation="exp", outcome="sat",
                              scale_midpoint=4)
    assert_allclose(res.surface[["est", "se"]], base.surface[["est", "se"]], rtol=1e-8,
                    atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.floats(-3, 3), st.floats(0.2, 5))
def test_swapping_p_and_e_mirrors_the_surface(shift, scale):
    """Swapping P and E flips a3 and keeps a1, a2, a4 (the surface is mirrored on P = E)."""
    d = survey(80, seed=13, surface="linear")
    kw = dict(outcome="sat", scale_midpoint=4)
    a = tm.response_surface(d, performance="perf", expectation="exp", **kw).surface["est"]
    b = tm.response_surface(d, performance="exp", expectation="perf", **kw).surface["est"]
    assert_allclose([b["a1"], b["a2"], b["a3"], b["a4"]],
                    [a["a1"], a["a2"], -a["a3"], a["a4"]], rtol=1e-8, atol=1e-10)
    # shifting and rescaling Z moves b0 and scales every slope
    d2 = d.assign(sat=shift + scale * d.sat)
    c = tm.response_surface(d2, performance="perf", expectation="exp", **kw).surface["est"]
    assert_allclose(c, scale * a, rtol=1e-7, atol=1e-9)
