"""Stages 1-2 of the ordinal estimators against lavaan 0.6-14 (tests/refs/scripts/ordinal.R):
thresholds, polychoric / polyserial correlations, WLS.V and NACOV (gamma)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.stats import multivariate_normal

from trustmodel import DataWarning
from trustmodel.estimation.categorical import categorical_stats
from trustmodel.estimation.categorical.bvnorm import dbinorm, pbinorm

REFS = Path(__file__).parent / "refs" / "ordinal"
DATA = pd.read_csv(REFS / "likert.csv")


def _columns(frame, names, ordered):
    cols, kinds = {}, {}
    for v in names:
        kinds[v] = v in ordered
        if kinds[v]:
            cats = np.sort(frame[v].dropna().unique())
            cols[v] = np.where(frame[v].isna(), -1, np.searchsorted(cats, frame[v].to_numpy()))
        else:
            cols[v] = frame[v].to_numpy(float)
    return cols, kinds


@pytest.mark.parametrize("case", ["cor_likert5", "cor_likert7", "cor_binary", "cor_mixed"])
def test_stage12_matches_lavcor(case):
    ref = json.loads((REFS / f"{case}.json").read_text())
    stats = categorical_stats(*_columns(DATA, ref["vars"], ref["ordered"]))
    assert stats.th_names[: len(ref["th_names"])] == ref["th_names"]
    assert_allclose(stats.wls_obs, ref["wls_obs"], atol=1e-6, rtol=0)
    assert_allclose(stats.cov, ref["cor"], atol=1e-6, rtol=0)
    assert_allclose(stats.gamma, ref["gamma"], atol=1e-6, rtol=1e-6)
    assert_allclose(stats.weight("DWLS"), ref["wls_v"], atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
def test_missing_values_as_lavcor(missing):
    """lavCor(missing = "pairwise" | "listwise") on items with 5% missing values."""
    from trustmodel.estimation.categorical.data import sample_from_frame
    ref = json.loads((REFS / f"cor_missing_{missing}.json").read_text())
    frame = pd.read_csv(REFS / "likert_missing.csv")
    if missing == "listwise":
        with pytest.warns(DataWarning, match="listwise"):
            s = sample_from_frame(frame, ref["vars"], ref["ordered"], missing=missing)
    else:
        s = sample_from_frame(frame, ref["vars"], ref["ordered"], missing=missing)
    g = s.groups[0]
    assert g.nobs == ref["nobs"]
    assert_allclose(g.wls_obs, ref["wls_obs"], atol=1e-6, rtol=0)
    assert_allclose(g.gamma, ref["gamma"], atol=1e-6, rtol=1e-6)


def test_bivariate_cdf_matches_scipy():
    rng = np.random.default_rng(7)
    x, y = rng.normal(scale=1.5, size=(2, 300))
    r = rng.uniform(-0.999, 0.999, size=300)
    ref = [multivariate_normal(cov=[[1, ri], [ri, 1]]).cdf([xi, yi]) for xi, yi, ri in zip(x, y, r)]
    assert_allclose(pbinorm(x, y, r), ref, atol=1e-12)
    h = 1e-6
    assert_allclose((pbinorm(x, y, r + h) - pbinorm(x, y, r - h)) / (2 * h),
                    dbinorm(x, y, r), atol=1e-6)
    assert pbinorm(np.inf, 0.3, 0.5) == pytest.approx(0.6179114221889527)
    assert pbinorm(-np.inf, 0.3, 0.5) == 0.0
    assert pbinorm(0.2, -0.4, 1.0) == pytest.approx(0.3445782583896758)   # Phi(min)
    assert pbinorm(0.2, 0.4, -1.0) == pytest.approx(0.23468145104942717)   # Phi(x) - Phi(-y)


@pytest.mark.parametrize("rho,seed", [(0.6, 1), (-0.3, 2), (0.85, 3), (0.0, 4)])
def test_polychoric_recovers_the_latent_correlation(rho, seed):
    """Data cut from a known bivariate normal: the estimate lies within 3.5 of its own
    asymptotic standard errors (from gamma) of the true correlation."""
    rng = np.random.default_rng(seed)
    n = 1500
    z = rng.multivariate_normal([0, 0, 0], [[1, rho, 0.4], [rho, 1, 0.4], [0.4, 0.4, 1]], size=n)
    cols = {"a": np.digitize(z[:, 0], [-1.2, -0.3, 0.5, 1.3]),
            "b": np.digitize(z[:, 1], [-0.8, 0.2, 1.0]),
            "c": z[:, 2] * 2 + 1}
    s = categorical_stats(cols, {"a": True, "b": True, "c": False})
    se = np.sqrt(np.diag(s.gamma) / n)
    k = len(s.th) + 1               # first covariance entry: (b, a)
    assert abs(s.cor[0, 1] - rho) < 3.5 * se[k]
    assert abs(s.cor[0, 2] - 0.4) < 3.5 * se[k + 1]   # polyserial
    assert_allclose(s.th[:4], [-1.2, -0.3, 0.5, 1.3], atol=0.12)


def test_pairwise_missing_uses_available_cases():
    rng = np.random.default_rng(11)
    z = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=800)
    a = np.digitize(z[:, 0], [-0.5, 0.5])
    b = np.digitize(z[:, 1], [0.0])
    a_miss, b_miss = a.copy(), b.copy()
    a_miss[:100] = b_miss[:100] = -1
    full = categorical_stats({"a": a[100:], "b": b[100:]}, {"a": True, "b": True})
    both = categorical_stats({"a": a_miss, "b": b_miss}, {"a": True, "b": True})
    assert_allclose(both.cor, full.cor, atol=1e-12)
    assert_allclose(both.gamma, full.gamma * 800 / 700, atol=1e-9)   # NACOV scales with N
    one = categorical_stats({"a": a_miss, "b": b}, {"a": True, "b": True})
    assert_allclose(one.th[:2], full.th[:2], atol=1e-12)   # a: its 700 observed cases
    b_all = categorical_stats({"b": b}, {"b": True})
    assert_allclose(one.th[2:], b_all.th, atol=1e-12)      # b: all 800
