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
    z = residuals(hs_fit, "standardized")["cov"]
    nz = residuals(hs_fit, "normalized")["cov"]
    raw = residuals(hs_fit, "raw")["cov"]
    assert np.isnan(np.diag(z)).all()  # zero-variance residuals are NA, as lavaan
    # lavaan: residuals(fit, type = "standardized")
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
