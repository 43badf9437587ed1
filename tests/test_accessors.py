"""res.parameter_estimates() and res.inspect() against lavaan's parameterEstimates / lavInspect
(tests/refs/accessors/, written by tests/refs/scripts/accessors.R)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import trustmodel as tm

REFS = Path(__file__).parent / "refs" / "accessors"


def _load(name):
    ref = json.loads((REFS / f"{name}.json").read_text())
    res = tm.fit(ref["model"], tm.datasets.load(ref["data"]), **ref["options"])
    return ref, res


@pytest.fixture(scope="module")
def cov_case():
    return _load("hs_covariates")


@pytest.fixture(scope="module")
def fiml_case():
    return _load("edt_fiml")


def _merge(ours: pd.DataFrame, ref_rows) -> pd.DataFrame:
    lav = pd.DataFrame(ref_rows)
    lav = lav[lav.op != ":="]
    return lav.merge(ours, on=["lhs", "op", "rhs"], suffixes=("_lav", ""))


@pytest.mark.parametrize("case, key, level", [("cov_case", "pe90", 0.90),
                                              ("fiml_case", "pe80", 0.80)])
def test_parameter_estimates_match_lavaan(case, key, level, request):
    ref, res = request.getfixturevalue(case)
    pe = res.parameter_estimates(level=level, rsquare=True)
    m = _merge(pe, ref[key])
    assert len(m) == len(ref[key])  # every lavaan row, r2 rows included
    par = m[m.op != "r2"]
    assert_allclose(par["est"], par["est_lav"], atol=2e-5)
    assert_allclose(par["ci_lower"], par["ci.lower"], atol=5e-5)
    assert_allclose(par["ci_upper"], par["ci.upper"], atol=5e-5)
    for ours, theirs in (("std_lv", "std.lv"), ("std_all", "std.all"), ("std_nox", "std.nox")):
        ok = par[theirs].notna()
        assert_allclose(par.loc[ok, ours], par.loc[ok, theirs], atol=5e-5, err_msg=ours)
    r2 = m[m.op == "r2"]
    assert_allclose(r2["est"], r2["est_lav"], atol=2e-5)
    # the level is chosen when asking: the fit's own 95% interval is wider than the 90% one
    if level < 0.95:
        assert (res.params["ci_upper"] - res.params["ci_lower"]
                >= pe["ci_upper"][:len(res.params)] - pe["ci_lower"][:len(res.params)]).all()


def test_std_nox_differs_from_std_all_only_where_x_enters(cov_case):
    _, res = cov_case
    pe = res.parameter_estimates()
    xs = set(res.table.names.ov_x)
    touched = pe.rhs.isin(xs) | pe.lhs.isin(xs)
    assert_allclose(pe.loc[~touched, "std_nox"], pe.loc[~touched, "std_all"], equal_nan=True)
    assert not np.allclose(pe.loc[touched & (pe.op == "~"), "std_nox"],
                           pe.loc[touched & (pe.op == "~"), "std_all"])


def _matrix(d):
    return pd.DataFrame(d["values"], index=d["names"], columns=d["names"])


def test_inspect_matches_lavinspect(cov_case):
    ref, res = cov_case
    ins = ref["inspect"]
    assert res.inspect("converged") is True and isinstance(res.inspect("iterations"), int)
    lav = _matrix(ins["cov.lv"])
    assert_allclose(res.inspect("cov.lv").loc[lav.index, lav.columns], lav, atol=2e-5)
    lav = _matrix(ins["cor.lv"])
    assert_allclose(res.inspect("cor.lv").loc[lav.index, lav.columns], lav, atol=2e-5)
    r2 = res.inspect("rsquare")
    assert list(r2.index) == list(ins["rsquare"])
    assert_allclose(r2.to_numpy(), list(ins["rsquare"].values()), atol=2e-5)
    info = res.inspect("information").to_numpy()
    assert_allclose(info, np.array(ins["information"]["values"]), rtol=2e-4, atol=1e-6)


def test_inspect_missing_data(fiml_case):
    ref, res = fiml_case
    ins = ref["inspect"]
    lav = _matrix(ins["coverage"])
    assert_allclose(res.inspect("coverage").loc[lav.index, lav.columns], lav, atol=1e-12)
    pat = res.inspect("patterns")
    assert sorted(pat.index) == sorted(ref["patterns"]["counts"])
    assert pat.index[0] == max(ref["patterns"]["counts"]) and pat.iloc[0].all()
    lav_pats = {tuple(r) for r in ref["patterns"]["observed"]}
    assert {tuple(r) for r in pat[ref["patterns"]["columns"]].astype(int).to_numpy()} == lav_pats
    ss = res.inspect("sampstat")
    assert_allclose(ss["mean"][list(ins["sampstat"]["mean"])],
                    list(ins["sampstat"]["mean"].values()), atol=2e-5)
    lav = _matrix(ins["sampstat"]["cov"])
    assert_allclose(ss["cov"].loc[lav.index, lav.columns], lav, atol=2e-5)
    lav = _matrix(ins["implied"]["cov"])
    assert_allclose(res.inspect("implied")["cov"].loc[lav.index, lav.columns], lav, atol=2e-5)


def test_inspect_multigroup_is_keyed_by_group():
    ref, res = _load("hs_groups")
    cov = res.inspect("cov.lv")
    assert list(cov) == list(ref["inspect"]["cov.lv"])
    for g, d in ref["inspect"]["cov.lv"].items():
        lav = _matrix(d)
        assert_allclose(cov[g].loc[lav.index, lav.columns], lav, atol=5e-5)
        assert_allclose(res.inspect("rsquare")[g].to_numpy(),
                        list(ref["inspect"]["rsquare"][g].values()),
                        atol=5e-5)


def test_bad_requests_name_the_choices(cov_case):
    _, res = cov_case
    with pytest.raises(tm.OptionError, match="cov.lv"):
        res.inspect("covlv")
    with pytest.raises(tm.OptionError, match="level"):
        res.parameter_estimates(level=95)
    with pytest.raises(tm.OptionError, match="std_nox"):
        res.parameter_estimates(standardized="std_x")


def test_bootstrap_interval_follows_the_level():
    res = tm.fit("visual =~ x1 + x2 + x3", tm.datasets.load("holzinger_swineford"),
                 se="bootstrap", bootstrap=60, seed=3)
    wide, narrow = res.parameter_estimates(level=0.95), res.parameter_estimates(level=0.5)
    free = res.params["se"] > 0
    assert_allclose(wide.loc[free, "ci_lower"], res.params.loc[free, "ci_lower"])
    assert ((narrow.ci_upper - narrow.ci_lower)[free]
            < (wide.ci_upper - wide.ci_lower)[free]).all()
