"""Factor scores against lavaan's lavPredict (tests/refs/hs_cfa_ml.json)."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from conftest import load_ref
from trustmodel.diagnostics.factor_scores import factor_scores

REF = load_ref("hs_cfa_ml")
HS_MODEL = REF["model"]


@pytest.mark.parametrize("method,key", [("regression", "factor_scores_regression_first10"),
                                        ("bartlett", "factor_scores_bartlett_first10")])
def test_first_rows_match_lavpredict(hs_fit, method, key):
    ref = pd.DataFrame(REF["extra"][key])
    fs = factor_scores(hs_fit, method=method)
    assert list(fs.columns) == ["visual", "textual", "speed"]
    assert len(fs) == 301
    np.testing.assert_allclose(fs.iloc[:10].to_numpy(), ref[fs.columns].to_numpy(), atol=1e-4)


def test_method_on_result(hs_fit):
    a = hs_fit.factor_scores("Bartlett")
    b = factor_scores(hs_fit, "bartlett")
    pd.testing.assert_frame_equal(a, b)


def test_listwise_rows_kept_as_nan(hs):
    data = hs.copy()
    data.loc[[3, 7], "x5"] = np.nan
    with pytest.warns(tm.DataWarning):
        r = tm.fit(HS_MODEL, data)
    fs = factor_scores(r, index=data.index)
    assert len(fs) == len(data)
    assert fs.loc[[3, 7]].isna().all().all()
    assert fs.drop(index=[3, 7]).notna().all().all()
    assert np.isnan(data.loc[3, "x5"])  # caller's frame untouched by the fit


def test_multigroup_has_group_column(hs):
    r = tm.fit(HS_MODEL, hs, group="school")
    fs = factor_scores(r)
    assert fs["group"].nunique() == 2 and fs[["visual", "textual", "speed"]].notna().all().all()
    # regression scores average to the latent mean (0 here) in each group
    means = fs.groupby("group")[["visual", "textual", "speed"]].mean()
    assert np.abs(means.to_numpy()).max() < 1e-8


def test_bad_method(hs_fit):
    with pytest.raises(tm.OptionError):
        factor_scores(hs_fit, "mystery")


# ----- missing = "fiml": per-pattern scores (lavaan's lavPredict with lavdata@Mp) ---------------
def _matrices(res, ov, lv):
    """LISREL matrices from res.params, written out here (independent of the RAM code)."""
    par = res.params
    p, m = len(ov), len(lv)
    L, B = np.zeros((p, m)), np.zeros((m, m))
    Psi, Th = np.zeros((m, m)), np.zeros((p, p))
    nu, alpha = np.zeros(p), np.zeros(m)
    for r in par.itertuples():
        if r.op == "=~":
            L[ov.index(r.rhs), lv.index(r.lhs)] = r.est
        elif r.op == "~":
            B[lv.index(r.lhs), lv.index(r.rhs)] = r.est
        elif r.op == "~~" and r.lhs in lv:
            Psi[lv.index(r.lhs), lv.index(r.rhs)] = Psi[lv.index(r.rhs), lv.index(r.lhs)] = r.est
        elif r.op == "~~":
            Th[ov.index(r.lhs), ov.index(r.rhs)] = Th[ov.index(r.rhs), ov.index(r.lhs)] = r.est
        elif r.op == "~1" and r.lhs in lv:
            alpha[lv.index(r.lhs)] = r.est
        elif r.op == "~1":
            nu[ov.index(r.lhs)] = r.est
    IB = np.linalg.inv(np.eye(m) - B)
    veta = IB @ Psi @ IB.T
    eeta = IB @ alpha
    return L, Th, veta, eeta, L @ veta @ L.T + Th, nu + L @ eeta


def _direct_scores(res, data, ov, lv, method):
    """Row by row: regression E(eta) + VETA L_o' Sigma_oo^-1 (y_o - mu_o); Bartlett in the
    Theta form (L_o' Theta_oo^-1 L_o)^-1 L_o' Theta_oo^-1 (y_o - mu_o), latents measured in
    the row only (NaN for the others)."""
    L, Th, veta, eeta, sigma, mu = _matrices(res, ov, lv)
    Y = data[ov].to_numpy(dtype=float)
    out = np.full((len(Y), len(lv)), np.nan)
    for i, y in enumerate(Y):
        o = ~np.isnan(y)
        if not o.any():
            continue
        d = y[o] - mu[o]
        Lo = L[o]
        if method == "regression":
            out[i] = eeta + veta @ Lo.T @ np.linalg.solve(sigma[np.ix_(o, o)], d)
        else:
            f = np.flatnonzero(np.abs(Lo).sum(axis=0) > 0)
            Lf = Lo[:, f]
            ti = np.linalg.inv(Th[np.ix_(o, o)])
            out[i, f] = eeta[f] + np.linalg.solve(Lf.T @ ti @ Lf, Lf.T @ ti @ d)
    return out


@pytest.fixture(scope="module")
def edt_fiml():
    ref = load_ref("edt_missing_fiml")
    data = tm.datasets.load("edt_missing")
    return ref["model"], data, tm.fit(ref["model"], data, missing="fiml")


@pytest.mark.parametrize("method", ["regression", "bartlett"])
def test_fiml_scores_equal_direct_per_row(edt_fiml, method):
    _, data, res = edt_fiml
    ov, lv = list(res.table.names.ov), list(res.table.names.lv)
    assert data.isna().any(axis=1).sum() > 200        # many patterns really in play
    fs = res.factor_scores(method, index=data.index)
    assert list(fs.columns) == lv and len(fs) == len(data)
    assert fs.notna().all().all()
    np.testing.assert_allclose(fs.to_numpy(), _direct_scores(res, data, ov, lv, method),
                               rtol=1e-9, atol=1e-9)


def test_fiml_scores_on_complete_data_equal_complete_formula(hs):
    """A FIML fit of complete data: one pattern, the complete-data formula exactly (at the same
    estimates), and the ML (meanstructure) fit's scores up to the optimiser's tolerance."""
    r_fiml = tm.fit(HS_MODEL, hs, missing="fiml")
    ov, lv = list(r_fiml.table.names.ov), list(r_fiml.table.names.lv)
    L, Th, veta, eeta, sigma, mu = _matrices(r_fiml, ov, lv)
    Yc = hs[ov].to_numpy() - mu
    reg = eeta + Yc @ np.linalg.solve(sigma, L @ veta)
    ti_l = np.linalg.solve(Th, L)
    bart = eeta + Yc @ ti_l @ np.linalg.inv(L.T @ ti_l)
    np.testing.assert_allclose(r_fiml.factor_scores().to_numpy(), reg, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r_fiml.factor_scores("bartlett").to_numpy(), bart, rtol=1e-10,
                               atol=1e-10)
    r_ml = tm.fit(HS_MODEL, hs, meanstructure=True)
    for m in ("regression", "bartlett"):
        np.testing.assert_allclose(r_fiml.factor_scores(m).to_numpy(),
                                   r_ml.factor_scores(m).to_numpy(), atol=1e-4)
    # the lavaan reference rows, through the FIML path
    ref = pd.DataFrame(REF["extra"]["factor_scores_regression_first10"])
    np.testing.assert_allclose(r_fiml.factor_scores().iloc[:10].to_numpy(),
                               ref[lv].to_numpy(), atol=1e-4)


def test_fiml_scores_rows_aligned_and_unmeasured_latents(edt_fiml):
    """Rows with every item of a construct missing: Bartlett NaN there (lavaan), regression
    scores borrow from the other constructs; an all-missing row is dropped and kept as NaN."""
    model, data, _ = edt_fiml
    data = data.copy()
    data.index = [f"r{i}" for i in range(len(data))]
    data.loc[["r3", "r10", "r11"], ["e1", "e2", "e3"]] = np.nan
    data.loc["r20"] = np.nan
    with pytest.warns(tm.DataWarning, match="no observed values"):
        res = tm.fit(model, data, missing="fiml")
    ov, lv = list(res.table.names.ov), list(res.table.names.lv)
    for method in ("regression", "bartlett"):
        fs = factor_scores(res, method, index=data.index)
        assert list(fs.index) == list(data.index)
        assert fs.loc["r20"].isna().all()
        direct = _direct_scores(res, data, ov, lv, method)
        np.testing.assert_allclose(fs.to_numpy(), direct, rtol=1e-9, atol=1e-9)
        if method == "bartlett":
            assert fs.loc[["r3", "r10", "r11"], "EXP"].isna().all()
            assert fs.loc[["r3", "r10", "r11"], ["PERF", "SAT"]].notna().all().all()
        else:
            assert fs.drop(index="r20").notna().all().all()
    assert data.loc["r20"].isna().all() and len(data) == 500   # caller's frame as given


def test_fiml_multigroup_scores(hs):
    data = hs.copy()
    rng = np.random.default_rng(2)
    hole = rng.random((len(data), 9)) < 0.1
    cols = [f"x{i}" for i in range(1, 10)]
    data[cols] = data[cols].mask(hole)
    res = tm.fit(HS_MODEL, data, group="school", missing="fiml")
    fs = res.factor_scores()
    lv = ["visual", "textual", "speed"]
    assert fs["group"].tolist() == data["school"].tolist()
    for g, school in enumerate(["Pasteur", "Grant-White"]):
        rows = (data["school"] == school).to_numpy()
        sub = SimpleNamespace(params=res.params[res.params["group"] == school])
        direct = _direct_scores(sub, data[rows], cols, lv, "regression")
        np.testing.assert_allclose(fs.loc[rows, lv].to_numpy(), direct, rtol=1e-9, atol=1e-9)
