"""The lavaan-like text of a fit: ``summary(fit, fit.measures = TRUE, standardized = TRUE)``.

Layout and wording follow lavaan 0.6-14's printing code: ``print.lavaan.summary`` (header),
``lav_data_print_short`` (observations, missing patterns), ``lav_test_print`` (the user-model
test, Standard and Scaled columns side by side), ``print.lavaan.fitMeasures`` (baseline model,
CFI/TLI, log-likelihood and information criteria, RMSEA, SRMR) and
``print.lavaan.parameterEstimates`` (the "Parameter Estimates" block and the sections), all in
``R/lav_print.R``, ``R/lav_test_print.R`` and ``R/lav_data_print.R``. Label/value blocks are
R's ``write.table`` of ``format()``-padded columns: two leading spaces, a label column of at
least ``w1`` characters and right-aligned value columns of at least ``w2`` and ``w3``.

Documented differences from lavaan's text (``tests/test_summary_golden.py`` allows them):
the first line names trustmodel, its version and its own optimizer's iteration count; the
"Optimization method" is trustmodel's; names longer than 14 characters widen the name column
instead of being abbreviated (R's ``abbreviate``); the numbered "Notes:" that close the report
carry the warnings lavaan prints separately.
"""
from __future__ import annotations

import math

import numpy as np

NUM = "{:8.3f}"

#: (label, value) rows of a block; a row may carry a third (Scaled) value
Rows = list


def num(x) -> str:
    """R's ``sprintf("%8.3f", x)``: "NA" (right-aligned) for a missing value."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "      NA"
    return "      NA" if math.isnan(v) else NUM.format(v)


def integer(x) -> str:
    """A count as R prints it in ``c()`` (no decimals when whole)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "NA"
    if math.isnan(v):
        return "NA"
    return str(int(v)) if v == int(v) else num(v)


def block(rows, w1: int = 43, w2: int = 8, w3: int = 11) -> list[str]:
    """R's ``write.table`` of ``format(c1, width = w1)``, ``format(c2, width = w2, justify =
    "right")`` (and ``c3``): columns padded to the widest entry, lines right-stripped."""
    three = any(len(r) > 2 for r in rows)
    rows = [tuple(r) + ("",) * (3 - len(r)) for r in rows]
    w1 = max([w1] + [len(r[0]) for r in rows])
    w2 = max([w2] + [len(r[1]) for r in rows])
    w3 = max([w3] + [len(r[2]) for r in rows])
    out = []
    for a, b, c in rows:
        line = f"  {a:<{w1}} {b:>{w2}}"
        if three:
            line += f" {c:>{w3}}"
        out.append(line.rstrip())
    return out


def _has(f, key) -> bool:
    v = f.get(key, np.nan)
    try:
        return not math.isnan(float(v))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- header and data
def header_rows(facts) -> Rows:
    rows = [("Estimator", facts["estimator_print"]),
            ("Optimization method", facts["optimizer"].upper()),
            ("Number of model parameters", integer(facts["npar_total"]))]
    if facts["n_equal"]:
        rows.append(("Number of equality constraints", integer(facts["n_equal"])))
    return rows


def data_rows(facts) -> Rows:
    groups = facts["groups"]                # [(label, nobs used, nobs total)]
    three = any(tot != used for _, used, tot in groups)
    rows: Rows = []
    if len(groups) == 1:
        if three:
            rows.append(("", "Used", "Total"))
        _, used, tot = groups[0]
        rows.append(("Number of observations", str(used)) + ((str(tot),) if three else ()))
    else:
        rows.append(("Number of observations per group:",) + (("Used", "Total") if three
                                                              else ("",)))
        rows += [(f"  {lab:<40}", str(used)) + ((str(tot),) if three else ())
                 for lab, used, tot in groups]
    pat = facts.get("patterns")
    if pat is not None:
        if len(pat) == 1:
            rows.append(("Number of missing patterns", str(pat[0])))
        else:
            rows.append(("Number of missing patterns per group:", ""))
            rows += [(f"  {lab:<40}", str(n)) for (lab, _, _), n in zip(groups, pat)]
    return rows


# ---------------------------------------------------------------- the model test
def scaled_flag(f, facts) -> bool:
    """Two columns (Standard, Scaled) when the test is robust (MLR, MLM, se="robust")."""
    return facts["scaled_label"] is not None and _has(f, "chisq_scaled")


def test_sections(f, facts) -> list:
    """``lav_test_print``: the user-model test, one column or Standard and Scaled side by side,
    then the statistic of each group. Sections are ``(title, rows, widths)``."""
    scaled = scaled_flag(f, facts)
    df = f.get("df", np.nan)
    df0 = not _has(f, "df") or float(df) == 0
    plabel = "P-value (Unknown)" if facts["estimator"] == "ULS" else "P-value (Chi-square)"
    if not scaled:
        rows: Rows = [("", "")]
        rows += [("Test statistic", num(f.get("chisq"))), ("Degrees of freedom", integer(df))]
        if not df0:
            rows.append((plabel, num(f.get("pvalue"))))
    else:
        rows = [("", "Standard", "Scaled"),
                ("Test Statistic", num(f.get("chisq")), num(f.get("chisq_scaled"))),
                ("Degrees of freedom", integer(df), integer(f.get("df_scaled", df)))]
        if not df0:
            rows += [(plabel, num(f.get("pvalue")), num(f.get("pvalue_scaled"))),
                     ("Scaling correction factor", "", num(f.get("chisq_scaling_factor"))),
                     (f"  {facts['scaled_label']}", "", "")]
    out = [("Model Test User Model", rows, (43, 8, 11))]
    per_group = facts.get("chisq_groups")
    if per_group is not None:
        c = float(f.get("chisq_scaling_factor", np.nan)) if scaled else np.nan
        grows = [(f"  {lab:<40}", num(x)) + ((num(x / c),) if scaled else ())
                 for (lab, _, _), x in zip(facts["groups"], per_group)]
        out.append(("  Test statistic for each group", grows, (43, 8, 11)))
    return out


# ---------------------------------------------------------------- fit measures
def fit_sections(f, facts) -> list:
    """``print.lavaan.fitMeasures`` for the measures lavaan's summary shows."""
    scaled = scaled_flag(f, facts)

    def row(label, key, skey=None):
        if not scaled:
            return (label, num(f.get(key)))
        return (label, num(f.get(key)), num(f.get(skey or key)))

    def robust(label, key):
        return (label, "", num(f.get(key))) if scaled else (label, num(f.get(key)))

    out: list = []
    if _has(f, "baseline_chisq"):
        rows = [row("Test statistic", "baseline_chisq", "baseline_chisq_scaled"),
                (("Degrees of freedom", integer(f.get("baseline_df")))
                 + ((integer(f.get("baseline_df_scaled", f.get("baseline_df"))),)
                    if scaled else ())),
                row("P-value", "baseline_pvalue", "baseline_pvalue_scaled")]
        if scaled and _has(f, "baseline_chisq_scaling_factor"):
            rows.append(("Scaling correction factor", "",
                         num(f.get("baseline_chisq_scaling_factor"))))
        out.append(("Model Test Baseline Model", rows, (35, 16, 11)))
    rows = [row("Comparative Fit Index (CFI)", "cfi", "cfi_scaled"),
            row("Tucker-Lewis Index (TLI)", "tli", "tli_scaled")]
    if _has(f, "cfi_robust"):
        rows += [("", ""), robust("Robust Comparative Fit Index (CFI)", "cfi_robust"),
                 robust("Robust Tucker-Lewis Index (TLI)", "tli_robust")]
    out.append(("User Model versus Baseline Model", rows, (43, 8, 11)))
    if _has(f, "logl"):
        rows = [row("Loglikelihood user model (H0)", "logl")]
        if scaled and _has(f, "scaling_factor_h0"):
            rows += [("Scaling correction factor", " " * 12, num(f.get("scaling_factor_h0"))),
                     ("    for the MLR correction", "", "")]
        rows.append(row("Loglikelihood unrestricted model (H1)", "unrestricted_logl"))
        if scaled and _has(f, "scaling_factor_h1"):
            rows += [("Scaling correction factor", " " * 12, num(f.get("scaling_factor_h1"))),
                     ("    for the MLR correction", "", "")]
        rows += [("", ""), row("Akaike (AIC)", "aic"), row("Bayesian (BIC)", "bic")]
        if _has(f, "bic2"):
            rows.append(row("Sample-size adjusted Bayesian (SABIC)", "bic2"))
        out.append(("Loglikelihood and Information Criteria", rows, (39, 12, 11)))
    if "rmsea" in f:
        level = f"{round(100 * float(f.get('rmsea_ci_level', 0.9))):2d} Percent"
        close = f"{float(f.get('rmsea_close_h0', 0.05)):4.3f}"
        notclose = f"{float(f.get('rmsea_notclose_h0', 0.08)):4.3f}"
        rows = [row("RMSEA", "rmsea", "rmsea_scaled"),
                row(f"{level} confidence interval - lower", "rmsea_ci_lower",
                    "rmsea_ci_lower_scaled"),
                row(f"{level} confidence interval - upper", "rmsea_ci_upper",
                    "rmsea_ci_upper_scaled"),
                row(f"P-value H_0: RMSEA <= {close}", "rmsea_pvalue", "rmsea_pvalue_scaled"),
                row(f"P-value H_0: RMSEA >= {notclose}", "rmsea_notclose_pvalue",
                    "rmsea_notclose_pvalue_scaled")]
        if "rmsea_robust" in f:
            rows += [("", ""), robust("Robust RMSEA", "rmsea_robust"),
                     robust(f"{level} confidence interval - lower", "rmsea_ci_lower_robust"),
                     robust(f"{level} confidence interval - upper", "rmsea_ci_upper_robust"),
                     robust(f"P-value H_0: Robust RMSEA <= {close}", "rmsea_pvalue_robust"),
                     robust(f"P-value H_0: Robust RMSEA >= {notclose}",
                            "rmsea_notclose_pvalue_robust")]
        out.append(("Root Mean Square Error of Approximation", rows, (43, 8, 11)))
    if "srmr" in f:
        out.append(("Standardized Root Mean Square Residual", [row("SRMR", "srmr")],
                    (43, 8, 11)))
    return out


def header_text(first_line, facts, f, se_info) -> list[str]:
    """Everything above the parameter sections, as lavaan prints it."""
    lines = [first_line]
    if not facts["converged"]:
        lines.append("** WARNING ** Estimates below are most likely unreliable")
    lines += [""] + block(header_rows(facts), 40, 11) + [""] + block(data_rows(facts))
    if facts["converged"]:  # lavaan: "fit measures not available if model did not converge"
        tests = test_sections(f, facts)
        lines += ["", f"{tests[0][0]}:"] + block(tests[0][1], *tests[0][2])
        for title, rows, w in tests[1:]:
            lines += [f"{title}:"] + block(rows, *w)
        for title, rows, w in fit_sections(f, facts):
            lines += ["", f"{title}:", ""] + block(rows, *w)
    else:
        lines.append("")
    if se_info:
        lines += ["", "Parameter Estimates:", ""] + block(se_info, 38, 13)
    return lines


# ---------------------------------------------------------------- parameter estimates
COLUMNS = (("est", "Estimate"), ("se", "Std.Err"), ("z", "z-value"), ("pvalue", "P(>|z|)"),
           ("std_lv", "Std.lv"), ("std_all", "Std.all"))


def cells(row) -> dict:
    """The printed cells of one parameter: ``%8.3f`` everywhere, "NA" when missing; no SE,
    z and p for a fixed parameter (SE 0), no z and p when the SE is NA (as lavaan)."""
    v = row.values
    out = {c: num(v.get(c)) for c, _ in COLUMNS}
    se = v.get("se")
    se_nan = se is None or (isinstance(se, float) and math.isnan(se))
    if row.fixed or (not se_nan and float(se) == 0):
        out["se"] = out["z"] = out["pvalue"] = ""
    elif se_nan:
        out["z"] = out["pvalue"] = ""
    return out


def _label_names(rows) -> list[str]:
    """lavaan's ``.makeNames``: name left in 14 - width(label) characters, " (label)" right
    (labels cut to 4 characters), after a 3-character prefix ("  ." for residual terms)."""
    labels = [f" ({r.label[:4]})" if r.label else "" for r in rows]
    wl = max([len(x) for x in labels] + [0])
    names = [f"{r.name:<{14 - wl}}{lab:>{wl}}" for r, lab in zip(rows, labels)]
    return [f"{'  .' if r.dot else '':>3}{n}" for r, n in zip(rows, names)]


def parameter_lines(blocks, group_title) -> list[str]:
    """Every section of every group (``print.lavaan.parameterEstimates``): numbers formatted
    over the whole table first, so a column is as wide as its widest entry anywhere."""
    formatted = [[cells(r) if not r.header else None for r in b.rows] for b in blocks]
    widths = [max([8] + [len(c[k]) for cs in formatted for c in cs if c])
              for k, _ in COLUMNS]
    out: list[str] = []
    current = object()
    for b, cs in zip(blocks, formatted):
        if b.group is not None and b.group != current:
            out += ["", "", group_title(b.group)]
            current = b.group
        params = [r for r in b.rows if not r.header]
        names = iter(_label_names(params))
        first = [f"{'.' if r.dot else '':>1}{r.name:<15}" if r.header else next(names)
                 for r in b.rows]
        w0 = max(len(s) for s in first)
        head = " ".join(f"{h:>8}".ljust(w) for (_, h), w in zip(COLUMNS, widths))
        out += ["", f"{b.title}:", f" {'':<{w0}} {head}".rstrip()]
        for name, c in zip(first, cs):
            vals = " ".join(f"{(c or {}).get(k, ''):>{w}}" for (k, _), w in zip(COLUMNS, widths))
            out.append(f" {name:<{w0}} {vals}".rstrip())
    return out
