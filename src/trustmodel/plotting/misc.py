"""Residual heatmap, response surface and importance-performance map."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import OptionError
from .path import pyplot


def _residual_cor(res, group=None) -> pd.DataFrame:
    """Residual correlations: ``res.residuals(type="cor")`` or cor(S) - cor(Sigma)."""
    fn = getattr(res, "residuals", None)
    if callable(fn):
        try:
            out = fn(type="cor")
            if isinstance(out, dict):
                out = out.get("cov")
            if isinstance(out, (list, tuple)):
                out = out[0 if group is None else group]
                if isinstance(out, dict):
                    out = out.get("cov")
            if isinstance(out, pd.DataFrame) and out.shape[0] == out.shape[1]:
                return out
        except Exception:  # noqa: BLE001 - fall back to our own computation
            pass
    sample, implied = res.sample, res.implied
    if isinstance(sample, list):
        k = 0 if group is None else group
        sample, implied = sample[k], implied[k]
    S, Sig = sample["cov"], implied["cov"]
    ds, dg = np.sqrt(np.diag(S)), np.sqrt(np.diag(Sig))
    R = S.to_numpy() / np.outer(ds, ds) - Sig.to_numpy() / np.outer(dg, dg)
    return pd.DataFrame(R, index=S.index, columns=S.columns)


def plot_residuals(res, *, ax=None, group=None, annotate: bool | None = None,
                   vmax: float | None = None):
    """Heatmap of residual correlations (observed minus model-implied).

    Parameters
    ----------
    res : FitResult
    ax : matplotlib.axes.Axes, optional
    group : int, optional
        Group index (0-based) of a multi-group model (default: the first).
    annotate : bool, optional
        Print the values in the cells (default: when there are at most 20 variables).
    vmax : float, optional
        Colour scale limit (default: the largest absolute residual, at least 0.1).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import trustmodel as tm
    >>> from trustmodel.plotting import plot_residuals
    >>> res = tm.fit("visual =~ x1 + x2 + x3", tm.datasets.load("holzinger_swineford"))
    >>> fig = plot_residuals(res)
    >>> fig.axes[0].get_title()
    'Residual correlations (observed - implied)'
    """
    plt = pyplot()
    R = _residual_cor(res, group)
    names = list(R.index)
    vals = R.to_numpy(dtype=float)
    p = len(names)
    if ax is None:
        size = min(max(4.5, 0.45 * p + 2), 16)
        fig, ax = plt.subplots(figsize=(size + 1, size))
    else:
        fig = ax.figure
    lim = vmax or max(0.1, float(np.nanmax(np.abs(vals))) if vals.size else 0.1)
    masked = np.ma.masked_where(np.triu(np.ones_like(vals, dtype=bool), k=1), vals)
    im = ax.imshow(masked, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_xticks(range(p), names, rotation=90, fontsize=8)
    ax.set_yticks(range(p), names, fontsize=8)
    if annotate if annotate is not None else p <= 20:
        for i in range(p):
            for j in range(i + 1):
                v = vals[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}".replace("0.", ".", 1), ha="center", va="center",
                            fontsize=6.5, color="white" if abs(v) > 0.6 * lim else "black")
    fig.colorbar(im, ax=ax, shrink=0.8, label="residual correlation")
    ax.set_title("Residual correlations (observed - implied)")
    return fig


def plot_response_surface(rsa, *, ax=None, p_range=None, e_range=None, n: int = 40,
                          kind: str = "surface", labels=("P", "E", "Z")):
    """Response surface of a polynomial regression (``tm.response_surface`` result).

    Parameters
    ----------
    rsa : object
        Result with ``predict(P, E)`` (arrays) and ``coefficients``.
    ax : matplotlib.axes.Axes, optional
        A 3-D axes for ``kind="surface"``; a 2-D axes draws a contour map instead.
    p_range, e_range : (float, float), optional
        Grid ranges (default: ``rsa.p_range`` / ``rsa.e_range`` if present, else the ranges
        of ``rsa.data`` columns, else (-2, 2)).
    n : int
        Grid points per axis.
    kind : {"surface", "contour"}
    labels : tuple of str
        Axis names (predictor 1, predictor 2, outcome).

    Returns
    -------
    matplotlib.figure.Figure
        The surface with the lines of congruence (P = E) and incongruence (P = -E).
    """
    plt = pyplot()
    if kind not in ("surface", "contour"):
        raise OptionError(f"kind= must be 'surface' or 'contour'; got {kind!r}.")
    if not callable(getattr(rsa, "predict", None)):
        raise OptionError("rsa= must have a predict(P, E) method (tm.response_surface result); "
                          f"got {type(rsa).__name__}.")
    pr = p_range or getattr(rsa, "p_range", None) or _range_of(rsa, 0)
    er = e_range or getattr(rsa, "e_range", None) or _range_of(rsa, 1)
    P, E = np.meshgrid(np.linspace(*pr, n), np.linspace(*er, n))
    Z = np.asarray(rsa.predict(P.ravel(), E.ravel()), dtype=float).reshape(P.shape)
    if ax is None:
        fig = plt.figure(figsize=(7, 5.5))
        ax = fig.add_subplot(projection="3d" if kind == "surface" else None)
    else:
        fig = ax.figure
    is3d = getattr(ax, "name", "") == "3d"
    lo, hi = max(pr[0], er[0]), min(pr[1], er[1])
    t = np.linspace(lo, hi, n)
    c = float(getattr(rsa, "center", 0.0) or 0.0)   # incongruence: P - c = -(E - c)
    lo2, hi2 = max(pr[0], 2 * c - er[1]), min(pr[1], 2 * c - er[0])
    t2 = np.linspace(lo2, hi2, n)
    e2 = 2 * c - t2
    axis = _principal_axis(rsa, pr, er, c, n)
    if is3d:
        ax.plot_surface(P, E, Z, cmap="viridis", alpha=0.75, linewidth=0.3,
                        edgecolor="#ffffff55", rstride=max(n // 12, 1), cstride=max(n // 12, 1))
        zmin = float(np.nanmin(Z)) - 0.05 * float(np.ptp(Z) or 1.0)
        ax.contour(P, E, Z, zdir="z", offset=zmin, levels=10, cmap="viridis",
                   linewidths=0.6)
        ax.set_zlim(zmin, float(np.nanmax(Z)))
        ax.plot(t, t, rsa.predict(t, t), color="black", linewidth=2.2, zorder=10,
                label="congruence P = E")
        ax.plot(t2, e2, rsa.predict(t2, e2), color="crimson", linewidth=2.2, linestyle="--",
                zorder=10, label="incongruence P = -E")
        if axis is not None:
            ax.plot(axis[0], axis[1], rsa.predict(*axis), color="#444444", linewidth=1.2,
                    linestyle=":", zorder=10, label="first principal axis")
        ax.set_zlabel(labels[2])
    else:
        cs = ax.contourf(P, E, Z, levels=15, cmap="viridis")
        fig.colorbar(cs, ax=ax, label=labels[2])
        ax.plot(t, t, color="black", linewidth=2, label="congruence P = E")
        ax.plot(t2, e2, color="crimson", linewidth=2, linestyle="--",
                label="incongruence P = -E")
        if axis is not None:
            ax.plot(axis[0], axis[1], color="#444444", linewidth=1.2, linestyle=":",
                    label="first principal axis")
        ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Response surface")
    return fig


def _principal_axis(rsa, pr, er, c, n):
    """(P, E) points of the first principal axis ``E = p10 + p11 P`` (centred metric, as
    RSA's plotRSA draws it), clipped to the grid; None when the fit has no stationary point."""
    st = getattr(rsa, "stationary", None)
    try:
        p10, p11 = float(st.loc["p10", "est"]), float(st.loc["p11", "est"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    if not (np.isfinite(p10) and np.isfinite(p11)):
        return None
    Pv = np.linspace(pr[0], pr[1], 4 * n)
    Ev = c + p10 + p11 * (Pv - c)
    keep = (Ev >= er[0]) & (Ev <= er[1])
    return (Pv[keep], Ev[keep]) if keep.sum() > 1 else None


def _range_of(rsa, k):
    data = getattr(rsa, "data", None)
    names = getattr(rsa, "predictors", None)
    if isinstance(data, pd.DataFrame):
        cols = list(names) if names is not None else list(data.columns[:2])
        try:
            col = data[cols[k]]
            return float(col.min()), float(col.max())
        except (KeyError, IndexError):
            pass
    return (-2.0, 2.0)


def _find_col(table, word):
    for c in table.columns:
        if str(c).lower() == word:
            return c
    for c in table.columns:
        if word in str(c).lower():
            return c
    raise OptionError(f"table= needs a column named like {word!r}; got columns "
                      f"{', '.join(map(repr, map(str, table.columns)))}.")


def plot_ipma(table, *, ax=None, importance: str | None = None,
              performance: str | None = None, label: str | None = None):
    """Importance-performance map (IPMA) of a PLS model.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per construct with importance (total effect on the target) and performance
        (0-100 index) columns; labels from ``label=``, a "construct"/"name" column, or the index.
    ax : matplotlib.axes.Axes, optional
    importance, performance, label : str, optional
        Column names (default: found by name).

    Returns
    -------
    matplotlib.figure.Figure
        A scatter with one labelled point per construct and dashed lines at the mean
        importance and performance (the four quadrants).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from trustmodel.plotting import plot_ipma
    >>> t = pd.DataFrame({"importance": [0.4, 0.1], "performance": [70, 60]},
    ...                  index=["Quality", "Image"])
    >>> fig = plot_ipma(t)
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['Image', 'Quality']
    """
    plt = pyplot()
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise OptionError("table= must be a non-empty DataFrame with importance and "
                          "performance columns.")
    icol = importance or _find_col(table, "importance")
    pcol = performance or _find_col(table, "performance")
    if label is not None:
        names = table[label].astype(str)
    else:
        lab = next((c for c in table.columns if str(c).lower() in ("construct", "name",
                                                                   "lv", "latent")), None)
        names = table[lab].astype(str) if lab is not None else table.index.astype(str)
    x = table[icol].to_numpy(dtype=float)
    y = table[pcol].to_numpy(dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 5))
    else:
        fig = ax.figure
    ax.scatter(x, y, s=60, color="#1f3b73", zorder=3)
    for xi, yi, name in zip(x, y, names):
        ax.annotate(name, (xi, yi), xytext=(5, 5), textcoords="offset points", fontsize=9)
    ax.axvline(np.nanmean(x), color="grey", linestyle="--", linewidth=1)
    ax.axhline(np.nanmean(y), color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("Importance (total effect)")
    ax.set_ylabel("Performance (0-100)")
    ax.set_title("Importance-performance map")
    return fig


__all__ = ["plot_residuals", "plot_response_surface", "plot_ipma"]
