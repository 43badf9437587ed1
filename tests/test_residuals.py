"""Residuals against lavaan's lavResiduals (tests/refs/hs_cfa_ml.json)."""
import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from conftest import load_ref
from trustmodel.diagnostics.residuals import largest_residuals, residuals

REF = load_ref("hs_cfa_ml")
HS_MODEL = REF["model"]


def test_lavresiduals_cov_matches(hs_fit):
    """lavResiduals(fit)$cov: correlation residuals scaled by the observed SDs (cor.bentler)."""
    ref = pd.DataFrame(REF["extra"]["standardized_residual_cov"]).set_index("_row")
    r = hs_fit.residuals("cor.bentler")["cov"]
    np.testing.assert_allclose(r.to_numpy(), ref.loc[r.index, r.columns].to_numpy(), atol=1e-5)


def test_raw_and_cor(hs_fit):
    raw = hs_fit.residuals()["cov"]
    S = hs_fit.sample["cov"]
    Sig = hs_fit.implied["cov"]
    np.testing.assert_allclose(raw.to_numpy(), (S - Sig).to_numpy(), atol=1e-14)
    cor = residuals(hs_fit, "cor")["cov"]
    assert np.abs(np.diag(cor)).max() < 1e-12
    # off-diagonal cor.bollen and cor.bentler agree up to the tiny variance misfit
    ref = pd.DataFrame(REF["extra"]["standardized_residual_cov"]).set_index("_row")
    np.testing.assert_allclose(cor.to_numpy(), ref.loc[cor.index, cor.columns].to_numpy(),
                               atol=1e-4)


def test_standardized_and_normalized(hs_fit):
    z = residuals(hs_fit, "standardized.mplus")["cov"]
    nz = residuals(hs_fit, "normalized")["cov"]
    raw = residuals(hs_fit, "raw")["cov"]
    assert np.isnan(np.diag(z)).all()  # zero-variance residuals are NA, as lavaan
    # lavaan: residuals(fit, type = "standardized.mplus") (lavaan < 0.6-3: "standardized")
    assert z.loc["x3", "x5"] == pytest.approx(-4.443, abs=2e-3)
    assert z.loc["x9", "x1"] == pytest.approx(4.062, abs=2e-3)
    # the estimates' sampling variance is removed, so |standardized| >= |normalized|
    ok = np.isfinite(z.to_numpy())
    assert (np.abs(z.to_numpy()[ok]) >= np.abs(nz.to_numpy()[ok]) - 1e-12).all()
    assert np.sign(z.to_numpy()[ok]).tolist() == np.sign(raw.to_numpy()[ok]).tolist()


def test_largest(hs_fit):
    top = largest_residuals(hs_fit, n=3)
    assert top[["lhs", "rhs"]].values.tolist() == [["x2", "x7"], ["x3", "x5"], ["x1", "x9"]]
    assert hs_fit.largest_residuals(3).equals(top)
    assert top["residual"].iloc[0] == pytest.approx(-0.189184, abs=1e-5)


def test_meanstructure_and_groups(hs):
    r = tm.fit(HS_MODEL, hs, group="school")
    out = r.residuals("raw")
    assert isinstance(out, list) and len(out) == 2 and "mean" in out[0]
    assert np.abs(out[0]["mean"]).max() < 1e-6  # saturated means
    top = largest_residuals(r, n=None, type="standardized")
    assert set(top["group"]) == {"Pasteur", "Grant-White"}


def test_bad_type(hs_fit):
    with pytest.raises(tm.OptionError):
        hs_fit.residuals("studentized")


# ----- missing = "fiml": residuals against the h1 (EM) moments ---------------------------------
def _em_moments(Y, iters=5000, tol=1e-13):
    """Saturated-normal ML by the EM algorithm, written out here (independent of fiml.py)."""
    n, p = Y.shape
    mu = np.nanmean(Y, axis=0)
    sig = np.diag(np.nanvar(Y, axis=0))
    for _ in range(iters):
        T1, T2 = np.zeros(p), np.zeros((p, p))
        for y in Y:
            o = ~np.isnan(y)
            m = ~o
            yh = y.copy()
            C = np.zeros((p, p))
            if m.any():
                B = np.linalg.solve(sig[np.ix_(o, o)], sig[np.ix_(o, m)])
                yh[m] = mu[m] + (y[o] - mu[o]) @ B
                C[np.ix_(m, m)] = sig[np.ix_(m, m)] - sig[np.ix_(m, o)] @ B
            T1 += yh
            T2 += np.outer(yh, yh) + C
        mu_new = T1 / n
        sig_new = T2 / n - np.outer(mu_new, mu_new)
        done = max(np.abs(mu_new - mu).max(), np.abs(sig_new - sig).max()) < tol
        mu, sig = mu_new, sig_new
        if done:
            break
    return mu, sig


def test_fiml_complete_data_equals_ml(hs):
    r_fiml = tm.fit(HS_MODEL, hs, missing="fiml")
    r_ml = tm.fit(HS_MODEL, hs, meanstructure=True)
    for kind in ("raw", "cor", "cor.bentler", "normalized"):
        a, b = r_fiml.residuals(kind), r_ml.residuals(kind)
        np.testing.assert_allclose(a["cov"].to_numpy(), b["cov"].to_numpy(), atol=1e-6)
        np.testing.assert_allclose(a["mean"].to_numpy(), b["mean"].to_numpy(), atol=1e-6)
    # normalized: diag(A1^-1) of the casewise h1 information is Gamma_NT(S) on complete data
    nz = r_fiml.residuals("normalized")["cov"]
    raw = r_fiml.residuals("raw")["cov"]
    S = r_fiml.sample["cov"].to_numpy()
    se = np.sqrt((np.outer(np.diag(S), np.diag(S)) + S ** 2) / len(hs))
    np.testing.assert_allclose(nz.to_numpy(), raw.to_numpy() / se, rtol=1e-8)
    with pytest.raises(tm.OptionError, match="FIML"):
        r_fiml.residuals("standardized")


def test_fiml_residuals_are_h1_minus_implied():
    ref = load_ref("edt_missing_fiml")
    data = tm.datasets.load("edt_missing")
    r = tm.fit(ref["model"], data, missing="fiml")
    ov = list(r.table.names.ov)
    mu_em, sig_em = _em_moments(data[ov].to_numpy(dtype=float))
    # the h1 moments the residuals use are the EM estimates
    np.testing.assert_allclose(r.sample["cov"].to_numpy(), sig_em, atol=1e-7)
    np.testing.assert_allclose(r.sample["mean"].to_numpy(), mu_em, atol=1e-7)
    res = r.residuals()
    imp = r.implied
    np.testing.assert_allclose(res["cov"].to_numpy(), sig_em - imp["cov"].to_numpy(), atol=1e-7)
    np.testing.assert_allclose(res["mean"].to_numpy(), mu_em - imp["mean"].to_numpy(),
                               atol=1e-7)
    cor = r.residuals("cor.bentler")["cov"].to_numpy()
    sd = np.sqrt(np.diag(sig_em))
    np.testing.assert_allclose(cor, (sig_em - imp["cov"].to_numpy()) / np.outer(sd, sd),
                               atol=1e-7)
    # available-case moments would give other residuals: the convention matters here
    S_avail = data[ov].cov().to_numpy() * (len(data) - 1) / len(data)
    assert np.abs(S_avail - sig_em).max() > 1e-3
    top = r.largest_residuals(3, type="normalized")
    assert len(top) == 3 and np.isfinite(top["residual"]).all()


def test_standardized_equals_direct_delta_method(hs_fit, hs):
    """z = (s - sigma) / sqrt(diag(Gamma_NT / N - Delta vcov Delta')), written out here:
    Gamma_NT[(ij),(kl)] = s_ik s_jl + s_il s_jk, Delta by central differences of the implied
    covariance matrix rebuilt from the parameter table."""
    ov = list(hs_fit.table.names.ov)
    lv = list(hs_fit.table.names.lv)
    par = hs_fit.params
    free = par[par["se"] > 0].reset_index(drop=True)
    N = len(hs)
    S = hs_fit.sample["cov"].to_numpy()

    def sigma_of(theta):
        p, m = len(ov), len(lv)
        L, Psi, Th = np.zeros((p, m)), np.zeros((m, m)), np.zeros((p, p))
        est = par["est"].to_numpy().copy()
        est[par.index[par["se"] > 0]] = theta
        for r, e in zip(par.itertuples(), est):
            if r.op == "=~":
                L[ov.index(r.rhs), lv.index(r.lhs)] = e
            elif r.op == "~~" and r.lhs in lv:
                Psi[lv.index(r.lhs), lv.index(r.rhs)] = Psi[lv.index(r.rhs), lv.index(r.lhs)] = e
            elif r.op == "~~":
                Th[ov.index(r.lhs), ov.index(r.rhs)] = e
        return L @ Psi @ L.T + Th

    theta = free["est"].to_numpy()
    r, c = np.tril_indices(len(ov))
    delta = np.zeros((len(r), len(theta)))
    for k in range(len(theta)):
        h = 1e-6 * max(1.0, abs(theta[k]))
        e = np.zeros(len(theta))
        e[k] = h
        delta[:, k] = (sigma_of(theta + e)[r, c] - sigma_of(theta - e)[r, c]) / (2 * h)
    gamma = S[np.ix_(r, r)] * S[np.ix_(c, c)] + S[np.ix_(r, c)] * S[np.ix_(c, r)]
    acov = gamma / N - delta @ hs_fit.vcov.to_numpy() @ delta.T
    raw = (S - sigma_of(theta))[r, c]
    z_direct = raw / np.sqrt(np.clip(np.diag(acov), 1e-300, None))
    z = residuals(hs_fit, "standardized.mplus")["cov"].to_numpy()[r, c]
    ok = np.isfinite(z)
    assert ok.sum() >= 30
    np.testing.assert_allclose(z[ok], z_direct[ok], rtol=1e-5)
    # NaN where the residual has (numerically) zero or negative variance, as lavaan's NA: the
    # diagonal and pairs the model reproduces (Gamma at S, vcov at Sigma-hat: tiny negatives)
    assert np.isnan(z[r == c]).all()
    assert (np.diag(acov)[~ok] < 1e-9).all() and (np.diag(acov)[ok] > 1e-6).all()
