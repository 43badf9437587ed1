"""``Summary``: the report of a fit as text (lavaan-like), HTML, LaTeX and Markdown.

statsmodels' pattern: ``res.summary()`` returns an object, not a string. ``str(summary)`` is the
lavaan-like text; ``_repr_html_`` is what a notebook shows; ``to_latex()`` and ``to_markdown()``
give APA-style tables for papers. Numbered notes ("[1] ...") carry every warning recorded
during the fit.
"""
from __future__ import annotations

import html
import math
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# sections in lavaan's order: (title, predicate on a params row)
SECTIONS = ("Latent Variables", "Regressions", "Covariances", "Intercepts", "Thresholds",
            "Variances", "Scales y*", "Constraints")
DEFINED = "Defined Parameters"
NUM_COLS = ("est", "se", "z", "pvalue", "std_lv", "std_all")
TEXT_HEAD = ("Estimate", "Std.Err", "z-value", "P(>|z|)", "Std.lv", "Std.all")

# fit measures shown in the fit table: (key, label)
FIT_ROWS = (
    ("cfi", "Comparative Fit Index (CFI)"),
    ("tli", "Tucker-Lewis Index (TLI)"),
    ("rmsea", "RMSEA"),
    ("rmsea_ci_lower", "90 Percent confidence interval - lower"),
    ("rmsea_ci_upper", "90 Percent confidence interval - upper"),
    ("srmr", "SRMR"),
    ("aic", "Akaike (AIC)"),
    ("bic", "Bayesian (BIC)"),
    ("logl", "Loglikelihood user model (H0)"),
)


def package_version() -> str:
    """The installed trustmodel version (without importing the package top-down)."""
    mod = sys.modules.get("trustmodel")
    ver = getattr(mod, "__version__", None)
    if ver:
        return str(ver)
    try:
        from importlib.metadata import version
        return version("trustmodel")
    except Exception:  # pragma: no cover - not installed
        return "unknown"


def _section(op: str, lhs: str, rhs: str) -> str | None:
    if op == "=~":
        return "Latent Variables"
    if op == "~":
        return "Regressions"
    if op == "~~":
        return "Variances" if lhs == rhs else "Covariances"
    if op == "~1":
        return "Intercepts"
    if op == ":=":
        return DEFINED
    if op == "|":
        return "Thresholds"
    if op == "~*~":
        return "Scales y*"
    if op in ("==", "<", ">"):
        return "Constraints"
    return None


def _isnan(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def fmt(x, decimals: int = 3) -> str:
    """Fixed-point format, blank for missing values."""
    if _isnan(x):
        return ""
    return f"{float(x):.{decimals}f}"


@dataclass
class Row:
    """One printed line of a parameter block: a header ("visual =~") or a parameter."""

    name: str
    header: bool = False
    values: dict = field(default_factory=dict)  # NUM_COLS + ci_lower/ci_upper
    label: str = ""
    lhs: str = ""
    op: str = ""
    rhs: str = ""
    fixed: bool = False


@dataclass
class Block:
    title: str
    group: object
    rows: list


class Summary:
    """A fit report with text, HTML, LaTeX and Markdown forms.

    Built by :meth:`trustmodel.FitResult.summary`; cheap to build, each form is rendered on
    demand.

    Parameters
    ----------
    result : FitResult
        A fitted model.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6", hs)
    >>> s = res.summary()
    >>> print(str(s).splitlines()[0])  # doctest: +ELLIPSIS
    trustmodel ... ended normally after ... iterations
    >>> "Latent Variables:" in str(s)
    True
    """

    def __init__(self, result):
        self.result = result
        self._params = result.params
        self._fit = result.fit_measures

    # ------------------------------------------------------------------ content
    @property
    def header_line(self) -> str:
        res = self.result
        if res.converged:
            return f"trustmodel {package_version()} ended normally after {res.n_iter} iterations"
        return (f"** WARNING ** trustmodel {package_version()} did NOT end normally after "
                f"{res.n_iter} iterations")

    def info(self) -> list[tuple[str, str]]:
        """(label, value) pairs of the header: estimator, optimizer, parameters, N."""
        res = self.result
        method = getattr(getattr(res.state, "optim", None), "method", "")
        out = [("Estimator", str(res.estimator)),
               ("Optimization method", str(method).upper())]
        npar = self._fit.get("npar", np.nan)
        if not _isnan(npar):
            out.append(("Number of model parameters", str(int(npar))))
        groups = list(res.stats.groups)
        if len(groups) > 1:
            out.append(("Number of observations per group", ""))
            out += [(f"  {g.label}", str(int(g.nobs))) for g in groups]
        else:
            out.append(("Number of observations", str(int(res.nobs))))
        se = res.options.get("se", "standard")
        if se != "standard":
            out.append(("Standard errors", str(se)))
        return out

    def test(self) -> list[tuple[str, str]]:
        """Model test of the user model: chi-square, df, p-value."""
        f = self._fit
        out = [("Test statistic", fmt(f.get("chisq"))),
               ("Degrees of freedom", str(int(f["df"])) if not _isnan(f.get("df")) else ""),
               ("P-value (Chi-square)", fmt(f.get("pvalue")))]
        for key, lab in (("chisq_scaled", "Test statistic (scaled)"),
                         ("pvalue_scaled", "P-value (scaled)")):
            if not _isnan(f.get(key)):
                out.append((lab, fmt(f[key])))
        return out

    def fit_table(self) -> list[tuple[str, str]]:
        """(label, value) pairs of the fit indices present (missing ones are left out)."""
        out = []
        for key, lab in FIT_ROWS:
            v = self._fit.get(key, np.nan)
            if not _isnan(v):
                out.append((lab, fmt(v)))
        return out

    def blocks(self) -> list[Block]:
        """Parameter blocks in lavaan's order: per group, per section; defined last."""
        p = self._params
        exo = self.result.table.rows["exo"].to_numpy() if "exo" in self.result.table.rows \
            else np.zeros(len(p))
        free = self.result.table.rows["free"].to_numpy()
        endo = set(p.loc[p["op"] == "=~", "rhs"]) | set(p.loc[p["op"] == "~", "lhs"])
        multi = self.result.table.ngroups > 1
        groups = [g for g in dict.fromkeys(p["group"]) if g not in (0, "")]
        out: list[Block] = []
        for g in groups + [None]:
            for title in (SECTIONS if g is not None else (DEFINED,)):
                rows: list[Row] = []
                last_head = None
                for i, r in enumerate(p.itertuples(index=False)):
                    grp = r.group
                    if g is None:
                        if grp not in (0, ""):
                            continue
                    elif grp != g:
                        continue
                    sec = _section(r.op, r.lhs, r.rhs)
                    if sec != title:
                        continue
                    if i < len(exo) and exo[i] and free[i] == 0:
                        continue  # fixed exogenous covariates (fixed.x), as lavaan's summary
                    values = {c: getattr(r, c) for c in NUM_COLS + ("ci_lower", "ci_upper")}
                    fixed = not (r.se > 0) and r.op != ":="
                    if fixed:
                        for c in ("se", "z", "pvalue"):
                            values[c] = np.nan
                    label = r.label if r.label and r.op != ":=" else ""
                    kw = dict(values=values, label=label, lhs=r.lhs, op=r.op, rhs=r.rhs,
                              fixed=fixed)
                    if title in ("Latent Variables", "Regressions", "Covariances"):
                        head = f"{r.lhs} {r.op}"
                        if head != last_head:
                            dot = "." if title == "Covariances" and r.lhs in endo else ""
                            rows.append(Row(name=dot + head, header=True))
                            last_head = head
                        dot = "." if title == "Covariances" and r.rhs in endo else ""
                        rows.append(Row(name=dot + r.rhs, **kw))
                    elif title in ("Intercepts", "Variances"):
                        dot = "." if r.lhs in endo else ""
                        rows.append(Row(name=dot + r.lhs, **kw))
                    elif title == "Constraints":
                        rows.append(Row(name=f"{r.lhs} {r.op} {r.rhs}", **kw))
                    elif title == "Thresholds":
                        rows.append(Row(name=f"{r.lhs}|{r.rhs}", **kw))
                    else:
                        rows.append(Row(name=r.lhs, **kw))
                if rows:
                    out.append(Block(title, g if multi else None, rows))
        return out

    def notes(self) -> list[str]:
        """Numbered notes: every recorded warning, then the largest residual correlations."""
        texts = []
        for w in self.result.warnings:
            cat = getattr(w, "category", None)
            msg = str(getattr(w, "message", w))
            name = getattr(cat, "__name__", "")
            texts.append(f"{name}: {msg}" if name else msg)
        largest = self.largest_residuals()
        if largest:
            parts = ", ".join(f"{a} ~~ {b}: {v:.3f}" for a, b, v in largest)
            texts.append(f"Largest residual correlations (observed - implied): {parts}.")
        return [f"[{i + 1}] {t}" for i, t in enumerate(texts)]

    def largest_residuals(self, n: int = 5) -> list[tuple[str, str, float]]:
        """The ``n`` largest absolute residual correlations, if the result provides them."""
        fn = getattr(self.result, "residuals", None)
        if not callable(fn):
            return []
        try:
            resid = fn(type="cor")
        except Exception:  # noqa: BLE001 - residuals are optional decoration here
            return []
        if isinstance(resid, dict):
            resid = resid.get("cov", next(iter(resid.values()), None))
        mats = resid if isinstance(resid, (list, tuple)) else [resid]
        found = []
        for m in mats:
            if isinstance(m, dict):
                m = m.get("cov")
            if not isinstance(m, pd.DataFrame) or m.shape[0] != m.shape[1]:
                continue
            vals = m.to_numpy(dtype=float)
            names = list(m.index)
            for i in range(len(names)):
                for j in range(i):
                    if np.isfinite(vals[i, j]):
                        found.append((names[i], names[j], float(vals[i, j])))
        found.sort(key=lambda t: -abs(t[2]))
        return [t for t in found[:n] if abs(t[2]) > 0]

    # ------------------------------------------------------------------ text
    def as_text(self) -> str:
        """The lavaan-like text report."""
        lines = [self.header_line]
        if not self.result.converged:
            lines.append("** WARNING ** Estimates below are most likely unreliable")
        lines.append("")
        lines += [_kv(k, v) for k, v in self.info()]
        lines += ["", "Model Test User Model:", ""]
        lines += [_kv(k, v) for k, v in self.test()]
        ft = self.fit_table()
        if ft:
            lines += ["", "Fit Indices:", ""]
            lines += [_kv(k, v) for k, v in ft]
        blocks = self.blocks()
        width = max([20] + [len(r.name) + len(r.label) + 8 for b in blocks for r in b.rows])
        current_group = object()
        for b in blocks:
            if b.group is not None and b.group != current_group:
                k = self._group_index(b.group)
                lines += ["", f"Group {k} [{b.group}]:"]
                current_group = b.group
            lines += ["", f"{b.title}:"]
            lines.append(" " * (width + 2) + "".join(f"{h:>9}" for h in TEXT_HEAD))
            for r in b.rows:
                if r.header:
                    lines.append(f"  {r.name}")
                    continue
                indent = "    " if b.title in ("Latent Variables", "Regressions",
                                                "Covariances") else "   "
                name = r.name if r.name.startswith(".") or b.title in (
                    "Latent Variables", "Regressions", "Covariances") else " " + r.name
                left = f"{indent}{name}"
                if r.label:
                    left = f"{left:<{width - len(r.label) - 1}}({r.label})"
                nums = "".join(f"{fmt(r.values[c]):>9}" for c in NUM_COLS)
                lines.append(f"{left:<{width + 2}}{nums}".rstrip())
        notes = self.notes()
        if notes:
            lines += ["", "Notes:"] + notes
        return "\n".join(lines) + "\n"

    def _group_index(self, label) -> int:
        labels = [g.label for g in self.result.stats.groups]
        return labels.index(label) + 1 if label in labels else 0

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    # ------------------------------------------------------------------ HTML
    def as_html(self) -> str:
        """Self-contained HTML (inline styles, no scripts)."""
        e = html.escape
        css = ("<style>.tm-summary{font-family:-apple-system,'Segoe UI',Helvetica,Arial,"
               "sans-serif;font-size:13px;color:#222}.tm-summary table{border-collapse:collapse;"
               "margin:6px 0 12px 0}.tm-summary caption{text-align:left;font-weight:bold;"
               "padding:4px 0}.tm-summary th,.tm-summary td{padding:2px 10px;border:none}"
               ".tm-summary thead th{border-bottom:1px solid #888;text-align:right}"
               ".tm-summary td.num{text-align:right;font-variant-numeric:tabular-nums}"
               ".tm-summary td.name{text-align:left}.tm-summary tr.head td{font-weight:bold;"
               "padding-top:6px}.tm-summary .warn{color:#a40000;font-weight:bold}"
               ".tm-summary ol{margin:4px 0;padding-left:22px}</style>")
        out = [css, '<div class="tm-summary">']
        cls = "" if self.result.converged else ' class="warn"'
        out.append(f"<p{cls}>{e(self.header_line)}</p>")
        rows = self.info() + [("", "")] + self.test()
        out.append(_html_kv("Model", [r for r in rows if r != ("", "")]))
        ft = self.fit_table()
        if ft:
            out.append(_html_kv("Fit Indices", ft))
        current_group = object()
        for b in self.blocks():
            if b.group is not None and b.group != current_group:
                out.append(f"<h4>Group {self._group_index(b.group)} [{e(str(b.group))}]</h4>")
                current_group = b.group
            out.append(f"<table><caption>{e(b.title)}</caption><thead><tr><th></th>")
            out.append("".join(f"<th>{e(h)}</th>" for h in TEXT_HEAD) + "</tr></thead><tbody>")
            for r in b.rows:
                if r.header:
                    out.append(f'<tr class="head"><td class="name" colspan="7">{e(r.name)}'
                               "</td></tr>")
                    continue
                name = e(r.name) + (f" ({e(r.label)})" if r.label else "")
                pad = "&nbsp;&nbsp;&nbsp;&nbsp;" if b.title in (
                    "Latent Variables", "Regressions", "Covariances") else ""
                cells = "".join(f'<td class="num">{fmt(r.values[c])}</td>' for c in NUM_COLS)
                out.append(f'<tr><td class="name">{pad}{name}</td>{cells}</tr>')
            out.append("</tbody></table>")
        notes = self.notes()
        if notes:
            items = "".join(f"<li>{e(n.split('] ', 1)[-1])}</li>" for n in notes)
            out.append(f"<p><b>Notes:</b></p><ol>{items}</ol>")
        out.append("</div>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return self.as_html()

    # ------------------------------------------------------------------ APA
    def _apa_rows(self, standardized: str):
        """(section, name, est, se, std, p, ci_lower, ci_upper) for the APA tables."""
        titles = {"Latent Variables": "Factor loadings", "Regressions": "Structural paths",
                  "Covariances": "Covariances", "Variances": "Variances",
                  "Intercepts": "Intercepts", DEFINED: "Defined effects",
                  "Constraints": None}
        for b in self.blocks():
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
                    name = (r.name.lstrip("."), "", "")
                items.append((name, r))
            yield title, items

    def _apa_fit_line(self, latex: bool) -> str:
        f = self._fit
        parts = []
        if not _isnan(f.get("chisq")):
            chi = r"$\chi^2$" if latex else "χ²"
            parts.append(f"{chi}({int(f['df'])}) = {f['chisq']:.2f}, "
                         f"{'$p$' if latex else '*p*'} {apa_p(f.get('pvalue'))}")
        for key, lab in (("cfi", "CFI"), ("tli", "TLI")):
            if not _isnan(f.get(key)):
                parts.append(f"{lab} = {apa_num(f[key], 3)}")
        if not _isnan(f.get("rmsea")):
            ci = ""
            if not _isnan(f.get("rmsea_ci_lower")):
                ci = (f" [{apa_num(f['rmsea_ci_lower'], 3)}, "
                      f"{apa_num(f['rmsea_ci_upper'], 3)}]")
            parts.append(f"RMSEA = {apa_num(f['rmsea'], 3)}{ci}")
        if not _isnan(f.get("srmr")):
            parts.append(f"SRMR = {apa_num(f['srmr'], 3)}")
        return ", ".join(parts)

    def to_markdown(self, *, stars: bool = True, ci: bool = False,
                    standardized: str = "std_all", decimals: int = 3) -> str:
        """An APA-style Markdown table (unstandardized B, SE, standardized beta, p).

        Parameters
        ----------
        stars : bool
            Mark significance with ``*`` p < .05, ``**`` p < .01, ``***`` p < .001 (on the
            estimate).
        ci : bool
            Add the confidence interval column (level of the fit, default 95%).
        standardized : {"std_all", "std_lv"}
            Which standardized solution to show.
        decimals : int
            Decimals of estimates and standard errors.

        Returns
        -------
        str
        """
        level = int(round(100 * self.result.options.get("level", 0.95)))
        head = ["Parameter", "*B*", "*SE*", "β", "*p*"] + ([f"{level}% CI"] if ci else [])
        lines = [f"**Table.** {_md_esc(self._title())}", "",
                 "| " + " | ".join(head) + " |",
                 "|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|"]
        for title, items in self._apa_rows(standardized):
            lines.append("| " + " | ".join([f"**{_md_esc(title)}**"] + [""] * (len(head) - 1))
                         + " |")
            for (a, arrow, b), r in items:
                name = f"{a} {'→' if arrow == '->' else '↔'} {b}" if arrow else a
                if r.label:
                    name += f" ({r.label})"
                cells = self._apa_cells(r, standardized, stars, ci, decimals)
                lines.append("| " + " | ".join([_md_esc(name)] + [_md_esc(c) for c in cells])
                             + " |")
        lines += ["", f"*Note.* {self._apa_note(stars)} Model fit: {self._apa_fit_line(False)}."]
        notes = self.notes()
        if notes:
            lines += [""] + [_md_esc(n) for n in notes]
        return "\n".join(lines) + "\n"

    def to_latex(self, *, stars: bool = True, ci: bool = False, standardized: str = "std_all",
                 decimals: int = 3, caption: str | None = None,
                 label: str = "tab:sem") -> str:
        """An APA-style LaTeX table (booktabs): B, SE, standardized beta, p (and CI).

        Parameters
        ----------
        stars, ci, standardized, decimals
            As in :meth:`to_markdown`.
        caption : str, optional
            Table caption (default: estimator and N).
        label : str
            LaTeX label.

        Returns
        -------
        str
            Needs ``\\usepackage{booktabs}`` in the preamble.
        """
        level = int(round(100 * self.result.options.get("level", 0.95)))
        head = ["Parameter", "$B$", "$SE$", r"$\beta$", "$p$"]
        if ci:
            head.append(f"{level}\\% CI")
        ncol = len(head)
        out = [r"\begin{table}[htbp]", r"\centering",
               f"\\caption{{{_tex_esc(caption or self._title())}}}",
               f"\\label{{{label}}}",
               r"\begin{tabular}{l" + "r" * (ncol - 1) + "}", r"\toprule",
               " & ".join(head) + r" \\", r"\midrule"]
        for title, items in self._apa_rows(standardized):
            out.append(f"\\multicolumn{{{ncol}}}{{l}}{{\\textit{{{_tex_esc(title)}}}}} \\\\")
            for (a, arrow, b), r in items:
                if arrow:
                    sym = r"$\rightarrow$" if arrow == "->" else r"$\leftrightarrow$"
                    name = f"{_tex_esc(a)} {sym} {_tex_esc(b)}"
                else:
                    name = _tex_esc(a)
                if r.label:
                    name += f" ({_tex_esc(r.label)})"
                cells = self._apa_cells(r, standardized, stars, ci, decimals, latex=True)
                out.append(r"\quad " + name + " & " + " & ".join(cells) + r" \\")
        note = f"{self._apa_note(stars, latex=True)} Model fit: {self._apa_fit_line(True)}."
        out += [r"\bottomrule", r"\end{tabular}",
                r"\par\smallskip\raggedright\footnotesize\textit{Note.} " + note,
                r"\end{table}"]
        return "\n".join(out) + "\n"

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def _title(self) -> str:
        res = self.result
        return (f"Parameter estimates ({res.estimator}, N = {res.nobs}"
                f"{', ' + str(res.table.ngroups) + ' groups' if res.table.ngroups > 1 else ''})")

    def _apa_note(self, stars: bool, latex: bool = False) -> str:
        beta = r"$\beta$" if latex else "β"
        text = (f"B = unstandardized estimate; SE = standard error; {beta} = standardized "
                "estimate; fixed parameters have no SE.")
        if stars:
            text += (r" $^{*}p < .05$, $^{**}p < .01$, $^{***}p < .001$." if latex
                     else r" \* *p* < .05, \*\* *p* < .01, \*\*\* *p* < .001.")
        return text

    def _apa_cells(self, r: Row, standardized, stars, ci, decimals, latex=False) -> list[str]:
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


def _kv(label: str, value: str) -> str:
    return f"  {label:<44}{value:>12}".rstrip() if value else f"  {label}"


def _html_kv(caption: str, pairs) -> str:
    e = html.escape
    body = "".join(f'<tr><td class="name">{e(k)}</td><td class="num">{e(v)}</td></tr>'
                   for k, v in pairs)
    return f"<table><caption>{e(caption)}</caption><tbody>{body}</tbody></table>"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}


def _tex_esc(s: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in str(s))


def _md_esc(s: str) -> str:
    return str(s).replace("|", r"\|").replace("*", r"\*")
