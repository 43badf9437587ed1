"""PLS interaction terms, HOCs, missing values, multigroup tests, MICOM and prediction:
hand computations, properties and R's fold rule."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.pls.groups import _mga_p
from trustmodel.pls.predict import r_cut_folds

MOD = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Image:Expectation
"""
SMALL = """Image =~ IMAG1 + IMAG2 + IMAG3
Expectation =~ CUEX1 + CUEX2 + CUEX3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Satisfaction ~ Image + Expectation
Loyalty ~ Satisfaction + Image
"""


@pytest.fixture(scope="module")
def mobi():
    return tm.datasets.load("mobi")


def _z(x):
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)


# --------------------------------------------------------------------------- interactions
def test_orthogonal_items_are_residuals(mobi):
    r = tm.fit(MOD, mobi, estimator="PLS", interaction="orthogonal")
    items = [x for x in r.spec.indicators if ":" in x]
    assert len(items) == 15 and items[0] == "IMAG1:CUEX1"
    Z = pd.DataFrame(r._Z, columns=r.spec.indicators)
    parents = Z[[f"IMAG{i}" for i in range(1, 6)] + ["CUEX1", "CUEX2", "CUEX3"]]
    assert np.abs(parents.T @ Z[items]).to_numpy().max() < 1e-8
    # the first item is the residual of the product of standardized items on them
    a = _z(mobi[["IMAG1"]].to_numpy())[:, 0] * _z(mobi[["CUEX1"]].to_numpy())[:, 0]
    A = np.column_stack([np.ones(250), mobi[parents.columns].to_numpy()])
    res = a - A @ np.linalg.lstsq(A, a, rcond=None)[0]
    assert_allclose(Z["IMAG1:CUEX1"], _z(res[:, None])[:, 0], atol=1e-10)


def test_two_stage_interaction_is_product_of_first_stage_scores(mobi):
    r = tm.fit(MOD, mobi, estimator="PLS", interaction="two_stage")
    first = tm.fit(MOD.replace(" + Image:Expectation", ""), mobi, estimator="PLS")
    prod = first.scores["Image"] * first.scores["Expectation"]
    # seminr's adjustment: the interaction score is the centered product itself
    assert_allclose(r.scores["Image:Expectation"], prod - prod.mean(), atol=1e-10)
    X = r.scores[["Image", "Expectation", "Value", "Image:Expectation"]].to_numpy()
    beta = np.linalg.lstsq(X, r.scores["Satisfaction"].to_numpy(), rcond=None)[0]
    assert_allclose(r.path_coefficients.loc["Image:Expectation", "Satisfaction"], beta[3],
                    atol=1e-10)


@pytest.mark.parametrize("method", ["product_indicator", "orthogonal", "two_stage"])
def test_interaction_bootstrap_reproducible(mobi, method):
    kw = dict(estimator="PLS", interaction=method, se="bootstrap", bootstrap=60, seed=5,
              progress=False)
    a = tm.fit(MOD, mobi, **kw)
    b = tm.fit(MOD, mobi, n_jobs=2, **kw)
    assert np.array_equal(a.boot, b.boot, equal_nan=True)
    row = a.paths.set_index("rhs").loc["Image:Expectation"]
    assert 0 < row["se"] < 0.2 and row["ci_lower"] < row["ci_upper"]
    # replicate 0 by hand: refit on the resampled rows (items rebuilt on the resample)
    idx = np.random.default_rng(np.random.SeedSequence(5).spawn(60)[0]).integers(0, 250, 250)
    r0 = tm.fit(MOD, mobi.iloc[idx].reset_index(drop=True), estimator="PLS",
                interaction=method)
    k = list(a.paths.rhs).index("Image:Expectation")
    assert_allclose(a.boot[0, k], r0.path_coefficients.loc["Image:Expectation",
                                                            "Satisfaction"], atol=1e-6)


def test_interaction_syntax_errors(mobi):
    with pytest.raises(tm.ModelSyntaxError, match="not a construct"):
        tm.fit(MOD.replace("Image:Expectation", "Image:Nope"), mobi, estimator="PLS")
    with pytest.raises(tm.OptionError, match="interaction"):
        tm.fit(MOD, mobi, estimator="PLS", interaction="dblcent")
    with pytest.raises(tm.OptionError, match="PLSc"):
        tm.fit(MOD.replace("Satisfaction =~ CUSA1", "Sat2 =~ Image + Value\nSatisfaction =~ CUSA1")
               .replace("Value + Image:Expectation", "Value + Image:Expectation + Sat2"),
               mobi, estimator="PLSc")


# --------------------------------------------------------------------------- HOC
def test_repeated_indicators(mobi):
    syn = ("Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2\nSat =~ Image + Value\n"
           "Loyalty =~ CUSL1 + CUSL2 + CUSL3\nLoyalty ~ Sat\n")
    r = tm.fit(syn, mobi, estimator="PLS", hoc="repeated")
    block = [x for x, b in zip(r.spec.indicators, r.spec.block) if r.spec.constructs[b] == "Sat"]
    assert block == ["IMAG1@Sat", "IMAG2@Sat", "IMAG3@Sat", "PERV1@Sat", "PERV2@Sat"]
    B = r.path_coefficients
    assert B.loc["Sat", "Image"] > 0.7 and B.loc["Sat", "Value"] > 0.7
    assert r.r2.loc["Image", "r2"] == pytest.approx(B.loc["Sat", "Image"] ** 2)
    two = tm.fit(syn, mobi, estimator="PLS", hoc="two_stage")
    assert abs(two.path_coefficients.loc["Sat", "Loyalty"] - B.loc["Sat", "Loyalty"]) < 0.05
    with pytest.raises(tm.ModelSyntaxError, match="mixes constructs and items"):
        tm.fit(syn.replace("Image + Value", "Image + PERV1"), mobi, estimator="PLS")


# --------------------------------------------------------------------------- missing
def test_mean_replacement_matches_imputed_data(mobi):
    df = mobi.copy()
    df.loc[[3, 7, 9], "CUSA2"] = np.nan
    df.loc[11, "IMAG1"] = np.nan
    before = df.copy()
    with pytest.warns(tm.DataWarning, match="replaced by item means"):
        r = tm.fit(SMALL, df, estimator="PLS", missing="mean")
    pd.testing.assert_frame_equal(df, before)
    assert r.missing_report["replaced"] == {"IMAG1": 1, "CUSA2": 3} and r.nobs == 250
    filled = df.fillna(df.mean())
    ref = tm.fit(SMALL, filled, estimator="PLS")
    assert_allclose(r.path_coefficients, ref.path_coefficients, atol=1e-12)
    with pytest.warns(tm.DataWarning, match="dropped"):
        lw = tm.fit(SMALL, df, estimator="PLS", missing="listwise")
    assert lw.nobs == 246 and lw.missing_report["rows_dropped"] == 4
    with pytest.raises(tm.OptionError, match="fiml"):
        tm.fit(SMALL, df, estimator="PLS", missing="fiml")


# --------------------------------------------------------------------------- groups
def test_mga_p_counts_pairs():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0.3, 0.1, 40), rng.normal(0.2, 0.1, 30)
    brute = np.mean([(2 * x.mean() - a) - (2 * y.mean() - b) > 0 for a in x for b in y])
    assert _mga_p(x, y) == pytest.approx(1 - brute)


@pytest.fixture(scope="module")
def grouped(mobi):
    df = mobi.assign(seg=np.where(np.random.default_rng(3).random(250) < 0.5, "a", "b"))
    return tm.fit(SMALL, df, estimator="PLS", group="seg", seed=2), df


def test_group_fits_are_subset_fits(grouped):
    res, df = grouped
    sub = tm.fit(SMALL, df[df.seg == "b"], estimator="PLS")
    assert_allclose(res["b"].path_coefficients, sub.path_coefficients)
    assert len(res.paths) == 2 * len(sub.paths) and "PLS by 'seg'" in str(res)


def test_parametric_and_welch_formulas(grouped):
    res, _ = grouped
    par = res.compare_groups("parametric", B=200, seed=4)
    wel = res.compare_groups("welch", B=200, seed=4)
    n1, n2 = res["a"].nobs, res["b"].nobs
    from trustmodel._parallel import spawn_seeds
    from trustmodel.pls.groups import _path_boot
    s1, s2 = spawn_seeds(4, 2)
    v1 = np.nanvar(_path_boot(res["a"], 200, s1, 1), axis=0, ddof=1)
    v2 = np.nanvar(_path_boot(res["b"], 200, s2, 1), axis=0, ddof=1)
    d = par["diff"].to_numpy()
    se = np.sqrt((n1 - 1) ** 2 / (n1 + n2 - 2) * v1 + (n2 - 1) ** 2 / (n1 + n2 - 2) * v2) \
        * np.sqrt(1 / n1 + 1 / n2)
    assert_allclose(par["statistic"], d / se)
    assert_allclose(wel["statistic"], d / np.sqrt((n1 - 1) / n1 * v1 + (n2 - 1) / n2 * v2))
    assert ((par.pvalue > 0) & (par.pvalue <= 1)).all()


def test_permutation_reproducible_and_calibrated(grouped):
    res, _ = grouped
    a = res.compare_groups("permutation", B=300, seed=9)
    b = res.compare_groups("permutation", B=300, seed=9, n_jobs=2)
    pd.testing.assert_frame_equal(a, b)
    # random split of one population: no path should differ at 1%
    assert (a.pvalue > 0.01).all() and a.n_permutations.iloc[0] == 300
    mga = res.compare_groups("mga", B=300, seed=9)
    assert ((mga.pvalue > 0.005) & (mga.pvalue < 0.995)).all()


def test_permutation_detects_a_real_difference(mobi):
    df = pd.concat([mobi.assign(seg=1), mobi.assign(seg=2)], ignore_index=True)
    rng = np.random.default_rng(1)
    # group 2: loyalty items unrelated to satisfaction
    m = df.seg == 2
    for c in ["CUSL1", "CUSL2", "CUSL3"]:
        df.loc[m, c] = rng.permutation(df.loc[m, c].to_numpy())
    res = tm.fit(SMALL, df, estimator="PLS", group="seg")
    out = res.compare_groups("permutation", B=200, seed=1).set_index(["lhs", "rhs"])
    assert out.loc[("Loyalty", "Satisfaction"), "pvalue"] < 0.01


def test_micom_identical_groups_full_invariance(mobi):
    df = pd.concat([mobi.assign(seg=1), mobi.assign(seg=2)], ignore_index=True)
    m = tm.micom(SMALL, df, group="seg", B=100, seed=1)
    assert m.level == "full"
    assert_allclose(m.compositional["c"], 1.0, atol=1e-12)
    assert_allclose(m.equality["mean_diff"], 0.0, atol=1e-12)
    assert "Measurement invariance: full" in str(m)


def test_micom_detects_shifted_means(mobi):
    df = pd.concat([mobi.assign(seg=1), mobi.assign(seg=2)], ignore_index=True)
    df = df.astype({c: float for c in ["CUSA1", "CUSA2", "CUSA3"]})
    df.loc[df.seg == 2, ["CUSA1", "CUSA2", "CUSA3"]] += 1.5
    m = tm.micom(SMALL, df, group="seg", B=200, seed=2)
    assert not m.equality.loc["Satisfaction", "equal_means"]
    assert m.equality.loc["Satisfaction", "mean_pvalue"] < 0.01
    assert m.level == "partial"


# --------------------------------------------------------------------------- prediction
def test_r_cut_folds_match_r():
    ref = json.loads((Path(__file__).parent / "refs" / "seminr" / "r_cut_folds.json").read_text())
    for case in ref["cases"]:
        assert np.array_equal(r_cut_folds(case["n"], case["k"]), np.array(case["folds"]) - 1)


def test_predict_chain_by_hand(mobi):
    r = tm.fit(SMALL, mobi, estimator="PLS")
    pred = r.predict(mobi, technique="DA")
    Y, B, L = r.scores.to_numpy(), r.path_coefficients.to_numpy(), r.outer_loadings
    Yhat = Y @ B
    Yhat[:, 0] = Y[:, 0]                        # Image is exogenous
    items = L.index
    Xhat = Yhat @ L.to_numpy().T * mobi[items].std().to_numpy() + mobi[items].mean().to_numpy()
    assert_allclose(pred[items].to_numpy(), Xhat, atol=1e-10)
    ea = r.predict(mobi, technique="EA")
    b = r.path_coefficients
    exp_hat = Y[:, 0] * b.loc["Image", "Expectation"]
    sat_hat = Y[:, 0] * b.loc["Image", "Satisfaction"] + exp_hat * b.loc["Expectation",
                                                                         "Satisfaction"]
    lam = r.outer_loadings.loc["CUSA2", "Satisfaction"]
    assert_allclose(ea["CUSA2"], sat_hat * lam * mobi.CUSA2.std() + mobi.CUSA2.mean(),
                    atol=1e-10)
    with pytest.raises(tm.OptionError, match="technique"):
        r.predict(mobi, technique="XX")


def test_plspredict_fold_by_hand(mobi):
    pp = tm.plspredict(SMALL, mobi, folds=5, repeats=1, seed=3)
    order = np.random.default_rng(np.random.SeedSequence(3).spawn(1)[0]).permutation(250)
    fold = np.empty(250, dtype=int)
    fold[order] = r_cut_folds(250, 5)
    test = fold == 2
    train_fit = tm.fit(SMALL, mobi[~test], estimator="PLS")
    hand = train_fit.predict(mobi[test])
    assert_allclose(pp.pls_predictions[test]["CUSL1"], hand["CUSL1"], atol=1e-8)
    # LM benchmark: CUSL1 on the items of Satisfaction and Image (direct antecedents)
    X = mobi[["IMAG1", "IMAG2", "IMAG3", "CUSA1", "CUSA2", "CUSA3"]].to_numpy()
    A = np.column_stack([np.ones(250), X])
    beta = np.linalg.lstsq(A[~test], mobi.CUSL1.to_numpy()[~test], rcond=None)[0]
    assert_allclose(pp.lm_predictions[test]["CUSL1"], A[test] @ beta, atol=1e-8)
    e = mobi.CUSL1 - pp.pls_predictions.CUSL1
    assert pp.items.loc["CUSL1", "PLS_RMSE"] == pytest.approx(np.sqrt((e ** 2).mean()))
    assert list(pp.items.index) == ["CUEX1", "CUEX2", "CUEX3", "CUSA1", "CUSA2", "CUSA3",
                                    "CUSL1", "CUSL2", "CUSL3"]
    naive = np.empty(250)
    for f in range(5):
        naive[fold == f] = mobi.CUSL1[fold != f].mean()
    q2 = 1 - (e ** 2).sum() / ((mobi.CUSL1 - naive) ** 2).sum()
    assert pp.items.loc["CUSL1", "Q2_predict"] == pytest.approx(q2)


def test_plspredict_interaction_models_run(mobi):
    for m in ("product_indicator", "orthogonal", "two_stage"):
        pp = tm.plspredict(MOD, mobi, folds=5, repeats=2, seed=1, interaction=m)
        assert np.isfinite(pp.items.to_numpy()).all()
        assert list(pp.items.index) == ["CUSA1", "CUSA2", "CUSA3"]


# --------------------------------------------------------------------------- BCa
def test_bca_intervals(mobi):
    kw = dict(estimator="PLS", se="bootstrap", bootstrap=200, seed=1, progress=False)
    p = tm.fit(SMALL, mobi, **kw)
    b = tm.fit(SMALL, mobi, boot_ci_type="bca", **kw)
    assert np.array_equal(p.boot, b.boot)
    assert_allclose(p.paths.se, b.paths.se)
    assert not np.allclose(p.paths.ci_lower, b.paths.ci_lower)
    assert (b.paths.ci_lower < b.paths.est).all() and (b.paths.est < b.paths.ci_upper).all()
    assert "BCa" in str(b)


# --------------------------------------------------------------------------- assessment
def test_htmt2_and_bootstrap_htmt(mobi):
    r = tm.fit(SMALL, mobi, estimator="PLS", se="bootstrap", bootstrap=50, seed=2,
               progress=False)
    h = r.htmt_inference.set_index(["statistic", "lhs", "rhs"])
    C = mobi.corr().abs()
    a, b = ["IMAG1", "IMAG2", "IMAG3"], ["CUSA1", "CUSA2", "CUSA3"]
    g = lambda v: np.exp(np.log(v).mean())
    iu = np.triu_indices(3, 1)
    h2 = g(C.loc[a, b].to_numpy()) / np.sqrt(g(C.loc[a, a].to_numpy()[iu])
                                              * g(C.loc[b, b].to_numpy()[iu]))
    assert h.loc[("HTMT2", "Image", "Satisfaction"), "est"] == pytest.approx(h2)
    assert h.loc[("HTMT", "Image", "Satisfaction"), "est"] == pytest.approx(
        r.htmt.loc["Image", "Satisfaction"])
    # replicate 0's HTMT from the resampled rows
    idx = np.random.default_rng(np.random.SeedSequence(2).spawn(50)[0]).integers(0, 250, 250)
    C0 = mobi.iloc[idx].corr()
    het = C0.loc[a, b].to_numpy().mean()
    m = lambda x: C0.loc[x, x].to_numpy()[iu].mean()
    k = list(zip(h.loc["HTMT"].index)).index((("Image", "Satisfaction"),))
    sl = r._slices()[6]
    assert r.boot[0, sl][k] == pytest.approx(het / np.sqrt(m(a) * m(b)))
    row = h.loc[("HTMT", "Image", "Satisfaction")]
    assert row["ci_lower"] < row["est"] < row["ci_upper"]


def test_specific_effect(mobi):
    r = tm.fit(SMALL, mobi, estimator="PLS", se="bootstrap", bootstrap=80, seed=4,
               progress=False)
    B = r.path_coefficients
    eff = r.specific_effect("Image", "Expectation", "Satisfaction", "Loyalty")
    assert eff["est"] == pytest.approx(B.loc["Image", "Expectation"]
                                       * B.loc["Expectation", "Satisfaction"]
                                       * B.loc["Satisfaction", "Loyalty"])
    k = [list(zip(r.paths.rhs, r.paths.lhs)).index(p) for p in
         [("Image", "Expectation"), ("Expectation", "Satisfaction"), ("Satisfaction", "Loyalty")]]
    boot = np.prod(r.boot[:, k], axis=1)
    assert eff["se"] == pytest.approx(boot.std(ddof=1))
    # the specific effects through all routes add up to the total indirect effect
    e2 = r.specific_effect("Image", "Satisfaction", "Loyalty")["est"]
    assert eff["est"] + e2 == pytest.approx(r.indirect_effects.loc["Image", "Loyalty"])
    with pytest.raises(tm.OptionError, match="no path"):
        r.specific_effect("Image", "Loyalty", "Satisfaction")


def test_fit_measures_zero_at_composite_population():
    from test_pls import _composite_population
    S, _, _, syntax = _composite_population()
    rng = np.random.default_rng(11)
    X = rng.multivariate_normal(np.zeros(9), S, size=400)
    df = pd.DataFrame(X, columns=[f"{c}{i}" for c in "abc" for i in (1, 2, 3)])
    r = tm.fit(syntax, df, estimator="PLS")
    fm = r.fit_measures
    assert fm.loc["saturated", "srmr"] < 0.03
    from trustmodel.pls import quality as q
    out = {k: np.asarray(r._est[k])[None] for k in ("S", "W", "C", "B")}
    Sig = q.implied_item_correlations(out["S"], out["W"], out["C"], r.spec)[0]
    p = Sig.shape[0]
    iu = np.triu_indices(p, 1)
    assert fm.loc["saturated", "srmr"] == pytest.approx(
        np.sqrt(((r._S - Sig)[iu] ** 2).sum() / (p * (p + 1) / 2)))
    test = r.exact_fit_test(B=200, seed=3)
    sat = test[test.model == "saturated"].set_index("statistic")
    assert sat.loc["srmr", "pvalue"] > 0.01 and (test.failed == 0).all()


# --------------------------------------------------------------------------- reports
def test_plot_and_cli_json(mobi, tmp_path, capsys):
    import matplotlib
    matplotlib.use("Agg")
    r = tm.fit(MOD, mobi, estimator="PLS", interaction="two_stage")
    fig = r.plot()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("Image x Expectation" in t for t in texts)
    assert f"{r.path_coefficients.loc['Value', 'Satisfaction']:.2f}" in " ".join(texts)
    d = json.loads(r.to_json(tmp_path / "r.json"))
    assert (tmp_path / "r.json").exists() and d["schema"] == "trustmodel.fit/1"
    assert "Image:Expectation" in {p["rhs"] for p in d["params"]}
    csv = tmp_path / "mobi.csv"
    mobi.to_csv(csv, index=False)
    from trustmodel import cli
    model = tmp_path / "m.lav"
    model.write_text(SMALL)
    assert cli.main(["fit", str(csv), str(model), "--estimator", "PLS", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["estimator"] == "PLS"
    assert cli.main(["fit", str(csv), str(model), "--estimator", "PLS", "--markdown"]) == 0
    assert "**Paths**" in capsys.readouterr().out


# --------------------------------------------------------------------------- HOC builders
CDV_ITEMS = dict(value={"product": ["pv1", "pv2", "pv3"], "service": ["sv1", "sv2", "sv3"],
                        "personnel": ["psv1", "psv2", "psv3"], "image": ["iv1", "iv2", "iv3"]},
                 cost={"monetary": ["mc1", "mc2", "mc3"], "time": ["tc1", "tc2", "tc3"],
                       "energy": ["ec1", "ec2", "ec3"], "physical": ["pc1", "pc2", "pc3"]},
                 perceived_value=["val1", "val2", "val3"], satisfaction=["sat1", "sat2", "sat3"])


@pytest.mark.parametrize("hoc", ["two_stage", "repeated"])
def test_customer_delivered_value_under_pls(hoc):
    cdv = tm.datasets.load("cdv")
    r = tm.fit(tm.CustomerDeliveredValue(**CDV_ITEMS), cdv, estimator="PLS", hoc=hoc,
               se="bootstrap", bootstrap=60, seed=1, progress=False)
    B = r.path_coefficients
    assert B.loc["TCV", "VAL"] > 0.3 and B.loc["TCC", "VAL"] < -0.2
    d = r.defined.set_index("lhs")
    assert d.loc["value_cost_balance", "est"] == pytest.approx(B.loc["TCV", "VAL"]
                                                               + B.loc["TCC", "VAL"])
    assert d.loc["tcv_val_sat", "est"] == pytest.approx(B.loc["TCV", "VAL"] * B.loc["VAL", "SAT"])
    k = [list(zip(r.paths.rhs, r.paths.lhs)).index(p) for p in [("TCV", "VAL"), ("TCC", "VAL")]]
    assert d.loc["value_cost_balance", "se"] == pytest.approx(r.boot[:, k].sum(axis=1).std(ddof=1))
    rel = r.hoc_reliability
    assert list(rel.index) == ["TCV", "TCC"] and (rel.rhoC > 0.8).all()
    if hoc == "two_stage":
        lam = r.outer_loadings.loc[["PV", "SV", "PSV", "IV"], "TCV"]
    else:
        lam = B.loc["TCV", ["PV", "SV", "PSV", "IV"]]
    assert rel.loc["TCV", "AVE"] == pytest.approx(float(np.mean(lam ** 2)))


def test_defined_parameter_errors(mobi):
    with pytest.raises(tm.ModelSyntaxError, match="label no path"):
        tm.fit(SMALL + "ab := a*b\n", mobi, estimator="PLS")
    with pytest.raises(tm.ModelSyntaxError, match="only arithmetic"):
        tm.fit(SMALL.replace("Expectation ~ Image", "Expectation ~ a*Image")
               + "ab := __import__(a)\n", mobi, estimator="PLS")


def test_cvpat_against_paired_t(mobi):
    from scipy import stats
    out = tm.cvpat(SMALL, mobi, benchmark="LM", folds=5, seed=7, B=300)
    s_cv = int(np.random.SeedSequence(7).generate_state(1, np.uint64)[0])
    pp = tm.plspredict(SMALL, mobi, folds=5, repeats=1, seed=s_cv, technique="EA")
    lp = ((pp.actuals - pp.pls_predictions) ** 2).mean(axis=1)
    ll = ((pp.actuals - pp.lm_predictions) ** 2).mean(axis=1)
    t = stats.ttest_rel(ll, lp)
    row = out.loc["Overall"]
    assert row["pls_loss"] == pytest.approx(lp.mean())
    assert row["t"] == pytest.approx(t.statistic) and row["pvalue"] == pytest.approx(t.pvalue)
    sat = ((pp.actuals - pp.pls_predictions)[["CUSA1", "CUSA2", "CUSA3"]] ** 2).mean(axis=1)
    assert out.loc["Satisfaction", "pls_loss"] == pytest.approx(sat.mean())
    assert list(out.index) == ["Expectation", "Satisfaction", "Loyalty", "Overall"]
    # a model against itself: no difference
    same = tm.cvpat(SMALL, mobi, benchmark=SMALL, folds=5, seed=7, B=100)
    assert_allclose(same["diff"], 0.0, atol=1e-12)


def test_interaction_models_in_groups(mobi):
    df = mobi.assign(seg=np.arange(250) % 2)
    res = tm.fit(MOD, df, estimator="PLS", group="seg", interaction="two_stage")
    sub = tm.fit(MOD, df[df.seg == 1], estimator="PLS", interaction="two_stage")
    assert_allclose(res[1].path_coefficients, sub.path_coefficients)
    out = res.compare_groups("permutation", B=100, seed=2).set_index("rhs")
    assert 0 < out.loc["Image:Expectation", "pvalue"] <= 1
