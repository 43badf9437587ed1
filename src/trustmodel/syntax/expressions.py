"""Expressions of ``:=`` definitions and ``==``/``<``/``>`` constraints, compiled once.

lavaan evaluates a definition as R code in an environment holding the parameter labels
(``lav_partable_constraints.R``, ``lav_func_jacobian.R``). trustmodel accepts the part of R
that a definition uses: numbers (``1``, ``.5``, ``2e-3``, ``2L``), ``Inf`` and ``pi``, labels
(user labels, ``.pN.`` plabels, earlier definitions), ``+ - * / ^`` (``**`` as ``^``) with R's
precedence (``^`` binds tighter than unary minus and is right-associative: ``-2^2 == -4``),
parentheses, and the functions of :data:`FUNCTIONS` with positional or named arguments
(``pnorm(a, sd = 2)``, ``log(a, base = 10)``).

Compilation checks everything it can before a fit starts; the errors carry the offset of the
culprit so the parser reports line and column. Evaluation is floating point with numpy's rules,
as R's: ``1/0`` is ``inf``, ``0/0`` and ``log(-1)`` are ``nan``, ``9^9^9`` overflows to ``inf``
(never an integer power, so never a hang). The evaluator is a loop over a postfix program (no
recursion), and its input is bounded: at most :data:`MAX_TOKENS` tokens and
:data:`MAX_DEPTH` nested parentheses or calls, so a 20,000-term sum ends at once with a message
that says how to split it.

References
----------
R Core Team, *R Language Definition*, section 10.3.6 "Operators" (precedence).
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2). doi:10.18637/jss.v048.i02

Examples
--------
>>> e = compile_expression("a*b + pnorm(0)")
>>> e.names
('a', 'b')
>>> float(e.evaluate({"a": 2.0, "b": 3.0}))
6.5
>>> float(compile_expression("-2^2").evaluate({}))
-4.0
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from scipy import special

from .._errors import ModelSyntaxError

MAX_TOKENS = 4096
MAX_DEPTH = 64


class ExpressionError(ValueError):
    """Internal: a malformed expression, with the offset (0-based) of the culprit."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message, self.offset = message, offset


def _dnorm(x, mean=0.0, sd=1.0):
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def _log(x, base=math.e):
    return np.log(x) / np.log(base) if base != math.e else np.log(x)


def _round(x, digits=0.0):
    return np.round(x, int(digits)) if np.isfinite(digits) else np.nan


# name -> (function, parameter names (R's), number of required arguments, variadic)
FUNCTIONS = {
    "exp": (np.exp, ("x",), 1, False), "log": (_log, ("x", "base"), 1, False),
    "log10": (np.log10, ("x",), 1, False), "log2": (np.log2, ("x",), 1, False),
    "log1p": (np.log1p, ("x",), 1, False), "expm1": (np.expm1, ("x",), 1, False),
    "sqrt": (np.sqrt, ("x",), 1, False), "abs": (np.abs, ("x",), 1, False),
    "sign": (np.sign, ("x",), 1, False), "floor": (np.floor, ("x",), 1, False),
    "ceiling": (np.ceil, ("x",), 1, False), "trunc": (np.trunc, ("x",), 1, False),
    "round": (_round, ("x", "digits"), 1, False),
    "sin": (np.sin, ("x",), 1, False), "cos": (np.cos, ("x",), 1, False),
    "tan": (np.tan, ("x",), 1, False), "asin": (np.arcsin, ("x",), 1, False),
    "acos": (np.arccos, ("x",), 1, False), "atan": (np.arctan, ("x",), 1, False),
    "atan2": (np.arctan2, ("y", "x"), 2, False), "sinh": (np.sinh, ("x",), 1, False),
    "cosh": (np.cosh, ("x",), 1, False), "tanh": (np.tanh, ("x",), 1, False),
    "asinh": (np.arcsinh, ("x",), 1, False), "acosh": (np.arccosh, ("x",), 1, False),
    "atanh": (np.arctanh, ("x",), 1, False),
    "pnorm": (lambda q, mean=0.0, sd=1.0: special.ndtr((q - mean) / sd),
              ("q", "mean", "sd"), 1, False),
    "qnorm": (lambda p, mean=0.0, sd=1.0: mean + sd * special.ndtri(p),
              ("p", "mean", "sd"), 1, False),
    "dnorm": (_dnorm, ("x", "mean", "sd"), 1, False),
    "plogis": (lambda q, location=0.0, scale=1.0: special.expit((q - location) / scale),
               ("q", "location", "scale"), 1, False),
    "qlogis": (lambda p, location=0.0, scale=1.0: location + scale * special.logit(p),
               ("p", "location", "scale"), 1, False),
    "gamma": (special.gamma, ("x",), 1, False), "lgamma": (special.gammaln, ("x",), 1, False),
    "beta": (special.beta, ("a", "b"), 2, False),
    "min": (lambda *a: np.min(a), (), 1, True), "max": (lambda *a: np.max(a), (), 1, True),
    "sum": (lambda *a: np.sum(a), (), 1, True), "prod": (lambda *a: np.prod(a), (), 1, True),
}
CONSTANTS = {"pi": math.pi, "Inf": math.inf}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?)
  | (?P<name>[A-Za-z.][A-Za-z0-9_.]*|_[A-Za-z0-9_.]+)
  | (?P<op>\*\*|[-+*/^(),=])
""", re.VERBOSE)
_BINARY = {"+": (1, np.add), "-": (1, np.subtract), "*": (2, np.multiply),
           "/": (2, np.divide), "^": (4, np.power)}
_UNARY_PREC = 3   # R: unary minus binds less tightly than ^, more than * and /


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            what = {"%": "R's %% and %/% operators are", "[": "indexing is", "$": "'$' is",
                    "<": "comparisons are", ">": "comparisons are", "!": "'!' is",
                    "&": "logical operators are", "|": "logical operators are"}.get(ch)
            raise ExpressionError(
                f"Unexpected character {ch!r} in the expression" +
                (f" ({what} not part of a definition)" if what else ""), pos)
        kind = m.lastgroup
        if kind != "space":
            value = m.group()
            out.append((kind, "^" if value == "**" else value, pos))
            if len(out) > MAX_TOKENS:
                raise ExpressionError(
                    f"The expression is too long (more than {MAX_TOKENS} tokens); split it "
                    "into several := definitions that build on each other", pos)
        pos = m.end()
    return out  # type: ignore[return-value]  # every kept token has a kind


@dataclass(frozen=True)
class Expression:
    """A compiled expression: its text, the names it reads (with the offset of their first
    use in ``text``) and a postfix program."""

    text: str
    names: tuple
    offsets: tuple
    program: tuple

    def evaluate(self, env) -> np.float64:
        """Value of the expression given ``env`` (name -> number); floating point throughout."""
        stack: list = []
        push, pop = stack.append, stack.pop
        with np.errstate(all="ignore"):
            for kind, arg in self.program:
                if kind == "num":
                    push(arg)
                elif kind == "var":
                    push(np.float64(env[arg]))
                elif kind == "bin":
                    b = pop()
                    push(arg(pop(), b))
                elif kind == "neg":
                    push(-pop())
                else:  # call: (function, positional count, tuple of named slots)
                    fun, n = arg
                    args = stack[len(stack) - n:]
                    del stack[len(stack) - n:]
                    push(np.float64(fun(*args)))
        return np.float64(stack[-1])


class _Compiler:
    """Precedence climbing over the tokens; emits postfix code. Depth is bounded."""

    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.code: list = []
        self.names: dict = {}

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "", len(self.text))

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, value: str, what: str):
        kind, v, pos = self.peek()
        if v != value or kind == "end":
            found = "the end of the expression" if kind == "end" else repr(v)
            raise ExpressionError(f"Expected {what}, found {found}", pos)
        return self.take()

    def run(self) -> Expression:
        if not self.toks:
            raise ExpressionError("Empty expression", 0)
        self.expr(0, 0)
        kind, v, pos = self.peek()
        if kind != "end":
            raise ExpressionError(f"Unexpected {v!r} after a complete expression (missing "
                                  "operator?)", pos)
        return Expression(self.text, tuple(self.names), tuple(self.names.values()),
                          tuple(self.code))

    def expr(self, min_prec: int, depth: int):
        if depth > MAX_DEPTH:
            raise ExpressionError(f"The expression nests deeper than {MAX_DEPTH} levels",
                                  self.peek()[2])
        self.unary(depth)
        while True:
            kind, v, _pos = self.peek()
            if kind != "op" or v not in _BINARY:
                return
            prec, fun = _BINARY[v]
            if prec < min_prec:
                return
            self.take()
            # '^' is right-associative; its right operand may carry a unary minus (2^-1)
            self.expr(prec if v == "^" else prec + 1, depth + 1 if v == "^" else depth)
            self.code.append(("bin", fun))

    def unary(self, depth: int):
        kind, v, _pos = self.peek()
        if kind == "op" and v in "+-":
            self.take()
            self.expr(_UNARY_PREC, depth + 1)
            if v == "-":
                self.code.append(("neg", None))
            return
        self.atom(depth)

    def atom(self, depth: int):
        kind, v, pos = self.take()
        if kind == "number":
            self.code.append(("num", np.float64(float(v.rstrip("L")))))
        elif kind == "name":
            if self.peek()[1] == "(":
                self.call(v, pos, depth)
            elif v in CONSTANTS:
                self.code.append(("num", np.float64(CONSTANTS[v])))
            else:
                self.names.setdefault(v, pos)
                self.code.append(("var", v))
        elif v == "(":
            self.expr(0, depth + 1)
            self.expect(")", "')' to close the '('")
        elif kind == "end":
            raise ExpressionError("The expression ends where a value is expected", pos)
        else:
            raise ExpressionError(f"Unexpected {v!r} where a value is expected", pos)

    def call(self, name: str, pos: int, depth: int):
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"Unknown function {name!r} (known: {known})", pos)
        fun, params, required, variadic = FUNCTIONS[name]
        self.take()  # '('
        slots: dict = {}
        npos = 0
        while self.peek()[1] != ")":
            kind, v, apos = self.peek()
            if kind == "name" and self.i + 1 < len(self.toks) and self.toks[self.i + 1][1] == "=":
                if v not in params:
                    raise ExpressionError(f"{name}() has no argument {v!r} (arguments: "
                                          f"{', '.join(params) or '...'})", apos)
                self.i += 2
                key = v
            else:
                if not variadic and npos >= len(params):
                    raise ExpressionError(f"{name}() takes at most {len(params)} argument(s)",
                                          apos)
                key = params[npos] if not variadic else npos
                npos += 1
            if key in slots:
                raise ExpressionError(f"{name}() gets argument {key!r} twice", apos)
            start = len(self.code)
            self.expr(0, depth + 1)
            slots[key] = self.code[start:]
            del self.code[start:]
            if self.peek()[1] == ",":
                self.take()
                if self.peek()[1] == ")":
                    raise ExpressionError(f"Missing argument after ',' in {name}()",
                                          self.peek()[2])
            elif self.peek()[1] != ")":
                self.expect(")", f"',' or ')' in {name}()")
        self.expect(")", f"')' to close {name}(")
        order = list(range(npos)) if variadic else [p for p in params if p in slots]
        if len(slots) < required or (not variadic and any(p not in slots
                                                          for p in params[:required])):
            raise ExpressionError(f"{name}() needs {required} argument(s)", pos)
        for key in order:
            self.code.extend(slots[key])
        if variadic or tuple(order) == params[:len(order)]:
            self.code.append(("call", (fun, len(order))))
        else:  # named arguments in R's order; defaults for the ones left out
            keys = tuple(order)
            self.code.append(("call", (lambda *a, _f=fun, _k=keys: _f(**dict(zip(_k, a))),
                                       len(keys))))


def compile_expression(text: str) -> Expression:
    """Compile an R arithmetic expression; :class:`ExpressionError` (with an offset) if bad.

    Parameters
    ----------
    text : str
        The right-hand side of a ``:=`` definition (or one side of a constraint).

    Returns
    -------
    Expression
        ``names`` (the labels it reads, in order of appearance) and ``evaluate(env)``.

    Examples
    --------
    >>> float(compile_expression("log(100, base = 10) + 1/0").evaluate({}))
    inf
    """
    if not isinstance(text, str):
        raise ExpressionError(f"An expression must be text; got {type(text).__name__}", 0)
    return _Compiler(text).run()


def compile_checked(text: str, what: str) -> Expression:
    """:func:`compile_expression` for the estimation steps (``:=`` definitions, ``==``/``<``/
    ``>`` constraints): a malformed expression is a :class:`ModelSyntaxError` naming ``what``
    (``"the definition of 'ind'"``) and the character of the culprit.

    Examples
    --------
    >>> compile_checked("a*b", "the definition of 'ind'").names
    ('a', 'b')
    """
    try:
        return compile_expression(text)
    except ExpressionError as exc:
        raise ModelSyntaxError(f"{exc.message} in {what}: {text!r} "
                               f"(character {exc.offset + 1})") from None
