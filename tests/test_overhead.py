"""The per-fit fast paths give exactly what the general paths give (benchmarks/bench_overhead.py)."""
import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from trustmodel.data import _float_columns
from trustmodel.moments import single_threaded_blas

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _frames():
    rng = np.random.default_rng(7)
    plain = pd.DataFrame({"a": rng.normal(size=40), "b": rng.integers(0, 5, 40),
                          "c": rng.normal(size=40) > 0, 3: rng.normal(size=40).astype(np.float32),
                          "d": rng.integers(0, 2**62, 40).astype(np.uint64)})
    mixed = plain.assign(s=list("xy") * 20)
    nullable = plain.assign(a=plain["a"].astype("Float64"))
    nullable.loc[5, "a"] = pd.NA
    return [plain, mixed, nullable]


@pytest.mark.parametrize("frame", _frames())
@pytest.mark.parametrize("positions", [[0, 1, 2, 3, 4], [4, 0, 2], [3]])
def test_float_columns_as_series_to_numpy(frame, positions):
    got = _float_columns(frame, positions, frame.dtypes.to_numpy())
    ref = np.column_stack([frame.iloc[:, j].to_numpy(dtype=float, na_value=np.nan)
                           for j in positions])
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, ref)


def test_fit_identical_on_any_frame_layout():
    """Whole-frame conversion (items only), positional take (mixed frame), reordered columns:
    the same estimates and fit measures to the last bit."""
    hs = tm.datasets.load("holzinger_swineford")
    items = [f"x{i}" for i in range(1, 10)]
    fits = [tm.fit(HS, d) for d in (hs, hs[items].copy(), hs[items[::-1]].copy())]
    for other in fits[1:]:
        np.testing.assert_array_equal(other.params["est"].to_numpy(),
                                      fits[0].params["est"].to_numpy())
        np.testing.assert_array_equal(other.fit_measures.to_numpy(),
                                      fits[0].fit_measures.to_numpy())
    assert round(fits[0].fit_measures["chisq"], 3) == 85.306   # lavaan: cfa(HS3, HS)


def test_one_blas_thread_nested_and_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def counts():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]
    before = counts()
    with single_threaded_blas():
        assert all(n == 1 for n in counts())
        with single_threaded_blas():
            assert all(n == 1 for n in counts())
        assert all(n == 1 for n in counts())     # the inner exit leaves the outer limit
    assert counts() == before
