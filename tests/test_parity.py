"""trustmodel against lavaan 0.6-14 on the parity cases of issue 11 (tests/refs/parity/).

Every JSON in tests/refs/parity/ was written by tests/refs/scripts/parity.R (``f<n>_*``: by
parity_fixes.R, cases a held-out randomized comparison found, with lavaan's FIML h1 EM run to
convergence, em.h1.tol = 1e-12): the issue's
reproducers (``i<item>_*``) and a seeded random set of realistic models (``r<nn>_*``: CFA, SEM
with covariates and mediators, mean structures, multi-group with random ``group_equal`` sets,
FIML, covariance-matrix input; ML/MLR/MLM/GLS/ULS). lavaan was fitted with BFGS at
reltol 1e-15 (gradients near 1e-9; constrained models with nlminb.constr at its defaults).

Tolerances (relative, absolute below 1): estimates, standard errors and the standardized
solution 1e-5, fit measures 1e-6, unless ``TOLERANCE`` documents a looser one for a case.
Cases that do not agree yet are ``xfail(strict=True)`` with the reason in ``KNOWN``.
"""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

PARITY = Path(__file__).parent / "refs" / "parity"
CASES = sorted(p.stem for p in PARITY.glob("*.json"))
EST_TOL, FIT_TOL = 1e-5, 1e-6
# per-case (estimates, fit measures) tolerance, with the reason
TOLERANCE: dict = {
    name: (1e-4, 1e-6, "lavaan's nlminb.constr (augmented Lagrangian) stops about 1e-5 from "
           "the optimum along flat directions; the fit measures agree to 1e-6")
    for name in ("i7_nonlinear", "i7_inequality_active")}
# fit measures lavaan reports that trustmodel does not compute (never compared)
NOT_COMPUTED = {"rmsea_ci_level", "rmsea_close_h0", "rmsea_notclose_h0"}
# (case, aspect) -> reason; aspect in {"estimates", "se", "standardized", "fit", "residuals"}
FIML_X = "item 2: FIML with fixed.x covariates: FIML-corrected/scaled measures not computed yet"
KNOWN: dict = {
    ("i2_fiml_covariate_ml", "fit"): FIML_X,
    ("i2_fiml_covariate_mlr", "fit"): FIML_X,
    ("r21_covariates_ml", "fit"): FIML_X,
    ("i8_residuals_covariate", "residuals"):
        "item 8: standardized residuals with fixed.x covariates (lavaan's fixed.x h1 ACOV)",
}



def _load(name: str) -> dict:
    return json.loads((PARITY / f"{name}.json").read_text())


def _data(case: dict) -> pd.DataFrame:
    file = case["data"]
    if file == "holzinger_swineford.csv":
        data = tm.datasets.load("holzinger_swineford")
    else:
        data = pd.read_csv(PARITY.parent / file)
    for col, factor in (case["extra"].get("scale") or {}).items():
        data = data.assign(**{col: data[col] * factor})
    return data


def fit_case(case: dict):
    """Fit a parity case as the R script did (same data, same options)."""
    opts = dict(case["options"])
    for k in ("group_equal", "group_partial"):
        if k in opts:
            opts[k] = tuple(opts[k]) if isinstance(opts[k], list) else (opts[k],)
    data = _data(case)
    with warnings.catch_warnings():   # statistical warnings are recorded on the result
        warnings.simplefilter("ignore", tm.TrustModelWarning)
        return _fit(case, data, opts)


def _fit(case, data, opts):
    if case["extra"].get("input") == "cov":
        table = tm.syntax.build_table(case["model"])
        names = table.observed
        mean = data[names].mean() if opts.get("meanstructure") else None
        return tm.fit(case["model"], sample_cov=data[names].cov(), nobs=len(data),
                      sample_mean=mean, **opts)
    return tm.fit(case["model"], data, **opts)


def _close(ours, ref, tol) -> np.ndarray:
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    return np.abs(ours - ref) <= tol * np.maximum(1.0, np.abs(ref))


_FITS: dict = {}


def _fitted(name):
    if name not in _FITS:
        case = _load(name)
        _FITS[name] = (case, fit_case(case))
    return _FITS[name]


def _param_pairs(case, res, ours_col, ref_col):
    ours = {}
    groups = {g.label: k + 1 for k, g in enumerate(res.stats.groups)}
    for r in res.params.to_dict("records"):
        g = 0 if r["op"] == ":=" else groups.get(r.get("group"), r.get("group") or 1)
        ours[(r["lhs"], r["op"], r["rhs"] if r["op"] != ":=" else "", g)] = r
    o, ref, keys = [], [], []
    for row in case["params"]:
        if row["op"] in ("==", "<", ">"):
            continue
        g = int(row.get("group", 1) or 0) if row["op"] != ":=" else 0
        key = (row["lhs"], row["op"], row["rhs"] if row["op"] != ":=" else "", g)
        assert key in ours, f"missing parameter {key}"
        if row.get(ref_col) is None:
            continue
        o.append(ours[key][ours_col])
        ref.append(row[ref_col])
        keys.append(key)
    return np.array(o, float), np.array(ref, float), keys


def _worst(o, r, keys, tol):
    bad = ~_close(o, r, tol) | (np.isnan(o) != np.isnan(r))
    if not bad.any():
        return None
    k = int(np.nanargmax(np.where(bad, np.abs(o - r), -1)))
    return f"{bad.sum()} off, worst {keys[k]}: ours {o[k]!r} lavaan {r[k]!r}"


def check(name: str, aspect: str) -> str | None:
    """None when the aspect agrees with lavaan, else a description of the worst deviation."""
    case, res = _fitted(name)
    est_tol, fit_tol = TOLERANCE.get(name, (EST_TOL, FIT_TOL, ""))[:2]
    if aspect == "estimates":
        if not res.converged:
            return "not converged"
        return _worst(*_param_pairs(case, res, "est", "est"), est_tol)
    if aspect == "se":
        return _worst(*_param_pairs(case, res, "se", "se"), est_tol)
    if aspect == "standardized":
        for ours, theirs in (("std_lv", "std.lv"), ("std_all", "std.all")):
            msg = _worst(*_param_pairs(case, res, ours, theirs), est_tol)
            if msg:
                return f"{ours}: {msg}"
        return None
    if aspect == "fit":
        fm = res.fit_measures
        out = []
        for key, ref in case["fit"].items():
            k = key.replace(".", "_")
            if k in NOT_COMPUTED:
                continue
            if k not in fm.index:
                out.append(f"{k} missing")
                continue
            ours = float(fm[k])
            if ref is None or (isinstance(ref, float) and math.isnan(ref)):
                if not math.isnan(ours):
                    out.append(f"{k}: ours {ours!r} lavaan NA")
                continue
            if not _close(ours, ref, fit_tol):
                out.append(f"{k}: ours {ours!r} lavaan {ref!r}")
        return "; ".join(out) or None
    if aspect == "residuals":
        out = []
        for kind in ("standardized", "standardized.mplus", "normalized", "raw"):
            ref = case["extra"].get(f"resid_{kind}")
            if ref is None:
                continue
            ours = res.residuals(kind)
            names = case["extra"]["resid_standardized"]["names"]
            R = np.array(ref["cov"], float)
            O = ours["cov"].loc[names, names].to_numpy(float)
            # residuals that are zero by construction (a CFA's variances) are 0/0 noise in
            # both programs: compared only where lavaan's raw residual is not (numerically) 0
            raw = np.array(case["extra"]["resid_raw"]["cov"], float)
            real = np.abs(raw) > 1e-6
            bad = real & ~(_close(O, R, est_tol) | (np.isnan(O) & np.isnan(R)))
            if bad.any():
                out.append(f"{kind}: max |diff| {np.nanmax(np.abs(O - R)):.3g}")
        return "; ".join(out) or None
    raise ValueError(aspect)


ASPECTS = ("estimates", "se", "standardized", "fit")


def _params():
    for name in CASES:
        aspects = ASPECTS + (("residuals",) if "resid_raw" in _load(name)["extra"] else ())
        for aspect in aspects:
            marks = []
            if (name, aspect) in KNOWN:
                marks = [pytest.mark.xfail(strict=True, reason=KNOWN[(name, aspect)])]
            yield pytest.param(name, aspect, id=f"{name}-{aspect}", marks=marks)


@pytest.mark.parametrize("name, aspect", list(_params()))
def test_parity(name, aspect):
    msg = check(name, aspect)
    assert msg is None, msg


def test_every_case_converged_in_lavaan():
    for name in CASES:
        assert _load(name)["converged"], name
