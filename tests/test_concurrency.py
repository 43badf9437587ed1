"""Fits in threads: each result equals the serial fit, warnings included (issue 12, item 1).

``warnings.catch_warnings`` swaps process-global state; trustmodel records each fit's
warnings in a context-local collector (``trustmodel._warnings``), so threads never see, lose or
leave behind each other's warnings, and ``warnings.filters`` is never changed.
"""
from __future__ import annotations

import threading
import warnings

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

HS = tm.datasets.load("holzinger_swineford")
PD = tm.datasets.load("political_democracy")
EDT = tm.datasets.load("edt")
CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD_SEM = ("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\n"
          "dem60 ~ ind60\ndem65 ~ ind60 + dem60")


def _heywood_data():
    """One indicator almost without error: at N = 60 its residual variance estimate is < 0."""
    rng = np.random.default_rng(3)
    f = rng.normal(size=60)
    return pd.DataFrame({"a": f + rng.normal(size=60) * 0.05, "b": f + rng.normal(size=60),
                         "c": 0.5 * f + rng.normal(size=60), "d": rng.normal(size=60) + 0.4 * f})


def _incomplete():
    df = HS.copy()
    df.loc[::7, "x2"] = np.nan
    return df


JOBS = [
    ("heywood", "F =~ a + b + c + d", _heywood_data(), {}),
    ("cfa", CFA, HS, {}),
    ("sem", PD_SEM, PD, {}),
    ("two groups", CFA, HS, {"group": "school", "group_equal": "loadings"}),
    ("listwise (DataWarning)", CFA, _incomplete(), {}),
    ("mlr", CFA, HS, {"estimator": "MLR"}),
    ("edt builder", tm.ExpectationDisconfirmation(
        expectation=["e1", "e2", "e3"], performance=["p1", "p2", "p3"],
        disconfirmation=["d1", "d2", "d3"], satisfaction=["s1", "s2", "s3"],
        loyalty=["l1"], reliability={"LOY": 0.8}), EDT, {}),
    ("heywood again", "F =~ a + b + c + d", _heywood_data(), {"std_lv": True}),
]


def _fingerprint(res):
    return (res.params["est"].to_numpy(), res.params["se"].to_numpy(),
            res.fit_measures.to_numpy(dtype=float), res.warnings)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_threads_give_the_serial_results_with_their_own_warnings():
    serial = {name: _fingerprint(tm.fit(m, d, **o)) for name, m, d, o in JOBS}
    assert serial["heywood"][3] and all(w.category is tm.HeywoodCaseWarning
                                        for w in serial["heywood"][3])
    assert serial["cfa"][3] == () and serial["sem"][3] == ()
    assert any(w.category is tm.DataWarning for w in serial["listwise (DataWarning)"][3])
    filters_before = list(warnings.filters)
    results, errors = {}, []
    barrier = threading.Barrier(len(JOBS))

    def work(name, model, data, opts):
        try:
            barrier.wait()
            results[name] = [_fingerprint(tm.fit(model, data, **opts)) for _ in range(3)]
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append((name, exc))

    threads = [threading.Thread(target=work, args=job) for job in JOBS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert list(warnings.filters) == filters_before
    for name, runs in results.items():
        est, se, fmx, warns = serial[name]
        for r_est, r_se, r_fmx, r_warns in runs:
            np.testing.assert_array_equal(r_est, est)
            np.testing.assert_array_equal(r_se, se)
            np.testing.assert_array_equal(r_fmx, fmx)
            assert r_warns == warns, name


def test_fit_leaves_filters_alone_and_respects_them():
    data = _heywood_data()
    before = list(warnings.filters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quiet = tm.fit("F =~ a + b + c + d", data)       # ignored, still recorded
        assert any(w.category is tm.HeywoodCaseWarning for w in quiet.warnings)
        warnings.simplefilter("error", tm.HeywoodCaseWarning)
        with pytest.raises(tm.HeywoodCaseWarning):       # the caller's "error" filter works
            tm.fit("F =~ a + b + c + d", data)
    assert list(warnings.filters) == before
    with pytest.warns(tm.HeywoodCaseWarning):            # and pytest.warns sees it
        tm.fit("F =~ a + b + c + d", data)


def test_recorder_is_per_context():
    from trustmodel._warnings import recorded_warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seen = {}

        def other():
            with recorded_warnings() as mine:
                warnings.warn("from the other thread", tm.DataWarning)
            seen["other"] = mine

        with recorded_warnings() as outer:
            t = threading.Thread(target=other)
            t.start()
            t.join()
            warnings.warn("from this thread", tm.DataWarning)
    assert [w.message for w in outer] == ["from this thread"]
    assert [w.message for w in seen["other"]] == ["from the other thread"]
