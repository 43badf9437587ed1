"""Ordinal fits downstream: theory builders, effects, the invariance ladder, power."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

REFS = Path(__file__).parent / "refs" / "ordinal"
DATA = pd.read_csv(REFS / "likert.csv")
YS = [f"y{i}" for i in range(1, 9)]
M2 = "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8"


def test_edt_builder_with_ordered_matches_lavaan():
    """The EDT builder's model is lavaan's edt_wlsmv case; its named indirect effect
    PERF -> DISC -> SAT is lavaan's ``ind := a*b``."""
    ref = json.loads((REFS / "edt_wlsmv.json").read_text())
    edt = tm.ExpectationDisconfirmation(
        expectation=["exp1", "exp2", "exp3"], performance=["perf1", "perf2", "perf3"],
        disconfirmation=["disc1", "disc2", "disc3"], satisfaction=["sat1", "sat2", "sat3"])
    res = tm.fit(edt, DATA, ordered=True)
    assert res.estimator == "WLSMV"
    assert res.fit_measures["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=1e-5)
    assert res.fit_measures["chisq_scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-5)
    P = pd.DataFrame(ref["params"])
    ind = P[P["op"] == ":="].iloc[0]
    eff = res.effects.set_index("name").loc["PERF->DISC->SAT"]
    assert eff["est"] == pytest.approx(ind["est"], abs=1e-5)
    assert eff["se"] == pytest.approx(ind["se"], abs=1e-5)


def test_invariance_ladder_with_ordered():
    inv = tm.invariance(M2, DATA, group="g", ordered=YS)
    assert list(inv.table["level"]) == ["configural", "thresholds", "metric"]
    for level, case in (("configural", "groups_configural"), ("thresholds", "groups_thresholds"),
                        ("metric", "groups_wlsmv")):
        ref = json.loads((REFS / f"{case}.json").read_text())
        fm = inv.fits[level].fit_measures
        assert fm["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=1e-5)
        assert fm["df"] == ref["fit"]["df"]
    assert inv.highest == "metric"
    lrt = json.loads((REFS / "lrt_groups.json").read_text())   # lavTestLRT, Satorra (2000)
    np.testing.assert_allclose(inv.table["delta_chisq"].to_numpy()[1:], lrt["chisq_diff"][1:],
                               rtol=1e-5)
    np.testing.assert_allclose(inv.table["pvalue"].to_numpy()[1:], lrt["pvalue"][1:], rtol=1e-5)
    # the simulated data shift both latent means of group 2 by 0.3 SD
    assert np.all(np.abs(inv.latent_means["est"] - 0.3) < 0.15)
    with pytest.raises(tm.OptionError, match="intercepts"):
        tm.invariance(M2, DATA, group="g", ordered=YS, levels=("configural", "scalar"))
    with pytest.raises(tm.OptionError, match="theta"):
        tm.invariance(M2, DATA, group="g", ordered=YS, levels=("configural", "strict"))


def test_invariance_ladder_theta_to_strict_and_means():
    """Wu & Estabrook's ladder under theta (configural, thresholds, metric, strict, means)
    against lavaan's fits and lavTestLRT (tests/refs/scripts/ordinal_invariance.R)."""
    ref = json.loads((REFS / "ladder_theta.json").read_text())
    inv = tm.invariance(M2, DATA, group="g", ordered=YS, parameterization="theta",
                        levels=list(ref["levels"]))
    assert list(inv.table["level"]) == list(ref["levels"])
    for level, fm_ref in ref["fits"].items():
        fm = inv.fits[level].fit_measures
        assert fm["df"] == fm_ref["df"]
        for key in ("chisq", "chisq.scaled", "cfi", "rmsea"):
            assert fm[key.replace(".", "_")] == pytest.approx(fm_ref[key], rel=1e-5, abs=1e-7)
    for row in ref["lrt"]:
        mine = inv.table.set_index("level").loc[row["level"]]
        assert mine["delta_df"] == row["df_diff"]
        assert mine["delta_chisq"] == pytest.approx(row["chisq_diff"], rel=1e-5)
        assert mine["pvalue"] == pytest.approx(row["pvalue"], rel=1e-5, abs=1e-10)
    if inv.highest in ("metric", "strict"):
        assert len(inv.latent_means) == 2


@pytest.mark.parametrize("case", ["lrt_wlsmv", "lrt_wlsm", "lrt_groups"])
def test_compare_nested_ordinal_fits_as_lavtestlrt(case):
    ref = json.loads((REFS / f"{case}.json").read_text())
    opts = ref["options"]
    fits = []
    for model, equal in zip(ref["models"], ref["equal"]):
        equal = [equal] if isinstance(equal, str) and equal else (equal or [])
        fits.append(tm.fit(model, DATA, ordered=ref["ordered"], estimator=opts["estimator"],
                           group=opts.get("group"), group_equal=equal))
    tab = tm.compare(*fits)
    np.testing.assert_allclose(tab["chisq"], ref["chisq"], rtol=1e-5)
    np.testing.assert_allclose(tab["chisq_diff"].to_numpy()[1:], ref["chisq_diff"][1:],
                               rtol=1e-5)
    np.testing.assert_allclose(tab["pvalue"].to_numpy()[1:], ref["pvalue"][1:], rtol=1e-5)


@pytest.mark.slow
def test_power_with_likert_data_analysed_by_wlsmv():
    pop = "f =~ 0.8*x1 + 0.7*x2 + 0.7*x3 + 0.6*x4\ny =~ 0.8*y1 + 0.7*y2 + 0.7*y3\ny ~ 0.4*f"
    res = tm.power(pop, n=[250], reps=12, seed=3, standardized=True, likert=5,
                   analysis="WLSMV")
    row = res.iloc[0]
    assert res.attrs["estimator"] == "WLSMV"
    assert row["n_converged"] == 12
    # WLSMV on the polychorics targets the latent-response coefficient (0.4 standardized)
    assert row["population"] == pytest.approx(0.4, abs=0.03)
    assert abs(row["mean_est"] - 0.4) < 3 * row["sd_est"] / np.sqrt(12) + 0.02
    assert row["power"] > 0.8
    with pytest.raises(tm.OptionError, match="likert="):
        tm.power(pop, n=[100], reps=2, seed=1, estimator="WLSMV")


@pytest.mark.parametrize("parameterization", ["delta", "theta"])
def test_simulated_likert_data_recover_the_latent_model(parameterization):
    """tm.simulate(likert=5) then WLSMV: standardized loadings and path near the population
    (N = 2000: their sampling SD is about 0.015), and the result serialises to JSON."""
    pop = "SAT =~ 0.8*s1 + 0.7*s2 + 0.75*s3\nLOY =~ 0.8*l1 + 0.7*l2 + 0.6*l3\nLOY ~ 0.5*SAT"
    d = tm.simulate(pop, 2000, seed=5, likert=5, standardized=True)
    res = tm.fit("SAT =~ s1 + s2 + s3\nLOY =~ l1 + l2 + l3\nLOY ~ SAT", d, ordered=True,
                 parameterization=parameterization)
    p = res.params.set_index(["lhs", "op", "rhs"])["std_all"]
    truth = {("SAT", "=~", "s1"): 0.8, ("SAT", "=~", "s2"): 0.7, ("SAT", "=~", "s3"): 0.75,
             ("LOY", "=~", "l1"): 0.8, ("LOY", "=~", "l2"): 0.7, ("LOY", "=~", "l3"): 0.6,
             ("LOY", "~", "SAT"): 0.5}
    for key, value in truth.items():
        assert abs(p[key] - value) < 0.06, key
    assert json.loads(json.dumps(res.to_dict()))["estimator"] == "WLSMV"


@pytest.mark.slow
def test_bootstrap_of_ordinal_fit():
    """Ordinary bootstrap rerunning the three stages: SEs near the robust (sandwich) ones,
    the same seed gives the same draws; BCa needs as many resamples as cases (lavaan)."""
    model = "f =~ y1 + a*y2 + y3 + y4\nf ~~ v*f\nav := a*v"
    robust = tm.fit(model, DATA, ordered=True)
    boot = tm.fit(model, DATA, ordered=True, se="bootstrap", bootstrap=60, seed=11)
    again = tm.fit(model, DATA, ordered=True, se="bootstrap", bootstrap=60, seed=11)
    np.testing.assert_array_equal(boot.bootstrap.draws, again.bootstrap.draws)
    free = robust.params["se"] > 0
    ratio = boot.params.loc[free, "se"] / robust.params.loc[free, "se"]
    assert ratio.between(0.6, 1.5).all(), ratio.to_numpy()
    assert boot.params["est"].equals(robust.params["est"])
    lo, hi = boot.params["ci_lower"], boot.params["ci_upper"]
    assert ((lo <= boot.params["est"]) & (boot.params["est"] <= hi)).all()
    assert boot.options["se"] == "bootstrap"
    with pytest.raises(tm.OptionError, match="BCa intervals need at least"):
        tm.fit(model, DATA, ordered=True, se="bootstrap", bootstrap=5, seed=1,
               boot_ci_type="bca")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::trustmodel.BootstrapFailureWarning")  # empty categories
def test_bca_acceleration_from_regression_influence_values():
    """lavaan's BCa for ordinal fits: influence values by regressing the draws on the case
    frequencies. A threshold is qnorm of a cumulative proportion, whose influence function is
    known: (1{y <= k} - p) / phi(t); the regression values must follow it."""
    from scipy import stats as sst
    small = DATA.iloc[:80]
    model = "f =~ y1 + y2 + y3 + y4"
    res = tm.fit(model, small, ordered=True, se="bootstrap", bootstrap=300, seed=3,
                 boot_ci_type="bca")
    k = res.table.free_names().index("y1|t2")
    infl = -res.bootstrap.jackknife[:, k]
    codes = np.searchsorted(np.sort(small["y1"].unique()), small["y1"].to_numpy())
    p = np.mean(codes <= 1)
    exact = ((codes <= 1) - p) / sst.norm.pdf(sst.norm.ppf(p))
    assert np.corrcoef(infl, exact)[0, 1] > 0.95
    from trustmodel.estimation.inference.intervals import interval
    P = res.params
    free = P["se"] > 0
    assert ((P.loc[free, "ci_lower"] <= P.loc[free, "est"])
            & (P.loc[free, "est"] <= P.loc[free, "ci_upper"])).all()
    ok = res.bootstrap.ok
    t = res.bootstrap.draws[ok, k]
    row = P.index[(P["lhs"] == "y1") & (P["op"] == "|") & (P["rhs"] == "t2")][0]
    simple = interval(t, P.loc[row, "est"], 0.95, "bca_simple")
    assert (P.loc[row, "ci_lower"], P.loc[row, "ci_upper"]) != pytest.approx(simple)  # a != 0
