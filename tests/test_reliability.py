"""Reliability and validity against semTools (tests/refs/hs_cfa_ml.json)."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from trustmodel.diagnostics.reliability import htmt_flags

REF = json.loads((Path(__file__).parent / "refs" / "hs_cfa_ml.json").read_text())
HS_MODEL = REF["model"]
FACTORS = ["visual", "textual", "speed"]


@pytest.fixture(scope="module")
def hs():
    return tm.datasets.load("holzinger_swineford")


@pytest.fixture(scope="module")
def res(hs):
    return tm.fit(HS_MODEL, hs)


@pytest.mark.parametrize("ours,key", [("alpha", "alpha"), ("omega", "composite_reliability"),
                                      ("ave", "ave")])
def test_against_semtools(res, ours, key):
    tab = res.reliability.table.set_index("construct")
    expected = [REF["extra"][key][f] for f in FACTORS]
    np.testing.assert_allclose(tab.loc[FACTORS, ours].to_numpy(), expected, rtol=1e-3)


def test_htmt_against_semtools(hs, res):
    ref = pd.DataFrame(REF["extra"]["htmt"]).set_index("_row").loc[FACTORS, FACTORS]
    h = tm.htmt(HS_MODEL, hs)
    np.testing.assert_allclose(h.loc[FACTORS, FACTORS].to_numpy(), ref.to_numpy(), atol=1e-3)
    np.testing.assert_allclose(tm.htmt(res).to_numpy(), h.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(res.reliability.htmt.to_numpy(), h.to_numpy(), atol=1e-12)
    assert htmt_flags(h).empty


def test_fornell_larcker_and_cross_loadings(res):
    rel = tm.reliability(res)
    fl = rel.fornell_larcker
    ave = rel.table.set_index("construct")["ave"]
    np.testing.assert_allclose(np.diag(fl.to_numpy()), np.sqrt(ave.loc[FACTORS]), rtol=1e-12)
    lv = res.params.query("op == '~~' and lhs == 'visual' and rhs == 'textual'")
    assert fl.loc["visual", "textual"] == pytest.approx(lv["std_all"].iloc[0], rel=1e-8)
    assert not rel.cross_loadings["flag"].any()
    assert rel.notes == ()
    assert "Fornell-Larcker" in repr(rel)


def test_two_item_note_and_flags(hs):
    res = tm.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5\nspeed =~ x7 + x8 + x9", hs)
    notes = " ".join(res.reliability.notes)
    assert "'textual' has only 2 indicators" in notes
    h = pd.DataFrame([[1, .95], [.95, 1]], index=["a", "b"], columns=["a", "b"])
    fl = htmt_flags(h)
    assert fl.iloc[0][["above_85", "above_90"]].tolist() == [True, True]


# ----- multi-group: each group's numbers equal a single-group fit on that school's rows ----------
@pytest.fixture(scope="module")
def by_school(hs):
    return tm.fit(HS_MODEL, hs, group="school")


@pytest.mark.parametrize("school", ["Pasteur", "Grant-White"])
def test_multigroup_equals_single_group_fits(hs, by_school, school):
    rel = by_school.reliability
    assert rel.groups == ["Pasteur", "Grant-White"]
    rows = hs[hs["school"] == school]
    single = tm.fit(HS_MODEL, rows).reliability     # configural: the same ML estimates
    one = rel.in_group(school)
    # alpha / omega / AVE table
    mine = rel.table[rel.table["group"] == school].set_index("construct").loc[FACTORS]
    theirs = single.table.set_index("construct").loc[FACTORS]
    for col in ["alpha", "omega", "ave", "sqrt_ave"]:
        np.testing.assert_allclose(mine[col].to_numpy(), theirs[col].to_numpy(), rtol=1e-6)
    # Fornell-Larcker and cross-loadings (estimates: optimiser tolerance)
    fl = rel.fornell_larcker[rel.fornell_larcker["group"] == school].drop(columns="group")
    np.testing.assert_allclose(fl.loc[FACTORS, FACTORS].to_numpy(),
                               single.fornell_larcker.loc[FACTORS, FACTORS].to_numpy(), atol=1e-6)
    pd.testing.assert_frame_equal(one.fornell_larcker, fl)
    cl = one.cross_loadings
    np.testing.assert_allclose(cl[FACTORS].to_numpy(),
                               single.cross_loadings.loc[cl.index, FACTORS].to_numpy(), atol=1e-6)
    assert cl["own"].tolist() == single.cross_loadings["own"].tolist()
    # HTMT: sample moments only, so equal to semTools' htmt on the school's rows to rounding
    direct = tm.htmt(HS_MODEL, rows)
    np.testing.assert_allclose(one.htmt.loc[FACTORS, FACTORS].to_numpy(),
                               direct.loc[FACTORS, FACTORS].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(single.htmt.to_numpy(), direct.to_numpy(), atol=1e-12)


def test_multigroup_htmt_stacked(hs, by_school):
    h = tm.htmt(HS_MODEL, hs, group="school")
    assert list(h.columns) == ["group"] + FACTORS
    assert h["group"].tolist() == ["Pasteur"] * 3 + ["Grant-White"] * 3
    np.testing.assert_allclose(h[FACTORS].to_numpy(), tm.htmt(by_school)[FACTORS].to_numpy(),
                               atol=1e-12)
    np.testing.assert_allclose(h[FACTORS].to_numpy(), by_school.reliability.htmt[FACTORS]
                               .to_numpy(), atol=1e-12)
    # the two schools differ: each group really uses its own rows
    assert abs(h.iloc[0, 2] - h.iloc[3, 2]) > 0.1
    # flags per group
    fake = h.copy()
    fake.iloc[4, 1] = fake.iloc[3, 2] = 0.95    # Grant-White: visual-textual
    fl = htmt_flags(fake)
    assert fl[["group", "construct_1", "construct_2"]].values.tolist() == \
        [["Grant-White", "visual", "textual"]]


def test_multigroup_shapes_and_notes(by_school):
    rel = by_school.reliability
    assert list(rel.fornell_larcker.columns) == ["group"] + FACTORS
    assert len(rel.fornell_larcker) == 6 and len(rel.cross_loadings) == 18
    assert rel.cross_loadings.groupby("group").size().to_dict() == {"Grant-White": 9,
                                                                    "Pasteur": 9}
    assert "group 'Grant-White'" in repr(rel)
    with pytest.raises(KeyError):
        rel.in_group("Elsewhere")


def test_multigroup_notes_name_the_group(hs):
    """A two-item factor note is given once; a validity note carries its group."""
    data = hs.copy()
    gw = data["school"] == "Grant-White"
    rng = np.random.default_rng(1)
    # in Grant-White only, x3 becomes x5 plus noise: 'visual' and 'textual' merge there
    data.loc[gw, "x3"] = data.loc[gw, "x5"] + rng.normal(0, 0.6, gw.sum())
    with pytest.warns(tm.TrustModelWarning):     # Heywood case, latent correlation > 1
        r = tm.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5\nspeed =~ x7 + x8 + x9", data,
                   group="school")
    notes = r.reliability.notes
    assert sum("only 2 indicators" in n for n in notes) == 1
    gw_notes = [n for n in notes if n.startswith("Group 'Grant-White': ")]
    assert gw_notes and not any(n.startswith("Group 'Pasteur': ") for n in notes)
    assert r.reliability.in_group("Grant-White").notes[1:] == tuple(
        n[len("Group 'Grant-White': "):] for n in gw_notes)
    assert any("Fornell-Larcker" in n for n in gw_notes)
    assert any("HTMT of 'visual' and 'textual'" in n for n in gw_notes)
    assert r.reliability.htmt_flags["group"].tolist() == ["Grant-White"]
    assert not hs["x3"].equals(data["x3"])          # the fixture's frame is untouched
