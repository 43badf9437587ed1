"""Defined parameters (``name := expression``) of a PLS model: functions of labelled paths.

``y ~ a*x`` labels the path ``x -> y`` as ``a``; ``ab := a*b`` is evaluated on the estimates
and on every bootstrap replicate (percentile CI), as lavaan's ``:=`` rows are. Expressions may
use ``+ - * / ^ **``, parentheses, numbers, the labels and ``exp``, ``log``, ``sqrt``, ``abs``.
"""
from __future__ import annotations

import ast

import numpy as np

from .._errors import ModelSyntaxError

_FUNCS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs}
_OPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
        ast.Pow: np.power}


def _tree(expr: str):
    return ast.parse(expr.replace("^", "**"), mode="eval").body


def _names(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def check_expression(expr, labels, name, line=None, column=None) -> None:
    """Raise ModelSyntaxError unless ``expr`` is arithmetic on known labels."""
    try:
        node = _tree(expr)
    except SyntaxError:
        raise ModelSyntaxError(f"Cannot read the definition of {name!r}: {expr!r}", line,
                               column) from None
    for n in ast.walk(node):
        ok = isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load,
                            ast.Call, ast.USub, ast.UAdd, *_OPS))
        if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name)
                                            and n.func.id in _FUNCS):
            ok = False
        if not ok:
            raise ModelSyntaxError(f"The definition of {name!r} uses {type(n).__name__}; only "
                                   "arithmetic on path labels is allowed", line, column)
    unknown = sorted(_names(node) - set(labels) - set(_FUNCS))
    if unknown:
        raise ModelSyntaxError(f"The definition of {name!r} uses {', '.join(map(repr, unknown))}"
                               ", which label no path ('y ~ a*x' labels x -> y as a)", line,
                               column)


def evaluate(expr: str, values: dict):
    """Evaluate ``expr`` with ``values`` (label -> number or array)."""
    def ev(n):
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Name):
            return values[n.id]
        if isinstance(n, ast.UnaryOp):
            v = ev(n.operand)
            return -v if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.BinOp):
            return _OPS[type(n.op)](ev(n.left), ev(n.right))
        return _FUNCS[n.func.id](*[ev(a) for a in n.args])
    with np.errstate(all="ignore"):
        return ev(_tree(expr))
