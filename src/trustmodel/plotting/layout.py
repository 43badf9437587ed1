"""Layout of a path diagram: latents as ellipses, indicators as boxes, left to right.

The structural order (regressions among latent and observed variables; a first-order factor
sits left of the second-order factor that loads on it) is layered by longest path, so causes
stand left of their effects; barycenter sweeps order each layer. Indicators of the first layer
sit to the left of their factor, those of the last layer to the right, those in between in a
row above their factor. The distance between layers grows with the widest row of indicators.
"""
from __future__ import annotations

import numpy as np

ELL_W, ELL_H = 1.5, 0.75         # latent ellipse
BOX_W, BOX_H = 0.9, 0.42         # indicator box
IND_STEP = 0.62                  # vertical spacing of stacked indicators
ROW_STEP = 1.15                  # horizontal spacing of indicators in a row
COL_DX = 4.2                     # least distance between layers
GAP = 0.45                       # vertical gap between factor slots
IND_DX = 2.5                     # horizontal distance of a stacked indicator column


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
    widest = max([len(ind) for col in slots for _, _, side, ind in col if side == "above"]
                 + [0])
    col_dx = max(COL_DX, (widest - 1) * ROW_STEP + BOX_W + 1.6)
    for k, col_slots in enumerate(slots):
        x = k * col_dx
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
                dx = -IND_DX if side == "left" else IND_DX
                n = len(ind)
                for i, w in enumerate(ind):
                    nodes[w] = (x + dx, cy + ((n - 1) / 2 - i) * IND_STEP, "indicator")
            y -= h + GAP
    return {"nodes": nodes, "layers": cols, "layer_of": layer}


__all__ = ["layout", "stars"]
