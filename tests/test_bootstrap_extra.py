"""Bootstrap extras: effects from the draws, FIML (missing="fiml") bootstrap, inadmissible draws."""
from __future__ import annotations

import numpy as np
import pytest

import trustmodel as tm
from trustmodel.estimation.inference.intervals import interval

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


# ----- bootstrap with missing data (missing="fiml") -------------------------------------------
FIML_MODEL = """
EXP =~ e1 + e2 + e3
SAT =~ s1 + s2 + s3
SAT ~ b*EXP
"""


@pytest.fixture(scope="module")
def fiml_boot():
    df = tm.datasets.load("edt_missing")
    return tm.fit(FIML_MODEL, df, missing="fiml", se="bootstrap", bootstrap=20, seed=13)


def test_fiml_bootstrap_draws_are_fiml_fits_of_the_resampled_rows(fiml_boot):
    """lavaan allows se="bootstrap" with missing="ml": rows (with their NaNs) are resampled
    and refitted by FIML. Each draw equals a cold tm.fit(missing="fiml") of its resample."""
    from trustmodel._parallel import spawn_seeds
    from trustmodel.estimation.inference import replicates
    res = fiml_boot
    b = res.bootstrap
    assert b.draws.shape == (20, res.state.problem.npar) and b.n_failed == 0
    raw = res.stats.groups[0].data
    assert np.isnan(raw).any()
    names = list(res.table.names.ov)
    for k, s in enumerate(spawn_seeds(13, 40)[:3]):
        counts = replicates._counts(np.random.default_rng(s), [len(raw)])[0]
        rows = np.repeat(raw, counts, axis=0)
        import pandas as pd
        cold = tm.fit(FIML_MODEL, pd.DataFrame(rows, columns=names), missing="fiml")
        np.testing.assert_allclose(b.draws[k], cold.x, atol=2e-5)
    # SEs are the draws' SDs (divisor B); the estimates stay the FIML ones
    free = res.table.rows["free"].to_numpy()
    np.testing.assert_allclose(res.params["se"].to_numpy()[free > 0],
                               b.draws.std(axis=0)[free[free > 0] - 1])
    point = tm.fit(FIML_MODEL, tm.datasets.load("edt_missing"), missing="fiml")
    np.testing.assert_allclose(res.params["est"], point.params["est"], rtol=1e-12)
    # bootstrap and observed-information SEs agree roughly (B = 20)
    ratio = res.params["se"].to_numpy()[free > 0] / point.params["se"].to_numpy()[free > 0]
    assert np.all((ratio > 0.4) & (ratio < 2.0))


def test_fiml_bootstrap_same_seed_same_draws_any_n_jobs(fiml_boot):
    df = tm.datasets.load("edt_missing")
    again = tm.fit(FIML_MODEL, df, missing="fiml", se="bootstrap", bootstrap=20, seed=13,
                   n_jobs=2)
    np.testing.assert_array_equal(again.bootstrap.draws, fiml_boot.bootstrap.draws)
    other = tm.fit(FIML_MODEL, df, missing="fiml", se="bootstrap", bootstrap=20, seed=14)
    assert not np.array_equal(other.bootstrap.draws, fiml_boot.bootstrap.draws)


def test_fiml_bollen_stine_is_refused():
    with pytest.raises(tm.OptionError, match="bollen_stine"):
        tm.fit(FIML_MODEL, tm.datasets.load("edt_missing"), missing="fiml", se="bootstrap",
               bootstrap=5, bollen_stine=True)


# ----- inadmissible (Heywood) draws -------------------------------------------------------------
def _near_heywood_data(n=60, seed=0):
    """One factor; y1 almost without unique variance, so resamples often push its residual
    variance below zero."""
    import pandas as pd
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    cols = {"y1": f + 0.03 * rng.normal(size=n)}
    for k, lam in enumerate((0.6, 0.5, 0.5), start=2):
        cols[f"y{k}"] = lam * f + rng.normal(size=n)
    return pd.DataFrame(cols)


def test_inadmissible_draws_flagged_and_kept():
    data = _near_heywood_data()
    with np.errstate(all="ignore"):
        res = tm.fit("F =~ y1 + y2 + y3 + y4", data, se="bootstrap", bootstrap=60, seed=5)
    b = res.bootstrap
    frame = b.to_frame()
    var_cols = [c for c in frame.columns if "~~" in c and c.split("~~")[0] == c.split("~~")[1]]
    assert "y1~~y1" in var_cols and "F~~F" in var_cols
    expected = (frame[var_cols] < 0).any(axis=1).to_numpy() & b.ok
    assert expected.sum() > 0                     # the design makes some draws Heywood cases
    np.testing.assert_array_equal(b.inadmissible, expected)
    assert b.n_inadmissible == expected.sum()
    assert f"{b.n_inadmissible} of 60 resamples have an inadmissible solution" in b.note
    # kept, as lavaan: the SEs are the SDs over every successful draw, Heywood ones included
    free = res.table.rows["free"].to_numpy()
    sd_all = b.draws[b.ok].std(axis=0)
    np.testing.assert_allclose(res.params["se"].to_numpy()[free > 0],
                               sd_all[free[free > 0] - 1])
    sd_adm = b.draws[b.ok & ~b.inadmissible].std(axis=0)
    assert not np.allclose(sd_all, sd_adm)


def test_admissible_bootstrap_has_empty_mask(med_boot):
    b = med_boot.bootstrap
    assert b.inadmissible.shape == (b.B,) and b.n_inadmissible == 0 and b.note == ""
