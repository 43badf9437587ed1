"""Scale (issue 18): blocked / casewise / in-memory paths give the same numbers.

The reference for the block-accumulated robust quantities of
:mod:`trustmodel.estimation.casewise` is the direct N x p* computation of
:mod:`trustmodel.estimation.robust` (itself checked against lavaan in test_robust.py).
"""
from __future__ import annotations

import tracemalloc
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from trustmodel.estimation import casewise, robust
from trustmodel.estimation.robust_fit import x_indices
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
    tr_old = robust.yb_mplus_trace(old, datas, ms, xi)[0]
    tr_new = casewise.yb_mplus_trace(new, blocked, ms, xi)[0]
    assert abs(tr_new - tr_old) < 1e-10 * max(1, abs(tr_old))
    sb_old = robust.satorra_bentler_trace(pr, x, datas, xi)
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
