"""Path diagram of a fitted SEM (matplotlib): nodes from :mod:`.layout`, then the edges and
their estimates.

Every edge is a straight line or a quadratic Bezier curve (matplotlib's ``arc3``) between the
centres of its nodes. Its label is placed greedily along the curve, away from the arrowheads
and the nodes, at the first position that overlaps no label placed before (loadings and paths
first, then covariances). Residual covariances of indicators bulge outwards, away from their
factors, so they run outside the indicator columns; covariances of latent variables bulge
away from the latents' indicators.
"""
from __future__ import annotations

import numpy as np

from .layout import BOX_H, BOX_W, ELL_H, ELL_W, _params_for_group, layout, stars

WHAT = {"std_all": "std_all", "std_lv": "std_lv", "est": "est",
        "standardized": "std_all", "unstandardized": "est"}
LABEL_FS = 7.5                                  # points
T_CANDIDATES = (0.5, 0.42, 0.58, 0.34, 0.66, 0.27, 0.73)


def pyplot():
    """matplotlib.pyplot, or an ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
        raise ImportError("Plots need matplotlib: pip install 'trustmodel[plot]'") from exc
    return plt


def bezier(p0, p1, rad: float, t):
    """Point(s) at ``t`` of matplotlib's ``arc3`` connection from p0 to p1 (control point
    ``midpoint + rad * (dy, -dx)``)."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    c = (p0 + p1) / 2 + rad * np.array([d[1], -d[0]])
    t = np.asarray(t, float)[..., None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * c + t ** 2 * p1


def _half(kind) -> tuple[float, float]:
    return (ELL_W / 2, ELL_H / 2) if kind == "latent" else (BOX_W / 2, BOX_H / 2)


class _Labels:
    """Greedy placement of edge labels: boxes in data units that avoid nodes and each other."""

    def __init__(self, nodes, char_w: float, height: float):
        self.char_w, self.height = char_w, height
        self.taken = []
        self.nodes = [(x - hw - 0.12, y - hh - 0.1, x + hw + 0.12, y + hh + 0.1)
                      for x, y, kind in nodes.values() for hw, hh in [_half(kind)]]

    def box(self, xy, text):
        w = self.char_w * (len(text) + 1)
        return (xy[0] - w / 2, xy[1] - self.height / 2, xy[0] + w / 2, xy[1] + self.height / 2)

    @staticmethod
    def _overlap(a, b) -> float:
        dx = min(a[2], b[2]) - max(a[0], b[0])
        dy = min(a[3], b[3]) - max(a[1], b[1])
        return dx * dy if dx > 0 and dy > 0 else 0.0

    def place(self, p0, p1, rad, text):
        """The point of the curve where ``text`` collides least (first free one wins)."""
        best, best_cost = None, np.inf
        for t in T_CANDIDATES:
            xy = bezier(p0, p1, rad, t)
            b = self.box(xy, text)
            cost = (sum(self._overlap(b, o) for o in self.taken)
                    + 2 * sum(self._overlap(b, o) for o in self.nodes))
            if cost < best_cost - 1e-12:
                best, best_cost = (xy, b), cost
            if cost == 0:
                break
        self.taken.append(best[1])
        return best[0]


def _outward(res_nodes, a, b, indicator_of):
    """Unit vector pointing away from the factors (indicators) or the indicators (latents)."""
    pa, pb = np.array(res_nodes[a][:2]), np.array(res_nodes[b][:2])
    mid = (pa + pb) / 2
    anchors = []
    for v in (a, b):
        if res_nodes[v][2] == "indicator":
            f = indicator_of.get(v)
            if f in res_nodes:
                anchors.append(np.array(res_nodes[f][:2]))
        else:
            anchors += [np.array(res_nodes[w][:2]) for w, f in indicator_of.items()
                        if f == v and w in res_nodes]
    if not anchors:
        return np.array([1.0, 0.0])
    away = mid - np.mean(anchors, axis=0)
    n = np.linalg.norm(away)
    return away / n if n > 1e-9 else np.array([1.0, 0.0])


def _bulge_rad(p0, p1, normal, bulge: float) -> float:
    d = np.asarray(p1, float) - np.asarray(p0, float)
    L = float(np.hypot(*d))
    if L < 1e-9:
        return 0.0
    rad = min(max(2 * bulge / L, 0.15), 3.0)
    side = np.dot([d[1], -d[0]], normal)
    return rad if side >= 0 else -rad


def plot_path(res, *, ax=None, what: str = "std_all", group=None, alpha: float = 0.05,
              covariances: bool = True, residual_covariances: bool = True, decimals: int = 2,
              title: str | None = None):
    """Path diagram of a fitted model.

    Latent variables are ellipses, indicators and observed regression variables boxes; each
    arrow carries its estimate (standardized or unstandardized) with significance stars, and
    non-significant paths are dashed. The layout is layered left to right in the model's
    structural order; residual covariances of indicators are drawn outside the indicator
    columns, and labels keep off each other, the nodes and the arrowheads.

    Parameters
    ----------
    res : FitResult
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (default: a new figure sized to the model).
    what : {"std_all", "std_lv", "est", "standardized", "unstandardized"}
        Which estimate to print on the arrows ("standardized" is "std_all",
        "unstandardized" is "est").
    group : str, optional
        Which group of a multi-group model (default: the first).
    alpha : float
        Paths with p >= alpha are drawn dashed.
    covariances : bool
        Draw covariances among latent/structural variables as curved double arrows.
    residual_covariances : bool
        Draw residual covariances of indicators (``x1 ~~ x4``) as curved double arrows.
    decimals : int
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import trustmodel as tm
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\nspeed =~ x7 + x8 + x9\\nx1 ~~ x7",
    ...              tm.datasets.load("holzinger_swineford"))
    >>> fig = res.plot(what="unstandardized")
    >>> sorted(a.get_gid() for a in fig.axes[0].patches if "~~" in str(a.get_gid()))
    ['edge:visual~~speed', 'edge:x1~~x7']
    """
    from .._errors import OptionError
    if what not in WHAT:
        raise OptionError(f"what= must be one of {', '.join(map(repr, WHAT))}; got {what!r}.")
    column = WHAT[what]
    plt = pyplot()

    p = _params_for_group(res, group)
    lay = layout(p)
    nodes = lay["nodes"]
    if not nodes:
        raise OptionError("The model has no latent variables or regressions to draw.")
    edges = _edges(p, nodes, lay["layer_of"], covariances, residual_covariances)
    extent = _extent(nodes, edges)
    fig, ax = _new_figure(ax, extent, plt)
    patches = _draw_nodes(ax, nodes)
    extra = _draw_edges(ax, nodes, edges, patches, _labels_for(fig, ax, nodes, extent),
                        column, decimals, alpha)
    _finish(ax, extent, extra, title, column)
    return fig


def _edges(p, nodes, layer_of, covariances: bool, residual_covariances: bool) -> list:
    """The edges to draw: ``(a, b, row, arrowstyle, rad)``, the arrow pointing at ``b``."""
    lat = set(p.loc[p["op"] == "=~", "lhs"])
    indicator_of = {r.rhs: r.lhs for r in p[p["op"] == "=~"].itertuples() if r.rhs not in lat}
    edges = []
    for r in p[p["op"] == "=~"].itertuples():
        if r.rhs in nodes and r.lhs in nodes:
            edges.append((r.lhs, r.rhs, r, "-|>", 0.0))
    for r in p[p["op"] == "~"].itertuples():
        if r.rhs in nodes and r.lhs in nodes:
            span = abs(layer_of.get(r.lhs, 0) - layer_of.get(r.rhs, 0))
            same_row = abs(nodes[r.lhs][1] - nodes[r.rhs][1]) < 1e-9
            rad = 0.28 if span > 1 and same_row else (0.15 if span > 1 else 0.0)
            edges.append((r.rhs, r.lhs, r, "-|>", rad))
    for r in p[(p["op"] == "~~") & (p["lhs"] != p["rhs"])].itertuples():
        a, b = r.lhs, r.rhs
        if a not in nodes or b not in nodes:
            continue
        ind = nodes[a][2] == "indicator" or nodes[b][2] == "indicator"
        if (ind and not residual_covariances) or (not ind and not covariances):
            continue
        normal = _outward(nodes, a, b, indicator_of)
        dist = float(np.hypot(*np.subtract(nodes[a][:2], nodes[b][:2])))
        bulge = BOX_W / 2 + 0.3 + 0.04 * dist if ind else 0.3 + 0.12 * dist
        rad = _bulge_rad(nodes[a][:2], nodes[b][:2], normal, bulge)
        edges.append((a, b, r, "<|-|>", rad))
    return edges


def _extent(nodes, edges) -> tuple[float, float, float, float]:
    """``xmin, ymin, xmax, ymax`` of the nodes and the curved edges, with a margin."""
    pts = [np.array([x + sx * hw, y + sy * hh]) for x, y, kind in nodes.values()
           for hw, hh in [_half(kind)] for sx in (-1, 1) for sy in (-1, 1)]
    for a, b, _, _, rad in edges:
        if rad:
            pts += list(bezier(nodes[a][:2], nodes[b][:2], rad, np.linspace(0, 1, 21)))
    pts = np.array(pts)
    (xmin, ymin), (xmax, ymax) = pts.min(axis=0) - 0.45, pts.max(axis=0) + 0.45
    return xmin, ymin, xmax, ymax


def _new_figure(ax, extent, plt):
    """The given axes' figure, or a new figure sized to the diagram."""
    xmin, ymin, xmax, ymax = extent
    if ax is not None:
        return ax.figure, ax
    scale = min(0.95, 22 / (xmax - xmin), 30 / (ymax - ymin))
    fig, ax = plt.subplots(figsize=(max(5.0, (xmax - xmin) * scale),
                                    max(3.0, (ymax - ymin) * scale + 0.4)))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.92)
    return fig, ax


def _labels_for(fig, ax, nodes, extent) -> _Labels:
    """Label placement with the label size in data units of this axes."""
    xmin, ymin, xmax, ymax = extent
    bbox = ax.get_position()
    fw, fh = fig.get_size_inches()
    inch = min(fw * bbox.width / (xmax - xmin), fh * bbox.height / (ymax - ymin))
    return _Labels(nodes, char_w=0.55 * LABEL_FS / 72 / inch, height=1.35 * LABEL_FS / 72 / inch)


def _draw_nodes(ax, nodes) -> dict:
    """Ellipses for latent variables, boxes for the others, with their names."""
    from matplotlib.patches import Ellipse, FancyBboxPatch
    patches = {}
    for name, (x, y, kind) in nodes.items():
        if kind == "latent":
            patch = Ellipse((x, y), ELL_W, ELL_H, facecolor="#e8f0fb", edgecolor="#1f3b73",
                            linewidth=1.4, zorder=3, gid=f"latent:{name}")
        else:
            patch = FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                   boxstyle="square,pad=0", facecolor="white",
                                   edgecolor="#444444", linewidth=1.0, zorder=3,
                                   gid=f"{kind}:{name}")
        ax.add_patch(patch)
        patches[name] = patch
        ax.text(x, y, name, ha="center", va="center", fontsize=10 if kind == "latent" else 8,
                zorder=4, fontweight="bold" if kind == "latent" else "normal",
                gid=f"node:{name}")
    return patches


def _draw_edges(ax, nodes, edges, patches, labels: _Labels, column: str, decimals: int,
                alpha: float) -> list:
    """The arrows (dashed when p >= alpha) and their estimates; returns the label boxes."""
    from matplotlib.patches import FancyArrowPatch

    def text_of(r) -> str:
        v = getattr(r, column)
        if v is None or not np.isfinite(v):
            return ""
        return f"{v:.{decimals}f}{stars(r.pvalue)}"

    extra = []
    for a, b, r, style, rad in edges:
        sig = not np.isfinite(r.pvalue) or r.pvalue < alpha
        ax.add_patch(FancyArrowPatch(
            posA=nodes[a][:2], posB=nodes[b][:2], patchA=patches[a], patchB=patches[b],
            arrowstyle=style, mutation_scale=11, connectionstyle=f"arc3,rad={rad}",
            color="#222222" if sig else "#888888", linestyle="-" if sig else (0, (4, 3)),
            linewidth=1.1, zorder=2, shrinkA=1, shrinkB=1, gid=f"edge:{a}{r.op}{b}"))
        txt = text_of(r)
        if txt:
            xy = labels.place(nodes[a][:2], nodes[b][:2], rad, txt)
            extra.append(labels.taken[-1])
            ax.text(xy[0], xy[1], txt, ha="center", va="center", fontsize=LABEL_FS, zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.9}, gid="estimate")
    return extra


def _finish(ax, extent, extra, title, column: str) -> None:
    """Limits that hold the nodes, curves and labels; no axes; the title."""
    xmin, ymin, xmax, ymax = extent
    if extra:
        e = np.array(extra)
        xmin, ymin = min(xmin, e[:, 0].min() - 0.1), min(ymin, e[:, 1].min() - 0.1)
        xmax, ymax = max(xmax, e[:, 2].max() + 0.1), max(ymax, e[:, 3].max() + 0.1)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is None:
        kind = {"std_all": "standardized (std.all)", "std_lv": "std.lv",
                "est": "unstandardized"}[column]
        title = f"Path diagram, {kind} estimates; * p < .05, ** p < .01, *** p < .001"
    if title:
        ax.set_title(title, fontsize=9)


__all__ = ["plot_path", "layout", "stars", "bezier"]
