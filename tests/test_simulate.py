"""tm.simulate and the population model behind it (lavaan's simulateData conventions)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.simulate import LITERATURE_PATHS, population_model

EDT_POPULATION = """
EXP =~ 0.75*e1 + 0.8*e2 + 0.7*e3
PERF =~ 0.8*p1 + 0.8*p2 + 0.75*p3
DISC =~ 0.8*d1 + 0.75*d2 + 0.7*d3
SAT =~ 0.85*s1 + 0.8*s2 + 0.8*s3
LOY =~ 0.8*l1 + 0.75*l2 + 0.7*l3
PERF ~ 0.4*EXP
DISC ~ 0.65*PERF + -0.3*EXP
SAT ~ 0.5*DISC + 0.25*PERF + 0.1*EXP
LOY ~ 0.6*SAT
"""
EDT_MODEL = tm.datasets.model("edt")
ONE_FACTOR = "f =~ 0.8*x1 + 0.7*x2 + 0.6*x3 + 0.5*x4"


def edt_file() -> str:
    from pathlib import Path
    return (Path(__file__).resolve().parents[2] / "shared" / "refs" / "scripts"
            / "edt_population.lav").read_text() if (
        Path(__file__).resolve().parents[2] / "shared").exists() else None


class TestPopulation:
    def test_standardized_solves_residual_variances(self):
        pop = population_model(EDT_POPULATION, standardized=True)
        assert_allclose(np.diag(pop.cov_all), 1.0, atol=1e-12)
        p = pop.params.set_index(["lhs", "op", "rhs"])["value"]
        # observed residuals 1 - lambda^2 (make_refs.R's resid())
        assert_allclose(p[("e1", "~~", "e1")], 1 - 0.75 ** 2)
        assert_allclose(p[("s1", "~~", "s1")], 1 - 0.85 ** 2)
        # latent residuals: 1 - R^2 of the structural equation
        assert_allclose(p[("PERF", "~~", "PERF")], 0.84)
        r2_disc = 0.65 ** 2 + 0.3 ** 2 - 2 * 0.65 * 0.3 * 0.4
        assert_allclose(p[("DISC", "~~", "DISC")], 1 - r2_disc)
        assert_allclose(p[("EXP", "~~", "EXP")], 1.0)

    def test_lavaan_defaults_without_values(self):
        # lavaan simulateData: free loadings 1, variances 1, covariances 0
        pop = population_model("f =~ x1 + x2\ng =~ x3 + x4")
        S = pop.sigma
        assert_allclose(S.loc["x1", "x1"], 2.0)
        assert_allclose(S.loc["x1", "x2"], 1.0)
        assert_allclose(S.loc["x1", "x3"], 0.0)

    def test_unset_regression_warns_and_is_zero(self):
        with pytest.warns(tm.TrustModelWarning, match="'y ~ f'.*set to zero"):
            pop = population_model("f =~ 0.8*x1 + 0.7*x2\ny ~ f", standardized=True)
        assert_allclose(pop.sigma.loc["x1", "y"], 0.0)

    @pytest.mark.parametrize("key", [("y", "~", "f"), "y ~ f", "b"])
    def test_population_override(self, key):
        pop = population_model("f =~ 0.8*x1 + 0.7*x2\ny ~ b*f", {key: 0.5}, standardized=True)
        assert_allclose(pop.sigma.loc["x1", "y"], 0.8 * 0.5)
        assert_allclose(pop.sigma.loc["y", "y"], 1.0)

    def test_override_beats_fixed_value(self):
        pop = population_model(ONE_FACTOR, {"f =~ x1": 0.9}, standardized=True)
        assert_allclose(pop.sigma.loc["x1", "x2"], 0.9 * 0.7)

    def test_unknown_key(self):
        with pytest.raises(tm.OptionError, match="'y ~ g'.*does not have"):
            population_model("f =~ 0.8*x1 + 0.7*x2\ny ~ 0.3*f", {"y ~ g": 0.5})

    def test_too_much_explained_variance(self):
        with pytest.raises(tm.OptionError, match="more than all the variance of 'y'"):
            population_model("y ~ 0.8*x1 + 0.8*x2\nx1 ~~ 0.5*x2", standardized=True)

    def test_defined_parameters_evaluated(self):
        pop = population_model("f =~ 0.8*x1 + 0.7*x2\nm ~ a*f\ny ~ b*m\nab := a*b",
                               {"a": 0.5, "b": 0.4}, standardized=True)
        p = pop.params.set_index("lhs")
        assert_allclose(p.loc["ab", "value"], 0.2)

    def test_builder_values_and_literature_defaults(self):
        class Builder:
            syntax = EDT_MODEL

            def population_values(self):
                return {("PERF", "~", "EXP"): 0.45, ("EXP", "=~", "e1"): 0.9}

        pop = population_model(Builder())
        assert pop.standardized
        p = pop.params.set_index(["lhs", "op", "rhs"])["value"]
        assert_allclose(p[("PERF", "~", "EXP")], 0.45)             # the builder's value
        assert_allclose(p[("SAT", "~", "DISC")], LITERATURE_PATHS[("SAT", "~", "DISC")])
        assert_allclose(p[("EXP", "=~", "e1")], 0.9)
        assert_allclose(p[("EXP", "=~", "e2")], 0.8)                # builder default loading
        assert_allclose(np.diag(pop.cov_all), 1.0, atol=1e-12)

    def test_real_edt_builder(self):
        edt = tm.ExpectationDisconfirmation(
            expectation=["e1", "e2", "e3"], performance=["p1", "p2", "p3"],
            disconfirmation=["d1", "d2", "d3"], satisfaction=["s1", "s2", "s3"],
            loyalty=["l1", "l2", "l3"])
        pop = population_model(edt)
        assert_allclose(np.diag(pop.cov_all), 1.0, atol=1e-12)
        ref = population_model(EDT_POPULATION, standardized=True)
        common = [c for c in ref.observed]
        assert_allclose(pop.sigma.loc[common, common], ref.sigma.loc[common, common],
                        atol=1e-12)

    @pytest.mark.parametrize("builder", [
        lambda: tm.ExpectationDisconfirmation(
            expectation=["e1", "e2", "e3"], performance=["p1", "p2", "p3"],
            disconfirmation=["d1", "d2", "d3"], satisfaction=["s1", "s2", "s3"],
            loyalty=["l1", "l2", "l3"], complaints=["c1", "c2", "c3"]),
        lambda: tm.ThreeLevelTrust(satisfaction=["s1", "s2", "s3"], cognitive=["c1", "c2", "c3"],
                                   affective=["a1", "a2", "a3"], behavioral=["b1", "b2", "b3"]),
        lambda: tm.SatisfactionLoyalty(satisfaction=["s1", "s2", "s3"], loyalty=["l1", "l2", "l3"],
                                       antecedents={"PERF": ["p1", "p2", "p3"],
                                                    "EXP": ["e1", "e2", "e3"]},
                                       reciprocal=True,
                                       instruments={"SAT": ["PERF"], "LOY": ["EXP"]}),
        lambda: tm.ExpectationDisconfirmation(
            expectation=["e1", "e2", "e3"], performance=["p1", "p2", "p3"],
            disconfirmation=["d1", "d2", "d3"], satisfaction=["s1", "s2", "s3"],
            loyalty=["l1"], reliability={"LOY": 0.8}),
    ], ids=["edt", "trust", "reciprocal", "single_item"])
    def test_builder_population_is_the_simulated_population(self, builder):
        """One source of population values: what simulate draws from is the builder's
        population covariance (theory.population_covariance), value for value."""
        from trustmodel.theory import population_covariance
        b = builder()
        names, sigma, values = population_covariance(b)
        pop = population_model(b)
        assert_allclose(pop.sigma.loc[names, names].to_numpy(), sigma, atol=1e-12)
        assert_allclose(np.diag(sigma), 1.0, atol=1e-12)
        p = pop.params
        mine = b.table.rows[b.table.rows["op"] != ":="]
        key = ["lhs", "op", "rhs"]
        by_key = p.set_index(key)["value"]
        assert_allclose(values, [by_key[tuple(k)] for k in mine[key].itertuples(index=False)],
                        atol=0)

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.floats(0.2, 0.95), min_size=2, max_size=6))
    def test_one_factor_standardized_is_lambda_lambda(self, lam):
        items = [f"x{i}" for i in range(len(lam))]
        text = "f =~ " + " + ".join(f"{v!r}*{x}" for v, x in zip(lam, items))
        S = population_model(text, standardized=True).sigma.to_numpy()
        expected = np.outer(lam, lam)
        np.fill_diagonal(expected, 1.0)
        assert_allclose(S, expected, atol=1e-12)


class TestSimulate:
    def test_recovers_population_covariance(self):
        pop = population_model(EDT_POPULATION, standardized=True)
        df = tm.simulate(EDT_POPULATION, 200_000, seed=11, standardized=True)
        assert list(df.columns) == pop.observed
        assert_allclose(df.cov(ddof=0).to_numpy(), pop.sigma.to_numpy(), atol=0.012)
        assert_allclose(df.mean().to_numpy(), 0.0, atol=0.01)

    def test_empirical_is_exact_and_fit_returns_population(self):
        df = tm.simulate(EDT_POPULATION, 400, seed=3, standardized=True, empirical=True)
        pop = population_model(EDT_POPULATION, standardized=True)
        assert_allclose(df.cov(ddof=0).to_numpy(), pop.sigma.to_numpy(), atol=1e-10)
        res = tm.fit(EDT_MODEL, df)
        std = res.params.set_index(["lhs", "op", "rhs"])["std_all"]
        assert_allclose(std[("SAT", "~", "DISC")], 0.5, atol=1e-6)
        assert_allclose(std[("DISC", "~", "EXP")], -0.3, atol=1e-6)
        assert_allclose(std[("EXP", "=~", "e2")], 0.8, atol=1e-6)
        assert_allclose(res.fit_measures["chisq"], 0.0, atol=1e-6)

    def test_same_seed_same_data(self):
        a = tm.simulate(ONE_FACTOR, 50, seed=7)
        b = tm.simulate(ONE_FACTOR, 50, seed=7)
        c = tm.simulate(ONE_FACTOR, 50, seed=8)
        pd.testing.assert_frame_equal(a, b)
        assert not np.allclose(a.to_numpy(), c.to_numpy())
        g1 = tm.simulate(ONE_FACTOR, 50, seed=np.random.default_rng(7))
        pd.testing.assert_frame_equal(a, g1)

    @pytest.mark.parametrize("k", [2, 5, 7, 11])
    def test_likert_in_range(self, k):
        df = tm.simulate(ONE_FACTOR, 3000, seed=1, likert=k, standardized=True)
        values = df.to_numpy()
        assert np.issubdtype(values.dtype, np.integer)
        assert values.min() == 1 and values.max() == k
        assert set(np.unique(values)) == set(range(1, k + 1))

    def test_likert_symmetric_is_bell_shaped_and_equal_is_flat(self):
        sym = tm.simulate(ONE_FACTOR, 20_000, seed=2, likert=7, standardized=True)["x1"]
        share = sym.value_counts(normalize=True).sort_index().to_numpy()
        assert share[3] == share.max()                   # the middle category is modal
        assert_allclose(share, share[::-1], atol=0.015)  # symmetric
        flat = tm.simulate(ONE_FACTOR, 20_000, seed=2, likert=5, thresholds="equal",
                           standardized=True)["x1"]
        assert_allclose(flat.value_counts(normalize=True).to_numpy(), 0.2, atol=0.015)

    def test_custom_thresholds(self):
        df = tm.simulate(ONE_FACTOR, 500, seed=1, likert=3, thresholds=[-10, 10],
                         standardized=True)
        assert (df.to_numpy() == 2).all()
        with pytest.raises(tm.OptionError, match="likert - 1 = 2"):
            tm.simulate(ONE_FACTOR, 50, seed=1, likert=3, thresholds=[0.0])

    @pytest.mark.parametrize("kwargs, match", [
        (dict(n=1), "n= must be at least 2"),
        (dict(n=10.5), "n= must be an integer"),
        (dict(n=10, likert=1), "likert= must be"),
        (dict(n=10, thresholds="skewed", likert=5), "thresholds="),
        (dict(n=3, empirical=True), "empirical=True needs n="),
        (dict(n=10, seed="a"), "seed="),
    ])
    def test_bad_input(self, kwargs, match):
        with pytest.raises(tm.OptionError, match=match):
            tm.simulate(ONE_FACTOR, **kwargs)

    def test_shared_population_file_matches_bundled_data_moments(self):
        text = edt_file()
        if text is None:
            pytest.skip("shared/refs not available")
        data = tm.datasets.load("edt")
        pop = population_model(text)
        S = data[pop.observed].cov(ddof=0).to_numpy()
        Sigma = pop.sigma.to_numpy()
        n, p = len(data), len(pop.observed)
        # likelihood-ratio test of Sigma = population (nothing estimated): chi2 with p(p+1)/2 df
        T = n * (np.linalg.slogdet(Sigma)[1] + np.trace(S @ np.linalg.inv(Sigma))
                 - np.linalg.slogdet(S)[1] - p)
        from scipy import stats
        assert stats.chi2.sf(T, p * (p + 1) // 2) > 0.001

    def test_no_warning_for_fully_specified_model(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tm.simulate(EDT_POPULATION, 20, seed=1, standardized=True)
