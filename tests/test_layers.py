"""The architecture's arrows point one way (STYLE.md section 2; DESIGN.md's flow).

A module may import only layers below it -- at module level *and* inside functions. The one
sanctioned exception is :data:`CONVENIENCE`: statsmodels-style methods on a result
(``res.summary()``, ``res.plot()``...) that import a higher layer lazily. Inside
``estimation/`` the rooms are ordered the same way (:data:`ESTIMATION_ROOMS`), and the whole
package, lazy imports included, has no import cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "trustmodel"

LAYERS = [
    {"_errors", "_version"},
    {"_validation", "_progress", "_warnings", "_readonly"},
    {"_parallel"},
    {"syntax", "datasets", "moments"},
    {"model", "data"},
    {"estimation", "distributed"},
    {"interaction"},                       # product indicators, probing (issue 15)
    {"results"},
    {"diagnostics"},
    {"theory"},
    {"report", "plotting"},
    {"pls"},
    {"api"},
    {"invariance", "compare", "simulate", "rsa", "power_ordinal"},  # leaves on top of api
    {"power", "practice"},                                          # leaves on those leaves
    {"studies"},                                                    # grids of power runs
    {"__init__"},
    {"cli"},                                                        # the CLI uses the package
    {"__main__"},
]
RANK = {name: k for k, layer in enumerate(LAYERS) for name in layer}

#: rooms of estimation/, lowest first (see estimation/__init__.py)
ESTIMATION_ROOMS = [{"core"}, {"fiml", "categorical"}, {"inference"}, {"fit_measures", "lms"}]
ROOM_RANK = {name: k for k, layer in enumerate(ESTIMATION_ROOMS) for name in layer}

#: (importing module, imported module) pairs allowed to point up: convenience methods on
#: results, each a lazy import inside one method
CONVENIENCE = {
    ("results.result", "diagnostics.factor_scores"),    # res.factor_scores()
    ("results.result", "diagnostics.modindices"),       # res.modification_indices()
    ("results.result", "diagnostics.residuals"),        # res.residuals(), largest_residuals()
    ("results.result", "diagnostics.reliability"),      # res.reliability
    ("results.result", "report.summary"),               # res.summary(), _repr_html_
    ("results.result", "report.serialize"),             # res.to_dict(), res.to_json()
    ("results.result", "plotting"),                     # res.plot()
    ("results.result", "practice.drivers"),             # res.drivers()
}

#: lazy imports that close a cycle inside one package, each to be folded by its owner
KNOWN_CYCLES: set = set()


def module_of(path: Path) -> str:
    parts = list(path.relative_to(PKG).with_suffix("").parts)
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_of(p): p for p in PKG.rglob("*.py")}


def imports(path: Path):
    """Every trustmodel module ``path`` imports (module level and inside functions)."""
    rel = path.relative_to(PKG).with_suffix("")
    package = list(rel.parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "trustmodel":
                target = node.module[len("trustmodel."):]
            else:
                continue
            subs = [f"{target}.{a.name}" if target else a.name for a in node.names]
            subs = [s for s in subs if s in MODULES]   # "from . import x", "from .pkg import mod"
            yield from subs
            if len(subs) < len(node.names):           # names defined in the module itself
                yield target or "__init__"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "trustmodel":
                    yield "__init__"
                elif a.name.startswith("trustmodel."):
                    yield a.name[len("trustmodel."):]


def layer_of(module: str) -> str:
    return module.split(".")[0]


def test_every_layer_is_known():
    found = {layer_of(m) for m in MODULES}
    assert found <= set(RANK), sorted(found - set(RANK))
    rooms = {m.split(".")[1] for m in MODULES if m.startswith("estimation.")
             and m.count(".") >= 1 and (PKG / "estimation" / m.split(".")[1]).is_dir()}
    assert rooms <= set(ROOM_RANK), sorted(rooms - set(ROOM_RANK))


def test_imports_point_down():
    bad = []
    for mine, path in MODULES.items():
        for target in imports(path):
            theirs = layer_of(target)
            if theirs == layer_of(mine) or theirs not in RANK or (mine, target) in CONVENIENCE:
                continue
            if RANK[theirs] >= RANK[layer_of(mine)]:
                bad.append(f"{mine} imports {target}")
    assert not bad, "\n".join(bad)


def test_estimation_rooms_point_down():
    bad = []
    for mine, path in MODULES.items():
        room = mine.split(".")[1] if mine.startswith("estimation.") else None
        if room not in ROOM_RANK:
            continue
        for target in imports(path):
            parts = target.split(".")
            if parts[0] != "estimation" or len(parts) < 2 or parts[1] not in ROOM_RANK:
                continue
            if parts[1] != room and ROOM_RANK[parts[1]] >= ROOM_RANK[room]:
                bad.append(f"{mine} imports {target}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    """Tarjan's strongly connected components of the module graph, lazy imports included
    (a submodule's import of its package's ``__init__`` is implied, not an edge)."""
    allowed = CONVENIENCE | KNOWN_CYCLES
    graph = {m: {t for t in imports(p) if t in MODULES and t != m and (m, t) not in allowed}
             for m, p in MODULES.items()}
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_the_tests_see_lazy_imports():
    """The checker itself: a function-level import is found (results -> report)."""
    assert "report.summary" in set(imports(MODULES["results.result"]))
