"""Factor scores against lavaan's lavPredict (tests/refs/hs_cfa_ml.json)."""
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
