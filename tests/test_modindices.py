"""Modification indices against lavaan's modindices (tests/refs/hs_cfa_ml.json)."""
import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from conftest import load_ref
from trustmodel.diagnostics.modindices import modification_indices, score_test_equality

REF = load_ref("hs_cfa_ml")
HS_MODEL = REF["model"]


def test_top10_match_lavaan(hs_fit):
    ref = pd.DataFrame(REF["extra"]["modindices_top10"])
    mi = hs_fit.modification_indices().head(10)
    assert list(mi["lhs"] + mi["op"] + mi["rhs"]) == list(ref["lhs"] + ref["op"] + ref["rhs"])
    for ours, theirs in [("mi", "mi"), ("epc", "epc"), ("sepc_lv", "sepc.lv"),
                         ("sepc_all", "sepc.all"), ("sepc_nox", "sepc.nox")]:
        np.testing.assert_allclose(mi[ours].to_numpy(), ref[theirs].to_numpy(), rtol=1e-3)


def test_candidate_set_and_filters(hs_fit):
    mi = modification_indices(hs_fit, sort=False)
    # 18 cross-loadings + 36 residual covariances, as lavaan
    assert (mi["op"] == "=~").sum() == 18 and (mi["op"] == "~~").sum() == 36
    big = tm.modindices(hs_fit, op="~~", minimum=10)
    assert list(big["lhs"] + big["rhs"]) == ["x7x8", "x8x9"]
    with pytest.raises(tm.OptionError):
        modification_indices(hs_fit, op="=>")


def test_structural_model_has_regressions():
    pd_ = tm.datasets.load("political_democracy")
    ref = load_ref("political_democracy")
    r = tm.fit(ref["model"], pd_)
    mi = r.modification_indices()
    # the structural part is saturated: reversed paths are equivalent models (V = 0, dropped)
    assert set(mi["op"]) == {"=~", "~~"}
    assert np.isfinite(mi["mi"]).all() and (mi["mi"] >= 0).all()
    # existing parameters are never listed
    assert not ((mi["lhs"] == "dem60") & (mi["op"] == "~") & (mi["rhs"] == "ind60")).any()


def test_unsaturated_structure_lists_regressions():
    ref = load_ref("edt_ml")
    r = tm.fit(ref["model"], tm.datasets.load("edt"))
    mi = r.modification_indices(op="~")
    assert ((mi["lhs"] == "LOY") & (mi["rhs"] == "EXP")).any()


def test_mi_approximates_lr_difference(hs):
    """The score test of x7 ~~ x8 is close to the LR statistic of freeing it."""
    r0 = tm.fit(HS_MODEL, hs)
    r1 = tm.fit(HS_MODEL + "\nx7 ~~ x8", hs)
    mi = modification_indices(r0)
    row = mi[(mi["lhs"] == "x7") & (mi["rhs"] == "x8")].iloc[0]
    lr = r0.fit_measures["chisq"] - r1.fit_measures["chisq"]
    assert abs(row["mi"] - lr) / lr < 0.25
    est = r1.params.query("lhs == 'x7' and op == '~~' and rhs == 'x8'")["est"].iloc[0]
    assert np.sign(row["epc"]) == np.sign(est)


def test_score_test_equality(hs):
    r = tm.fit(HS_MODEL, hs, group="school", group_equal=["loadings"])
    st = score_test_equality(r)
    assert len(st) == 6 and (st["df"] == 1).all()
    assert (st["x2"] >= 0).all() and np.isfinite(st["pvalue"]).all()
    # releasing the constraint with the largest score lowers chi-square by about that much
    top = st.sort_values("x2").iloc[-1]
    assert top["lhs"].startswith("textual =~ x5")
    r2 = tm.fit(HS_MODEL, hs, group="school", group_equal=["loadings"],
                group_partial=["textual =~ x5"])
    lr = r.fit_measures["chisq"] - r2.fit_measures["chisq"]
    assert abs(top["x2"] - lr) < 0.5 * lr + 0.5


def test_score_test_equals_rao_statistic_of_released_model(hs):
    """Exact identity: the univariate score test of releasing one equality constraint is Rao's
    statistic N g' I^-1 g of the model with that constraint released, its gradient g and unit
    expected information I evaluated at the constrained estimates (written out here)."""
    r = tm.fit(HS_MODEL, hs, group="school", group_equal=["loadings"])
    st = score_test_equality(r)
    for partial in ("textual =~ x5", "visual =~ x2", "speed =~ x9"):
        r2 = tm.fit(HS_MODEL, hs, group="school", group_equal=["loadings"],
                    group_partial=[partial])
        rows, rows2 = r.table.rows, r2.table.rows
        key = ["lhs", "op", "rhs", "group"]
        assert rows[key].equals(rows2[key])
        prob = r2.state.problem
        vals = r.state.values                       # constrained estimates, per table row
        x = np.zeros(prob.npar)
        x[prob.free_of] = vals[prob.free_pos]
        np.testing.assert_allclose(prob.values(x), vals, atol=0)
        _, g, info = prob.evaluate(x)
        rao = prob.ntotal * g @ np.linalg.solve(info, g)
        lhs = f"{partial} (group 1)"
        row = st[(st["lhs"] == lhs)]
        assert len(row) == 1 and row["rhs"].iloc[0] == f"{partial} (group 2)"
        assert row["x2"].iloc[0] == pytest.approx(rao, rel=1e-8, abs=1e-10)
        # and it approximates the LR difference of the refit
        lr = r.fit_measures["chisq"] - r2.fit_measures["chisq"]
        assert abs(row["x2"].iloc[0] - lr) < 0.25 * lr + 0.5
