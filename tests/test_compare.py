"""tm.compare: LR tests of nested models (lavaan's lavTestLRT) and AIC/BIC."""
import json
from pathlib import Path

import numpy as np
import pytest

import trustmodel as tm

REFS = Path(__file__).parent / "refs"
CONF = json.loads((REFS / "hs_groups_configural.json").read_text())
METRIC = json.loads((REFS / "hs_groups_metric.json").read_text())


@pytest.fixture(scope="module")
def fits():
    hs = tm.datasets.load("holzinger_swineford")
    m = CONF["model"]
    return (tm.fit(m, hs, group="school"),
            tm.fit(m, hs, group="school", group_equal=["loadings"]))


def test_lrt_matches_lavaan_chisq_difference(fits):
    conf, metric = fits
    tab = tm.compare(metric, conf, names=["metric", "configural"])
    assert list(tab["model"]) == ["configural", "metric"]   # ordered by df
    d = METRIC["fit"]["chisq"] - CONF["fit"]["chisq"]
    ddf = METRIC["fit"]["df"] - CONF["fit"]["df"]
    assert tab["chisq_diff"].iloc[1] == pytest.approx(d, rel=1e-4)
    assert tab["df_diff"].iloc[1] == ddf
    assert tab["aic"].tolist() == pytest.approx([CONF["fit"]["aic"], METRIC["fit"]["aic"]],
                                                rel=1e-6)
    assert tab["bic"].iloc[1] == pytest.approx(METRIC["fit"]["bic"], rel=1e-6)
    assert np.isnan(tab["pvalue"].iloc[0]) and 0 < tab["pvalue"].iloc[1] < 1


def test_scaled_difference_when_scaling_factors_exist(fits):
    from trustmodel.compare import _difference
    free = {"df": 48, "chisq": 115.0, "chisq_scaling_factor": 1.10}
    restricted = {"df": 54, "chisq": 124.0, "chisq_scaling_factor": 1.12}
    out = _difference(free, restricted, "a", "b")
    cd = (54 * 1.12 - 48 * 1.10) / 6
    assert out["scaled"] and out["chisq_diff"] == pytest.approx(9.0 / cd)


def test_bad_calls(fits):
    with pytest.raises(tm.OptionError):
        tm.compare(fits[0])
    with pytest.raises(tm.TrustModelWarning):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tm.compare(fits[0], fits[0])
