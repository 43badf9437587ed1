"""Issue 15: product indicators (semTools' indProd), product-indicator fits against lavaan,
probing (simple slopes, Johnson-Neyman) and conditional indirect effects."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.interaction.products import expand_interactions
from trustmodel.syntax import parse_model

REFS = Path(__file__).parent / "refs" / "interaction"
ONEINT = pd.read_csv(REFS / "oneInt.csv")
HS = tm.datasets.load("holzinger_swineford")
MODEL = "X =~ x1 + x2 + x3\nZ =~ z1 + z2 + z3\nY =~ y1 + y2 + y3\nY ~ X + Z + X:Z"
INDPROD = json.loads((REFS / "indprod.json").read_text())
CENTER = {(True, False, True): "double", (True, False, False): "mean",
          (False, True, False): "residual"}


def _data(case):
    return HS if case["x"][0] == "x1" and case["z"][0] == "x4" else ONEINT


@pytest.mark.parametrize("name", sorted(INDPROD))
def test_product_indicators_reproduce_indprod(name):
    case = INDPROD[name]
    centering = CENTER[(case["meanC"], case["residualC"], case["doubleMC"])]
    prod, syntax = tm.product_indicators(_data(case), x=case["x"], z=case["z"],
                                         match=case["match"], centering=centering)
    assert list(prod.columns) == case["columns"]
    head = pd.DataFrame(case["head"])[case["columns"]].to_numpy()
    assert_allclose(prod.to_numpy()[:5], head, rtol=1e-12, atol=1e-12)
    assert_allclose(prod.sum().to_numpy(), case["sums"], atol=1e-9)
    assert_allclose((prod ** 2).sum().to_numpy(), case["sumsq"], rtol=1e-12)
    assert syntax.startswith("XZ =~ " + " + ".join(case["columns"]))


def test_product_indicators_leave_data_alone_and_check_input():
    before = ONEINT.copy()
    tm.product_indicators(ONEINT, x=["x1", "x2"], z=["z1", "z2"])
    pd.testing.assert_frame_equal(ONEINT, before)
    with pytest.raises(tm.DataError, match="match=True pairs"):
        tm.product_indicators(ONEINT, x=["x1", "x2"], z=["z1"])
    with pytest.raises(tm.DataError, match="'nope' named for the interaction is missing"):
        tm.product_indicators(ONEINT, x=["nope"], z=["z1"])
    with pytest.raises(tm.OptionError, match="centering="):
        tm.product_indicators(ONEINT, x=["x1"], z=["z1"], centering="triple")


def _ref(name):
    return json.loads((REFS / f"{name}.json").read_text())


def _key(r):
    rename = {"XZ": "X:Z"}
    return (rename.get(r["lhs"], r["lhs"]), r["op"], rename.get(r["rhs"], r["rhs"]))


CASES = {
    "oneint_dblcent_matched": (MODEL, ONEINT, dict(interaction="dblcent")),
    "oneint_dblcent_all": (MODEL, ONEINT, dict(interaction_pairs="all")),
    "oneint_mean_matched": (MODEL, ONEINT, dict(interaction="mean")),
    "oneint_residual_all": (MODEL, ONEINT, dict(interaction="residual", interaction_pairs="all")),
    "hs_dblcent_matched": ("X =~ x1 + x2 + x3\nZ =~ x4 + x5 + x6\nY =~ x7 + x8 + x9\n"
                           "Y ~ X + Z + X:Z", HS, {}),
    "hs_dblcent_unequal": ("X =~ x1 + x2 + x3\nZ =~ x4 + x5\nY =~ x7 + x8 + x9\n"
                           "Y ~ X + Z + X:Z", HS, {}),
    "oneint_observed_product": ("y1 ~ x1 + z1 + x1:z1", ONEINT, {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_product_indicator_fits_agree_with_lavaan(name):
    model, data, opts = CASES[name]
    ref = _ref(name)
    res = tm.fit(model, data, **opts)
    assert res.converged
    ours = {(r.lhs, r.op, r.rhs): r for r in res.params.itertuples()}
    rows = [r for r in ref["params"] if r["op"] != ":="]
    assert len(rows) == len(ours)
    for r in rows:
        mine = ours[_key(r)]
        assert_allclose(mine.est, r["est"], rtol=1e-6, atol=1e-6, err_msg=str(_key(r)))
        assert_allclose(mine.se, r["se"], rtol=1e-5, atol=1e-7, err_msg=str(_key(r)))
        assert_allclose(mine.std_all, r["std.all"], rtol=1e-5, atol=1e-6, err_msg=str(_key(r)))
    fm = res.fit_measures
    for k in ("chisq", "df", "cfi", "rmsea", "srmr"):
        assert_allclose(fm[k], ref["fit"][k], rtol=1e-6, atol=1e-8, err_msg=k)


def test_expand_keeps_the_callers_frame_and_names_the_product_latent():
    before = ONEINT.copy()
    stmts, aug = expand_interactions(parse_model(MODEL), ONEINT)
    pd.testing.assert_frame_equal(ONEINT, before)
    assert {"x1.z1", "x2.z2", "x3.z3"} <= set(aug.columns)
    assert [s.rhs for s in stmts if s.lhs == "X:Z" and s.op == "=~"] == ["x1.z1", "x2.z2",
                                                                         "x3.z3"]


def test_interaction_option_errors():
    with pytest.raises(tm.OptionError, match="needs a product term"):
        tm.fit("Y =~ y1 + y2 + y3", ONEINT, interaction="mean")
    with pytest.raises(tm.OptionError, match="interaction="):
        tm.fit(MODEL, ONEINT, interaction="triple")
    with pytest.raises(tm.DataError, match="raw data"):
        tm.fit("y1 ~ x1 + z1 + x1:z1", sample_cov=ONEINT[["y1", "x1", "z1"]].cov(), nobs=2000)
    with pytest.raises(tm.ModelSyntaxError, match="product term"):
        tm.fit("f =~ x1 + x1:z1", ONEINT)


# ----- probing, against statsmodels OLS with a product term and a direct computation --------
@pytest.fixture(scope="module")
def observed():
    rng = np.random.default_rng(15)
    d = pd.DataFrame(rng.normal(size=(300, 2)) + [1.0, 2.0], columns=["x", "z"])
    d["y"] = 0.3 * d.x - 0.2 * d.z + 0.25 * d.x * d.z + rng.normal(size=300)
    ols = smf.ols("y ~ x + z + x:z", d).fit()
    return d, ols, tm.fit("y ~ x + z + x:z", d)


def test_observed_product_term_matches_ols(observed):
    d, ols, res = observed
    p = res.params.query("op == '~'").set_index("rhs")
    assert_allclose(p.loc[["x", "z", "x:z"], "est"], ols.params[["x", "z", "x:z"]], rtol=1e-6)
    # ML divides the residual variance by N, OLS by N - 4
    scale = np.sqrt((len(d) - 4) / len(d))
    assert_allclose(p.loc[["x", "z", "x:z"], "se"], ols.bse[["x", "z", "x:z"]] * scale,
                    rtol=1e-4)


def test_simple_slopes_match_ols_linear_combinations(observed):
    d, ols, res = observed
    tab = tm.simple_slopes(res, x="x", z="z", y="y")
    m, sd = d.z.mean(), d.z.std(ddof=0)
    assert_allclose(tab.value, [m - sd, m, m + sd], rtol=1e-10)
    scale = np.sqrt((len(d) - 4) / len(d))
    for w, row in zip(tab.value, tab.itertuples()):
        L = np.array([0, 1, 0, w])       # Intercept, x, z, x:z
        t = ols.t_test(L)
        assert_allclose(row.slope, t.effect[0], rtol=1e-6)
        assert_allclose(row.se, t.sd[0][0] * scale, rtol=1e-4)


def test_johnson_neyman_bounds_are_where_the_slope_turns_significant(observed):
    d, ols, res = observed
    jn = tm.johnson_neyman(res, x="x", z="z", y="y")
    tab = tm.simple_slopes(res, x="x", z="z", y="y", values=list(jn.bounds))
    assert_allclose(np.abs(tab.z), jn.critical, rtol=1e-6)
    # the same bounds from the OLS covariance with the t critical value (direct computation)
    V, b = ols.cov_params(), ols.params
    jn_t = tm.johnson_neyman(res, x="x", z="z", y="y", df=len(d) - 4)
    q = jn_t.critical
    scale = len(d) / (len(d) - 4)
    for w in jn_t.bounds:
        slope = b["x"] + b["x:z"] * w
        var = (V.loc["x", "x"] + 2 * w * V.loc["x", "x:z"] + w ** 2 * V.loc["x:z", "x:z"])
        assert_allclose(slope ** 2, q ** 2 * var / scale, rtol=1e-4)
    inside = np.mean(jn.bounds)
    assert jn.is_significant(inside) == (jn.significant == "inside")


def test_standardized_interaction_wen_marsh_hau(observed):
    d, ols, res = observed
    b3 = ols.params["x:z"]
    yvar = tm.interaction._access.moments(res, "y")[1]
    want = b3 * d.x.std(ddof=0) * d.z.std(ddof=0) / np.sqrt(yvar)
    assert_allclose(tm.standardized_interaction(res, "x", "z", "y"), want, rtol=1e-8)


# ----- conditional process analysis --------------------------------------------------------
@pytest.fixture(scope="module")
def process():
    rng = np.random.default_rng(7)
    n = 400
    d = pd.DataFrame(rng.normal(size=(n, 2)), columns=["x", "w"])
    d["m"] = 0.5 * d.x + 0.2 * d.w + 0.3 * d.x * d.w + rng.normal(size=n)
    d["y"] = 0.4 * d.m + 0.1 * d.x + rng.normal(size=n)
    return d, tm.fit("m ~ x + w + x:w\ny ~ m + x", d)


def test_conditional_indirect_direct_computation(process):
    d, res = process
    p = res.params.set_index(["lhs", "rhs"])["est"]
    a1, a3, b = p[("m", "x")], p[("m", "x:w")], p[("y", "m")]
    tab = tm.conditional_indirect(res, ["x", "m", "y"], w="w", values=[-1.0, 0.0, 1.5])
    assert_allclose(tab.effect, [(a1 - a3) * b, a1 * b, (a1 + 1.5 * a3) * b], rtol=1e-10)
    imm = tm.index_of_moderated_mediation(res, ["x", "m", "y"], w="w")
    assert_allclose(imm["index"], a3 * b, rtol=1e-10)
    # delta-method SE of a3*b by hand
    V = res.vcov
    names = res.table.free_names()
    i, j = names.index("m~x:w"), names.index("y~m")
    g = np.array([b, a3])
    sub = V.to_numpy()[np.ix_([i, j], [i, j])]
    assert_allclose(imm["se"], np.sqrt(g @ sub @ g), rtol=1e-5)
    # OLS of each stage gives the same point estimates
    m_ols = smf.ols("m ~ x + w + x:w", d).fit().params
    y_ols = smf.ols("y ~ m + x", d).fit().params
    assert_allclose(imm["index"], m_ols["x:w"] * y_ols["m"], rtol=1e-6)


def test_montecarlo_intervals_close_to_delta(process):
    d, res = process
    mc = tm.conditional_indirect(res, ["x", "m", "y"], w="w", ci="montecarlo", draws=20000,
                                 seed=3)
    de = tm.conditional_indirect(res, ["x", "m", "y"], w="w")
    assert_allclose(mc.effect, de.effect)
    assert_allclose(mc.se, de.se, rtol=0.05)
    again = tm.conditional_indirect(res, ["x", "m", "y"], w="w", ci="montecarlo",
                                    draws=20000, seed=3)
    pd.testing.assert_frame_equal(mc, again)


def test_montecarlo_ci_for_defined_parameters(process):
    d, _ = process
    res = tm.fit("m ~ a*x + w + x:w\ny ~ b*m + x\nab := a*b", d)
    mc = tm.montecarlo_ci(res, draws=20000, seed=1)
    row = res.params.query("op == ':='").iloc[0]
    assert_allclose(mc.loc["ab", "est"], row.est)
    assert_allclose(mc.loc["ab", "se"], row.se, rtol=0.05)


def test_bootstrap_intervals_reuse_the_fits_draws(process):
    d, _ = process
    res = tm.fit("m ~ x + w + x:w\ny ~ m + x", d, se="bootstrap", bootstrap=200, seed=5)
    tab = tm.conditional_indirect(res, ["x", "m", "y"], w="w", ci="bootstrap")
    assert (tab.ci_lower < tab.effect).all() and (tab.effect < tab.ci_upper).all()
    with pytest.raises(tm.OptionError, match="se='bootstrap'"):
        tm.conditional_indirect(tm.fit("m ~ x + w + x:w\ny ~ m + x", d), ["x", "m", "y"],
                                w="w", ci="bootstrap")


def test_probing_errors(process):
    d, res = process
    with pytest.raises(tm.OptionError, match="no product term"):
        tm.simple_slopes(res, x="m", z="w", y="y")
    with pytest.raises(tm.OptionError, match="No link"):
        tm.conditional_indirect(res, ["x", "m", "y"], w="x")
    with pytest.raises(tm.OptionError, match="ci="):
        tm.simple_slopes(res, x="x", z="w", y="m", ci="jackknife")


# ----- builders with moderator= and the plots ------------------------------------------------
@pytest.fixture(scope="module")
def loyalty_data():
    rng = np.random.default_rng(21)
    n = 1500
    qual = rng.normal(size=n)
    swc = 0.3 * qual + rng.normal(size=n) * np.sqrt(1 - 0.09)
    sat = 0.6 * qual + rng.normal(size=n) * 0.8
    loy = 0.5 * sat + 0.3 * swc - 0.2 * sat * swc + rng.normal(size=n) * 0.7
    cols = {}
    for name, lat in (("q", qual), ("w", swc), ("s", sat), ("l", loy)):
        for k, lam in enumerate((1.0, 0.8, 0.9), start=1):
            cols[f"{name}{k}"] = lam * lat + rng.normal(size=n) * 0.5
    return pd.DataFrame(cols)


def _loyalty_builder():
    return tm.SatisfactionLoyalty(satisfaction=["s1", "s2", "s3"], loyalty=["l1", "l2", "l3"],
                                  antecedents={"QUAL": ["q1", "q2", "q3"]},
                                  moderator={"SWC": ["w1", "w2", "w3"]})


def test_loyalty_moderator_defines_probing_and_conditional_effects(loyalty_data):
    m = _loyalty_builder()
    assert "LOY ~ b_loy_satxswc*SAT:SWC" in m.syntax
    assert m.moderation.defined == ("ss_sat_loy_lo", "ss_sat_loy_hi", "qual_sat_loy_lo",
                                    "qual_sat_loy_hi", "imm_qual_sat_loy")
    res = tm.fit(m, loyalty_data)
    assert res.converged
    d = res.params.query("op == ':='").set_index("lhs")
    slopes = tm.simple_slopes(res, x="SAT", z="SWC", y="LOY")
    assert_allclose(d.loc[["ss_sat_loy_lo", "ss_sat_loy_hi"], "est"], slopes.slope[[0, 2]],
                    rtol=1e-8)
    cie = tm.conditional_indirect(res, ["QUAL", "SAT", "LOY"], w="SWC")
    assert_allclose(d.loc[["qual_sat_loy_lo", "qual_sat_loy_hi"], "est"], cie.effect[[0, 2]],
                    rtol=1e-8)
    imm = tm.index_of_moderated_mediation(res, ["QUAL", "SAT", "LOY"], w="SWC")
    assert_allclose(d.loc["imm_qual_sat_loy", "est"], imm["index"], rtol=1e-8)
    # the delta-method SE of the := row treats the moderator SD as estimated; ours fixes it
    assert_allclose(d.loc["imm_qual_sat_loy", "se"], imm["se"], rtol=1e-6)
    named = [e.name for e in m.named_effects]
    assert "SAT:SWC->LOY" in named
    assert -0.3 < d.loc["imm_qual_sat_loy", "est"] < -0.05


def test_edt_moderator_second_stage():
    m = tm.ExpectationDisconfirmation(expectation=["e1", "e2", "e3"],
                                      performance=["p1", "p2", "p3"],
                                      disconfirmation=["d1", "d2", "d3"],
                                      satisfaction=["s1", "s2", "s3"],
                                      moderator={"INV": ["i1", "i2", "i3"]})
    assert "SAT ~ b_sat_discxinv*DISC:INV" in m.syntax
    assert "imm_exp_disc_sat := b_disc_exp*b_sat_discxinv" in m.syntax
    with pytest.raises(tm.OptionError, match="does not estimate"):
        tm.ExpectationDisconfirmation(expectation=["e1", "e2", "e3"],
                                      performance=["p1", "p2", "p3"],
                                      disconfirmation=["d1", "d2", "d3"],
                                      satisfaction=["s1", "s2", "s3"],
                                      moderator={"INV": ["i1", "i2", "i3"]},
                                      moderated="SAT->EXP")
    with pytest.raises(tm.OptionError, match="one construct"):
        tm.SatisfactionLoyalty(satisfaction=["s1", "s2", "s3"], loyalty=["l1", "l2", "l3"],
                               moderator=["w1"])


def test_interaction_plots(observed):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from trustmodel.plotting import plot_johnson_neyman, plot_simple_slopes
    d, ols, res = observed
    fig = plot_simple_slopes(res, "x", "z", "y")
    assert len(fig.axes[0].lines) == 3
    fig2 = plot_johnson_neyman(res, "x", "z", "y")
    jn = tm.johnson_neyman(res, "x", "z", "y")
    vlines = [ln for ln in fig2.axes[0].lines if ln.get_linestyle() == "--"]
    assert_allclose(sorted(ln.get_xdata()[0] for ln in vlines), jn.bounds)
    import matplotlib.pyplot as plt
    plt.close("all")


def test_fit_with_montecarlo_intervals_for_defined_parameters(process):
    d, _ = process
    model = "m ~ a*x + w + a3*x:w\ny ~ b*m + x\nimm := a3*b"
    res = tm.fit(model, d, ci="montecarlo", draws=5000, seed=4)
    mc = tm.montecarlo_ci(tm.fit(model, d), draws=5000, seed=4)
    row = res.params.query("op == ':='").iloc[0]
    assert_allclose([row.ci_lower, row.ci_upper], mc.loc["imm", ["ci_lower", "ci_upper"]])
    wald = tm.fit(model, d).params
    assert_allclose(res.params.query("op != ':='").ci_lower, wald.query("op != ':='").ci_lower)
    with pytest.raises(tm.OptionError, match="montecarlo"):
        tm.fit(model, d, ci="montecarlo", se="bootstrap")


def test_the_fitted_syntax_refits_with_the_product_columns():
    res = tm.fit(MODEL, ONEINT, interaction_pairs="all")
    prod, _ = tm.product_indicators(ONEINT, x=["x1", "x2", "x3"], z=["z1", "z2", "z3"],
                                    match=False)
    again = tm.fit(res.table.syntax, pd.concat([ONEINT, prod], axis=1))
    assert_allclose(again.params.est, res.params.est, rtol=1e-6, atol=1e-8)


def test_loyalty_moderator_with_lms(loyalty_data):
    m = _loyalty_builder()
    lms = tm.fit(m, loyalty_data, interaction="lms")
    dbl = tm.fit(m, loyalty_data)
    d_l = lms.params.query("op == ':='").set_index("lhs")
    d_d = dbl.params.query("op == ':='").set_index("lhs")
    cie = tm.conditional_indirect(lms, ["QUAL", "SAT", "LOY"], w="SWC")
    assert_allclose(d_l.loc[["qual_sat_loy_lo", "qual_sat_loy_hi"], "est"], cie.effect[[0, 2]],
                    rtol=1e-8)
    assert abs(d_l.loc["imm_qual_sat_loy", "est"] - d_d.loc["imm_qual_sat_loy", "est"]) < \
        2 * d_d.loc["imm_qual_sat_loy", "se"]
