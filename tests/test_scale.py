"""Scale (issue 18): blocked / casewise / in-memory paths give the same numbers.

The reference for the block-accumulated robust quantities of
:mod:`trustmodel.estimation.casewise` is the direct N x p* computation of
:mod:`trustmodel.estimation.robust` (itself checked against lavaan in test_robust.py).
"""
from __future__ import annotations

import tracemalloc
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from trustmodel.estimation.core.fitting import x_indices
from trustmodel.estimation.inference import casewise, robust, scaling
from trustmodel.moments import RowSource, complete_moments

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
HS_X = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ x7 + x8\ntextual ~ x9"
EDT = ("EXP =~ e1 + e2 + e3\nPERF =~ p1 + p2 + p3\nDISC =~ d1 + d2 + d3\n"
       "SAT =~ s1 + s2 + s3\nLOY =~ l1 + l2 + l3\nPERF ~ EXP\nDISC ~ PERF + EXP\n"
       "SAT ~ DISC + PERF + EXP\nLOY ~ SAT")

CASES = [(HS, "holzinger_swineford", {}),
         (HS, "holzinger_swineford", {"meanstructure": True}),
         (HS, "holzinger_swineford", {"group": "school"}),
         (HS_X, "holzinger_swineford", {}),
         (HS_X, "holzinger_swineford", {"meanstructure": True}),
         (EDT, "edt", {})]


def _direct_and_blocked(model, data, opts, block_rows=37):
    res = tm.fit(model, data, estimator="ML", **opts)
    stats, state, table = res.stats, res.state, res.table
    blocked = replace(stats, groups=[replace(g, data=RowSource(g.data, block_rows))
                                     for g in stats.groups])   # small blocks: many partial sums
    return res, stats, blocked, state, x_indices(table)


@pytest.mark.parametrize("model,name,opts", CASES)
def test_casewise_equals_direct(model, name, opts):
    data = tm.datasets.load(name)
    res, stats, blocked, state, xi = _direct_and_blocked(model, data, opts)
    pr, x = state.problem, state.x
    datas = [np.asarray(g.data) for g in stats.groups]
    ms = pr.model.meanstructure
    old = robust.robust_parts(pr, x, datas, "observed")
    new = casewise.robust_parts(pr, x, blocked, "observed")
    for a, b in zip(old.B0, new.B0):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-10 * max(1, np.abs(a).max()))
    tr_old = scaling.yb_mplus_trace(old, datas, ms, xi)[0]
    tr_new = casewise.yb_mplus_trace(new, blocked, ms, xi)[0]
    assert abs(tr_new - tr_old) < 1e-10 * max(1, abs(tr_old))
    sb_old = scaling.satorra_bentler_trace(pr, x, datas, xi)
    sb_new = casewise.satorra_bentler_trace(pr, x, blocked, xi)
    assert abs(sb_new - sb_old) < 1e-10 * max(1, abs(sb_old))
    v_old = robust.robust_sem_vcov(pr, x, datas, xi)
    v_new = casewise.robust_sem_vcov(pr, x, blocked, xi)
    np.testing.assert_allclose(v_new, v_old, rtol=0, atol=1e-10 * np.abs(v_old).max())


def test_complete_moments_match_two_pass():
    rng = np.random.default_rng(3)
    X = rng.normal(loc=1e4, scale=2.0, size=(10_007, 6))   # large means: shifted sums matter
    X[rng.random(X.shape) < 0.01] = np.nan
    m = complete_moments(X, block_rows=1000)
    ok = ~np.isnan(X).any(axis=1)
    Y = X[ok]
    np.testing.assert_array_equal(m.complete, ok)
    assert m.nobs == ok.sum()
    np.testing.assert_allclose(m.mean, Y.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(m.cov, np.cov(Y, rowvar=False, bias=True), rtol=1e-10)


def _skewed(n, seed=5):
    """EDT-shaped data with skewed, heavy-tailed items (robust corrections far from 1)."""
    pop = Path(tm.datasets.__path__[0], "edt_population.lav").read_text()
    df = tm.simulate(pop, n, seed=seed)
    rng = np.random.default_rng(seed)
    return df + 0.4 * (df ** 2 - 1) * rng.choice([0, 1], size=df.shape, p=[0.6, 0.4])


def _max_diff(a, b):
    num = [c for c in a.params.columns if a.params[c].dtype.kind == "f"]
    dp = np.nanmax(np.abs(a.params[num].to_numpy() - b.params[num].to_numpy()))
    fa, fb = a.fit_measures, b.fit_measures
    keys = [k for k in fa.index if isinstance(fa[k], float) and np.isfinite(fa[k])]
    return dp, max(abs(fa[k] - fb[k]) / max(1.0, abs(fa[k])) for k in keys)


@pytest.mark.parametrize("estimator", ["MLR", "MLM"])
def test_generated_large_set_matches_direct(estimator, monkeypatch):
    """The pipeline with block accumulation equals the N x p* computation on 20,000 rows."""
    df = _skewed(20_000)
    new = tm.fit(EDT, df, estimator=estimator)
    import trustmodel.estimation.fit_measures.statistics as st
    import trustmodel.estimation.inference.casewise as cw

    def rows(stats):
        return [g.data for g in stats.groups]
    direct = {
        "robust_parts": lambda pr, x, stats, info: robust.robust_parts(pr, x, rows(stats), info),
        "robust_sem_vcov": lambda pr, x, stats, xi: robust.robust_sem_vcov(pr, x, rows(stats), xi),
        "yb_mplus_trace": lambda parts, stats, ms, xi: scaling.yb_mplus_trace(parts, rows(stats),
                                                                              ms, xi),
        "satorra_bentler_trace": lambda pr, x, stats, xi: scaling.satorra_bentler_trace(
            pr, x, rows(stats), xi)}
    for name, func in direct.items():
        monkeypatch.setattr(cw, name, func)
        if hasattr(st, name):
            monkeypatch.setattr(st, name, func)
    old = tm.fit(EDT, df, estimator=estimator)
    dp, dfm = _max_diff(old, new)
    assert dp < 1e-10 and dfm < 1e-10
    assert new.fit_measures["chisq_scaling_factor"] > 1.05   # the data are not normal


def _peak_of_robust_fits(n):
    df = _skewed(n)
    df = pd.DataFrame(np.ascontiguousarray(df.to_numpy()), columns=df.columns)
    tracemalloc.start()
    try:
        tm.fit(EDT, df, estimator="MLR")
        tm.fit(EDT, df, estimator="MLM")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_robust_memory_is_not_n_times_pstar():
    """tracemalloc: doubling N adds far less than one N x p* float matrix to the peak (the
    growth is the model's columns copied once; the block work space does not grow)."""
    n, p = 40_000, 15
    tm.fit(EDT, _skewed(300), estimator="MLR")          # warm caches
    small, large = _peak_of_robust_fits(n), _peak_of_robust_fits(2 * n)
    n_pstar = n * p * (p + 1) // 2 * 8
    assert large - small < 0.35 * n_pstar, (small, large, n_pstar)
    assert large < 0.5 * 2 * n_pstar


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("dask.dataframe")
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.mark.parametrize("estimator", ["ML", "MLR", "MLM"])
def test_dask_frame_equals_in_memory(dask_client, estimator):
    import dask.dataframe as dd
    df = _skewed(5_000)
    df.iloc[::97, 3] = np.nan                          # listwise deletion happens per partition
    with pytest.warns(tm.DataWarning):
        mem = tm.fit(EDT, df, estimator=estimator)
    with pytest.warns(tm.DataWarning):
        dis = tm.fit(EDT, dd.from_pandas(df, npartitions=7), estimator=estimator)
    dp, dfm = _max_diff(mem, dis)
    assert dp < 1e-10 and dfm < 1e-10
    assert dis.nobs == mem.nobs == 5_000 - len(df.iloc[::97])


def test_dask_frame_bundled_data(dask_client):
    import dask.dataframe as dd
    hs = tm.datasets.load("holzinger_swineford")
    for est in ("ML", "MLR", "MLM"):
        dp, dfm = _max_diff(tm.fit(HS, hs, estimator=est),
                            tm.fit(HS, dd.from_pandas(hs, npartitions=4), estimator=est))
        assert dp < 1e-10 and dfm < 1e-10


def _rel_diff(a, b):
    """Largest |a - b| / max(1, |a|) over the numeric params and the fit measures."""
    num = [c for c in a.params.columns if a.params[c].dtype.kind == "f"]
    pa, pb = a.params[num].to_numpy(), b.params[num].to_numpy()
    dp = np.nanmax(np.abs(pa - pb) / np.maximum(1.0, np.abs(pa)))
    return dp, _max_diff(a, b)[1]


@pytest.mark.parametrize("estimator", ["ML", "MLR", "MLM"])
def test_dask_multigroup_equals_in_memory(dask_client, estimator):
    """group=: per-group moments (and score sums) from one dask reduction per partition."""
    import dask.dataframe as dd
    hs = tm.datasets.load("holzinger_swineford")
    mem = tm.fit(HS, hs, group="school", estimator=estimator)
    dis = tm.fit(HS, dd.from_pandas(hs, npartitions=4), group="school", estimator=estimator)
    dp, dfm = _max_diff(mem, dis)
    assert dp < 1e-10 and dfm < 1e-10
    assert dis.nobs == mem.nobs and list(dis.params["group"]) == list(mem.params["group"])


def _with_missing(df, share, seed, keep=()):
    out = df.mask(np.random.default_rng(seed).random(df.shape) < share)
    for col in keep:
        out[col] = df[col]
    return out


def test_dask_fiml_equals_in_memory(dask_client):
    """missing='fiml': per-pattern sums by dask reductions give the in-memory FIML fit."""
    import dask.dataframe as dd
    df = _with_missing(_skewed(5_000), 0.05, 1)
    mem = tm.fit(EDT, df, missing="fiml")
    dis = tm.fit(EDT, dd.from_pandas(df, npartitions=7), missing="fiml")
    pm, pd_ = mem.stats.groups[0].patterns, dis.stats.groups[0].patterns
    np.testing.assert_array_equal(pm.uniq, pd_.uniq)
    np.testing.assert_array_equal(pm.counts, pd_.counts)
    np.testing.assert_allclose(pd_.covs, pm.covs, rtol=0, atol=1e-12)
    dp, dfm = _rel_diff(mem, dis)
    assert dp < 1e-10 and dfm < 1e-10
    assert mem.state.x == pytest.approx(dis.state.x, rel=0, abs=1e-12)


@pytest.mark.parametrize("model", [HS, HS_X])
def test_dask_fiml_multigroup_equals_in_memory(dask_client, model):
    """FIML with groups, and with fixed-x covariates whose missing rows are dropped."""
    import dask.dataframe as dd
    hs = tm.datasets.load("holzinger_swineford")
    hm = _with_missing(hs, 0.08, 3, keep=["school"])
    with warnings.catch_warnings(record=True) as w_mem:
        warnings.simplefilter("always")
        mem = tm.fit(model, hm, missing="fiml", group="school")
    with warnings.catch_warnings(record=True) as w_dis:
        warnings.simplefilter("always")
        dis = tm.fit(model, dd.from_pandas(hm, npartitions=3), missing="fiml", group="school")
    assert sorted(str(w.message) for w in w_mem) == sorted(str(w.message) for w in w_dis)
    assert dis.nobs == mem.nobs
    dp, dfm = _rel_diff(mem, dis)
    assert dp < 1e-10 and dfm < 1e-10


def test_dask_frame_refuses_what_needs_rows(dask_client):
    import dask.dataframe as dd
    ddf = dd.from_pandas(tm.datasets.load("holzinger_swineford"), npartitions=2)
    with pytest.raises(tm.OptionError, match="casewise scores"):
        tm.fit(HS, ddf, missing="fiml", estimator="MLR")
    with pytest.raises(tm.OptionError, match="resamples rows"):
        tm.fit(HS, ddf, se="bootstrap")
    with pytest.raises(tm.OptionError, match="resamples rows"):
        tm.fit(HS, ddf, bollen_stine=True)
    with pytest.raises(tm.DataError, match="'x1'"):
        tm.fit(HS, ddf[["x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9"]])


def test_power_grid_on_dask_equals_threads(dask_client):
    pop = "f =~ 0.8*x1 + 0.7*x2 + 0.7*x3\ny ~ 0.3*f"
    grid = dict(n=[60, 120], effects={"y ~ f": [0.2, 0.4]}, reps=30, seed=3,
                standardized=True)
    a = tm.power_grid(pop, **grid)
    b = tm.power_grid(pop, n_jobs=2, backend="dask", **grid)
    pd.testing.assert_frame_equal(a, b)


def test_bootstrap_threads_equals_sequential():
    hs = tm.datasets.load("holzinger_swineford")
    a = tm.fit(HS, hs, se="bootstrap", bootstrap=40, seed=2, n_jobs=1)
    b = tm.fit(HS, hs, se="bootstrap", bootstrap=40, seed=2, n_jobs=2, backend="threads")
    np.testing.assert_array_equal(a.params["se"], b.params["se"])


def test_pattern_moments_available_and_pairwise_match_pandas():
    """Available-case and pairwise-complete moments from the pattern sums alone."""
    from trustmodel.moments import pattern_moments
    rng = np.random.default_rng(9)
    Y = rng.normal(loc=50.0, scale=3.0, size=(4000, 6))   # large means: shifted sums
    Y[rng.random(Y.shape) < 0.3] = np.nan
    Y[:3, 2] = np.nan
    pm = pattern_moments(Y)
    n, mean, var = pm.available()
    np.testing.assert_array_equal(n, (~np.isnan(Y)).sum(axis=0))
    np.testing.assert_allclose(mean, np.nanmean(Y, axis=0), rtol=1e-13)
    np.testing.assert_allclose(var, np.nanvar(Y, axis=0), rtol=1e-11)
    n2, cov = pm.pairwise()
    seen = (~np.isnan(Y)).astype(float)
    np.testing.assert_array_equal(n2, seen.T @ seen)
    np.testing.assert_allclose(cov, pd.DataFrame(Y).cov(min_periods=2).to_numpy(), rtol=1e-11)


def test_pattern_moments_match_row_sort():
    """Integer pattern codes order the patterns as numpy.unique(mask, axis=0) does."""
    from trustmodel.moments import pattern_moments
    rng = np.random.default_rng(8)
    Y = rng.normal(size=(3000, 7))
    Y[rng.random(Y.shape) < 0.2] = np.nan
    pm = pattern_moments(Y)
    mask = ~np.isnan(Y)
    uniq, inv = np.unique(mask, axis=0, return_inverse=True)
    np.testing.assert_array_equal(pm.uniq, uniq)
    np.testing.assert_array_equal(pm.inv, inv.ravel())
    for k in (0, len(uniq) // 2, len(uniq) - 1):
        rows = np.where(mask, Y, 0.0)[inv.ravel() == k]
        np.testing.assert_allclose(pm.means[k], rows.mean(axis=0), atol=1e-13)
        np.testing.assert_allclose(pm.covs[k] + np.outer(pm.means[k], pm.means[k]),
                                   rows.T @ rows / len(rows), atol=1e-13)


@pytest.mark.parametrize("model, data", [
    (EDT, "edt"),                                                    # latent block, recursive
    (HS_X, "holzinger_swineford"),                                   # observed -> latent arrows
    ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ textual\ntextual ~ visual\n"
     "visual ~~ 0*textual", "holzinger_swineford"),                  # cyclic latent block
])
def test_batched_total_effects_equal_the_inverse(model, data):
    """(I - A)^-1 by blocks / Neumann products equals the batched inverse in BatchedML."""
    from trustmodel.estimation.core.batched import BatchedML
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = tm.fit(model, tm.datasets.load(data))
    pr = res.state.problem
    rng = np.random.default_rng(4)
    K = 5
    covs = [np.repeat(S[None], K, axis=0) for S in pr.covs]
    means = [np.repeat(m[None], K, axis=0) for m in pr.means]
    X = res.state.x + 0.01 * rng.normal(size=(K, pr.npar))
    fast = BatchedML(pr, covs, means)
    slow = BatchedML(pr, covs, means)
    slow.squarings = slow.blocks = [None] * len(slow.blocks)
    f1, g1 = fast.evaluate(X)
    f2, g2 = slow.evaluate(X)
    np.testing.assert_allclose(f1, f2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-9, atol=1e-12)
