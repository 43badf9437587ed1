"""Study grids (issue 18): tidy table, resumable checkpoints, same numbers for any backend."""
from __future__ import annotations

import pandas as pd
import pytest

import trustmodel as tm
from trustmodel import studies

POP = "f =~ 0.8*x1 + 0.7*x2 + 0.7*x3\ny ~ 0.3*f"
GRID = dict(n=[80, 160], effects={"y ~ f": [0.15, 0.45]}, estimators=["ML", "ULS"], reps=40,
            seed=11, standardized=True)


@pytest.fixture(scope="module")
def full():
    return tm.power_grid(POP, **GRID)


def test_grid_is_tidy_and_powers_grow(full):
    assert len(full) == 2 * 2 * 2
    assert list(full.columns[:3]) == ["condition", "y ~ f", "estimator"]
    for (_, _), g in full.groupby(["y ~ f", "estimator"]):
        assert g.sort_values("n")["power"].is_monotonic_increasing
    ml = full[full.estimator == "ML"]
    small, large = ml[ml["y ~ f"] == 0.15], ml[ml["y ~ f"] == 0.45]
    assert (large["power"].to_numpy() >= small["power"].to_numpy()).all()
    # one condition equals a direct tm.power call with the condition's own seed
    import numpy as np
    child = np.random.SeedSequence(11).spawn(4)[1]
    direct = tm.power(POP, n=[80, 160], reps=40, seed=np.random.default_rng(child),
                      population={"y ~ f": 0.45}, standardized=True)
    np.testing.assert_array_equal(full[full.condition == 1]["power"], direct["power"])


def test_checkpoint_resumes_after_interruption(full, tmp_path, monkeypatch):
    path = tmp_path / "grid.csv"
    calls = {"n": 0}
    real = studies.power

    def flaky(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kw)
    monkeypatch.setattr(studies, "power", flaky)
    with pytest.raises(KeyboardInterrupt):
        tm.power_grid(POP, checkpoint=path, **GRID)
    assert sorted(pd.read_csv(path)["condition"].unique()) == [0, 1]
    monkeypatch.setattr(studies, "power", real)
    resumed = tm.power_grid(POP, checkpoint=path, **GRID)
    pd.testing.assert_frame_equal(resumed, full, check_dtype=False)
    with pytest.raises(tm.OptionError, match="different study"):
        tm.power_grid(POP, checkpoint=path, **{**GRID, "reps": 41})


def test_threads_give_the_same_grid(full):
    threads = tm.power_grid(POP, n_jobs=2, backend="threads", **GRID)
    pd.testing.assert_frame_equal(threads, full)


def test_grid_refuses_bad_options():
    with pytest.raises(tm.OptionError, match="int"):
        tm.power_grid(POP, n=[50], seed=tm.datasets and __import__("numpy").random.default_rng(1))
    with pytest.raises(tm.OptionError, match="both"):
        tm.power_grid(POP, n=[50], effects={"y ~ f": [0.1]}, population={"y ~ f": 0.2})
