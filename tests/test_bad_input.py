"""Bad input gets a specific error: one parametrized corpus (input, error class, message regex)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

HS = tm.datasets.load("holzinger_swineford")
CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"


def _frame(**changes):
    df = HS.copy()
    for k, v in changes.items():
        df[k] = v
    return df


def _collinear():
    df = HS.copy()
    df["x3"] = df["x1"] + df["x2"]
    return df


CASES = [
    # (id, model, data, options, error, match)
    ("missing column named with a near name", "visual =~ x1 + x2 + x33", HS, {}, tm.DataError,
     r"'x33'.*missing from data.*did you mean 'x3'"),
    ("two missing columns", "f =~ a1 + a2 + x1", HS, {}, tm.DataError, r"'a1', 'a2'.*missing"),
    ("non-numeric column", "visual =~ x1 + x2 + school", HS, {}, tm.DataError,
     r"'school' is not numeric"),
    ("constant column", CFA, _frame(x2=3.0), {}, tm.DataError, r"'x2' is constant"),
    ("fewer rows than needed", CFA, HS.head(5), {}, tm.DataError,
     r"Found 5 usable row\(s\).*minimum of 7"),
    ("all rows missing", CFA, _frame(x1=np.nan), {}, tm.DataError, r"'x1' holds no values"),
    ("every row incomplete", CFA, _frame(x1=np.where(np.arange(301) % 2, np.nan, 1.0),
                                         x2=np.where(np.arange(301) % 2, 1.0, np.nan)),
     {}, tm.DataError, r"Found 0 usable row"),
    ("non-positive-definite sample covariance", "visual =~ x1 + x2 + x3", _collinear(), {},
     tm.DataError, r"not positive definite.*'x3'"),
    ("latent with no indicators", "visual =~ x1 + x2 + x3\nSAT ~ visual", HS, {}, tm.DataError,
     r"'SAT'.*neither a column of data nor a latent.*SAT =~"),
    ("unknown operator", "visual =~ x1 + x2\nvisual => x3", HS, {}, tm.ModelSyntaxError,
     r"Unknown operator '=>' at line 2, column 8"),
    ("no operator", "visual x1 x2", HS, {}, tm.ModelSyntaxError, r"No operator found at line 1"),
    ("empty term", "visual =~ x1 + + x2", HS, {}, tm.ModelSyntaxError,
     r"Empty term.*line 1, column 16"),
    ("bad modifier", "visual =~ x1 + foo(2)*x2", HS, {}, tm.ModelSyntaxError,
     r"Unknown modifier function 'foo'"),
    ("duplicated element", "visual =~ x1 + x2 + x3\nvisual =~ x2", HS, {}, tm.ModelSyntaxError,
     r"Duplicated element 'visual =~ x2'.*line 2"),
    ("defined parameter with unknown label", "f =~ x1 + a*x2 + x3\nd := a*zz", HS, {},
     tm.ModelSyntaxError, r"uses 'zz', which is not a parameter label"),
    ("unknown estimator", CFA, HS, {"estimator": "MLW"}, tm.OptionError,
     r"estimator= of fit\(\) must be one of 'ML', 'MLR'.*'ULS'.*got 'MLW'"),
    ("unknown missing policy", CFA, HS, {"missing": "pairwise"}, tm.OptionError,
     r"missing= of fit\(\) must be one of 'listwise', 'fiml', 'ml'; got 'pairwise'"),
    ("unknown option", CFA, HS, {"std_lvs": True}, tm.OptionError,
     r"Unknown option 'std_lvs'.*did you mean 'std_lv'"),
    ("unknown group column", CFA, HS, {"group": "schol"}, tm.DataError,
     r"group='schol' is not a column.*did you mean 'school'"),
    ("numpy array as data", CFA, HS.to_numpy(), {}, tm.DataError, r"DataFrame.*numpy array"),
    ("not identified (t-rule)", "f =~ x1 + x2\nx1 ~~ x2", HS, {}, tm.IdentificationError,
     r"not identified \(t-rule\)"),
    ("bad group_equal", CFA, HS, {"group": "school", "group_equal": ("loading",)}, tm.OptionError,
     r"group_equal= must contain only 'loadings'.*got 'loading'"),
    ("bad level", CFA, HS, {"level": 95}, tm.OptionError, r"level= must lie strictly between"),
]


@pytest.mark.parametrize("model,data,options,error,match", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input(model, data, options, error, match):
    with pytest.raises(error, match=match):
        tm.fit(model, data, **options)


def test_errors_refine_builtins():
    assert issubclass(tm.DataError, ValueError)
    assert issubclass(tm.ModelSyntaxError, ValueError)
    assert issubclass(tm.OptionError, TypeError)
    assert issubclass(tm.IdentificationError, tm.TrustModelError)


def test_syntax_error_points_at_the_spot():
    with pytest.raises(tm.ModelSyntaxError) as info:
        tm.parse_model("f =~ x1 + x2\n\n  g -> x3")
    err = info.value
    assert (err.line, err.column) == (3, 5)
    assert "  g -> x3\n      ^" in str(err)


@pytest.mark.parametrize("model", ["f =~ x1 + a*x2 + b*x3\na > 0",
                                   "f =~ x1 + a*x2 + b*x3\nb < a",
                                   "f =~ x1 + a*x2 + b*x3\na == 2*b"])
def test_general_constraints_with_robust_not_yet(model):
    """General constraints are imposed for ML/GLS/ULS (tests/test_parity.py); robust fits
    under them say so."""
    with pytest.raises(NotImplementedError, match="general constraints"):
        tm.fit(model, HS, estimator="MLR")


@pytest.mark.parametrize("options,feature", [({"estimator": "MLR"}, "MLR"),
                                             ({"missing": "fiml"}, "fiml"),
                                             ({"se": "bootstrap"}, "bootstrap")])
def test_later_features_say_so(options, feature):
    """Until the inference issue lands these raise NotImplementedError naming the feature."""
    try:
        tm.fit(CFA, HS, **options)
    except NotImplementedError as exc:
        assert feature in str(exc)


def test_caller_frame_never_modified():
    df = HS.copy()
    df.loc[3, "x1"] = np.nan
    before = df.copy()
    with pytest.warns(tm.DataWarning, match="1 row"):
        tm.fit(CFA, df)
    pd.testing.assert_frame_equal(df, before)
