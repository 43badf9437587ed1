"""Charts of the practitioner analyses: driver weights, the Kano map, NPS by segment.

matplotlib is imported inside each function. Each returns the Figure and accepts ``ax=``.
The functions read the result objects' tidy tables only (``result.table``), so they sit
below ``practice/`` in the layers and import nothing from it.
"""
from __future__ import annotations

import numpy as np

from .._errors import OptionError


def _axes(ax, size):
    import matplotlib.pyplot as plt
    if ax is None:
        return plt.subplots(figsize=size)
    return ax.figure, ax


def plot_drivers(result, *, ax=None, percent: bool = True):
    """Horizontal bars of each predictor's share of R-squared, largest on top, with the
    bootstrap interval as error bars when the result has one.

    Parameters
    ----------
    result : DriverResult
    ax : matplotlib.axes.Axes, optional
    percent : bool
        Show ``percent`` of R-squared (default) or ``weight`` in R-squared units.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import trustmodel as tm
    >>> df = tm.datasets.load("mobi")
    >>> res = tm.drivers(df, outcome="CUSA1", predictors=["PERQ1", "PERQ2", "PERV1"],
    ...                  bootstrap=200, seed=1)
    >>> fig = res.plot()
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()][-1]   # the top driver
    'PERQ1'
    """
    t = result.table.sort_values("weight")
    scale = 100 / result.r2 if percent and result.r2 > 0 else 1.0
    val = t["weight"].to_numpy() * scale
    fig, ax = _axes(ax, (6.5, 0.45 * len(t) + 1.8))
    xerr = None
    if "ci_lower" in t:
        lo, hi = ((t["pct_lower"], t["pct_upper"]) if percent else
                  (t["ci_lower"], t["ci_upper"]))
        lo, hi = lo.to_numpy(), hi.to_numpy()
        xerr = np.vstack([np.clip(val - lo, 0, None), np.clip(hi - val, 0, None)])
    colors = ["#1f3b73" if s else "#9aa5b8" for s in t.get("significant", [True] * len(t))]
    ax.barh(range(len(t)), val, xerr=xerr, color=colors, capsize=3)
    ax.set_yticks(range(len(t)), list(t.index))
    ax.set_xlabel("Share of R² (%)" if percent else "Share of R² (R² units)")
    ax.set_title(f"Key drivers of {result.outcome} ({result.method.replace('_', ' ')}, "
                 f"R² = {result.r2:.2f})")
    if "significant" in t:
        ax.text(0.99, 0.02, "grey: not above a random variable", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8, color="#555555")
    fig.tight_layout()
    return fig


def plot_kano(result, *, ax=None):
    """Kano map: |CS-| (dissatisfaction when absent) on x, CS+ (satisfaction when present)
    on y, quadrants at 0.5: attractive (top left), one-dimensional (top right), must-be
    (bottom right), indifferent (bottom left).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> import trustmodel as tm
    >>> d = pd.DataFrame({"a_f": [1, 1, 2, 1], "a_d": [3, 5, 5, 4],
    ...                   "b_f": [2, 3, 2, 2], "b_d": [5, 5, 5, 3]})
    >>> fig = tm.kano(d, {"a": ("a_f", "a_d"), "b": ("b_f", "b_d")}).plot()
    >>> sorted(t.get_text() for t in fig.axes[0].texts if t.get_text() in ("a", "b"))
    ['a', 'b']
    """
    t = result.table
    x = -t["cs_minus"].to_numpy(float)
    y = t["cs_plus"].to_numpy(float)
    fig, ax = _axes(ax, (6, 5.5))
    ax.scatter(x, y, s=60, color="#1f3b73", zorder=3)
    for xi, yi, name in zip(x, y, t.index):
        ax.annotate(str(name), (xi, yi), xytext=(5, 5), textcoords="offset points", fontsize=9)
    ax.axvline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    for (qx, qy, lab) in ((0.25, 0.97, "Attractive"), (0.75, 0.97, "One-dimensional"),
                          (0.75, 0.03, "Must-be"), (0.25, 0.03, "Indifferent")):
        ax.text(qx, qy, lab, ha="center", va="top" if qy > 0.5 else "bottom",
                fontsize=9, color="#555555", transform=ax.transAxes)
    ax.set_xlabel("Dissatisfaction if absent, |CS-|")
    ax.set_ylabel("Satisfaction if present, CS+")
    ax.set_title("Kano map")
    fig.tight_layout()
    return fig


def plot_nps(result, *, ax=None):
    """NPS per segment (or wave) with its confidence interval.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> import trustmodel as tm
    >>> d = pd.DataFrame({"ltr": [10, 9, 3, 8, 10, 6, 9, 7], "wave": [1, 1, 1, 1, 2, 2, 2, 2]})
    >>> fig = tm.nps(d, "ltr", by="wave").plot()
    >>> fig.axes[0].get_ylabel()
    'NPS'
    """
    t = result.table
    if t.empty:
        raise OptionError("The NPS result has no rows to plot.")
    fig, ax = _axes(ax, (max(4.0, 0.9 * len(t) + 2), 4.5))
    v = t["nps"].to_numpy(float)
    err = np.vstack([v - t["ci_lower"].to_numpy(float), t["ci_upper"].to_numpy(float) - v])
    pos = np.arange(len(t))
    ax.bar(pos, v, yerr=np.clip(err, 0, None), capsize=4,
           color=["#2e7d32" if s >= 0 else "#c62828" for s in v])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(pos, [str(k) for k in t.index])
    ax.set_xlabel(t.index.name or "")
    ax.set_ylabel("NPS")
    ax.set_ylim(-100, 100)
    ax.set_title(f"Net Promoter Score ({100 * result.level:g}% intervals)")
    fig.tight_layout()
    return fig


__all__ = ["plot_drivers", "plot_kano", "plot_nps"]
