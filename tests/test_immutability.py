"""Results nobody can corrupt (issue 12, item 2).

For every public attribute of ``FitResult``, ``PLSResult`` and the theory builders, the usual
ways of changing a value (setting a cell, adding a column, appending, updating a dict,
writing into an array) either raise or act on a copy: the result, the api's memoised table and
the next fit of the same model are unchanged.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

HS = tm.datasets.load("holzinger_swineford")
CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nd := 2*visual"
CFA = CFA.replace("\nd := 2*visual", "")
MOBI = tm.datasets.load("mobi")
EDT = tm.datasets.load("edt")


def _attempts(value):
    """The ways a caller could change ``value`` in place (each may raise)."""
    if isinstance(value, np.ndarray) and value.size:
        yield lambda: value.__setitem__(tuple([0] * value.ndim), 12345.0)
    elif isinstance(value, pd.DataFrame) and value.size:
        yield lambda: value.iloc.__setitem__((0, 0), 12345)
        yield lambda: value.loc.__setitem__((value.index[0], value.columns[-1]), 12345)
        yield lambda: value.__setitem__(value.columns[0], 0)
        yield lambda: value.__setitem__("__new__", 1)
        yield lambda: value.to_numpy().__setitem__((0, 0), 12345)
    elif isinstance(value, pd.Series) and value.size:
        yield lambda: value.iloc.__setitem__(0, 12345)
    elif isinstance(value, dict):
        yield lambda: value.__setitem__("__new__", 1)
        yield lambda: value.clear()
    elif isinstance(value, list):
        yield lambda: value.append("__new__")
        yield lambda: value.clear()


def _attack(value, depth=0, seen=None):
    """Try every attempt on ``value`` and (two levels deep) on its parts."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 2:
        return
    seen.add(id(value))
    for attempt in _attempts(value):
        try:
            attempt()
        except Exception:  # noqa: BLE001 (refusing is the point)
            pass
    if isinstance(value, (list, tuple)):
        for v in value[:5]:
            _attack(v, depth + 1, seen)
    elif isinstance(value, dict):
        for v in list(value.values())[:20]:
            _attack(v, depth + 1, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _attack(getattr(value, f.name), depth + 1, seen)


def _public(obj):
    for name in dir(obj):
        if name.startswith("_"):
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001 (a view that needs options is not an attribute)
            continue
        if not callable(value) or isinstance(value, (pd.DataFrame, pd.Series)):
            yield name, value


def _fit_print(res):
    return (res.params.to_string(), res.fit_measures.to_string(), res.table.rows.to_string(),
            repr(dict(res.options)), res.vcov_free.tobytes(), res.x.tobytes(),
            [g.cov.tobytes() for g in res.stats.groups], str(res.summary()))


def test_fit_result_cannot_be_corrupted():
    res = tm.fit(CFA, HS)
    before = _fit_print(res)
    names = []
    for name, value in _public(res):
        names.append(name)
        _attack(value)
    assert {"params", "fit_measures", "table", "options", "vcov_free", "state", "stats",
            "x", "vcov", "implied", "sample", "effects", "warnings", "extra"} <= set(names)
    assert _fit_print(res) == before
    assert _fit_print(tm.fit(CFA, HS)) == before     # the memoised table is intact


def test_the_issue_example_is_refused():
    """``r.table.rows.loc[2, 'free'] = 0`` used to change the SEs of every later fit."""
    r = tm.fit(CFA, HS)
    se = r.params["se"].to_numpy().copy()
    with pytest.raises((tm.ReadOnlyError, ValueError)):
        r.table.rows.loc[2, "free"] = 0
    with pytest.raises(tm.ReadOnlyError):
        r.options["se"] = "none"
    with pytest.raises(ValueError, match="read-only"):
        r.vcov_free[0, 0] = 0
    with pytest.raises(ValueError, match="read-only"):
        r.state.x[0] = 0
    with pytest.raises(ValueError, match="read-only"):
        r.stats.groups[0].cov[0, 0] = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.table = None
    np.testing.assert_array_equal(tm.fit(CFA, HS).params["se"], se)
    # derived frames are ordinary ones
    rows = r.table.frame
    rows.loc[2, "free"] = 0
    assert type(rows) is pd.DataFrame and r.table.rows.loc[2, "free"] != 0


def test_bootstrap_result_arrays_are_read_only():
    r = tm.fit("visual =~ x1 + x2 + x3", HS, se="bootstrap", bootstrap=20, seed=1)
    before = _fit_print(r)
    for _name, value in _public(r):
        _attack(value)
    _attack(r.extra)
    assert _fit_print(r) == before


ECSI = dict(image=["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
            expectation=["CUEX1", "CUEX2", "CUEX3"],
            quality=[f"PERQ{i}" for i in range(1, 8)], value=["PERV1", "PERV2"],
            satisfaction=["CUSA1", "CUSA2", "CUSA3"], complaints=["CUSCO"],
            loyalty=["CUSL1", "CUSL2", "CUSL3"])


def _pls_print(res):
    return (res.params.to_string(), res.paths.to_string(), res.r2.to_string(),
            res.reliability.to_string(), str(res.summary()), repr(res.to_dict()))


def test_pls_result_cannot_be_corrupted():
    res = tm.fit(tm.ECSI(**ECSI), MOBI, estimator="PLS", se="bootstrap", bootstrap=20, seed=2)
    before = _pls_print(res)
    names = []
    for name, value in _public(res):
        names.append(name)
        _attack(value)
    assert {"params", "paths", "loadings", "r2", "outer_weights", "scores", "options"} \
        <= set(names)
    assert _pls_print(res) == before
    with pytest.raises((tm.ReadOnlyError, ValueError)):
        res.paths.iloc[0, 0] = 9


def _builders():
    three = lambda p: [f"{p}{i}" for i in (1, 2, 3)]  # noqa: E731
    return [
        (tm.ExpectationDisconfirmation(expectation=three("e"), performance=three("p"),
                                       disconfirmation=three("d"), satisfaction=three("s"),
                                       loyalty=["l1"], reliability={"LOY": 0.8}), EDT),
        (tm.SatisfactionLoyalty(satisfaction=three("s"), loyalty=three("l")), EDT),
        (tm.CustomerDeliveredValue(
            value={"product": three("pv"), "service": three("sv"), "personnel": three("psv"),
                   "image": three("iv")},
            cost={"monetary": three("mc"), "time": three("tc"), "energy": three("ec"),
                  "physical": three("pc")},
            perceived_value=three("val"), satisfaction=three("sat")),
         tm.datasets.load("cdv")),
        (tm.ThreeLevelTrust(satisfaction=three("sat"), cognitive=three("cog"),
                            affective=three("aff"), behavioral=three("beh")),
         tm.datasets.load("trust")),
        (tm.ECSI(**ECSI), MOBI),
    ]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("k", range(5))
def test_builders_never_change(k):
    builder, data = _builders()[k]
    snapshot = {name: repr(value) for name, value in _public(builder)}
    syntax = builder.syntax
    for _name, value in _public(builder):
        _attack(value)
    tm.fit(builder, data)
    assert {name: repr(value) for name, value in _public(builder)} == snapshot
    assert builder.syntax == syntax


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_single_item_residual_comes_from_the_data_being_fitted():
    """The fixed residual variance is (1 - reliability) * var(item) of THIS fit's data and is
    never written back into the builder (a second data set gets its own value)."""
    builder, data = _builders()[0]
    half = data.iloc[:150]
    r1, r2 = tm.fit(builder, data), tm.fit(builder, half)
    fixed = lambda r: r.params.query("lhs == 'l1' and op == '~~' and rhs == 'l1'")["est"].iloc[0]  # noqa: E731
    np.testing.assert_allclose(fixed(r1), 0.2 * np.var(data["l1"]), rtol=1e-10)
    np.testing.assert_allclose(fixed(r2), 0.2 * np.var(half["l1"]), rtol=1e-10)
    assert "l1 ~~" not in builder.syntax.split("# structural model")[0].split("# l1")[0] \
        or "is fixed from the data" in builder.syntax
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(fixed(tm.fit(builder, data)), fixed(r1), rtol=1e-12)
