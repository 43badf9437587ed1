"""The architecture's arrows point one way (STYLE.md section 2; DESIGN.md's flow).

A module may import (at module level) only layers below it. Imports inside functions are the
sanctioned way for a lower layer to offer a convenience from a higher one (``res.summary()``
imports report/ lazily) and are not counted.
"""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "trustmodel"

LAYERS = [
    {"_errors"},
    {"_validation", "_progress"},
    {"_parallel"},
    {"syntax", "datasets"},
    {"model", "data"},
    {"estimation"},
    {"results"},
    {"diagnostics"},
    {"theory"},
    {"report", "plotting"},
    {"api"},
    {"invariance", "compare", "simulate", "rsa", "pls", "cli"},   # leaves on top of api
    {"power", "__main__", "practice"},                              # leaves on those leaves
    {"__init__"},
]
RANK = {name: k for k, layer in enumerate(LAYERS) for name in layer}


def layer_of(module: str) -> str:
    return module.split(".")[0]


def top_level_imports(path: Path, package: list[str]):
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base[1:] + ([node.module] if node.module else []))
                names = [target] if node.module else [a.name for a in node.names]
                yield from (n for n in names if n)
            elif node.module and node.module.startswith("trustmodel."):
                yield node.module[len("trustmodel."):]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("trustmodel."):
                    yield a.name[len("trustmodel."):]


def test_every_layer_is_known():
    found = {p.stem if p.parent == PKG else p.relative_to(PKG).parts[0]
             for p in PKG.rglob("*.py")}
    assert found <= set(RANK), sorted(found - set(RANK))


def test_imports_point_down():
    bad = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).with_suffix("")
        package = ["trustmodel", *rel.parts[:-1]]
        mine = layer_of(".".join(rel.parts))
        for target in top_level_imports(path, package):
            theirs = layer_of(target)
            if theirs == mine or theirs not in RANK:
                continue
            if RANK[theirs] >= RANK[mine]:
                bad.append(f"{'.'.join(rel.parts)} imports {target}")
    assert not bad, "\n".join(bad)
