"""Every robust fit's APA tables (Markdown, LaTeX, HTML) report the scaled test and the robust
fit indices, and say so; FIML fits report the FIML-corrected indices."""
from __future__ import annotations

import pytest

import trustmodel as tm
from trustmodel.report.apa import apa_num

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
EM = "EXP =~ e1 + e2 + e3\nSAT =~ s1 + s2 + s3\nSAT ~ EXP"
ROBUST = {
    "MLR": (HS, "holzinger_swineford", dict(estimator="MLR")),
    "MLM": (HS, "holzinger_swineford", dict(estimator="MLM")),
    "MLR-groups": (HS, "holzinger_swineford", dict(estimator="MLR", group="school")),
    "MLR-FIML": (EM, "edt_missing", dict(estimator="MLR", missing="fiml")),
}


def _forms(res):
    s = res.summary()
    return {"markdown": s.to_markdown(), "latex": s.to_latex(), "html": s.as_html()}


@pytest.fixture(scope="module", params=sorted(ROBUST))
def robust_fit(request):
    model, data, opts = ROBUST[request.param]
    return request.param, tm.fit(model, tm.datasets.load(data), **opts)


def test_robust_tables_carry_scaled_and_robust_statistics(robust_fit):
    name, res = robust_fit
    f = res.fit_measures
    assert f["chisq_scaled"] != pytest.approx(f["chisq"], abs=5e-3)  # the forms can differ
    word = "Satorra-Bentler" if res.estimator == "MLM" else "Yuan-Bentler"
    for form, table in _forms(res).items():
        note = table[table.rindex("Model fit"):].split("\n")[0]
        assert f"{f['chisq_scaled']:.2f}" in note, (name, form)
        assert f"{f['chisq']:.2f}" not in note, (name, form)
        assert f"{word} scaled" in note, (name, form)
        assert f"scaling factor {f['chisq_scaling_factor']:.3f}" in note, (name, form)
        for key in ("cfi_robust", "tli_robust", "rmsea_robust", "rmsea_ci_lower_robust",
                    "rmsea_ci_upper_robust"):
            assert apa_num(f[key]) in note, (name, form, key)
        assert "robust CFI" in note and "robust RMSEA" in note, (name, form)


def test_fiml_tables_carry_fiml_corrected_indices():
    res = tm.fit(EM, tm.datasets.load("edt_missing"), missing="fiml")
    f = res.fit_measures
    for form, table in _forms(res).items():
        note = table[table.rindex("Model fit"):].split("\n")[0]
        assert "FIML-corrected CFI" in note and "FIML-corrected RMSEA" in note, form
        assert apa_num(f["rmsea_ci_upper_robust"]) in note, form
        assert apa_num(f["rmsea_ci_upper"]) not in note, form
        assert f"{f['chisq']:.2f}" in note, form


def test_standard_ml_table_says_nothing_robust():
    res = tm.fit(HS, tm.datasets.load("holzinger_swineford"))
    note = res.summary().to_markdown().split("Model fit")[1]
    assert "robust" not in note and "scaled" not in note
    assert f"{res.fit_measures['chisq']:.2f}" in note
