"""Reports of a PLS fit: summary (text, HTML, Markdown, LaTeX), JSON and the path diagram.

The JSON follows the versioned ``trustmodel.fit/1`` schema of ``report/fit_schema.json``:
``params`` holds the paths (``~``) and loadings (``=~``) with ``std_lv = std_all = est``
(PLS estimates are standardized), ``fit_measures`` the SRMR / d_ULS / d_G of the estimated
model (``*_saturated`` for the saturated one) and the R² (``r2_<construct>``); the PLS
sections ``weights``, ``r2``, ``reliability``, ``htmt`` and ``missing`` ride along.
"""
from __future__ import annotations

import json

import numpy as np

from ..report.serialize import SCHEMA_ID, _clean, _records, _versions

_F = "{:.3f}".format


class PLSSummary:
    """Summary of a :class:`~trustmodel.pls.PLSResult`."""

    def __init__(self, res):
        self.res = res

    def tables(self) -> list:
        """(title, DataFrame) pairs shown by every format."""
        r = self.res
        show = ["est", "se", "ci_lower", "ci_upper"] if r.boot is not None else ["est"]
        paths = r.paths.set_index(["lhs", "op", "rhs"])[show]
        meas = r.params[r.params.op != "~"].set_index(["lhs", "op", "rhs"])[show]
        out = [("Paths", paths), ("R-squared", r.r2[["r2", "r2_adj"]]),
               ("Measurement", meas), ("Reliability", r.reliability)]
        if not r.plan.interactions and not r.plan.hocs:
            out.append(("HTMT", r.htmt_inference.query("statistic == 'HTMT'")
                        .set_index(["lhs", "rhs"])[["est"] + show[1:]]))
            out.append(("Model fit", r.fit_measures))
        return out

    def __str__(self) -> str:
        out = list(self.res._header())
        for title, df in self.tables():
            out += ["", f"{title}:", df.to_string(float_format=_F)]
        notes = self.res._notes()
        if notes:
            out += ["", "Notes:"] + notes
        return "\n".join(out)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = ["<div>", "<br>".join(self.res._header())]
        for title, df in self.tables():
            parts += [f"<h4>{title}</h4>", df.to_html(float_format=_F)]
        notes = self.res._notes()
        if notes:
            parts += ["<h4>Notes</h4>", "<br>".join(notes)]
        return "\n".join(parts + ["</div>"])

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown tables."""
        out = [" ".join(self.res._header()), ""]
        for title, df in self.tables():
            out += [f"**{title}**", "", _markdown(df), ""]
        notes = self.res._notes()
        return "\n".join(out + (["**Notes**", ""] + notes if notes else []))

    def to_latex(self) -> str:
        """LaTeX ``tabular`` environments (booktabs rules), one per table."""
        out = []
        for title, df in self.tables():
            out += [f"% {title}", _latex(df)]
        return "\n".join(out)


def _cells(df):
    idx = df.index.names if df.index.nlevels > 1 else [df.index.name or ""]
    head = [str(n or "") for n in idx] + [str(c) for c in df.columns]
    rows = []
    for key, row in df.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        rows.append([str(k) for k in key] + [(_F(v) if isinstance(v, (float, np.floating))
                                              and np.isfinite(v) else
                                              ("" if isinstance(v, float) else str(v)))
                                             for v in row.to_numpy()])
    return head, rows


def _markdown(df) -> str:
    head, rows = _cells(df)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _latex(df) -> str:
    head, rows = _cells(df)
    esc = lambda t: t.replace("_", r"\_").replace("~", r"\textasciitilde{}")
    lines = [r"\begin{tabular}{" + "l" * (df.index.nlevels) + "r" * df.shape[1] + "}",
             r"\toprule", " & ".join(map(esc, head)) + r" \\", r"\midrule"]
    lines += [" & ".join(map(esc, r)) + r" \\" for r in rows]
    return "\n".join(lines + [r"\bottomrule", r"\end{tabular}"])


def to_dict(res) -> dict:
    """The ``trustmodel.fit/1`` payload of a PLS fit (see the module docstring)."""
    params = res.params[res.params.op != "<~"].assign(group=1, label="")
    params = params.assign(std_lv=params["est"], std_all=params["est"])
    fm = {}
    if not res.plan.interactions and not res.plan.hocs:
        f = res.fit_measures
        fm.update({k: f.loc["estimated", k] for k in f.columns})
        fm.update({f"{k}_saturated": f.loc["saturated", k] for k in f.columns})
    fm.update({f"r2_{c}": v for c, v in res.r2["r2"].items()})
    seed = res.seed
    return {
        "schema": SCHEMA_ID, "converged": bool(res.converged), "n_iter": int(res.n_iter),
        "estimator": res.estimator, "nobs": int(res.nobs),
        "params": _records(params), "fit_measures": _clean(fm),
        "effects": _records(res.effects),
        "warnings": [{"category": w.category.__name__, "message": str(w.message)}
                     for w in res.warnings],
        "options": _clean({k: v for k, v in res.options.items()}),
        "seed": seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
        else None,
        "versions": _versions(),
        "weights": _records(res.weights),
        "r2": _records(res.r2.reset_index()),
        "reliability": _records(res.reliability.reset_index()),
        "htmt": _records(res.htmt_inference),
        "missing": _clean(res.missing_report),
        "bootstrap": None if res.boot is None else {"draws": int(res.boot.shape[0]),
                                                    "failed": int(res.n_boot_failed)},
    }


def to_json(res, path=None, *, indent: int | None = 2) -> str:
    text = json.dumps(to_dict(res), indent=indent, allow_nan=False)
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return text


def _layers(spec) -> dict:
    depth = {j: 0 for j in range(spec.n_constructs)}
    for _ in range(spec.n_constructs):
        for k, j in spec.paths:
            depth[j] = max(depth[j], depth[k] + 1)
    return depth


def plot_pls(res, *, ax=None, show_items: bool = True, what: str = "auto"):
    """Path diagram: constructs in causal layers, inner arrows labelled with the path
    coefficients (``*`` when the bootstrap CI excludes 0), items with their loadings (Mode
    A) or weights (Mode B, ``what="weights"`` for all).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    spec = res.spec
    depth = _layers(spec)
    cols: dict = {}
    for j, d in depth.items():
        cols.setdefault(d, []).append(j)
    pos = {}
    for d, js in cols.items():
        for r, j in enumerate(js):
            pos[j] = (3.0 * d, -2.2 * r - 1.1 * (d % 2))
    if ax is None:
        fig, ax = plt.subplots(figsize=(3 + 2.6 * len(cols), 2 + 1.6 * max(map(len, cols.values()))))
    else:
        fig = ax.figure
    paths = res.paths.set_index(["lhs", "rhs"])
    for k, j in spec.paths:
        (x0, y0), (x1, y1) = pos[k], pos[j]
        ax.annotate("", xy=(x1 - 0.55, y1), xytext=(x0 + 0.55, y0),
                    arrowprops=dict(arrowstyle="->", color="0.25"))
        row = paths.loc[(spec.constructs[j], spec.constructs[k])]
        star = "*" if row["ci_lower"] > 0 or row["ci_upper"] < 0 else ""
        t = 0.3 + 0.1 * (k % 3)                 # stagger labels of parallel arrows
        ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), f"{row['est']:.2f}{star}",
                ha="center", va="center", fontsize=8, color="0.1",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    L, W = res.outer_loadings, res.outer_weights
    for j, c in enumerate(spec.constructs):
        x, y = pos[j]
        label = c if c not in res.plan.interactions else c.replace(":", " x ")
        r2 = res.r2["r2"].get(c)
        ax.text(x, y, label + (f"\nR²={r2:.2f}" if r2 is not None else ""), ha="center",
                va="center", fontsize=9, bbox=dict(boxstyle="ellipse", fc="#e8f0fa", ec="0.3"))
        items = [spec.indicators[k] for k in spec.block_of(j)]
        if show_items and len(items) <= 8:
            use_w = what == "weights" or (what == "auto" and spec.modes[j] == "B")
            vals = (W if use_w else L).loc[items, c]
            txt = "\n".join(f"{i}: {v:.2f}" for i, v in vals.items())
            ax.text(x, y - 0.55, txt, ha="center", va="top", fontsize=6, color="0.35")
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.5, max(xs) + 1.5)
    ax.set_ylim(min(ys) - 2.2, max(ys) + 1)
    ax.set_axis_off()
    ax.set_title(f"{res.estimator} path model (n = {res.nobs})", fontsize=10)
    return fig
