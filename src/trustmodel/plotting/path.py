"""Path diagram of a fitted SEM: latents as ellipses, indicators as boxes, left to right.

Layout: the structural order (regressions among latent and observed variables; a first-order
factor sits left of the second-order factor that loads on it) is layered by longest path, so
causes stand left of their effects. Indicators of the first layer sit to the left of their
factor, those of the last layer to the right, those in between in a row above their factor.
Edges that skip a layer are curved so they do not run through the factors between.
"""
from __future__ import annotations

import numpy as np

ELL_W, ELL_H = 1.5, 0.75         # latent ellipse
BOX_W, BOX_H = 0.9, 0.42         # indicator box
IND_STEP = 0.55                  # vertical spacing of stacked indicators
ROW_STEP = 1.15                  # horizontal spacing of indicators in a row
COL_DX = 4.8                     # distance between layers
GAP = 0.45                       # vertical gap between factor slots


def stars(p) -> str:
    """Significance stars: *** p < .001, ** p < .01, * p < .05."""
    if p is None or not np.isfinite(p):
        return ""
    return "***" if p < .001 else "**" if p < .01 else "*" if p < .05 else ""


def _params_for_group(res, group):
    p = res.params
    groups = [g for g in dict.fromkeys(p["group"]) if g not in (0, "")]
    if group is None:
        group = groups[0] if groups else None
    elif group not in groups:
        from .._errors import OptionError
        raise OptionError(f"group= must be one of {', '.join(map(repr, groups))}; "
                          f"got {group!r}.")
    return p[p["group"] == group] if group is not None else p


def layout(params) -> dict:
    """Positions and shapes: ``{"nodes": {name: (x, y, kind)}, "layers": [...]}``.

    ``kind`` is "latent", "observed" (in a regression) or "indicator".
    """
    meas = params[params["op"] == "=~"]
    reg = params[params["op"] == "~"]
    latents = list(dict.fromkeys(meas["lhs"]))
    lat_set = set(latents)
    # structural nodes: latents + observed variables that take part in regressions
    struct = list(latents)
    for v in list(reg["lhs"]) + list(reg["rhs"]):
        if v not in struct:
            struct.append(v)
    # layering edges: x -> y for y ~ x; first-order -> second-order for F =~ f
    edges = [(r.rhs, r.lhs) for r in reg.itertuples()]
    edges += [(r.rhs, r.lhs) for r in meas.itertuples() if r.rhs in lat_set]
    preds = {v: [a for a, b in edges if b == v] for v in struct}
    layer = {v: 0 for v in struct}
    for _ in range(len(struct) + 1):  # longest path; stops early, tolerates cycles
        changed = False
        for a, b in edges:
            if layer[b] < layer[a] + 1 and layer[a] + 1 <= len(struct):
                layer[b] = layer[a] + 1
                changed = True
        if not changed:
            break
    nlayers = max(layer.values(), default=0) + 1
    cols = [[v for v in struct if layer[v] == k] for k in range(nlayers)]
    succs = {v: [b for a, b in edges if a == v] for v in struct}
    # barycenter sweeps: up by successors, then down by predecessors
    for _ in range(2):
        for k in range(nlayers - 2, -1, -1):
            pos = {v: i for c in cols[k + 1:] for i, v in enumerate(c)}
            cols[k].sort(key=lambda v: np.mean([pos[s] for s in succs[v] if s in pos])
                         if any(s in pos for s in succs[v]) else cols[k].index(v))
        for k in range(1, nlayers):
            pos = {v: i for c in cols[:k] for i, v in enumerate(c)}
            cols[k].sort(key=lambda v: np.mean([pos[s] for s in preds[v] if s in pos])
                         if any(s in pos for s in preds[v]) else cols[k].index(v))
    indicators = {v: [r.rhs for r in meas.itertuples() if r.lhs == v and r.rhs not in lat_set]
                  for v in latents}
    nodes: dict = {}
    heights = []
    slots = []
    for k, col in enumerate(cols):
        side = "left" if k == 0 else "right" if k == nlayers - 1 else "above"
        if nlayers == 1:
            side = "left"
        col_slots = []
        for v in col:
            ind = indicators.get(v, [])
            if side == "above" and ind:
                h = ELL_H + 0.5 + BOX_H
            else:
                h = max(ELL_H, len(ind) * IND_STEP)
            col_slots.append((v, h, side, ind))
        total = sum(h for _, h, _, _ in col_slots) + GAP * max(len(col_slots) - 1, 0)
        heights.append(total)
        slots.append(col_slots)
    for k, col_slots in enumerate(slots):
        x = k * COL_DX
        y = heights[k] / 2
        for v, h, side, ind in col_slots:
            kind = "latent" if v in lat_set else "observed"
            if side == "above" and ind:
                cy = y - h + ELL_H / 2
                nodes[v] = (x, cy, kind)
                n = len(ind)
                for i, w in enumerate(ind):
                    nodes[w] = (x + (i - (n - 1) / 2) * ROW_STEP, y - BOX_H / 2, "indicator")
            else:
                cy = y - h / 2
                nodes[v] = (x, cy, kind)
                dx = -2.3 if side == "left" else 2.3
                n = len(ind)
                for i, w in enumerate(ind):
                    nodes[w] = (x + dx, cy + ((n - 1) / 2 - i) * IND_STEP, "indicator")
            y -= h + GAP
    return {"nodes": nodes, "layers": cols, "layer_of": layer}


def plot_path(res, *, ax=None, what: str = "std_all", group=None, alpha: float = 0.05,
              covariances: bool = True, decimals: int = 2, title: str | None = None):
    """Path diagram of a fitted model.

    Latent variables are ellipses, indicators and observed regression variables boxes; each
    arrow carries its estimate (standardized by default) with significance stars, and
    non-significant paths are dashed. The layout is layered left to right in the model's
    structural order.

    Parameters
    ----------
    res : FitResult
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (default: a new figure sized to the model).
    what : {"std_all", "std_lv", "est"}
        Which estimate to print on the arrows.
    group : str, optional
        Which group of a multi-group model (default: the first).
    alpha : float
        Paths with p >= alpha are drawn dashed.
    covariances : bool
        Draw covariances among latent/structural variables as curved double arrows.
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
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\nspeed =~ x7 + x8 + x9",
    ...              tm.datasets.load("holzinger_swineford"))
    >>> fig = res.plot()
    >>> len(fig.axes[0].patches) >= 8
    True
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch

    from .._errors import OptionError
    if what not in ("std_all", "std_lv", "est"):
        raise OptionError(f"what= must be one of 'std_all', 'std_lv', 'est'; got {what!r}.")
    p = _params_for_group(res, group)
    lay = layout(p)
    nodes = lay["nodes"]
    if not nodes:
        raise OptionError("The model has no latent variables or regressions to draw.")
    xs = [x for x, _, _ in nodes.values()]
    ys = [y for _, y, _ in nodes.values()]
    xmin, xmax = min(xs) - 0.8, max(xs) + 0.8
    ymin, ymax = min(ys) - 1.0, max(ys) + 0.9
    reg = p[p["op"] == "~"]
    for r in reg.itertuples():  # room for the curved edges that skip a layer (drawn below)
        if r.lhs in nodes and r.rhs in nodes:
            span = abs(lay["layer_of"].get(r.lhs, 0) - lay["layer_of"].get(r.rhs, 0))
            if span > 1:
                dip = 0.5 * 0.28 * abs(nodes[r.lhs][0] - nodes[r.rhs][0])
                ymin = min(ymin, min(nodes[r.lhs][1], nodes[r.rhs][1]) - dip - 0.5)
    if ax is None:
        w = min(max(6.0, (xmax - xmin) * 0.95), 22)
        h = min(max(3.5, (ymax - ymin) * 0.75), 30)
        fig, ax = plt.subplots(figsize=(w, h))
    else:
        fig = ax.figure
    patches = {}
    for name, (x, y, kind) in nodes.items():
        if kind == "latent":
            patch = Ellipse((x, y), ELL_W, ELL_H, facecolor="#e8f0fb", edgecolor="#1f3b73",
                            linewidth=1.4, zorder=3, gid=f"latent:{name}")
            fs = 10
        else:
            patch = FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                   boxstyle="square,pad=0", facecolor="white",
                                   edgecolor="#444444", linewidth=1.0, zorder=3,
                                   gid=f"{kind}:{name}")
            fs = 8
        ax.add_patch(patch)
        patches[name] = patch
        ax.text(x, y, name, ha="center", va="center", fontsize=fs, zorder=4,
                fontweight="bold" if kind == "latent" else "normal", gid=f"node:{name}")
    layer_of = lay["layer_of"]

    def label(r) -> str:
        v = getattr(r, what)
        if v is None or not np.isfinite(v):
            return ""
        return f"{v:.{decimals}f}{stars(r.pvalue)}"

    def arrow(a, b, r, style, rad=0.0, frac=0.5):
        sig = not np.isfinite(r.pvalue) or r.pvalue < alpha
        conn = f"arc3,rad={rad}"
        arr = FancyArrowPatch(posA=nodes[a][:2], posB=nodes[b][:2], patchA=patches[a],
                              patchB=patches[b], arrowstyle=style, mutation_scale=11,
                              connectionstyle=conn, color="#222222" if sig else "#888888",
                              linestyle="-" if sig else (0, (4, 3)), linewidth=1.1, zorder=2,
                              shrinkA=1, shrinkB=1, gid=f"edge:{a}{r.op}{b}")
        ax.add_patch(arr)
        (x0, y0), (x1, y1) = nodes[a][:2], nodes[b][:2]
        mx, my = x0 + frac * (x1 - x0), y0 + frac * (y1 - y0)
        if rad:  # quadratic Bezier midpoint of matplotlib's arc3
            dx, dy = x1 - x0, y1 - y0
            mx, my = (x0 + x1) / 2 + rad * dy / 2, (y0 + y1) / 2 - rad * dx / 2
        txt = label(r)
        if txt:
            ax.text(mx, my, txt, ha="center", va="center", fontsize=7.5, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white",
                              edgecolor="none", alpha=0.9), gid="estimate")

    meas = p[p["op"] == "=~"]
    for r in meas.itertuples():
        if r.rhs in nodes and r.lhs in nodes:
            frac = 0.62 if nodes[r.rhs][2] == "indicator" else 0.5
            arrow(r.lhs, r.rhs, r, "-|>", frac=frac)
    for r in p[p["op"] == "~"].itertuples():
        if r.rhs in nodes and r.lhs in nodes:
            span = abs(layer_of.get(r.lhs, 0) - layer_of.get(r.rhs, 0))
            same_row = abs(nodes[r.lhs][1] - nodes[r.rhs][1]) < 1e-9
            rad = 0.28 if span > 1 and same_row else (0.15 if span > 1 else 0.0)
            arrow(r.rhs, r.lhs, r, "-|>", rad=rad)
    if covariances:
        for r in p[(p["op"] == "~~") & (p["lhs"] != p["rhs"])].itertuples():
            a, b = r.lhs, r.rhs
            if a in nodes and b in nodes and nodes[a][2] != "indicator" \
                    and nodes[b][2] != "indicator":
                rad = 0.45 if nodes[a][1] > nodes[b][1] else -0.45
                arrow(a, b, r, "<|-|>", rad=rad)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is None:
        kind = {"std_all": "standardized (std.all)", "std_lv": "std.lv",
                "est": "unstandardized"}[what]
        title = f"Path diagram, {kind} estimates; * p < .05, ** p < .01, *** p < .001"
    if title:
        ax.set_title(title, fontsize=9)
    return fig


__all__ = ["plot_path", "layout", "stars"]
