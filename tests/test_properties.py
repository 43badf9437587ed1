"""Hypothesis properties of the engine: invariances, derivatives, population recovery."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustmodel as tm
from trustmodel.data import SampleStats
from trustmodel.estimation.core.fitting import build_problem
from trustmodel.model.ram import RamModel
from trustmodel.syntax import build_table

HS = tm.datasets.load("holzinger_swineford")
CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]
FIT_INVARIANT = ["chisq", "df", "cfi", "tli", "rmsea", "srmr", "npar"]
BASE = tm.fit(CFA, HS)
SLOW = settings(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.permutations(list(HS.columns)))
def test_column_order_does_not_matter(order):
    res = tm.fit(CFA, HS[order])
    np.testing.assert_allclose(res.fit_measures[FIT_INVARIANT], BASE.fit_measures[FIT_INVARIANT],
                               rtol=1e-7)
    np.testing.assert_allclose(res.params["est"], BASE.params["est"], rtol=1e-6, atol=1e-8)


@SLOW
@given(st.sampled_from(ITEMS), st.floats(0.01, 100.0))
def test_rescaling_an_indicator_leaves_fit_and_std_all_unchanged(item, scale):
    df = HS.copy()
    df[item] = df[item] * scale
    res = tm.fit(CFA, df)
    np.testing.assert_allclose(res.fit_measures[FIT_INVARIANT], BASE.fit_measures[FIT_INVARIANT],
                               rtol=1e-6)
    np.testing.assert_allclose(res.params["std_all"], BASE.params["std_all"], rtol=1e-5,
                               atol=1e-7)


@SLOW
@given(st.permutations(range(300)))
def test_row_order_does_not_matter(perm):
    res = tm.fit(CFA, HS.iloc[list(perm) + [300]])
    np.testing.assert_allclose(res.params["est"], BASE.params["est"], rtol=1e-6, atol=1e-8)


@SLOW
@given(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True), min_size=12,
                max_size=12, unique=True))
def test_relabelling_variables_leaves_fit_unchanged(names):
    mapping = dict(zip(ITEMS + ["visual", "textual", "speed"], names))
    model = "\n".join(f"{mapping[f]} =~ " + " + ".join(mapping[x] for x in items)
                      for f, items in (("visual", ITEMS[:3]), ("textual", ITEMS[3:6]),
                                       ("speed", ITEMS[6:])))
    res = tm.fit(model, HS[ITEMS].rename(columns=mapping))
    np.testing.assert_allclose(res.fit_measures[FIT_INVARIANT], BASE.fit_measures[FIT_INVARIANT],
                               rtol=1e-7)


def random_cfa(draw_loadings, nf, per):
    lines = []
    for f in range(nf):
        items = " + ".join(f"v{f}_{k}" for k in range(per))
        lines.append(f"F{f} =~ {items}")
    return "\n".join(lines)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(2, 4), st.integers(0, 2 ** 31 - 1))
def test_gradient_matches_finite_differences(nf, per, seed):
    rng = np.random.default_rng(seed)
    model = random_cfa(None, nf, per)
    table = build_table(model, meanstructure=bool(seed % 2))
    p = nf * per
    A = rng.normal(size=(p, p))
    S = A @ A.T / p + np.eye(p)
    names = table.observed
    stats = SampleStats.from_moments(pd.DataFrame(S, index=names, columns=names), 200, names,
                                     sample_mean=pd.Series(rng.normal(size=p), index=names)
                                     if seed % 2 else None)
    for est in ("ML", "GLS", "ULS"):
        problem, x0 = build_problem(table, stats, est)
        x = x0 + rng.normal(scale=0.01, size=len(x0))
        f, g, info = problem.evaluate(x)
        if not np.isfinite(f):  # perturbed start not admissible for this draw
            continue
        num = np.array([(problem.objective(x + h) - problem.objective(x - h)) / 2e-6
                        for h in np.eye(len(x)) * 1e-6])
        np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-6)
        assert np.allclose(info, info.T)
        assert np.linalg.eigvalsh(info)[0] > -1e-10  # positive semi-definite


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(3, 4), st.integers(0, 2 ** 31 - 1))
def test_population_covariance_is_recovered_exactly(nf, per, seed):
    """Fitting the implied covariance of known parameters returns them with chisq = 0."""
    rng = np.random.default_rng(seed)
    table = build_table(random_cfa(None, nf, per))
    model = RamModel.from_table(table)
    rows = table.rows
    values = rows["ustart"].to_numpy(dtype=float).copy()
    for k, r in enumerate(rows.itertuples()):
        if r.free:
            if r.op == "=~":
                values[k] = rng.uniform(0.5, 1.5)
            elif r.lhs == r.rhs:
                values[k] = rng.uniform(0.3, 1.0)
            else:
                values[k] = rng.uniform(-0.2, 0.2)
    sigma = model.implied(values, 0).sigma
    assert np.all(np.linalg.eigvalsh(sigma) > 0)
    names = table.observed
    S = pd.DataFrame(sigma * 1000 / 999, index=names, columns=names)
    res = tm.fit(table, sample_cov=S, nobs=1000)
    assert res.fit_measures["chisq"] < 1e-8
    free = rows["free"].to_numpy() > 0
    np.testing.assert_allclose(res.params["est"].to_numpy()[free], values[free], rtol=1e-5,
                               atol=1e-6)


@pytest.mark.slow
def test_parameter_recovery_large_sample():
    """Data simulated from Political Democracy's lavaan estimates (N = 20000) fit back."""
    ref = tm.fit(tm.datasets.model("political_democracy"),
                 tm.datasets.load("political_democracy"))
    sigma = ref.implied["cov"]
    rng = np.random.default_rng(20000)
    data = pd.DataFrame(rng.multivariate_normal(np.zeros(len(sigma)), sigma.to_numpy(), 20000),
                        columns=sigma.columns)
    res = tm.fit(ref.table, data)
    truth, got = ref.params, res.params
    free = got["se"] > 0
    z = (got["est"][free] - truth["est"][free]) / got["se"][free]
    assert np.all(np.abs(z) < 4.5), z.abs().max()
    assert res.fit_measures["pvalue"] > 1e-4


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([("holzinger_swineford", False), ("holzinger_swineford", True),
                        ("political_democracy", True), ("edt", False), ("trust", True)]),
       st.integers(0, 2 ** 31 - 1))
def test_exact_hessian_matches_finite_differences(case, seed):
    """The analytic ML Hessian (estimation/hessian.py) against differences of the gradient."""
    name, ms = case
    table = build_table(tm.datasets.model(name), meanstructure=ms)
    stats = SampleStats.from_frame(tm.datasets.load(name), table.observed)
    problem, x0 = build_problem(table, stats, "ML")
    x = x0 + np.random.default_rng(seed).normal(scale=0.02, size=len(x0))
    H = problem.hessian(x)
    if H is None or not np.all(np.isfinite(H)):
        return
    num = np.empty_like(H)
    for k in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[k]))
        e = np.zeros(len(x))
        e[k] = h
        num[:, k] = (problem.evaluate(x + e, info=False)[1]
                     - problem.evaluate(x - e, info=False)[1]) / (2 * h)
    np.testing.assert_allclose(H, num, atol=1e-6 * max(1.0, np.abs(num).max()))
