"""res.effects: direct / indirect / total effects from (I - B)^-1 with delta-method SEs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.results.effects import COLUMNS

REFS = Path(__file__).parent / "refs"
EDT_ITEMS = dict(expectation=["e1", "e2", "e3"], performance=["p1", "p2", "p3"],
                 disconfirmation=["d1", "d2", "d3"], satisfaction=["s1", "s2", "s3"],
                 loyalty=["l1", "l2", "l3"])


@pytest.fixture(scope="module")
def edt_res():
    return tm.fit(tm.ExpectationDisconfirmation(**EDT_ITEMS), tm.datasets.load("edt"))


@pytest.fixture(scope="module")
def trust_res():
    m = tm.ThreeLevelTrust(satisfaction=["sat1", "sat2", "sat3"], cognitive=["cog1", "cog2", "cog3"],
                           affective=["aff1", "aff2", "aff3"], behavioral=["beh1", "beh2", "beh3"],
                           sat_to_beh=True)
    return tm.fit(m, tm.datasets.load("trust"))


def test_columns_and_named_first(edt_res):
    eff = edt_res.effects
    assert list(eff.columns) == COLUMNS
    named = [e.name for e in edt_res.extra["theory"].named_effects]
    assert list(eff["name"][:len(named)]) == named
    assert named[:3] == ["EXP->DISC->SAT", "PERF->DISC->SAT", "SAT->LOY"]
    assert set(eff["kind"]) == {"direct", "indirect", "total"}
    row = eff.iloc[0]
    assert (row["from"], row["to"], row["via"]) == ("EXP", "SAT", "DISC")
    # the result never changes: a fresh copy each time
    eff.loc[0, "est"] = 99
    assert edt_res.effects.loc[0, "est"] != 99


@pytest.mark.parametrize("fixture", ["edt_res", "trust_res"])
def test_total_is_direct_plus_indirect(fixture, request):
    res = request.getfixturevalue(fixture)
    eff = res.effects
    # leave out specific chains beside a (total) indirect row of the same pair
    pair_ind = eff[(eff.kind == "indirect") & ~eff.named].set_index(["from", "to"]).index
    chain = eff.named & (eff.kind == "indirect") & eff.set_index(["from", "to"]).index.isin(
        pair_ind)
    gen = eff[~chain]
    assert not gen.duplicated(["from", "to", "kind"]).any()
    wide = gen.pivot_table(index=["from", "to"], columns="kind", values="est", aggfunc="first")
    wide = wide.fillna(0.0)
    assert_allclose(wide["total"], wide["direct"] + wide["indirect"], atol=1e-12)


def test_total_effects_from_inverse(edt_res):
    p = edt_res.params.set_index(["lhs", "op", "rhs"])["est"]
    order = ["EXP", "PERF", "DISC", "SAT", "LOY"]
    B = np.zeros((5, 5))
    for (lhs, op, rhs), v in p.items():
        if op == "~":
            B[order.index(lhs), order.index(rhs)] = v
    T = np.linalg.inv(np.eye(5) - B) - np.eye(5)
    tot = edt_res.effects.query("kind == 'total'").drop_duplicates(["from", "to"])
    for r in tot.itertuples():
        assert_allclose(r.est, T[order.index(r.to), order.index(r._3)], rtol=1e-10)


def test_named_effects_equal_defined_parameters(edt_res, trust_res):
    for res in (edt_res, trust_res):
        p = res.params
        eff = res.effects
        for k, e in enumerate(res.extra["theory"].named_effects):
            if e.kind == "direct":
                row = p[(p["label"] == e.label) & (p["op"] == "~")].iloc[0]
            else:
                row = p[(p["op"] == ":=") & (p["lhs"] == e.label)].iloc[0]
            assert_allclose([eff.iloc[k]["est"], eff.iloc[k]["se"]], [row["est"], row["se"]],
                            rtol=1e-6, err_msg=e.name)


def test_matches_lavaan_defined_products():
    for case, data, name, label in [("edt_ml", "edt", "EXP->DISC->SAT", "exp_disc_sat"),
                                    ("trust_ml", "trust", "SAT->COG->AFF->BEH",
                                     "sat_cog_aff_beh")]:
        ref = json.loads((REFS / f"{case}.json").read_text())
        lav = next(r for r in ref["params"] if r["lhs"] == label)
        m = {"edt": lambda: tm.ExpectationDisconfirmation(**EDT_ITEMS),
             "trust": lambda: tm.ThreeLevelTrust(
                 satisfaction=["sat1", "sat2", "sat3"], cognitive=["cog1", "cog2", "cog3"],
                 affective=["aff1", "aff2", "aff3"], behavioral=["beh1", "beh2", "beh3"])}[data]()
        eff = tm.fit(m, tm.datasets.load(data)).effects.set_index("name").loc[name]
        assert_allclose([eff["est"], eff["se"], eff["z"]], [lav["est"], lav["se"], lav["z"]],
                        rtol=1e-5)
        assert_allclose([eff["ci_lower"], eff["ci_upper"]], [lav["ci.lower"], lav["ci.upper"]],
                        rtol=1e-5)


def test_delta_se_of_a_product_is_analytic(edt_res):
    V = edt_res.vcov
    p = edt_res.params.set_index("label")
    a, b = p.loc["b_disc_exp", "est"], p.loc["b_sat_disc", "est"]
    va, vb = V.loc["b_disc_exp", "b_disc_exp"], V.loc["b_sat_disc", "b_sat_disc"]
    cab = V.loc["b_disc_exp", "b_sat_disc"]
    se = np.sqrt(b * b * va + a * a * vb + 2 * a * b * cab)
    assert_allclose(edt_res.effects.iloc[0]["se"], se, rtol=1e-6)


def test_plain_syntax_has_generic_effects_only():
    pd_data = tm.datasets.load("political_democracy")
    res = tm.fit("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\n"
                 "dem65 =~ y5 + y6 + y7 + y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60", pd_data)
    eff = res.effects
    assert "theory" not in res.extra
    x = eff[(eff["from"] == "ind60") & (eff["to"] == "dem65")].set_index("kind")
    assert list(x.index) == ["direct", "indirect", "total"]
    assert x.loc["indirect", "via"] == "dem60"
    p = res.params.set_index(["lhs", "op", "rhs"])["est"]
    assert_allclose(x.loc["indirect", "est"],
                    p[("dem60", "~", "ind60")] * p[("dem65", "~", "dem60")], rtol=1e-10)
    assert (eff["pvalue"].between(0, 1)).all()


def test_measurement_only_model_has_no_effects():
    res = tm.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6",
                 tm.datasets.load("holzinger_swineford"))
    eff = res.effects
    assert eff.empty and list(eff.columns) == COLUMNS


def test_multigroup_effects_have_a_group_column():
    hs = tm.datasets.load("holzinger_swineford")
    res = tm.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual", hs,
                 group="school")
    eff = res.effects
    assert eff.columns[0] == "group" and eff["group"].nunique() == 2
    p = res.params.query("op == '~'")
    assert_allclose(sorted(eff.query("kind == 'direct'")["est"]), sorted(p["est"]), rtol=1e-10)


def test_second_order_loadings_are_effects():
    df = tm.datasets.load("cdv")
    res = tm.fit("PV =~ pv1 + pv2 + pv3\nSV =~ sv1 + sv2 + sv3\nPSV =~ psv1 + psv2 + psv3\n"
                 "TCV =~ PV + SV + PSV\nVAL =~ val1 + val2 + val3\nVAL ~ SV", df)
    eff = res.effects
    ind = eff[(eff["from"] == "TCV") & (eff["to"] == "VAL")].set_index("kind")
    assert ind.loc["indirect", "via"] == "SV"
    p = res.params.set_index(["lhs", "op", "rhs"])["est"]
    assert_allclose(ind.loc["total", "est"], p[("TCV", "=~", "SV")] * p[("VAL", "~", "SV")])


@pytest.mark.parametrize("fixture", ["edt_res", "trust_res"])
def test_one_row_per_effect(fixture, request):
    res = request.getfixturevalue(fixture)
    eff = res.effects
    assert not eff.duplicated(["name", "kind"]).any()
    named = [e.name for e in res.extra["theory"].named_effects]
    assert list(eff.loc[eff.named, "name"]) == named and eff.named[:len(named)].all()
    # SAT->LOY direct is named once and not repeated by the decomposition
    assert len(eff.query("kind == 'direct' and `from` == 'SAT' and to == 'LOY'")) <= 1
    # a named chain that is the only indirect path stands for the indirect effect
    edt = request.getfixturevalue("edt_res").effects
    perf_sat = edt.query("kind == 'indirect' and `from` == 'PERF' and to == 'SAT'")
    assert list(perf_sat["name"]) == ["PERF->DISC->SAT"]
