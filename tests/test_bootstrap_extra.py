"""Bootstrap extras: effects from the draws, FIML (missing="fiml") bootstrap, inadmissible draws."""
from __future__ import annotations

import numpy as np
import pytest

import trustmodel as tm
from trustmodel.estimation.boot_intervals import interval

EDT = tm.datasets.load("edt")
MED = """
EXP =~ e1 + e2 + e3
DISC =~ d1 + d2 + d3
SAT =~ s1 + s2 + s3
DISC ~ a*EXP
SAT ~ b*DISC + c*EXP
ab := a*b
"""


@pytest.fixture(scope="module")
def med_boot():
    return tm.fit(MED, EDT, se="bootstrap", bootstrap=60, seed=7)


def _row(eff, kind, frm, to):
    sel = eff[(eff["kind"] == kind) & (eff["from"] == frm) & (eff["to"] == to)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_indirect_effect_uses_the_bootstrap_like_its_defined_row(med_boot):
    """The indirect EXP -> SAT effect is a*b: estimate, bootstrap SE and percentile interval
    equal those of the ``ab := a*b`` row of res.params (both from the same draws)."""
    eff = med_boot.effects
    ab = med_boot.params.query("op == ':='").iloc[0]
    ind = _row(eff, "indirect", "EXP", "SAT")
    np.testing.assert_allclose(ind[["est", "se", "ci_lower", "ci_upper"]].to_numpy(float),
                               ab[["est", "se", "ci_lower", "ci_upper"]].to_numpy(float),
                               rtol=1e-9)
    # and not the delta-method interval (symmetric around the estimate)
    delta = tm.fit(MED, EDT).effects
    d = _row(delta, "indirect", "EXP", "SAT")
    assert not np.isclose(ind["ci_lower"], d["ci_lower"], rtol=1e-4)


def test_every_effect_from_the_draws(med_boot):
    """Direct, indirect and total effects: SD (divisor B) and percentile interval of the
    effect evaluated on each replicate's parameters, written out by hand."""
    b = med_boot.bootstrap
    names = b.names
    X = b.to_frame()[b.ok]
    A, B_, C = X["a"].to_numpy(), X["b"].to_numpy(), X["c"].to_numpy()
    draws = {("direct", "EXP", "DISC"): A, ("direct", "DISC", "SAT"): B_,
             ("direct", "EXP", "SAT"): C, ("indirect", "EXP", "SAT"): A * B_,
             ("total", "EXP", "SAT"): C + A * B_, ("total", "EXP", "DISC"): A}
    p = med_boot.params.set_index("label")["est"]
    est = {("direct", "EXP", "DISC"): p["a"], ("direct", "DISC", "SAT"): p["b"],
           ("direct", "EXP", "SAT"): p["c"], ("indirect", "EXP", "SAT"): p["a"] * p["b"],
           ("total", "EXP", "SAT"): p["c"] + p["a"] * p["b"], ("total", "EXP", "DISC"): p["a"]}
    eff = med_boot.effects
    assert "a" in names
    for key, t in draws.items():
        row = _row(eff, *key)
        np.testing.assert_allclose(row["est"], est[key], rtol=1e-9)
        np.testing.assert_allclose(row["se"], np.sqrt(np.mean((t - t.mean()) ** 2)), rtol=1e-9)
        lo, hi = interval(t, est[key], 0.95, "perc")
        np.testing.assert_allclose([row["ci_lower"], row["ci_upper"]], [lo, hi], rtol=1e-9)
        np.testing.assert_allclose(row["z"], row["est"] / row["se"], rtol=1e-12)


def test_effects_follow_boot_ci_type_and_level():
    res = tm.fit(MED, EDT, se="bootstrap", bootstrap=40, seed=3, boot_ci_type="bca_simple",
                 level=0.9)
    assert res.bootstrap.ci_type == "bca_simple"
    ab = res.params.query("op == ':='").iloc[0]
    ind = _row(res.effects, "indirect", "EXP", "SAT")
    np.testing.assert_allclose([ind["ci_lower"], ind["ci_upper"]],
                               [ab["ci_lower"], ab["ci_upper"]], rtol=1e-9)


def test_effects_bca_use_the_jackknife_like_defined_rows():
    res = tm.fit(MED, EDT.iloc[:150], se="bootstrap", bootstrap=40, seed=3, boot_ci_type="bca")
    assert res.bootstrap.jackknife is not None
    ab = res.params.query("op == ':='").iloc[0]
    ind = _row(res.effects, "indirect", "EXP", "SAT")
    np.testing.assert_allclose([ind["ci_lower"], ind["ci_upper"]],
                               [ab["ci_lower"], ab["ci_upper"]], rtol=1e-7)
