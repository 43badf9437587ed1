"""Multi-group models: lavaan's hs_groups cases, group_equal / group_partial / c(a1, a2) labels."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

REFS = Path(__file__).parent / "refs"
HS = tm.datasets.load("holzinger_swineford")
CFA = """
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
"""


def _ref(name):
    return json.loads((REFS / f"{name}.json").read_text())


@pytest.mark.parametrize("case", ["hs_groups_configural", "hs_groups_metric"])
def test_matches_lavaan(case):
    ref = _ref(case)
    res = tm.fit(ref["model"], HS, **ref["options"])
    rp = pd.DataFrame(ref["params"])
    p = res.params
    assert list(p["lhs"]) == list(rp["lhs"]) and list(p["op"]) == list(rp["op"])
    # lavaan numbers groups 1, 2 in order of appearance; ours carries the labels
    assert list(p["group"].unique()) == ["Pasteur", "Grant-White"]
    for ours, theirs in (("est", "est"), ("se", "se"), ("std_all", "std.all")):
        np.testing.assert_allclose(p[ours].to_numpy(), rp[theirs].to_numpy(), rtol=1e-3,
                                   atol=1e-5, err_msg=ours)
    fmx = res.fit_measures
    for k in ("chisq", "df", "npar", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "logl"):
        np.testing.assert_allclose(fmx[k], ref["fit"][k], rtol=1e-3, err_msg=k)


def _fit(model=CFA, **kw):
    return tm.fit(model, HS, group="school", **kw)


@pytest.fixture(scope="module")
def configural():
    return _fit()


def _rows(res, op, lhs=None):
    p = res.params
    sel = p["op"] == op
    if lhs is not None:
        sel &= p["lhs"] == lhs
    return p[sel]


def _same_across_groups(res, op, free_only=True, lhs_is_rhs=None):
    p = res.params
    sel = p["op"] == op
    if lhs_is_rhs is not None:
        sel &= (p["lhs"] == p["rhs"]) == lhs_is_rhs
    g1 = p[sel & (p["group"] == "Pasteur")].set_index(["lhs", "rhs"])["est"]
    g2 = p[sel & (p["group"] == "Grant-White")].set_index(["lhs", "rhs"])["est"]
    return np.abs(g1 - g2.loc[g1.index]).max()


LV = {"visual", "textual", "speed"}


@pytest.mark.parametrize("equal, model, extra_df, check", [
    (["loadings"], CFA, 6, ("=~", None)),
    (["loadings", "intercepts"], CFA, 6 + 9 - 3, ("~1", False)),
    (["residuals"], CFA, 9, ("~~", True)),
    (["lv_variances"], CFA, 3, ("~~", True)),
    (["lv_covariances"], CFA, 3, ("~~", False)),
    (["loadings", "intercepts", "means"], CFA, 6 + 9, ("~1", None)),
    (["means"], CFA, 0, None),   # latent means are fixed at 0 while intercepts are free
])
def test_group_equal_adds_the_right_df(configural, equal, model, extra_df, check):
    res = _fit(model, group_equal=equal)
    assert res.converged
    assert res.fit_measures["df"] == configural.fit_measures["df"] + extra_df
    if check is not None:
        op, diag = check
        p = res.params
        sel = p["op"] == op
        if op == "~~":
            is_lv = p["lhs"].isin(LV)
            want_lv = equal == ["lv_variances"] or equal == ["lv_covariances"]
            sel &= is_lv if want_lv else ~is_lv
        if op == "~1":
            sel &= ~p["lhs"].isin(LV) if "means" not in equal else p["lhs"].isin(LV)
        if diag is not None:
            sel &= (p["lhs"] == p["rhs"]) == diag
        g1 = p[sel & (p["group"] == "Pasteur")].set_index(["lhs", "rhs"])["est"]
        g2 = p[sel & (p["group"] == "Grant-White")].set_index(["lhs", "rhs"])["est"]
        assert len(g1) > 0
        np.testing.assert_allclose(g1.to_numpy(), g2.loc[g1.index].to_numpy(), rtol=1e-10)


def test_scalar_frees_latent_means_in_later_groups():
    res = _fit(group_equal=["loadings", "intercepts"])
    means = _rows(res, "~1").query("lhs in @LV", local_dict={"LV": list(LV)})
    g1 = means[means["group"] == "Pasteur"]
    g2 = means[means["group"] == "Grant-White"]
    assert np.all(g1["est"] == 0) and np.all(g1["se"] == 0)
    assert np.all(g2["se"] > 0)
    # lavaan (semTools measEq / cfa(group.equal = c("loadings","intercepts"))): chisq 164.103
    np.testing.assert_allclose(res.fit_measures["chisq"], 164.103, atol=5e-3)


def test_regressions_and_residual_covariances():
    reg = CFA + "visual ~ speed\n"
    free = _fit(reg)
    eq = _fit(reg, group_equal=["regressions"])
    assert eq.fit_measures["df"] == free.fit_measures["df"] + 1
    assert _same_across_groups(eq, "~") < 1e-10
    cov = CFA + "x1 ~~ x4\n"
    free = _fit(cov)
    eq = _fit(cov, group_equal=["residual_covariances"])
    assert eq.fit_measures["df"] == free.fit_measures["df"] + 1
    r = eq.params.query("lhs == 'x1' and rhs == 'x4'")
    assert r["est"].nunique() == 1


def test_group_partial_frees_one_loading(configural):
    metric = _fit(group_equal=["loadings"])
    partial = _fit(group_equal=["loadings"], group_partial=["visual =~ x2"])
    assert partial.fit_measures["df"] == metric.fit_measures["df"] - 1
    x2 = partial.params.query("lhs == 'visual' and rhs == 'x2'")["est"]
    assert x2.nunique() == 2
    x3 = partial.params.query("lhs == 'visual' and rhs == 'x3'")["est"]
    assert x3.nunique() == 1


def test_vector_labels_constrain_what_they_name(configural):
    # same label in both groups -> equal; different labels -> free (configural)
    same = _fit(CFA.replace("x2 + x3\n", "c(a, a)*x2 + x3\n", 1))
    diff = _fit(CFA.replace("x2 + x3\n", "c(a1, a2)*x2 + x3\n", 1))
    assert same.fit_measures["df"] == configural.fit_measures["df"] + 1
    assert diff.fit_measures["df"] == configural.fit_measures["df"]
    np.testing.assert_allclose(diff.fit_measures["chisq"], configural.fit_measures["chisq"],
                               rtol=1e-8)
    lab = diff.params.query("lhs == 'visual' and rhs == 'x2'")
    assert list(lab["label"]) == ["a1", "a2"]
    # the labels can be used in definitions
    dd = _fit(CFA.replace("x2 + x3\n", "c(a1, a2)*x2 + x3\n", 1) + "d := a1 - a2\n")
    d = dd.params.query("op == ':='").iloc[0]
    np.testing.assert_allclose(d["est"], lab["est"].iloc[0] - lab["est"].iloc[1], rtol=1e-8)
    # equal loadings by labels == group_equal="loadings" for that one loading
    eq_label = _fit(CFA.replace("x1 + x2 + x3\n", "x1 + c(a, a)*x2 + c(b, b)*x3\n", 1)
                    .replace("x4 + x5 + x6\n", "x4 + c(c, c)*x5 + c(d, d)*x6\n")
                    .replace("x7 + x8 + x9\n", "x7 + c(e, e)*x8 + c(f, f)*x9\n"))
    metric = _fit(group_equal=["loadings"])
    np.testing.assert_allclose(eq_label.fit_measures["chisq"], metric.fit_measures["chisq"],
                               rtol=1e-8)


def test_group_equal_unknown_name_is_an_error():
    with pytest.raises(tm.TrustModelError):
        _fit(group_equal=["loading"])


def test_bootstrap_resamples_within_groups():
    res = _fit(se="bootstrap", bootstrap=20, seed=1, group_equal=["loadings"])
    b = res.bootstrap
    assert b.n_failed == 0 and b.draws.shape == (20, res.state.problem.npar)
    p = res.params
    assert np.all(p.loc[p["op"] == "=~", "ci_lower"] <= p.loc[p["op"] == "=~", "est"])
