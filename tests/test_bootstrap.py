"""Bootstrap (se="bootstrap"): lavaan's edt_bootstrap case, reproducibility, failures, intervals."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from trustmodel._parallel import parallel_map, spawn_seeds
from trustmodel.estimation.inference import intervals, replicates

REF = json.loads((Path(__file__).parent / "refs" / "edt_bootstrap.json").read_text())
EDT = tm.datasets.load("edt")
MODEL = REF["model"]
SMALL = """
EXP =~ e1 + e2 + e3
SAT =~ s1 + s2 + s3
SAT ~ b*EXP
"""


@pytest.fixture(scope="module")
def boot50():
    return tm.fit(MODEL, EDT, se="bootstrap", bootstrap=50, seed=11)


def test_point_estimates_match_lavaan(boot50):
    ref = pd.DataFrame(REF["params"])
    np.testing.assert_allclose(boot50.params["est"].to_numpy(), ref["est"].to_numpy(),
                               rtol=1e-4, atol=1e-6)


def test_se_are_bootstrap_sds(boot50):
    b = boot50.bootstrap
    assert b.draws.shape == (50, 37) and b.defined.shape == (50, 1)
    p = boot50.params
    sd = b.draws.std(axis=0)          # divisor B, as lavaan
    free = boot50.table.rows["free"].to_numpy()
    np.testing.assert_allclose(p["se"].to_numpy()[free > 0], sd[free[free > 0] - 1])
    np.testing.assert_allclose(p["se"].iloc[-1], b.defined[:, 0].std())
    np.testing.assert_allclose(p["z"].iloc[-1], p["est"].iloc[-1] / p["se"].iloc[-1])
    fixed = (free == 0) & (p["op"] != ":=").to_numpy()
    assert np.all(p["se"].to_numpy()[fixed] == 0)
    assert np.all(p["ci_lower"].to_numpy()[fixed] == p["est"].to_numpy()[fixed])


def test_refits_are_converged_optima(boot50):
    """Each draw is the ML optimum of its resample (checked against a cold full fit)."""
    res = boot50
    ctx = replicates._context(res.table, res.stats, res.state)
    seeds = spawn_seeds(11, 100)[:3]
    for b, s in enumerate(seeds):
        counts = replicates._counts(np.random.default_rng(s), [len(EDT)])[0]
        rows = np.repeat(np.arange(len(EDT)), counts)
        cold = tm.fit(MODEL, EDT.iloc[rows].reset_index(drop=True))
        np.testing.assert_allclose(res.bootstrap.draws[b], cold.x, atol=2e-5)
    assert ctx.x0.shape == (37,)


def test_same_seed_same_numbers_any_n_jobs():
    a = tm.fit(SMALL, EDT, se="bootstrap", bootstrap=40, seed=5, n_jobs=1)
    b = tm.fit(SMALL, EDT, se="bootstrap", bootstrap=40, seed=5, n_jobs=2)
    c = tm.fit(SMALL, EDT, se="bootstrap", bootstrap=40, seed=5, n_jobs=2, backend="threading")
    np.testing.assert_array_equal(a.bootstrap.draws, b.bootstrap.draws)
    np.testing.assert_array_equal(a.bootstrap.draws, c.bootstrap.draws)
    pd.testing.assert_frame_equal(a.params, b.params)
    d = tm.fit(SMALL, EDT, se="bootstrap", bootstrap=40, seed=6)
    assert not np.array_equal(a.bootstrap.draws, d.bootstrap.draws)


def test_dask_backend_same_numbers():
    distributed = pytest.importorskip("distributed")
    a = tm.fit(SMALL, EDT, se="bootstrap", bootstrap=20, seed=3)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            b = tm.fit(SMALL, EDT, se="bootstrap", bootstrap=20, seed=3, backend="dask")
    np.testing.assert_array_equal(a.bootstrap.draws, b.bootstrap.draws)


def test_dask_without_client_is_an_option_error():
    with pytest.raises(tm.OptionError, match="dask.distributed client"):
        parallel_map(lambda s: list(s), [1, 2], backend="dask")


def test_parallel_map_chunking_invariant():
    def draw(seeds):
        return [np.random.default_rng(s).normal() for s in seeds]
    seeds = spawn_seeds(9, 13)
    ref = parallel_map(draw, seeds)
    for size in (1, 4, 13):
        assert parallel_map(draw, spawn_seeds(9, 13), chunk_size=size, n_jobs=2,
                            backend="threading") == ref


def test_generator_seed_accepted():
    a = tm.fit(SMALL, EDT, se="bootstrap", bootstrap=10, seed=np.random.default_rng(1))
    assert a.bootstrap.n_failed == 0


def test_failures_are_counted_and_warned():
    # N = 8 rows for 6 variables: most resamples have a singular covariance matrix
    small = EDT.iloc[:8]
    with pytest.warns(tm.TrustModelWarning) as record:
        res = tm.fit(SMALL, small, se="bootstrap", bootstrap=30, seed=1)
    msgs = [str(w.message) for w in record if w.category is tm.BootstrapFailureWarning]
    assert len(msgs) == 1
    b = res.bootstrap
    assert msgs[0].startswith(f"{b.n_failed} of 30 resamples failed")
    assert b.n_failed > 0 and len(b.reasons) == b.n_failed
    assert np.all(np.isnan(b.draws[b.failed]))
    assert np.all(np.isfinite(b.draws[b.ok]))
    assert any(w.category is tm.BootstrapFailureWarning for w in res.warnings)


def test_bollen_stine_pvalue():
    res = tm.fit(SMALL, EDT, se="bootstrap", bootstrap=40, seed=2, bollen_stine=True)
    pv = res.fit_measures["bollen_stine_pvalue"]
    assert 0 <= pv <= 1
    b = res.bootstrap
    assert np.isclose(pv, np.mean(b.chisq > res.fit_measures["chisq"]))
    # under the transformed data the model holds: statistics look like chi-square(df)
    assert abs(np.mean(b.chisq) - res.fit_measures["df"]) < 4


def test_interval_types():
    res = {t: tm.fit(SMALL, EDT, se="bootstrap", bootstrap=60, seed=4, boot_ci_type=t)
           for t in ("perc", "bca", "norm", "bca_simple")}
    b = res["perc"].params.query("label == 'b'").iloc[0]
    for t, r in res.items():
        row = r.params.query("label == 'b'").iloc[0]
        assert row["ci_lower"] < row["est"] < row["ci_upper"], t
        assert abs(row["ci_lower"] - b["ci_lower"]) < 0.1
    with pytest.raises(tm.OptionError, match="boot_ci_type"):
        tm.fit(SMALL, EDT, se="bootstrap", bootstrap=5, boot_ci_type="studentized")


def test_norm_inter_matches_boot_package():
    t = np.arange(1.0, 20.0)            # R = 19: (R + 1) * 0.05 = 1, an integer rank
    assert intervals.norm_inter(t, 0.05)[0] == 1.0
    assert intervals.norm_inter(t, 0.95)[0] == 19.0
    v = intervals.norm_inter(np.arange(1.0, 101.0), 0.025)[0]   # rank 2.525: between 2 and 3
    assert 2 < v < 3


def test_bootstrap_needs_raw_data():
    S = EDT.cov()
    with pytest.raises(tm.OptionError, match="raw data"):
        tm.fit(SMALL, sample_cov=S, nobs=500, se="bootstrap", bootstrap=5)


@pytest.mark.slow
def test_lavaan_bootstrap_1000_within_10_percent():
    res = tm.fit(MODEL, EDT, se="bootstrap", bootstrap=1000, seed=2002, n_jobs=2)
    ref = pd.DataFrame(REF["extra"]["percentile"])
    p = res.params
    free = (ref["se"] > 0).to_numpy()
    for ours, theirs in (("se", "se"), ("ci_lower", "ci.lower"), ("ci_upper", "ci.upper")):
        rel = np.abs(p[ours].to_numpy()[free] - ref[theirs].to_numpy()[free])
        rel /= np.abs(ref[theirs].to_numpy()[free])
        assert rel.max() < 0.10, (ours, rel.max())
    assert res.bootstrap.n_failed == 0
