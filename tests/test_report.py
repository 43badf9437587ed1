"""Reports: Summary text/HTML/LaTeX/Markdown and the JSON export."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm
from trustmodel.report import Summary, fit_schema, from_json, load_json
from trustmodel.report.summary import apa_num, apa_p

EDT = tm.datasets.model("edt")
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def edt():
    return tm.fit(EDT, tm.datasets.load("edt"))


@pytest.fixture(scope="module")
def hs_groups():
    return tm.fit(HS, tm.datasets.load("holzinger_swineford"), group="school")


def _row(res, lhs, op, rhs, group=None):
    p = res.params
    sel = (p.lhs == lhs) & (p.op == op) & (p.rhs == rhs)
    if group is not None:
        sel &= p.group == group
    return p[sel].iloc[0]


def test_summary_is_object_with_header(edt):
    s = edt.summary()
    assert isinstance(s, Summary)
    text = str(s)
    assert text.splitlines()[0] == (f"trustmodel {tm.__version__} ended normally after "
                                    f"{edt.n_iter} iterations")
    for needle in ("Estimator", "ML", "Optimization method", "Number of model parameters",
                   "Number of observations", "500", "Test statistic", "Degrees of freedom",
                   "Comparative Fit Index (CFI)", "Tucker-Lewis Index (TLI)", "RMSEA", "SRMR",
                   "Akaike (AIC)", "Bayesian (BIC)", "Loglikelihood"):
        assert needle in text, needle
    fm = edt.fit_measures
    assert re.search(rf"Test statistic\s+{fm['chisq']:.3f}", text)
    assert re.search(r"Degrees of freedom\s+83\b", text)
    assert re.search(rf"Number of model parameters\s+{int(fm['npar'])}\b", text)
    assert re.search(rf"Comparative Fit Index \(CFI\)\s+{fm['cfi']:.3f}", text)
    assert f"{fm['rmsea_ci_upper']:.3f}" in text


def test_summary_sections_in_lavaan_order(edt):
    text = str(edt.summary())
    pos = [text.index(f"{t}:") for t in ("Latent Variables", "Regressions", "Variances",
                                         "Defined Parameters")]
    assert pos == sorted(pos)
    assert "Covariances:" not in text  # every latent covariance is a regression here
    head = "Estimate  Std.Err  z-value  P(>|z|)   Std.lv  Std.all"
    assert text.count(head) == 4


def test_summary_parameter_lines(edt):
    text = str(edt.summary())
    r = _row(edt, "DISC", "~", "EXP")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("EXP") and "(a)" in ln)
    nums = line.split("(a)")[1].split()
    assert nums == [f"{r[c]:.3f}" for c in ("est", "se", "z", "pvalue", "std_lv", "std_all")]
    # fixed marker loading: estimate and standardized values, no SE / z / p
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("e1 "))
    r = _row(edt, "EXP", "=~", "e1")
    assert line.split() == ["e1", "1.000", f"{r.std_lv:.3f}", f"{r.std_all:.3f}"]
    # residual variances carry lavaan's dot, exogenous latent variance does not
    assert re.search(r"^\s+\.e1\s", text, re.M) and re.search(r"^\s+\.SAT\s", text, re.M)
    assert re.search(r"^\s+EXP\s+0\.477", text, re.M)
    d = _row(edt, "exp_disc_sat", ":=", "a*b")
    assert re.search(rf"exp_disc_sat\s+{d.est:.3f}\s+{d.se:.3f}", text)


def test_summary_multigroup(hs_groups):
    text = str(hs_groups.summary())
    assert "Number of observations per group" in text
    assert re.search(r"Pasteur\s+156", text) and re.search(r"Grant-White\s+145", text)
    g1, g2 = text.index("Group 1 [Pasteur]:"), text.index("Group 2 [Grant-White]:")
    assert g1 < g2
    assert text.count("Latent Variables:") == 2 and text.count("Intercepts:") == 2
    r = _row(hs_groups, "visual", "=~", "x2", "Grant-White")
    block2 = text[g2:]
    assert f"{r.est:.3f}    {r.se:.3f}" in block2


def test_summary_notes_from_warnings(edt):
    from dataclasses import replace

    from trustmodel.api import RecordedWarning
    w1 = RecordedWarning(tm.HeywoodCaseWarning, "Residual variance of 'e1' is negative.")
    w2 = RecordedWarning(tm.SmallSampleWarning, "Small sample.")
    res = replace(edt, warnings=(w1, w2))
    text = str(res.summary())
    assert "Notes:" in text
    assert "[1] HeywoodCaseWarning: Residual variance of 'e1' is negative." in text
    assert "[2] SmallSampleWarning: Small sample." in text
    html = res.summary()._repr_html_()
    assert "Residual variance of &#x27;e1&#x27; is negative." in html
    assert "Small sample." in res.summary().to_markdown()


def test_not_converged_header(edt):
    from dataclasses import replace
    state = replace(edt.state, optim=replace(edt.state.optim, converged=False))
    res = replace(edt, state=state)
    text = str(res.summary())
    lines = text.splitlines()
    assert lines[0] == f"trustmodel {tm.__version__} did NOT end normally after {res.n_iter} iterations"
    assert lines[1] == "** WARNING ** Estimates below are most likely unreliable"
    assert "Model Test User Model:" not in text  # as lavaan: no fit measures without convergence
    assert "NOT converged" in repr(res)


def test_html(edt):
    html = edt._repr_html_()
    assert html == edt.summary()._repr_html_()
    assert html.count("<table>") >= 5 and "<script" not in html and "<style>" in html
    assert "ended normally" in html
    r = _row(edt, "SAT", "~", "DISC")
    assert f"<td class=\"num\">{r.est:.3f}</td>" in html
    assert "DISC (b)" in html and "Latent Variables" in html and "Defined Parameters" in html


def test_markdown_apa(edt):
    md = edt.summary().to_markdown()
    r = _row(edt, "SAT", "~", "DISC")
    assert "| Parameter | *B* | *SE* | β | *p* |" in md
    assert (f"| DISC → SAT (b) | {r.est:.3f}\\*\\*\\* | {r.se:.3f} | {apa_num(r.std_all)} "
            "| < .001 |") in md
    fm = edt.fit_measures
    assert f"χ²(83) = {fm['chisq']:.2f}" in md and f"CFI = {apa_num(fm['cfi'])}" in md
    r = _row(edt, "SAT", "~", "EXP")  # not significant: no star, p as .237
    line = next(ln for ln in md.splitlines() if ln.startswith("| EXP → SAT"))
    assert "\\*" not in line and apa_p(r.pvalue, bare=True) in line
    md_ci = edt.summary().to_markdown(stars=False, ci=True)
    assert "95% CI" in md_ci and "\\*\\*\\*" not in md_ci.split("*Note.*")[0]
    assert f"[{r.ci_lower:.3f}, {r.ci_upper:.3f}]" in md_ci


def test_latex_apa(edt):
    tex = edt.summary().to_latex(ci=True)
    assert tex.startswith("\\begin{table}") and "\\toprule" in tex and "\\bottomrule" in tex
    assert "exp\\_disc\\_sat" in tex  # escaped underscore
    r = _row(edt, "PERF", "~", "EXP")
    assert f"EXP $\\rightarrow$ PERF & {r.est:.3f}$^{{***}}$ & {r.se:.3f}" in tex
    assert f"[{r.ci_lower:.3f}, {r.ci_upper:.3f}]" in tex
    assert "\\chi^2" in tex and "95\\% CI" in tex
    assert "$^{***}$" not in edt.summary().to_latex(stars=False)


def test_apa_number_helpers():
    assert apa_num(0.7123) == ".712" and apa_num(-0.26) == "-.260" and apa_num(1.5) == "1.500"
    assert apa_p(0.0001) == "< .001" and apa_p(0.0234) == "= .023"
    assert apa_p(np.nan) == ""


def test_largest_residuals_note(edt, monkeypatch):
    names = ["e1", "e2", "e3"]
    mat = pd.DataFrame([[0, 0.02, -0.11], [0.02, 0, 0.05], [-0.11, 0.05, 0]],
                       index=names, columns=names)
    monkeypatch.setattr(type(edt), "residuals", lambda self, type="raw": mat, raising=False)
    text = str(edt.summary())
    assert "Largest residual correlations" in text
    assert text.index("e3 ~~ e1: -0.110") < text.index("e3 ~~ e2: 0.050")


def test_to_dict_is_json_safe_and_valid(edt):
    jsonschema = pytest.importorskip("jsonschema")
    d = edt.to_dict()
    text = json.dumps(d, allow_nan=False)  # raises if NaN slipped through
    jsonschema.validate(json.loads(text), fit_schema())
    assert d["schema"] == "trustmodel.fit/1"
    assert d["converged"] is True and d["nobs"] == 500 and d["estimator"] == "ML"
    assert set(d["versions"]) >= {"trustmodel", "numpy", "scipy", "pandas"}
    assert d["options"]["estimator"] == "ML" and d["options"]["group_equal"] == []
    assert len(d["params"]) == len(edt.params)
    first = d["params"][0]
    assert first["lhs"] == "EXP" and first["z"] is None  # fixed loading: NaN -> null
    assert d["fit_measures"]["df"] == 83


def test_json_round_trip_numbers(edt, tmp_path):
    path = tmp_path / "fit.json"
    text = edt.to_json(path)
    back = load_json(path)
    assert json.loads(text) == json.loads(path.read_text())
    p = edt.params
    for col in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"):
        np.testing.assert_array_equal(back.params[col].to_numpy(), p[col].to_numpy())
    assert list(back.params["lhs"]) == list(p["lhs"])
    fm = edt.fit_measures
    np.testing.assert_array_equal(back.fit_measures[fm.index].to_numpy(), fm.to_numpy())
    assert back.converged and back.versions["trustmodel"] == tm.__version__


def test_json_multigroup_round_trip(hs_groups):
    back = from_json(hs_groups.to_json(indent=None))
    assert back.data["nobs_per_group"] == {"Pasteur": 156, "Grant-White": 145}
    assert list(back.params["group"]) == list(hs_groups.params["group"])
    np.testing.assert_array_equal(back.params["est"], hs_groups.params["est"])


def test_from_json_rejects_other_documents():
    with pytest.raises(tm.DataError, match="trustmodel.fit/1"):
        from_json('{"schema": "other/1"}')


def test_warnings_in_json(edt):
    from dataclasses import replace

    from trustmodel.api import RecordedWarning
    res = replace(edt, warnings=(RecordedWarning(tm.HeywoodCaseWarning, "Negative."),))
    d = res.to_dict()
    assert d["warnings"] == [{"category": "HeywoodCaseWarning", "message": "Negative."}]
