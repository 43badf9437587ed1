"""Robust ML (MLR / MLM / se="robust") against lavaan 0.6.14 and by construction.

Reference: tests/refs/hs_cfa_mlr.json, ``cfa(model, HolzingerSwineford1939, estimator = "MLR")``
(Huber-White SEs with observed information, Yuan-Bentler Mplus scaled test).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from trustmodel._errors import DataError, OptionError

REFS = Path(__file__).parent / "refs"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
TOL = 1e-4


def rel(ours, ref):
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    return np.abs(ours - ref) / np.maximum(1.0, np.abs(ref))


@pytest.fixture(scope="module")
def hs():
    return tm.datasets.load("holzinger_swineford")


@pytest.fixture(scope="module")
def mlr_case(hs):
    case = json.loads((REFS / "hs_cfa_mlr.json").read_text())
    return case, tm.fit(case["model"], hs, **case["options"])


def test_mlr_estimates_and_sandwich_se_match_lavaan(mlr_case):
    case, res = mlr_case
    ours = res.params.set_index(["lhs", "op", "rhs"])
    for r in case["params"]:
        o = ours.loc[(r["lhs"], r["op"], r["rhs"])]
        assert rel(o["est"], r["est"]) < TOL
        assert rel(o["se"], r["se"]) < TOL, (r["lhs"], r["op"], r["rhs"], o["se"], r["se"])


def test_mlr_every_lavaan_fit_measure(mlr_case):
    case, res = mlr_case
    fmx = res.fit_measures
    names = [k.replace(".", "_") for k in case["fit"]]
    missing = [n for n in names if n not in fmx.index]
    assert not missing
    bad = {n: (fmx[n], case["fit"][k]) for k, n in zip(case["fit"], [k.replace(".", "_")
           for k in case["fit"]]) if n in fmx.index and not rel(fmx[n], case["fit"][k]) < TOL}
    assert not bad


def test_mlr_scaled_names_present(mlr_case):
    fmx = mlr_case[1].fit_measures
    for k in ("chisq_scaled", "df_scaled", "pvalue_scaled", "chisq_scaling_factor",
              "baseline_chisq_scaled", "cfi_robust", "tli_robust", "rmsea_robust",
              "rmsea_ci_lower_robust", "rmsea_ci_upper_robust", "rmsea_scaled"):
        assert np.isfinite(fmx[k])
    assert fmx["chisq_scaled"] == pytest.approx(fmx["chisq"] / fmx["chisq_scaling_factor"])


def test_multigroup_mlr_decomposes_into_group_fits(hs):
    """Without equality constraints the multi-group sandwich and trace are group sums."""
    both = tm.fit(HS, hs, estimator="MLR", group="school")
    traces, vcovs = 0.0, []
    for school in pd.unique(hs["school"]):
        sub = hs[hs["school"] == school].reset_index(drop=True)
        one = tm.fit(HS, sub, estimator="MLR", meanstructure=True)
        f = one.fit_measures
        traces += f["chisq_scaling_factor"] * f["df"]
        vcovs.append(one.vcov_free)
    fb = both.fit_measures
    assert fb["chisq_scaling_factor"] * fb["df"] == pytest.approx(traces, rel=1e-6)
    se_both = both.params.query("op != '~1' or rhs == ''")["se"].to_numpy()
    se_sep = np.concatenate([np.sqrt(np.diag(v)) for v in vcovs])
    assert np.sort(se_both[se_both > 0]) == pytest.approx(np.sort(se_sep[se_sep > 0]), rel=1e-5)


def test_normal_data_scaling_near_one_and_se_near_standard():
    rng = np.random.default_rng(1)
    n = 4000
    f = rng.standard_normal(n)
    X = np.column_stack([f * l + rng.standard_normal(n) * 0.6 for l in (1.0, 0.8, 0.7, 0.9)])
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = "F =~ a + b + c + d"
    ml = tm.fit(model, df)
    for est in ("MLR", "MLM"):
        rob = tm.fit(model, df, estimator=est)
        assert rob.fit_measures["chisq_scaling_factor"] == pytest.approx(1.0, abs=0.15)
        assert rob.params["se"].to_numpy() == pytest.approx(ml.params["se"].to_numpy(), rel=0.1)
    sem = tm.fit(model, df, se="robust")
    assert sem.params["se"].to_numpy() == pytest.approx(ml.params["se"].to_numpy(), rel=0.1)
    assert "chisq_scaled" not in sem.fit_measures.index


def test_heavy_tails_inflate_scaling():
    """Multivariate t (elliptical, 5 df): the normal-theory chisq is too large, c > 1."""
    rng = np.random.default_rng(2)
    n = 2000
    f = rng.standard_normal(n)
    X = np.column_stack([f * l + rng.standard_normal(n) * 0.6 for l in (1.0, 0.8, 0.7, 0.9)])
    X = X / np.sqrt(rng.chisquare(5, n) / 5)[:, None]
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    res = tm.fit("F =~ a + b + c + d", df, estimator="MLR")
    assert res.fit_measures["chisq_scaling_factor"] > 1.3
    assert res.fit_measures["baseline_chisq_scaling_factor"] > 1.3


def test_robust_needs_raw_data(hs):
    S = hs[["x1", "x2", "x3"]].cov()
    with pytest.raises(DataError, match="raw data"):
        tm.fit("f =~ x1 + x2 + x3", sample_cov=S, nobs=301, estimator="MLR")
    with pytest.raises(OptionError):
        tm.fit("f =~ x1 + x2 + x3", hs, estimator="ULS", se="robust")


def test_a_negative_scaling_factor_gives_nan_robust_intervals_not_a_numpy_warning():
    # 12 rows for 21 parameters: the Yuan-Bentler trace comes out negative; lavaan's sqrt and
    # pchisq then give NaN for the robust RMSEA interval and p-values
    import warnings
    import numpy as np
    d = tm.datasets.load("holzinger_swineford").head(12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tm.TrustModelWarning)
        res = tm.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
                     d, estimator="MLR")
        fm = res.fit_measures
    assert fm["chisq_scaling_factor"] < 0
    assert np.isnan(fm[["rmsea_ci_lower_robust", "rmsea_ci_upper_robust", "rmsea_pvalue_robust",
                        "rmsea_notclose_pvalue_robust"]].to_numpy(float)).all()
    assert np.isfinite(fm["chisq"])
