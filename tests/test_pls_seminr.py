"""PLS against seminr's golden outputs (tests/refs/seminr/*.json, copied with provenance from
sem-in-r/seminr's tests/fixtures on the mobi data)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import trustmodel as tm
from test_pls import ECSI_SYNTAX

REFS = Path(__file__).parent / "refs" / "seminr"


def load(name):
    return json.loads((REFS / name).read_text())


def frame(d) -> pd.DataFrame:
    df = pd.DataFrame(d).T.astype(float)
    rename = lambda s: s.replace("*", ":")
    return df.rename(index=rename, columns=rename)


def max_dev(ours: pd.DataFrame, ref: pd.DataFrame) -> float:
    ours = ours.reindex(index=ref.index, columns=ref.columns)
    assert not ours.isna().any().any(), "rows/columns missing from our result"
    return float(np.max(np.abs(ours.to_numpy() - ref.to_numpy())))


def fit_case(case, **extra):
    opts = {k: v for k, v in case["options"].items()}
    return tm.fit(case["syntax"], tm.datasets.load(case["data"]), **opts, **extra)


CASES = [("interaction_product_indicator_factorial.json", ["path_coef"]),
         ("hoc_two_stage.json", ["outer_weights", "outer_loadings"]),
         ("hoc_two_stage_interaction.json", ["path_coef", "outer_weights", "outer_loadings"]),
         ("plsc_factorial.json", ["path_coef", "outer_loadings", "reliability"]),
         ("plsc_interaction_orthogonal.json", ["reliability"])]
VIEWS = {"path_coef": "path_coefficients", "outer_weights": "outer_weights",
         "outer_loadings": "outer_loadings", "reliability": "reliability"}


@pytest.mark.parametrize("name, keys", CASES)
def test_deterministic_against_seminr(name, keys):
    case = load(name)
    res = fit_case(case)
    assert res.converged
    for key in keys:
        assert max_dev(getattr(res, VIEWS[key]), frame(case[key])) < 1e-9, key


def test_plsc_interaction_paths_as_printed():
    case = load("plsc_interaction_orthogonal.json")
    res = fit_case(case)
    ref = frame(case["paths_rounded_3"])["Satisfaction"]
    ours = res.path_coefficients["Satisfaction"]
    for name in ("Image", "Expectation", "Value", "Image:Expectation"):
        assert round(ours[name], 3) == pytest.approx(ref[name], abs=1e-9), name
    assert round(res.r2.loc["Satisfaction", "r2"], 3) == ref["R^2"]
    assert round(res.r2.loc["Satisfaction", "r2_adj"], 3) == ref["AdjR^2"]


@pytest.fixture(scope="module")
def boot_case():
    case = load("composite_evaluation_bootstrap.json")
    return case, fit_case(case, se="bootstrap", bootstrap=case["nboot"], seed=123,
                          progress=False)


def _pair(name):
    a, b = [s.strip() for s in name.split("->")]
    return a, b


def test_evaluation_deterministic(boot_case):
    case, res = boot_case
    assert max_dev(res.reliability, frame(case["reliability"])) < 1e-9
    for name, row in case["bootstrapped_paths"].items():
        a, b = _pair(name)
        assert res.path_coefficients.loc[a, b] == pytest.approx(row["Original Est."], abs=1e-9)
    for name, row in case["bootstrapped_htmt"].items():
        a, b = _pair(name)
        assert res.htmt.loc[a, b] == pytest.approx(row["Original Est."], abs=1e-9)


def test_bootstrap_within_monte_carlo_error(boot_case):
    """seminr's bootstrap used R's RNG: SDs agree within Monte Carlo error (the SD of a
    500-draw bootstrap SD is about SD / sqrt(1000), 3%; allow 20%) and the interval ends
    within a fraction of an SD."""
    case, res = boot_case
    paths = res.paths.set_index(["rhs", "lhs"])
    for name, row in case["bootstrapped_paths"].items():
        ours = paths.loc[_pair(name)]
        assert ours["se"] == pytest.approx(row["Bootstrap SD"], rel=0.2)
        assert abs(ours["ci_lower"] - row["2.5% CI"]) < 0.5 * row["Bootstrap SD"]
        assert abs(ours["ci_upper"] - row["97.5% CI"]) < 0.5 * row["Bootstrap SD"]
    h = res.htmt_inference.query("statistic == 'HTMT'").set_index(["lhs", "rhs"])
    for name, row in case["bootstrapped_htmt"].items():
        a, b = _pair(name)
        ours = h.loc[(a, b)] if (a, b) in h.index else h.loc[(b, a)]
        assert ours["se"] == pytest.approx(row["Bootstrap SD"], rel=0.25)


def corp_rep():
    return pd.read_csv(REFS / "corp_rep_data.csv", sep=";").replace(-99, np.nan)


def test_mean_replacement_against_seminr():
    case = load("missing_mean_replacement.json")
    data = corp_rep()
    simple = case["simple"]
    with pytest.warns(tm.DataWarning, match="replaced by item means"):
        r = tm.fit(simple["syntax"], data, **simple["options"])
    for src, row in simple["path_coef"].items():
        for dst, v in row.items():
            assert r.path_coefficients.loc[src, dst] == pytest.approx(v, abs=1e-9)
    assert r.missing_report["replaced"] == simple["replaced"]
    raw = pd.read_csv(REFS / "corp_rep_data.csv", sep=";")          # -99 codes, as seminr
    with pytest.warns(tm.DataWarning):
        r99 = tm.fit(simple["syntax"], raw, missing_value=-99, **simple["options"])
    assert_frame_equal(r99.path_coefficients, r.path_coefficients)
    ext = case["extended"]
    with pytest.warns(tm.DataWarning):
        r = tm.fit(ext["syntax"], data, se="bootstrap", bootstrap=ext["nboot"], seed=1,
                   progress=False, **ext["options"])
    paths = r.paths.set_index(["rhs", "lhs"])
    for name, v in ext["paths"].items():
        key = _pair(name)
        assert paths.loc[key, "est"] == pytest.approx(v, abs=1e-9), name
        # seminr's 200 bootstrap draws came from R's RNG: SDs within Monte Carlo error
        assert paths.loc[key, "se"] == pytest.approx(ext["bootstrap_sd"][name], rel=0.25)


@pytest.mark.parametrize("technique", ["DA", pytest.param("EA", marks=pytest.mark.slow)])
def test_plspredict_loocv_against_seminr(technique):
    case = load("predict_corp_rep_loocv.json")
    with pytest.warns(tm.DataWarning):
        pp = tm.plspredict(case["syntax"], corp_rep(), folds=None, repeats=None,
                           technique=technique, **case["options"])
    cols = {"PLS_in_sample_RMSE": "PLS_RMSE_in", "PLS_in_sample_MAE": "PLS_MAE_in",
            "PLS_out_of_sample_RMSE": "PLS_RMSE", "PLS_out_of_sample_MAE": "PLS_MAE",
            "LM_in_sample_RMSE": "LM_RMSE_in", "LM_in_sample_MAE": "LM_MAE_in",
            "LM_out_of_sample_RMSE": "LM_RMSE", "LM_out_of_sample_MAE": "LM_MAE"}
    ref = pd.DataFrame(case[technique]).T.rename(index=cols).T
    ours = pp.items[ref.columns].loc[ref.index]
    assert np.abs(ours.to_numpy() - ref.to_numpy()).max() < 1e-9


def test_plspredict_two_stage_interaction_loocv():
    """seminr's two-stage LOOCV (see the JSON's provenance: its held-out rows carry the
    full-sample interaction item, two_stage_items="full_sample"); trustmodel's default
    rebuilds the held-out rows' item with the fold's stage-1 weights and differs slightly."""
    case = load("predict_two_stage_loocv.json")
    names = {"PLS_in_sample": "PLS_{}_in", "PLS_out_of_sample": "PLS_{}",
             "LM_in_sample": "LM_{}_in", "LM_out_of_sample": "LM_{}"}
    runs = {mode: tm.plspredict(case["syntax"], corp_rep(), folds=None, repeats=None,
                                technique=case["technique"], two_stage_items=mode,
                                **case["options"])
            for mode in ("full_sample", "fold")}
    pp = runs[case["two_stage_items"]]
    for group, items in case["metrics"].items():
        for item, m in items.items():
            for stat, v in m.items():
                ours = pp.items.loc[item, names[group].format(stat)]
                assert ours == pytest.approx(v, abs=1e-10), (group, item, stat)
    residuals = pp.actuals - pp.pls_predictions
    for item, rows in case["prediction_error_sample"].items():
        for row, v in rows.items():
            assert residuals[item].iloc[int(row) - 1] == pytest.approx(v, abs=1e-10)
    gap = (runs["fold"].items - pp.items).abs()
    assert 1e-6 < gap["PLS_RMSE"].max() < 1e-3
    assert gap[["LM_RMSE", "LM_MAE"]].to_numpy().max() < 1e-12


def test_two_stage_items_option_checked():
    case = load("predict_two_stage_loocv.json")
    with pytest.raises(tm.OptionError, match="two_stage_items"):
        tm.plspredict(case["syntax"], corp_rep(), two_stage_items="test", **case["options"])


ECSI_COMPOSITES = ECSI_SYNTAX         # seminr-ts's m2: every block Mode A (composites)


def test_mga_against_seminr_with_its_resamples():
    """seminr's estimate_pls_mga golden output (mga_ecsi.json) with seminr's own bootstrap
    resamples (mga_indices.json, regenerated with R): group paths, bootstrap means and the
    PLS-MGA p-values all reproduced."""
    case, idx = load("mga_ecsi.json"), load("mga_indices.json")
    mobi = tm.datasets.load("mobi")
    cond = (mobi["CUEX1"] < 8).to_numpy()
    assert cond.astype(int).tolist() == case["group1_condition"]
    full = tm.fit(ECSI_COMPOSITES, mobi, estimator="PLS")
    res = tm.fit(ECSI_COMPOSITES, mobi.assign(g=cond), estimator="PLS", group="g")
    indices = (np.array(idx["group1"]) - 1, np.array(idx["group2"]) - 1)
    mga = res.compare_groups("mga", groups=(True, False), indices=indices).set_index(
        ["rhs", "lhs"])
    from trustmodel.pls.groups import _path_boot
    means = [_path_boot(res[g], None, None, 1, i).mean(axis=0) for g, i in
             zip((True, False), indices)]
    order = [(r, lhs) for r, lhs in zip(mga.index.get_level_values(0),
                                        mga.index.get_level_values(1))]
    for name, ref in case["paths"].items():
        key = _pair(name)
        k = order.index(key)
        assert full.path_coefficients.loc[key] == pytest.approx(ref["estimate"], abs=1e-10)
        assert mga.loc[key, "est_True"] == pytest.approx(ref["group1_beta"], abs=1e-10)
        assert mga.loc[key, "est_False"] == pytest.approx(ref["group2_beta"], abs=1e-10)
        assert mga.loc[key, "diff"] == pytest.approx(ref["diff"], abs=1e-10)
        # replicates start at the group's weights (seminr: at ones), both stop at
        # sum |dW| < 1e-7: their means agree to ~1e-10
        assert means[0][k] == pytest.approx(ref["group1_beta_mean"], abs=1e-8)
        assert means[1][k] == pytest.approx(ref["group2_beta_mean"], abs=1e-8)
        assert mga.loc[key, "pvalue"] == pytest.approx(ref["pls_mga_p"], abs=1e-12), name


def test_mga_indices_checked():
    mobi = tm.datasets.load("mobi").assign(g=np.arange(250) % 2)
    res = tm.fit("A =~ IMAG1 + IMAG2\nS =~ CUSA1 + CUSA2\nS ~ A", mobi, estimator="PLS",
                 group="g")
    bad = (np.full((5, 125), 125), np.zeros((5, 125), dtype=int))
    with pytest.raises(tm.OptionError, match="indices="):
        res.compare_groups("mga", indices=bad)
    with pytest.raises(tm.OptionError, match="permutation"):
        res.compare_groups("permutation", indices=bad)


def test_bootstrap_against_seminr_with_its_resamples():
    """seminr's summary(bootstrap_model(m1, nboot = 200, seed = 123)) (bootstrap_m1.json)
    reproduced on seminr's own resamples: estimates, bootstrap SDs and percentile
    intervals of paths, weights, loadings and HTMT."""
    case = load("bootstrap_m1.json")
    idx = np.array(load("bootstrap_m1_indices.json")["indices"]) - 1
    res = tm.fit(case["syntax"], tm.datasets.load("mobi"), estimator="PLS", se="bootstrap",
                 bootstrap_indices=idx)
    assert res.options["bootstrap"] == 200 and res.n_boot_failed == 0
    tables = {"paths": res.paths.set_index(["rhs", "lhs"]),
              "weights": res.weights.set_index(["rhs", "lhs"]),
              "loadings": res.loadings.set_index(["rhs", "lhs"])}
    h = res.htmt_inference.query("statistic == 'HTMT'").set_index(["lhs", "rhs"])
    dev = {"est": 0.0, "se": 0.0, "ci": 0.0}
    for kind in ("paths", "weights", "loadings", "htmt"):
        for name, ref in case[kind].items():
            a, b = _pair(name)
            row = (h.loc[(a, b)] if (a, b) in h.index else h.loc[(b, a)]) if kind == "htmt" \
                else tables[kind].loc[(a, b)]
            dev["est"] = max(dev["est"], abs(row["est"] - ref["Original Est."]))
            dev["se"] = max(dev["se"], abs(row["se"] - ref["Bootstrap SD"]))
            dev["ci"] = max(dev["ci"], abs(row["ci_lower"] - ref["2.5% CI"]),
                            abs(row["ci_upper"] - ref["97.5% CI"]))
    assert dev["est"] < 1e-10, dev
    assert dev["se"] < 1e-8 and dev["ci"] < 1e-8, dev


def test_bootstrap_indices_checked(mobi_small=None):
    mobi = tm.datasets.load("mobi")
    with pytest.raises(tm.OptionError, match="indices="):
        tm.fit("A =~ IMAG1 + IMAG2\nS =~ CUSA1 + CUSA2\nS ~ A", mobi, estimator="PLS",
               se="bootstrap", bootstrap_indices=np.zeros((3, 10), dtype=int))
    with pytest.raises(tm.OptionError, match="se='bootstrap'"):
        tm.fit("A =~ IMAG1 + IMAG2\nS =~ CUSA1 + CUSA2\nS ~ A", mobi, estimator="PLS",
               bootstrap_indices=np.zeros((3, 250), dtype=int))


def test_mediation_against_seminr_with_its_resamples():
    """seminr's specific_effect_significance and total_indirect_ci on
    bootstrap_model(m2, nboot = 100, seed = 456) (mediation_m2.json), on seminr's draws."""
    case = load("mediation_m2.json")
    idx = np.array(load("bootstrap_m2_indices.json")["indices"]) - 1
    res = tm.fit(ECSI_COMPOSITES, tm.datasets.load("mobi"), estimator="PLS", se="bootstrap",
                 bootstrap_indices=idx)
    paths = res.paths.set_index(["rhs", "lhs"])
    for name, ref in case["specific_effects"].items():
        route = [s.strip() for s in name.split("->")]
        ours = paths.loc[tuple(route)] if len(route) == 2 else res.specific_effect(*route)
        assert ours["est"] == pytest.approx(ref["Original Est."], abs=1e-10), name
        assert ours["se"] == pytest.approx(ref["Bootstrap SD"], abs=1e-8), name
        assert ours["ci_lower"] == pytest.approx(ref["2.5% CI"], abs=1e-8), name
        assert ours["ci_upper"] == pytest.approx(ref["97.5% CI"], abs=1e-8), name
    ind = res.effects.query("effect == 'indirect'").set_index(["rhs", "lhs"])
    for name, (lo, hi) in case["total_indirect_ci"].items():
        row = ind.loc[_pair(name)]
        assert row["ci_lower"] == pytest.approx(lo, abs=1e-8), name
        assert row["ci_upper"] == pytest.approx(hi, abs=1e-8), name


def _matrix(d) -> pd.DataFrame:
    return pd.DataFrame(d["values"], index=d["rows"], columns=d["cols"], dtype=float)


def _dev(ours: pd.DataFrame, ref: pd.DataFrame) -> float:
    """Largest deviation over the reference's non-missing cells."""
    o = ours.reindex(index=ref.index, columns=ref.columns).to_numpy(dtype=float)
    r = ref.to_numpy()
    keep = np.isfinite(r)
    assert np.isfinite(o[keep]).all(), "cells missing from our result"
    return float(np.abs(o[keep] - r[keep]).max())


def test_evaluation_suite_against_seminr():
    """seminr's summary() internals on the full ECSI model (evaluation_m2.json): every
    value of reliability, HTMT, Fornell-Larcker, cross-loadings, item and antecedent VIFs,
    f², R², total and total indirect effects and the AIC/BIC criteria."""
    case = load("evaluation_m2.json")
    res = tm.fit(ECSI_COMPOSITES, tm.datasets.load("mobi"), estimator="PLS")
    fl = res.fornell_larcker.copy()
    fl = fl.where(np.tril(np.ones(fl.shape, dtype=bool)))
    te = res.total_effects
    f2 = res.f2.pivot(index="rhs", columns="lhs", values="f2")
    ivif = res.vif_outer.set_index(["construct", "indicator"])["vif"]
    avif = res.vif_inner.set_index(["lhs", "rhs"])["vif"]
    devs = {"reliability": _dev(res.reliability, _matrix(case["reliability"])),
            "htmt": _dev(res.htmt, _matrix(case["htmt"])),
            "fl": _dev(fl, _matrix(case["fl_criteria"])),
            "cross_loadings": _dev(res.cross_loadings, _matrix(case["cross_loadings"])),
            "total": _dev(te, _matrix(case["total_effects"])),
            "indirect": _dev(te - res.path_coefficients, _matrix(case["total_indirect_effects"])),
            "f2": _dev(f2, _matrix(case["f_square"]).replace(0.0, np.nan)),
            "it": _dev(res.it_criteria.T, _matrix(case["it_criteria"])),
            "r2": max(abs(res.r2.loc[c, "r2"] - v) for c, v in case["r2"]["R^2"].items()),
            "r2_adj": max(abs(res.r2.loc[c, "r2_adj"] - v)
                          for c, v in case["r2"]["AdjR^2"].items()),
            "item_vif": max(abs(ivif[(c, i)] - v) for c, d in case["item_vifs"].items()
                            for i, v in d.items()),
            "antecedent_vif": max(abs(avif[(c, a)] - v) for c, d in
                                  case["antecedent_vifs"].items() for a, v in d.items()
                                  if v is not None)}
    assert max(devs.values()) < 1e-10, devs


PREDICT_GROUPS = {"PLS_in_sample": "PLS_{}_in", "PLS_out_of_sample": "PLS_{}",
                  "LM_in_sample": "LM_{}_in", "LM_out_of_sample": "LM_{}"}


@pytest.mark.parametrize("name", ["m1_da", "m2_da", "m2_ea", "m4pi_da", "m4ortho_da",
                                  "m4ts_da"])
def test_plspredict_10fold_against_seminr(name):
    """seminr's predict_pls with 10 folds on mobi (predict_mobi_10fold.json), on seminr's
    own fold assignment (folds= as an array)."""
    case = load("predict_mobi_10fold.json")["cases"][name]
    fold = np.array(load("predict_mobi_folds.json")[f"s{case['seed']}"]["fold"])
    syntax = ECSI_COMPOSITES if case["syntax"] == "ECSI_COMPOSITES" else case["syntax"]
    extra = {"two_stage_items": "full_sample"} if name == "m4ts_da" else {}
    pp = tm.plspredict(syntax, tm.datasets.load("mobi"), folds=fold, repeats=None,
                       technique=case["technique"], estimator="PLS", **case["options"],
                       **extra)
    dev = 0.0
    for group, items in case.items():
        if group not in PREDICT_GROUPS:
            continue
        for item, m in items.items():
            for stat, v in m.items():
                dev = max(dev, abs(pp.items.loc[item, PREDICT_GROUPS[group].format(stat)] - v))
    assert dev < 1e-10, dev


def test_plspredict_fold_array_checked():
    mobi = tm.datasets.load("mobi")
    syntax = "A =~ IMAG1 + IMAG2\nS =~ CUSA1 + CUSA2\nS ~ A"
    with pytest.raises(tm.OptionError, match="one fold label per"):
        tm.plspredict(syntax, mobi, folds=np.arange(10), repeats=None)
    with pytest.raises(tm.OptionError, match="repeats="):
        tm.plspredict(syntax, mobi, folds=np.arange(250) % 5, repeats=3)


@pytest.mark.parametrize("name", ["m2_da", "m4ortho_da"])
def test_predict_new_data_against_seminr(name):
    """seminr's predict(model, testData = mobi[1:20, ]) (predict_direct.json, rows 1-5)."""
    case = load("predict_direct.json")
    c = case["cases"][name]
    mobi = tm.datasets.load("mobi")
    syntax = ECSI_COMPOSITES if c["syntax"] == "ECSI_COMPOSITES" else c["syntax"]
    res = tm.fit(syntax, mobi, estimator="PLS", **c["options"])
    ours = res.predict(mobi.iloc[:20], technique=c["technique"]).iloc[case["test_rows"]]
    ref = pd.DataFrame(c["predicted_items"], columns=c["items"], index=ours.index)
    assert np.abs(ours[c["items"]].to_numpy() - ref.to_numpy()).max() < 1e-10
