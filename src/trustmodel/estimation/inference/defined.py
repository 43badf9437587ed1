"""Defined parameters (``:=``) and their delta-method standard errors.

As lavaan's ``def.function`` (``R/lav_partable_constraints.R``): each definition is an
expression in parameter labels (user labels or ``.pN.`` plabels) and earlier definitions. The
Jacobian is taken by central differences (lavaan: ``lav_func_jacobian_complex``), and
``vcov_def = J vcov J'``.
"""
from __future__ import annotations


import numpy as np

from ..._errors import ModelSyntaxError, NumericalWarning
from ...syntax.expressions import Expression, ExpressionError
from ...syntax.expressions import compile_expression as _compile
from ..core.numdiff import jacobian
from ..._warnings import warn


def compile_expression(text: str, name: str) -> Expression:
    """The compiled form of ``name := text`` (:mod:`trustmodel.syntax.expressions`)."""
    try:
        return _compile(text)
    except ExpressionError as exc:
        raise ModelSyntaxError(f"{exc.message} in the definition of {name!r}: {text!r} "
                               f"(character {exc.offset + 1})") from None


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
        env = {name: values[k] for name, k in self.lookup.items()}
        out = []
        for name, code in zip(self.names, self.codes):
            val = float(code.evaluate(env))
            env[name] = val
            out.append(val)
        return np.asarray(out)

    def warn_not_finite(self, values: np.ndarray) -> None:
        """A :class:`NumericalWarning` per definition whose value is not finite at ``values``
        (lavaan reports ``Inf``/``NaN`` as the estimate, too)."""
        for name, val, code in zip(self.names, self.evaluate(values), self.codes):
            if not np.isfinite(val):
                warn(f"Defined parameter {name!r} := {code.text} is {val} at the "
                     "estimates (division by zero, overflow or a value outside a "
                     "function's domain); its standard error is not meaningful.",
                     NumericalWarning)

    def jacobian(self, x: np.ndarray, values_of) -> np.ndarray:
        """d(defined)/d(free parameters) by central differences (nan where a definition is
        not finite: warned once by :meth:`warn_not_finite`)."""
        with np.errstate(all="ignore"):
            return jacobian(lambda z: self.evaluate(values_of(z)), x)
