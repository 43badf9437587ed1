"""``Summary``: the report of a fit as text (lavaan's layout), HTML, LaTeX and Markdown.

statsmodels' pattern: ``res.summary()`` returns an object, not a string. ``str(summary)`` is
the text of lavaan's ``summary(fit, fit.measures = TRUE, standardized = TRUE)`` (see
:mod:`trustmodel.report.text`); ``_repr_html_`` is what a notebook shows; ``to_latex()`` and
``to_markdown()`` give APA-style tables for papers (:mod:`trustmodel.report.apa`). Numbered
notes ("[1] ...") carry every warning recorded during the fit.
"""
from __future__ import annotations

import html
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import apa, text
from .apa import fmt

# sections in lavaan's order
SECTIONS = ("Latent Variables", "Regressions", "Covariances", "Intercepts", "Thresholds",
            "Variances", "Scales y*", "Constraints")
DEFINED = "Defined Parameters"
NUM_COLS = ("est", "se", "z", "pvalue", "std_lv", "std_all")
TEXT_HEAD = ("Estimate", "Std.Err", "z-value", "P(>|z|)", "Std.lv", "Std.all")
PAIRED = ("Latent Variables", "Regressions", "Covariances")

# the scaled test's name under each robust estimator (lavaan's TEST$label)
SCALED_LABELS = {"MLR": "Yuan-Bentler correction (Mplus variant)",
                 "MLM": "Satorra-Bentler correction", "ML": "Satorra-Bentler correction"}


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


@dataclass
class Row:
    """One printed line of a parameter block: a header ("visual =~") or a parameter.

    ``dot`` marks lavaan's "." before a residual (co)variance or intercept of an endogenous
    variable; ``name`` is without it (``display`` adds it)."""

    name: str
    header: bool = False
    values: dict = field(default_factory=dict)  # NUM_COLS + ci_lower/ci_upper
    label: str = ""
    lhs: str = ""
    op: str = ""
    rhs: str = ""
    fixed: bool = False
    dot: bool = False

    @property
    def display(self) -> str:
        return ("." if self.dot else "") + self.name


@dataclass
class Block:
    title: str
    group: object
    rows: list


class Summary:
    """A fit report with text, HTML, LaTeX and Markdown forms.

    Built by :meth:`trustmodel.FitResult.summary`; cheap to build, each form is rendered on
    demand. The text is lavaan's ``summary(fit, fit.measures = TRUE, standardized = TRUE)``
    section by section; under a robust estimator the Standard and Scaled columns stand side
    by side, and the APA tables report the scaled and robust statistics.

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
        n = res.n_iter
        its = "1 iteration" if n == 1 else f"{n} iterations"
        if res.converged:
            return f"trustmodel {package_version()} ended normally after {its}"
        return f"trustmodel {package_version()} did NOT end normally after {its}"

    def facts(self) -> dict:
        """What the header states: estimator, optimizer, parameter and observation counts,
        missing-data patterns, the scaled test's name and each group's test statistic."""
        res = self.result
        opts = res.options
        est = str(res.estimator)
        rows = res.table.rows
        free = rows.loc[rows["op"] != ":=", "free"].to_numpy().astype(int)
        npar_total = int(np.sum(free > 0))
        robust = est in ("MLR", "MLM") or opts.get("se") == "robust"
        groups = [(str(g.label), int(g.nobs), int(g.nobs)) for g in res.stats.groups]
        dropped = int(getattr(res.stats, "n_dropped", 0) or 0)
        if dropped and len(groups) == 1:
            lab, used, _ = groups[0]
            groups = [(lab, used, used + dropped)]
        return {"estimator": est,
                "estimator_print": "ML" if est in ("MLR", "MLM") else est,
                "optimizer": str(getattr(getattr(res.state, "optim", None), "method", "")),
                "npar_total": npar_total,
                "n_equal": npar_total - len(np.unique(free[free > 0])),
                "converged": bool(res.converged),
                "groups": groups,
                "patterns": self._patterns(),
                "scaled_label": SCALED_LABELS.get(est if est != "ML" or robust else "",
                                                  None),
                "chisq_groups": self._chisq_groups()}

    def _patterns(self):
        """Number of missing-data patterns per group under FIML (None otherwise)."""
        res = self.result
        if res.options.get("missing") not in ("fiml", "ml"):
            return None
        out = []
        for g in res.stats.groups:
            data = np.asarray(getattr(g, "data", None), dtype=float)
            out.append(int(len(np.unique(np.isnan(data), axis=0))) if data.ndim == 2 else 0)
        return out

    def _chisq_groups(self):
        """Each group's share of the ML test statistic, ``n_g F_ML(S_g, Sigma_g)`` (lavaan's
        ``stat.group``); None for one group or when it is not the ML discrepancy."""
        res = self.result
        if (len(res.stats.groups) < 2 or res.estimator not in ("ML", "MLR", "MLM")
                or res.options.get("missing") in ("fiml", "ml")):
            return None
        imps = res.implied if isinstance(res.implied, list) else [res.implied]
        sams = res.sample if isinstance(res.sample, list) else [res.sample]
        out = []
        for s, i in zip(sams, imps):
            S, Sig = s["cov"].to_numpy(), i["cov"].to_numpy()
            p = S.shape[0]
            inv = np.linalg.inv(Sig)
            F = (np.linalg.slogdet(Sig)[1] + np.trace(S @ inv) - np.linalg.slogdet(S)[1] - p)
            if "mean" in i:
                d = s["mean"].to_numpy() - i["mean"].to_numpy()
                F += d @ inv @ d
            out.append(float(s["nobs"] * F))
        return out

    def se_info(self) -> list[tuple[str, str]]:
        """The "Parameter Estimates" block: standard errors, information, h1 information
        (lavaan's ``print.lavaan.parameterEstimates`` header)."""
        res = self.result
        se = res.options.get("se", "standard")
        est = res.estimator
        fiml = res.options.get("missing") in ("fiml", "ml")
        if se == "none":
            return []
        if se == "bootstrap":
            boot = res.bootstrap
            draws = np.asarray(getattr(boot, "draws", np.zeros((0, 0))))
            failed = int(np.sum(np.asarray(getattr(boot, "failed", []), dtype=bool)))
            return [("Standard errors", "Bootstrap"),
                    ("Number of requested bootstrap draws", str(len(draws))),
                    ("Number of successful bootstrap draws", str(len(draws) - failed))]
        if est == "MLR" or (fiml and se == "robust"):
            return [("Standard errors", "Sandwich"), ("Information bread", "Observed"),
                    ("Observed information based on", "Hessian")]
        if fiml:
            return [("Standard errors", "Standard"), ("Information", "Observed"),
                    ("Observed information based on", "Hessian")]
        kind = "Robust.sem" if est == "MLM" or se == "robust" else "Standard"
        h1 = "Unstructured" if est == "ULS" else "Structured"
        return [("Standard errors", kind), ("Information", "Expected"),
                ("Information saturated (h1) model", h1)]

    def info(self) -> list[tuple[str, str]]:
        """(label, value) pairs of the header: estimator, optimizer, parameters, N."""
        facts = self.facts()
        return [(a.strip(), b) for a, b, *_ in text.header_rows(facts) + text.data_rows(facts)
                if a.strip()]

    def blocks(self) -> list[Block]:
        """Parameter blocks in lavaan's order: per group, per section; defined last."""
        p = self._params
        trows = self.result.table.rows
        exo = trows["exo"].to_numpy() if "exo" in trows else np.zeros(len(p))
        free = trows["free"].to_numpy()
        # lavaan's y.names: eqs.y, ov.ind and lv.ind (the "." of residual terms)
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
                    if (grp not in (0, "")) if g is None else (grp != g):
                        continue
                    if _section(r.op, r.lhs, r.rhs) != title:
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
                    if title in PAIRED:
                        head = f"{r.lhs} {r.op}"
                        if head != last_head:
                            rows.append(Row(name=head, header=True,
                                            dot=title == "Covariances" and r.lhs in endo))
                            last_head = head
                        rows.append(Row(name=r.rhs, dot=title == "Covariances"
                                        and r.rhs in endo, **kw))
                    elif title in ("Intercepts", "Variances"):
                        rows.append(Row(name=r.lhs, dot=r.lhs in endo, **kw))
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
        """Numbered notes: every recorded warning, then the largest residual correlations
        (only those that print as non-zero: a saturated model has no such note)."""
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
        """The ``n`` largest absolute residual correlations that round to a non-zero value
        at three decimals, if the result provides them."""
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
        return [t for t in found[:n] if abs(t[2]) >= 0.0005]

    # ------------------------------------------------------------------ text
    def as_text(self) -> str:
        """lavaan's ``summary(fit, fit.measures = TRUE, standardized = TRUE)`` text."""
        lines = text.header_text(self.header_line, self.facts(), self._fit, self.se_info())
        lines += text.parameter_lines(self.blocks(), self._group_title)
        notes = self.notes()
        if notes:
            lines += ["", "Notes:"] + notes
        return "\n".join(lines) + "\n\n"

    def _group_title(self, label) -> str:
        return f"Group {self._group_index(label)} [{label}]:"

    def _group_index(self, label) -> int:
        labels = [g.label for g in self.result.stats.groups]
        return labels.index(label) + 1 if label in labels else 0

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    # ------------------------------------------------------------------ HTML
    def as_html(self) -> str:
        """Self-contained HTML (inline styles, no scripts): the text report's sections as
        tables, Standard and Scaled columns side by side under a robust estimator."""
        e = html.escape
        css = ("<style>.tm-summary{font-family:-apple-system,'Segoe UI',Helvetica,Arial,"
               "sans-serif;font-size:13px;color:#222}.tm-summary table{border-collapse:collapse;"
               "margin:6px 0 12px 0}.tm-summary caption{text-align:left;font-weight:bold;"
               "padding:4px 0;white-space:nowrap}.tm-summary th,.tm-summary td{padding:2px 10px;border:none}"
               ".tm-summary thead th{border-bottom:1px solid #888;text-align:right}"
               ".tm-summary td.num{text-align:right;font-variant-numeric:tabular-nums}"
               ".tm-summary td.name{text-align:left}.tm-summary tr.head td{font-weight:bold;"
               "padding-top:6px}.tm-summary .warn{color:#a40000;font-weight:bold}"
               ".tm-summary ol{margin:4px 0;padding-left:22px}</style>")
        out = [css, '<div class="tm-summary">']
        cls = "" if self.result.converged else ' class="warn"'
        out.append(f"<p{cls}>{e(self.header_line)}</p>")
        facts = self.facts()
        out.append(_html_kv("Model", text.header_rows(facts) + text.data_rows(facts)))
        for title, rows, _ in (text.test_sections(self._fit, facts)
                               + text.fit_sections(self._fit, facts)):
            out.append(_html_kv(title.strip(), rows))
        if self.se_info():
            out.append(_html_kv("Parameter Estimates", self.se_info()))
        current_group = object()
        for b in self.blocks():
            if b.group is not None and b.group != current_group:
                out.append(f"<h4>Group {self._group_index(b.group)} [{e(str(b.group))}]</h4>")
                current_group = b.group
            out.append(f"<table><caption>{e(b.title)}</caption><thead><tr><th></th>")
            out.append("".join(f"<th>{e(h)}</th>" for h in TEXT_HEAD) + "</tr></thead><tbody>")
            for r in b.rows:
                if r.header:
                    out.append(f'<tr class="head"><td class="name" colspan="7">'
                               f"{e(r.display)}</td></tr>")
                    continue
                name = e(r.display) + (f" ({e(r.label)})" if r.label else "")
                pad = "&nbsp;&nbsp;&nbsp;&nbsp;" if b.title in PAIRED else ""
                cells = "".join(f'<td class="num">{fmt(r.values[c])}</td>' for c in NUM_COLS)
                out.append(f'<tr><td class="name">{pad}{name}</td>{cells}</tr>')
            out.append("</tbody></table>")
        notes = self.notes()
        if notes:
            items = "".join(f"<li>{e(n.split('] ', 1)[-1])}</li>" for n in notes)
            out.append(f"<p><b>Notes:</b></p><ol>{items}</ol>")
        fit_line = apa.fit_line(self._fit, self.result, latex=False)
        if fit_line:
            out.append(f"<p><i>Model fit</i>: {e(fit_line.replace('*', ''))}.</p>")
        out.append("</div>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return self.as_html()

    # ------------------------------------------------------------------ APA
    def to_markdown(self, *, stars: bool = True, ci: bool = False,
                    standardized: str = "std_all", decimals: int = 3) -> str:
        """An APA-style Markdown table (unstandardized B, SE, standardized beta, p).

        The note's fit line reports the scaled test and the robust CFI, TLI and RMSEA
        whenever the estimator is robust (and says so), and the FIML-corrected CFI, TLI and
        RMSEA under ``missing="fiml"``; see :func:`trustmodel.report.apa.fit_line`.

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
        return apa.markdown_table(self, stars=stars, ci=ci, standardized=standardized,
                                  decimals=decimals)

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
        return apa.latex_table(self, stars=stars, ci=ci, standardized=standardized,
                               decimals=decimals, caption=caption, label=label)

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def _title(self) -> str:
        res = self.result
        return (f"Parameter estimates ({res.estimator}, N = {res.nobs}"
                f"{', ' + str(res.table.ngroups) + ' groups' if res.table.ngroups > 1 else ''})")


apa_num, apa_p = apa.apa_num, apa.apa_p


def _html_kv(caption: str, rows) -> str:
    """A label/value(s) table; a row is (label, value[, scaled value])."""
    e = html.escape
    body = []
    for r in rows:
        if not any(str(c).strip() for c in r):
            continue
        cells = "".join(f'<td class="num">{e(str(c).strip())}</td>' for c in r[1:])
        body.append(f'<tr><td class="name">{e(str(r[0]).strip())}</td>{cells}</tr>')
    return f"<table><caption>{e(caption)}</caption><tbody>{''.join(body)}</tbody></table>"
