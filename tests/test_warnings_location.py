"""Warnings of a fit point to the caller's line, not to the library's internals."""
from __future__ import annotations

import inspect
import warnings

import pytest

import trustmodel as tm

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def test_fit_warnings_point_to_the_callers_line():
    small = tm.datasets.load("holzinger_swineford").head(40)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        res = tm.fit(HS, small)
    ours = [w for w in caught if issubclass(w.category, tm.TrustModelWarning)]
    assert ours and res.warnings  # the small sample gives at least one warning
    for w in ours:
        assert (w.filename, w.lineno) == (__file__, line), (w.category, w.filename, w.lineno)


@pytest.mark.xfail(reason="studies read fit measures after the fits (baseline warnings are issued "
                          "lazily, outside the fit's recorder): they point into invariance.py",
                   strict=False)
def test_a_study_that_fits_several_times_points_to_its_own_caller():
    hs = tm.datasets.load("holzinger_swineford")
    small = hs.groupby("school").head(35)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        tm.invariance(HS, small, group="school")
    ours = [w for w in caught if issubclass(w.category, tm.TrustModelWarning)]
    assert ours
    assert {(w.filename, w.lineno) for w in ours} == {(__file__, line)}
