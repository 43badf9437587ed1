"""tm.power: Monte Carlo power analysis."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.power import PowerTable

# a latent predictor and an observed outcome: y ~ f with a standardized path
SMALL = "f =~ 0.8*x1 + 0.7*x2 + 0.7*x3\ny ~ {b}*f"
MEDIATION = """
X =~ 0.8*x1 + 0.75*x2 + 0.7*x3
M =~ 0.8*m1 + 0.75*m2 + 0.7*m3
Y =~ 0.8*y1 + 0.75*y2 + 0.7*y3
M ~ a*X
Y ~ b*M + c*X
ab := a*b
"""
COLUMNS = ["n", "effect", "power", "mc_ci_lower", "mc_ci_upper", "n_converged", "reps",
           "population", "mean_est", "mean_se", "sd_est"]


def test_large_effect_large_n_power_one():
    res = tm.power(SMALL.format(b=0.6), n=[500], reps=40, seed=1, standardized=True)
    assert isinstance(res, PowerTable)
    assert list(res.columns) == COLUMNS
    row = res.iloc[0]
    assert row["effect"] == "y ~ f"
    assert row["power"] == 1.0 and row["n_converged"] == 40
    assert row["mc_ci_lower"] > 0.9
    # marker metric: y ~ f = 0.6 / 0.8
    assert_allclose(row["population"], 0.75, rtol=1e-6)
    assert_allclose(row["mean_est"], 0.75, atol=0.03)


def test_zero_effect_power_is_alpha():
    res = tm.power(SMALL.format(b=0.0), n=[200], reps=600, seed=2, standardized=True)
    row = res.iloc[0]
    assert_allclose(row["population"], 0.0, atol=1e-8)
    # Type I error rate within 3 Monte Carlo SEs of alpha (600 reps: SE about 0.009)
    assert abs(row["power"] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 600)
    assert row["mc_ci_lower"] < row["power"] < row["mc_ci_upper"]
    # the Wald SE is right on average: mean SE close to the SD of the estimates
    assert_allclose(row["mean_se"], row["sd_est"], rtol=0.12)


def test_power_increases_with_n_and_alpha():
    res = tm.power(SMALL.format(b=0.2), n=[60, 400], reps=150, seed=3, standardized=True)
    assert res["power"].iloc[0] < res["power"].iloc[1]
    lax = tm.power(SMALL.format(b=0.2), n=[60], reps=150, seed=3, standardized=True, alpha=0.2)
    assert lax["power"].iloc[0] > res["power"].iloc[0]


def test_defined_effects_labels_and_paths():
    res = tm.power(MEDIATION, n=[300], reps=30, seed=4, standardized=True,
                   population={"a": 0.5, "b": 0.4, "c": 0.0},
                   effect=["ab", "a", "Y ~ X", ("Y", "~", "M")])
    assert res["effect"].to_list() == ["ab", "a", "Y ~ X", "Y ~ M"]
    pop = res.set_index("effect")["population"]
    # marker metric: a = 0.5 * 0.8 / 0.8, b = 0.4 * 0.8 / 0.8, product 0.2
    assert_allclose(pop["ab"], 0.2, rtol=1e-5)
    assert_allclose(pop["Y ~ X"], 0.0, atol=1e-8)
    powr = res.set_index("effect")["power"]
    assert powr["ab"] == 1.0 and powr["a"] == 1.0


def test_default_effects_every_defined_and_regression():
    res = tm.power(MEDIATION, n=[100], reps=5, seed=5, standardized=True,
                   population={"a": 0.5, "b": 0.4, "c": 0.1})
    assert res["effect"].to_list() == ["ab", "M ~ X", "Y ~ M", "Y ~ X"]


def test_same_seed_same_result_and_independent_of_n_jobs():
    kw = dict(n=[150], reps=24, seed=6, standardized=True)
    a = tm.power(SMALL.format(b=0.25), **kw)
    b = tm.power(SMALL.format(b=0.25), **kw)
    c = tm.power(SMALL.format(b=0.25), n_jobs=2, backend="threading", **kw)
    cols = ["power", "mean_est", "mean_se", "sd_est"]
    pd.testing.assert_frame_equal(pd.DataFrame(a[cols]), pd.DataFrame(b[cols]))
    pd.testing.assert_frame_equal(pd.DataFrame(a[cols]), pd.DataFrame(c[cols]))
    d = tm.power(SMALL.format(b=0.25), n=[150], reps=24, seed=7, standardized=True)
    assert d["mean_est"].iloc[0] != a["mean_est"].iloc[0]


@pytest.mark.slow
def test_independent_of_n_jobs_with_processes():
    kw = dict(n=[150, 300], reps=60, seed=8, standardized=True)
    a = tm.power(MEDIATION, population={"a": 0.3, "b": 0.3, "c": 0.1}, **kw)
    b = tm.power(MEDIATION, population={"a": 0.3, "b": 0.3, "c": 0.1}, n_jobs=2, **kw)
    cols = ["power", "mean_est", "mean_se", "sd_est"]
    pd.testing.assert_frame_equal(pd.DataFrame(a[cols]), pd.DataFrame(b[cols]))


def test_wishart_path_matches_raw_data_path_in_distribution():
    """Fast path (Wishart moments) and raw rows give the same sampling distribution."""
    from trustmodel.power import _Study, _resolve_effects
    from trustmodel.simulate import population_model
    from trustmodel.syntax import build_table
    pop = population_model(SMALL.format(b=0.3), standardized=True)
    sigma, mu = pop._moments[0], pop._moments[1]
    table = build_table("f =~ x1 + x2 + x3\ny ~ f")
    study = _Study(table=table, estimator="ML", sigma=sigma, mu=mu, x0=None,
                   effects=_resolve_effects(table, None), likert=None, cuts=None)
    study._setup()
    rng = np.random.default_rng(9)
    W = np.array([study.moments(rng, 40)[0] for _ in range(4000)])
    L = np.linalg.cholesky(sigma)
    raw = []
    for _ in range(4000):
        x = rng.standard_normal((40, 4)) @ L.T
        raw.append(np.cov(x.T, ddof=0))
    raw = np.array(raw)
    assert_allclose(W.mean(axis=0), raw.mean(axis=0), atol=0.02)
    assert_allclose(W.var(axis=0), raw.var(axis=0), rtol=0.1, atol=1e-3)
    # and E[S_ML] = (n - 1) / n Sigma
    assert_allclose(W.mean(axis=0), sigma * 39 / 40, atol=0.02)


def test_likert_path():
    res = tm.power(SMALL.format(b=0.5), n=[300], reps=20, seed=10, standardized=True,
                   likert=5)
    row = res.iloc[0]
    assert row["n_converged"] == 20 and row["power"] == 1.0
    assert res.attrs["likert"] == 5
    # the target is the (attenuated) value in the Likert data, which the estimates track
    assert_allclose(row["mean_est"], row["population"], atol=0.05)


def test_builder_model():
    edt = tm.ExpectationDisconfirmation(
        expectation=["e1", "e2", "e3"], performance=["p1", "p2", "p3"],
        disconfirmation=["d1", "d2", "d3"], satisfaction=["s1", "s2", "s3"],
        loyalty=["l1", "l2", "l3"])
    res = tm.power(edt, n=[400], reps=10, seed=11, effect=["exp_disc_sat", "SAT ~ DISC"])
    assert res["n_converged"].eq(10).all()
    assert_allclose(res.set_index("effect").loc["SAT ~ DISC", "population"], 0.5 * 0.85 / 0.8,
                    rtol=1e-6)


def test_str_and_attrs():
    res = tm.power(SMALL.format(b=0.3), n=[100], reps=10, seed=12, standardized=True)
    text = str(res)
    assert text.startswith("Monte Carlo power analysis: 10 replications per N, alpha = 0.05")
    assert "y ~ f" in text and "Wilson" in text
    assert res.attrs["seed"] == 12
    sub = res[res["n"] == 100]
    assert type(sub) is pd.DataFrame       # derived frames are plain DataFrames


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=[]), "n= must name at least one"),
    (dict(n=[1]), "n= must be at least 2"),
    (dict(reps=0), "reps= must be a positive integer"),
    (dict(alpha=1.5), "alpha= must lie"),
    (dict(estimator="MLR"), "estimator="),
    (dict(n_jobs=0), "n_jobs="),
    (dict(backend="mpi"), "backend="),
    (dict(effect="y ~ g"), "effect= 'y ~ g' is neither"),
    (dict(effect="x1 ~~ x2"), "effect= .*neither"),
])
def test_bad_input(kwargs, match):
    base = dict(n=[50], reps=2, seed=1, standardized=True)
    base.update(kwargs)
    with pytest.raises(tm.OptionError, match=match):
        tm.power(SMALL.format(b=0.3), **base)


def test_fixed_effect_rejected():
    with pytest.raises(tm.OptionError, match="fixed in the analysis model"):
        tm.power(SMALL.format(b=0.3), n=[50], reps=2, seed=1, standardized=True,
                 effect="f =~ x1")


@pytest.mark.slow
def test_edt_1000_reps():
    """The benchmark study: EDT, N = 300, 1000 replications."""
    from pathlib import Path
    import importlib.util
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_power.py"
    spec = importlib.util.spec_from_file_location("bench_power", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = tm.power(mod.POPULATION, n=[300], reps=1000, seed=2024, analysis=mod.ANALYSIS,
                   n_jobs=2)
    row = res.set_index("effect")
    assert row["n_converged"].eq(1000).all()
    assert row.loc["exp_disc_sat", "power"] > 0.95
    assert 0.25 < row.loc["SAT ~ EXP", "power"] < 0.45
    # estimates unbiased within MC error, SEs right within 10%
    assert_allclose(row["mean_est"], row["population"], atol=0.015)
    assert_allclose(row["mean_se"], row["sd_est"], rtol=0.1)
