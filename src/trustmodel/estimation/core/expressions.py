"""Expressions in parameter labels: ``:=`` definitions and ``==``/``<``/``>`` constraints.

Parsed with Python's ``ast`` and restricted to arithmetic, names and the functions lavaan's
users write in R (``exp``, ``log``, ``sqrt``, ``abs``, trigonometry, ``pnorm``/``qnorm``/
``dnorm``); ``^`` is R's power. Shared by :mod:`..inference.defined` and
:mod:`.constraints`.
"""
from __future__ import annotations

import ast
import math

import numpy as np
from scipy import special

from ..._errors import ModelSyntaxError

_FUNCS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "sin": np.sin,
          "cos": np.cos, "tan": np.tan, "pi": math.pi,
          # R's normal distribution functions, as lavaan evaluates := in R
          "pnorm": special.ndtr, "qnorm": special.ndtri,
          "dnorm": lambda z: np.exp(-0.5 * np.square(z)) / math.sqrt(2 * math.pi)}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
            ast.Pow, ast.USub, ast.UAdd, ast.Name, ast.Load, ast.Constant, ast.Call)


def compile_expression(text: str, name: str):
    src = text.replace("^", "**")
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise ModelSyntaxError(f"Cannot read the definition of {name!r}: {text!r}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ModelSyntaxError(f"Unsupported element {type(node).__name__} in the definition "
                                   f"of {name!r}: {text!r}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in _FUNCS):
            raise ModelSyntaxError(f"Unknown function in the definition of {name!r}: {text!r}")
    return compile(tree, f"<{name}>", "eval")
