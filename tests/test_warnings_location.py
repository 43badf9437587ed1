"""Warnings of a fit point to the caller's line, not to the library's internals."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
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


#: the information has exact zero rows (g's variance and covariance do not move Sigma): the fit
#: warns about its standard errors, the scaled test statistic (computed lazily) about itself
ZERO_LOADING = "visual =~ x1 + x2 + x3\ng =~ 0*x4\ng ~~ g\nx4 ~~ x4"


def test_a_lazily_issued_fit_measure_warning_is_recorded_and_points_to_the_reader():
    hs = tm.datasets.load("holzinger_swineford")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = tm.fit(ZERO_LOADING, hs, estimator="MLM")
        before = res.warnings
        n = len(caught)
        line = inspect.currentframe().f_lineno + 1
        fm = res.fit_measures
    assert np.isfinite(fm["chisq_scaled"])
    lazy = [w for w in caught[n:] if issubclass(w.category, tm.TrustModelWarning)]
    assert [w.category for w in lazy] == [tm.SingularMatrixWarning]
    assert "scaled test statistic" in str(lazy[0].message)
    assert (lazy[0].filename, lazy[0].lineno) == (__file__, line)
    assert res.warnings[:len(before)] == before
    added = res.warnings[len(before):]
    assert [(w.category, w.message) for w in added] == [(tm.SingularMatrixWarning,
                                                         str(lazy[0].message))]
    res.fit_measures, res.statistics                       # read again: recorded once
    assert len(res.warnings) == len(before) + 1


def test_a_baseline_refit_warning_is_recorded_on_the_result(monkeypatch):
    """A warning of the baseline refit (ULS refits the independence model) lands on
    res.warnings when the fit measures are first read, and on the fit's own result only."""
    from trustmodel.estimation.fit_measures import baseline

    original = baseline.estimate

    def noisy(table, stats, estimator="ML", x0=None):
        warnings.warn("baseline refit: did not converge", tm.NonConvergenceWarning)
        return original(table, stats, estimator, x0)

    monkeypatch.setattr(baseline, "estimate", noisy)
    hs = tm.datasets.load("holzinger_swineford")
    res, other = tm.fit(HS, hs, estimator="ULS"), tm.fit(HS, hs, estimator="ULS")
    assert res.warnings == ()
    with pytest.warns(tm.NonConvergenceWarning, match="baseline refit"):
        res.fit_measures
    assert [(w.category, w.message) for w in res.warnings] == [
        (tm.NonConvergenceWarning, "baseline refit: did not converge")]
    assert other.warnings == ()
