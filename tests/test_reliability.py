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
