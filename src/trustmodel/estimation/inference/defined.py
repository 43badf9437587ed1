"""Defined parameters (``:=``) and their delta-method standard errors.

As lavaan's ``def.function`` (``R/lav_partable_constraints.R``): each definition is an
expression in parameter labels (user labels or ``.pN.`` plabels) and earlier definitions. The
Jacobian is taken by central differences (lavaan: ``lav_func_jacobian_complex``), and
``vcov_def = J vcov J'``.
"""
from __future__ import annotations

import ast
import math

import numpy as np

from ..._errors import ModelSyntaxError
from ..core.numdiff import jacobian

_FUNCS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "sin": np.sin,
          "cos": np.cos, "tan": np.tan, "pi": math.pi}
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


class Definitions:
    """Evaluate the table's ``:=`` rows from the row-value vector."""

    def __init__(self, table):
        c = table.cols
        self.names, self.codes = [], []
        for lhs, op, rhs in zip(c.lhs, c.op, c.rhs):
            if op == ":=":
                self.names.append(lhs)
                self.codes.append(compile_expression(rhs, lhs))
        par = c.op != ":="
        self.lookup = {}
        for k, (label, plabel) in enumerate(zip(c.label[par], c.plabel[par])):
            if label and label not in self.lookup:
                self.lookup[label] = k
            self.lookup[plabel] = k

    def __len__(self) -> int:
        return len(self.names)

    def evaluate(self, values: np.ndarray) -> np.ndarray:
        env = dict(_FUNCS)
        env.update({name: values[k] for name, k in self.lookup.items()})
        out = []
        with np.errstate(all="ignore"):
            for name, code in zip(self.names, self.codes):
                val = float(eval(code, {"__builtins__": {}}, env))
                env[name] = val
                out.append(val)
        return np.asarray(out)

    def jacobian(self, x: np.ndarray, values_of) -> np.ndarray:
        """d(defined)/d(free parameters) by central differences."""
        return jacobian(lambda z: self.evaluate(values_of(z)), x)
