"""APA-style tables of a fit (Markdown, LaTeX) and the fit line of their note.

The fit line reports what a paper must report for the estimator used: under a robust
estimator (MLR, MLM) the scaled test statistic with its scaling factor and the robust CFI, TLI
and RMSEA, named as such; under ``missing="fiml"`` the FIML-corrected CFI, TLI and RMSEA.

References
----------
Satorra, A., & Bentler, P. M. (1994). Corrections to test statistics and standard errors in
covariance structure analysis. In A. von Eye & C. C. Clogg (Eds.), *Latent variables
analysis* (pp. 399-419). Sage.

Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance
structure analysis with nonnormal missing data. *Sociological Methodology, 30*, 165-200.

Brosseau-Liard, P. E., Savalei, V., & Li, L. (2012). An investigation of the sample
performance of two nonnormality corrections for RMSEA. *Multivariate Behavioral Research,
47*(6), 904-930.

Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for
nonnormality. *Multivariate Behavioral Research, 49*(5), 460-470.

Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and TS
estimation with missing data. *Psychological Methods, 28*(2), 263-283.
"""
from __future__ import annotations

import math

TEST_NAMES = {"MLR": "Yuan-Bentler scaled", "MLM": "Satorra-Bentler scaled",
              "ML": "Satorra-Bentler scaled"}


def _isnan(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def fmt(x, decimals: int = 3) -> str:
    if _isnan(x):
        return ""
    return f"{float(x):.{decimals}f}"


def apa_num(x, decimals: int = 3) -> str:
    """APA number without a leading zero for values bounded by 1 (".712", "-.260")."""
    s = fmt(x, decimals)
    if not s:
        return s
    if abs(float(x)) < 1:
        s = s.replace("0.", ".", 1)
    return s


def apa_p(p, bare: bool = False) -> str:
    """APA p value: "< .001" or "= .023" (``bare``: without "=")."""
    if _isnan(p):
        return ""
    if p < 0.001:
        return "< .001"
    s = f"{p:.3f}".replace("0.", ".", 1)
    return s if bare else f"= {s}"


def fit_kind(f, result) -> str:
    """Which statistics the fit line reports: "scaled" (robust test and robust indices),
    "fiml" (FIML-corrected indices with the ML test) or "standard"."""
    robust = not _isnan(f.get("chisq_scaled"))
    if robust:
        return "scaled"
    if result.options.get("missing") in ("fiml", "ml") and not _isnan(f.get("cfi_robust")):
        return "fiml"
    return "standard"


def fit_line(f, result, latex: bool) -> str:
    """The model-fit sentence of an APA table note.

    Standard ML: chi-square, CFI, TLI, RMSEA [90% CI], SRMR. Robust estimator: the scaled
    chi-square (Yuan-Bentler or Satorra-Bentler, with the scaling factor) and the robust
    CFI, TLI and RMSEA (Brosseau-Liard & Savalei, 2014; Brosseau-Liard et al., 2012), each
    named. FIML: the ML chi-square and the FIML-corrected CFI, TLI and RMSEA (Zhang &
    Savalei, 2023)."""
    kind = fit_kind(f, result)
    sfx = {"scaled": "_robust", "fiml": "_robust", "standard": ""}[kind]
    chi = r"$\chi^2$" if latex else "χ²"
    p = "$p$" if latex else "*p*"
    parts = []
    if kind == "scaled":
        name = TEST_NAMES.get(str(result.estimator), "scaled")
        if not _isnan(f.get("df_scaled", f.get("df"))):
            parts.append(f"{name} {chi}({int(f.get('df_scaled', f['df']))}) = "
                         f"{f['chisq_scaled']:.2f}, {p} {apa_p(f.get('pvalue_scaled'))}"
                         + (f" (scaling factor {f['chisq_scaling_factor']:.3f})"
                            if not _isnan(f.get("chisq_scaling_factor")) else ""))
    elif not _isnan(f.get("chisq")):
        parts.append(f"{chi}({int(f['df'])}) = {f['chisq']:.2f}"
                     + (f", {p} {apa_p(f.get('pvalue'))}" if not _isnan(f.get("pvalue"))
                        else ""))
    word = {"scaled": "robust ", "fiml": "FIML-corrected ", "standard": ""}[kind]
    for key, lab in (("cfi", "CFI"), ("tli", "TLI")):
        if not _isnan(f.get(key + sfx)):
            parts.append(f"{word}{lab} = {apa_num(f[key + sfx], 3)}")
    if not _isnan(f.get("rmsea" + sfx)):
        ci = ""
        lo, hi = f.get(f"rmsea_ci_lower{sfx}"), f.get(f"rmsea_ci_upper{sfx}")
        if not _isnan(lo) and not _isnan(hi):
            level = round(100 * float(f.get("rmsea_ci_level", 0.9)))
            pct = r"\%" if latex else "%"
            ci = f", {level}{pct} CI [{apa_num(lo, 3)}, {apa_num(hi, 3)}]"
        parts.append(f"{word}RMSEA = {apa_num(f['rmsea' + sfx], 3)}{ci}")
    if not _isnan(f.get("srmr")):
        parts.append(f"SRMR = {apa_num(f['srmr'], 3)}")
    return "; ".join(parts)


def _rows(summary, standardized: str):
    """(section, items) for the APA tables; an item is ((a, arrow, b), Row)."""
    titles = {"Latent Variables": "Factor loadings", "Regressions": "Structural paths",
              "Covariances": "Covariances", "Variances": "Variances",
              "Intercepts": "Intercepts", "Defined Parameters": "Defined effects",
              "Constraints": None}
    for b in summary.blocks():
        title = titles.get(b.title)
        if title is None:
            continue
        if b.group is not None:
            title = f"{title} ({b.group})"
        items = []
        for r in b.rows:
            if r.header:
                continue
            if r.op == "=~":
                name = (r.lhs, "->", r.rhs)
            elif r.op == "~":
                name = (r.rhs, "->", r.lhs)
            elif r.op == "~~" and r.lhs != r.rhs:
                name = (r.lhs, "<->", r.rhs)
            else:
                name = (r.name, "", "")
            items.append((name, r))
        yield title, items


def _note(stars: bool, latex: bool = False) -> str:
    beta = r"$\beta$" if latex else "β"
    text = (f"B = unstandardized estimate; SE = standard error; {beta} = standardized "
            "estimate; fixed parameters have no SE.")
    if stars:
        text += (r" $^{*}p < .05$, $^{**}p < .01$, $^{***}p < .001$." if latex
                 else r" \* *p* < .05, \*\* *p* < .01, \*\*\* *p* < .001.")
    return text


def _cells(r, standardized, stars, ci, decimals, latex=False) -> list[str]:
    v = r.values
    est = fmt(v["est"], decimals)
    p = v["pvalue"]
    if stars and not _isnan(p) and est:
        s = "***" if p < .001 else "**" if p < .01 else "*" if p < .05 else ""
        if s:
            est = f"{est}$^{{{s}}}$" if latex else f"{est}{s}"
    cells = [est, fmt(v["se"], decimals), apa_num(v.get(standardized), decimals),
             apa_p(p, bare=True)]
    if ci:
        lo, hi = v.get("ci_lower"), v.get("ci_upper")
        cells.append("" if r.fixed or _isnan(lo) else
                     f"[{fmt(lo, decimals)}, {fmt(hi, decimals)}]")
    return cells


def _level(summary) -> int:
    return int(round(100 * summary.result.options.get("level", 0.95)))


def markdown_table(summary, *, stars, ci, standardized, decimals) -> str:
    """:meth:`Summary.to_markdown`."""
    head = ["Parameter", "*B*", "*SE*", "β", "*p*"] + ([f"{_level(summary)}% CI"] if ci
                                                       else [])
    lines = [f"**Table.** {md_esc(summary._title())}", "",
             "| " + " | ".join(head) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|"]
    for title, items in _rows(summary, standardized):
        lines.append("| " + " | ".join([f"**{md_esc(title)}**"] + [""] * (len(head) - 1))
                     + " |")
        for (a, arrow, b), r in items:
            name = f"{a} {'→' if arrow == '->' else '↔'} {b}" if arrow else a
            if r.label:
                name += f" ({r.label})"
            cells = _cells(r, standardized, stars, ci, decimals)
            lines.append("| " + " | ".join([md_esc(name)] + [md_esc(c) for c in cells]) + " |")
    fl = fit_line(summary._fit, summary.result, latex=False)
    lines += ["", f"*Note.* {_note(stars)}" + (f" Model fit: {fl}." if fl else "")]
    notes = summary.notes()
    if notes:
        lines += [""] + [md_esc(n) for n in notes]
    return "\n".join(lines) + "\n"


def latex_table(summary, *, stars, ci, standardized, decimals, caption, label) -> str:
    """:meth:`Summary.to_latex`."""
    head = ["Parameter", "$B$", "$SE$", r"$\beta$", "$p$"]
    if ci:
        head.append(f"{_level(summary)}\\% CI")
    ncol = len(head)
    out = [r"\begin{table}[htbp]", r"\centering",
           f"\\caption{{{tex_esc(caption or summary._title())}}}",
           f"\\label{{{label}}}",
           r"\begin{tabular}{l" + "r" * (ncol - 1) + "}", r"\toprule",
           " & ".join(head) + r" \\", r"\midrule"]
    for title, items in _rows(summary, standardized):
        out.append(f"\\multicolumn{{{ncol}}}{{l}}{{\\textit{{{tex_esc(title)}}}}} \\\\")
        for (a, arrow, b), r in items:
            if arrow:
                sym = r"$\rightarrow$" if arrow == "->" else r"$\leftrightarrow$"
                name = f"{tex_esc(a)} {sym} {tex_esc(b)}"
            else:
                name = tex_esc(a)
            if r.label:
                name += f" ({tex_esc(r.label)})"
            cells = _cells(r, standardized, stars, ci, decimals, latex=True)
            out.append(r"\quad " + name + " & " + " & ".join(cells) + r" \\")
    fl = fit_line(summary._fit, summary.result, latex=True)
    note = _note(stars, latex=True) + (f" Model fit: {fl}." if fl else "")
    out += [r"\bottomrule", r"\end{tabular}",
            r"\par\smallskip\raggedright\footnotesize\textit{Note.} " + note,
            r"\end{table}"]
    return "\n".join(out) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}


def tex_esc(s: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in str(s))


def md_esc(s: str) -> str:
    return str(s).replace("|", r"\|").replace("*", r"\*")
