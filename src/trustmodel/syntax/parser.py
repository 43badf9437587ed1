"""Parse lavaan model syntax into statements.

Follows lavaan's model syntax (Rosseel 2012, doi:10.18637/jss.v048.i02; ``R/lav_syntax_parser.R``):
operators ``=~ <~ ~ ~~ ~1 := == < >``, thresholds ``y | t1 + t2`` and scale factors ``y ~*~ y``,
comments (``#`` and ``!``), statements separated by new lines or ``;``, formulas continued over several lines, and modifiers ``a*x`` (label), ``1*x``
(fixed value), ``NA*x`` (free), ``start(.5)*x``, ``label("a")*x``, ``c(a1, a2)*x`` (one per group),
and product terms ``y ~ x + z + x:z`` (modsem's and lavaan's form; a product latent may also be
measured and covary: ``x:z =~ x1.z1 + x2.z2``, ``x:z ~~ x``).
Errors point at the line and column, as lavaan's ``lav_parse_txtloc`` does. Parsing takes
time linear in the length of the syntax. The expressions of ``:=``, ``==``, ``<`` and ``>``
are compiled here (:mod:`trustmodel.syntax.expressions`), so a malformed definition or an
unknown function is reported at its line and column before anything is fitted.

Syntax that lavaan knows and trustmodel does not estimate yet raises
:class:`~trustmodel.UnsupportedFeatureError` naming the feature: ``efa("b")*f1`` blocks,
``group: 1`` / ``level: 1`` blocks and the ``lower()``, ``upper()``, ``prior()``, ``rv()`` modifiers.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .._errors import ModelSyntaxError, OptionError, UnsupportedFeatureError
from .expressions import ExpressionError, compile_expression

OPERATORS = ("~*~", ":=", "=~", "<~", "~~", "==", "~", "<", ">", "|")
_OPS_HINT = "lavaan syntax uses the operators =~ <~ ~ ~~ ~1 := == < >."
# operators the parser reads but no estimator uses yet: op -> the feature, for the message
UNSUPPORTED_OPERATORS: dict[str, str] = {}   # ('|' and '~*~' are estimated since issue 14)
_UNSUPPORTED_MODIFIERS = {
    "efa": "Exploratory factor blocks (efa(\"...\")*f, lavaan's ESEM)",
    "lower": "Bounds on parameters (lower())", "upper": "Bounds on parameters (upper())",
    "prior": "Priors (prior(), blavaan)", "rv": "Random slopes (rv(), two-level models)",
}
_BLOCK_RE = re.compile(r"^\s*(group|level|block|class)\s*:(?!=)\s*(\S*)", re.IGNORECASE)
_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"
_NAME_RE = re.compile(rf"^{_NAME}$")
_PRODUCT_RE = re.compile(rf"^{_NAME}(:{_NAME})+$")   # x:z, a product term (modsem, lavaan)
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Modifier:
    """What a ``mod*`` prefix says about one parameter (values are per group when a list)."""

    fixed: tuple = ()     # per-group fixed values (None: not fixed); NA frees
    label: tuple = ()     # per-group labels ('' none)
    start: tuple = ()     # per-group starting values (None none)
    free: tuple = ()      # per-group NA* overrides (True: force free)


@dataclass(frozen=True)
class Statement:
    """One formula element: ``lhs op rhs`` with its modifiers and source position."""

    lhs: str
    op: str
    rhs: str
    modifier: Modifier = field(default_factory=Modifier)
    line: int = 0
    column: int = 0


@dataclass
class _Line:
    text: str
    line: int   # 1-based line of the first character
    offsets: list  # column (1-based) in source of each character
    lines: list    # source line number of each character


def _strip_comment(text: str) -> str:
    if "#" not in text and "!" not in text:
        return text
    out, quote = [], None
    for ch in text:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "#!":
            break
        out.append(ch)
    return "".join(out)


_CONT_END = ("+", "*", "~", "=~", "~~", ":=", "==", "<~", ",", "(", "-")
_CONT_START = ("+", "*", ",")


def _logical_lines(model: str) -> list[_Line]:
    """Split into statements, joining lines of one formula (a trailing operator or ``+``).

    Each statement is collected as a list of pieces and joined once, so the work is linear
    in the length of the syntax however many lines a formula spans.
    """
    raw = model.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    groups: list[list] = []   # per statement: [(text, line, first column), ...]
    has_op: list[bool] = []
    for ln, text in enumerate(raw, start=1):
        text = _strip_comment(text)
        col = 0
        for part in text.split(";"):
            stripped = part.strip()
            if stripped:
                if groups:
                    prev = groups[-1][-1][0].rstrip()
                    if (prev.endswith(_CONT_END) or stripped.startswith(_CONT_START)
                            or not has_op[-1]) and not _BLOCK_RE.match(part):
                        groups[-1].append((part, ln, col + 1))
                        has_op[-1] = has_op[-1] or _has_operator(part)
                        col += len(part) + 1
                        continue
                groups.append([(part, ln, col + 1)])
                has_op.append(_has_operator(part) or bool(_BLOCK_RE.match(part)))
            col += len(part) + 1
    out = []
    for pieces in groups:
        texts: list = []
        offsets: list = []
        lines: list = []
        for k, (part, ln, first) in enumerate(pieces):
            if k:  # the joining blank sits one column after the previous piece
                texts.append(" ")
                offsets.append(offsets[-1] + 1)
                lines.append(lines[-1])
            texts.append(part)
            offsets.extend(range(first, first + len(part)))
            lines.extend([ln] * len(part))
        out.append(_Line("".join(texts), pieces[0][1], offsets, lines))
    return out


def _has_operator(text: str) -> bool:
    return any(op in text for op in OPERATORS)


def _find_outside_quotes(text: str, needle: str) -> int:
    """Index of ``needle`` outside quoted labels, or -1."""
    idx = text.find(needle)
    while idx >= 0 and text[:idx].count('"') % 2 + text[:idx].count("'") % 2:
        idx = text.find(needle, idx + 1)
    return idx


_SPECIAL = re.compile(r"[\"'()=~<>:|]")  # the characters _find_operator must look at


def _outside(text: str, pattern: re.Pattern):
    """``(match, position)`` of every match of ``pattern`` outside quotes and parentheses
    (``pattern`` must also match the quote and parenthesis characters)."""
    depth, quote = 0, None
    for m in pattern.finditer(text):
        ch, i = m.group(), m.start()
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            yield ch, i


def _find_operator(text: str) -> tuple[str, int]:
    """First operator outside parentheses and quotes (longest match first).

    Only the characters that open or close a quote or parenthesis, or start an operator, are
    visited (a regular-expression scan), so long formulas are read at C speed.
    """
    for _ch, i in _outside(text, _SPECIAL):
        for op in OPERATORS:
            if text.startswith(op, i):
                return op, i
    return "", -1


def _split_top(text: str, sep: str) -> list[tuple[str, int]]:
    """Split on ``sep`` outside parentheses/quotes; return (piece, offset) pairs."""
    out, start = [], 0
    for _ch, i in _outside(text, re.compile(rf"[\"'()]|{re.escape(sep)}")):
        out.append((text[start:i], start))
        start = i + 1
    out.append((text[start:], start))
    return out


class _Parser:
    def __init__(self, line: _Line, source_lines: list[str]):
        self.line = line
        self.source_lines = source_lines

    def error(self, message: str, pos: int, hint: str | None = None,
              cls=ModelSyntaxError) -> ModelSyntaxError:
        pos = min(max(pos, 0), len(self.line.offsets) - 1)
        ln = self.line.lines[pos] if self.line.lines else self.line.line
        col = self.line.offsets[pos] if self.line.offsets else 1
        return cls(message, ln, col, self.source_lines[ln - 1].rstrip(), hint)

    def unsupported(self, feature: str, pos: int) -> UnsupportedFeatureError:
        return self.error(f"{feature}: not supported by trustmodel yet", pos,  # type: ignore[return-value]
                          cls=UnsupportedFeatureError)

    def parse(self) -> list[Statement]:
        text = self.line.text
        block = _BLOCK_RE.match(text)
        if block:
            kind = block.group(1).lower()
            feature = {"group": "Group blocks ('group: 1'; use fit(..., group=COLUMN) and "
                                "c(a1, a2)*x modifiers)",
                       "level": "Multilevel blocks ('level: 1')"}.get(
                kind, f"'{kind}:' blocks")
            raise self.unsupported(feature, block.start(1))
        for bad in ("=>", "->", "<-", "<=", ">="):
            idx = _find_outside_quotes(text, bad)
            if idx >= 0:
                raise self.error(f"Unknown operator {bad!r}", idx, _OPS_HINT)
        op, pos = _find_operator(text)
        if not op:
            first = len(text) - len(text.lstrip())
            raise self.error("No operator found", first, _OPS_HINT)
        if op in ("|", "~*~") and not _NAME_RE.match(text[:pos].strip()):
            raise self.error(f"{op!r} needs one observed variable on its left-hand side", 0)
        if op == "|":
            for term, off in _split_top(text[pos + 1:], "+"):
                name = term.split("*")[-1].strip()
                if not re.fullmatch(r"t\d+", name):
                    raise self.error(f"Thresholds are written t1, t2, ...; got {name!r}",
                                     pos + 1 + off + len(term) - len(term.lstrip()))
        lhs_text, rhs_text = text[:pos], text[pos + len(op):]
        rhs_off = pos + len(op)
        if op in (":=", "==", "<", ">"):
            return self._constraint(op, lhs_text, rhs_text, pos, rhs_off)
        lhs_names = [(s.strip(), off + len(s) - len(s.lstrip())) for s, off in _split_top(lhs_text, "+")]
        for name, off in lhs_names:
            if not name:
                raise self.error(f"Missing left-hand side of {op!r}", pos)
            call = re.match(rf"^({_NAME})\s*\(", name)
            if call and call.group(1) in _UNSUPPORTED_MODIFIERS and "*" in name:
                raise self.unsupported(_UNSUPPORTED_MODIFIERS[call.group(1)], off)
            if not (_NAME_RE.match(name) or (op in ("=~", "~~") and _PRODUCT_RE.match(name))):
                raise self.error(f"Invalid variable name {name!r} on the left-hand side", off)
        if op == "~" and rhs_text.strip().startswith("~"):
            raise self.error("Unknown operator '~~~'", pos)
        second, spos = _find_operator(rhs_text)
        if second:
            raise self.error(f"A second operator {second!r} in one formula (a missing line "
                             "break?)", rhs_off + spos)
        terms = _split_top(rhs_text, "+")
        out = []
        for term, off in terms:
            tstrip = term.strip()
            toff = rhs_off + off + len(term) - len(term.lstrip())
            if not tstrip:
                raise self.error(f"Empty term on the right-hand side of {op!r}", min(toff, len(text) - 1))
            rhs, mod = self._term(tstrip, toff)
            if ":" in rhs and op not in ("~", "~~"):
                raise self.error(f"A product term ({rhs!r}) may only be a predictor on the "
                                 "right-hand side of '~'", toff)
            rop = op
            if op == "~" and rhs == "1":
                rop, rhs = "~1", ""
            elif op == "|":
                if not re.fullmatch(r"t\d+", rhs):
                    raise self.error(f"A threshold is named t1, t2, ...; got {rhs!r}", toff)
            elif rhs == "1" or _NUMBER_RE.match(rhs):
                raise self.error(f"A number cannot be a variable on the right-hand side of {op!r}", toff)
            for name, loff in lhs_names:
                out.append(Statement(name, rop, rhs, mod, self.line.lines[min(loff, len(text) - 1)],
                                     self.line.offsets[min(loff, len(text) - 1)]))
        return out

    def _constraint(self, op, lhs_text, rhs_text, pos, rhs_off) -> list[Statement]:
        lhs, rhs = lhs_text.strip(), rhs_text.strip()
        if not lhs:
            raise self.error(f"Missing left-hand side of {op!r}", pos)
        if not rhs:
            raise self.error(f"Missing right-hand side of {op!r}", pos)
        lhs_off = len(lhs_text) - len(lhs_text.lstrip())
        if op == ":=" and not _NAME_RE.match(lhs):
            raise self.error(f"A defined parameter needs a plain name, got {lhs!r}", lhs_off)
        second, spos = _find_operator(rhs_text)
        if second:
            raise self.error(f"A second operator {second!r} in one formula (a missing line "
                             "break?)", rhs_off + spos)
        sides: tuple = ((rhs, rhs_off + len(rhs_text) - len(rhs_text.lstrip())),)
        if op != ":=":
            sides = ((lhs, lhs_off),) + sides
        for expr, off in sides:
            try:
                compile_expression(expr)
            except ExpressionError as exc:
                what = "definition" if op == ":=" else "constraint"
                raise self.error(f"{exc.message} (in the {what} '{lhs} {op} {rhs}')",
                                 off + exc.offset) from None
        return [Statement(lhs, op, rhs, Modifier(), self.line.lines[0], self.line.offsets[0])]

    def _term(self, term: str, off: int) -> tuple[str, Modifier]:
        parts = _split_top(term, "*")
        var, voff = parts[-1][0].strip(), parts[-1][1]
        if not var:
            raise self.error("Missing variable after '*'", off + voff)
        if not (_NAME_RE.match(var) or _PRODUCT_RE.match(var) or var == "1"):
            raise self.error(f"Invalid variable name {var!r}", off + voff)
        fixed: tuple = ()
        label: tuple = ()
        start: tuple = ()
        free: tuple = ()
        for mod, moff in parts[:-1]:
            m = mod.strip()
            mpos = off + moff + len(mod) - len(mod.lstrip())
            if not m:
                raise self.error("Empty modifier before '*'", mpos)
            kind, values = self._modifier(m, mpos)
            if kind == "start":
                start = values
            elif kind == "label":
                label = values
            else:  # values: numbers / None (NA) / labels mixed in c()
                fx: list[float | None] = []
                lb: list[str] = []
                fr: list[bool] = []
                for v in values:
                    fx.append(v if isinstance(v, float) else None)
                    lb.append(v if isinstance(v, str) else "")
                    fr.append(v is None)
                if any(x is not None for x in fx) or any(fr):
                    fixed, free = tuple(fx), tuple(fr)
                if any(lb):
                    label = tuple(lb)
        return var, Modifier(fixed=fixed, label=label, start=start, free=free)

    def _modifier(self, m: str, pos: int):
        call = re.match(rf"^({_NAME})\s*\((.*)\)$", m, re.DOTALL)
        if call:
            fun, inner = call.group(1), call.group(2)
            args = [a.strip() for a, _ in _split_top(inner, ",")]
            if fun in ("start", "st"):
                return "start", tuple(self._number(a, pos, allow_na=True) for a in args)
            if fun in ("label", "equal"):
                return "label", tuple(a.strip("\"'") for a in args)
            if fun == "c":
                return "mixed", tuple(self._value(a, pos) for a in args)
            if fun in _UNSUPPORTED_MODIFIERS:
                raise self.unsupported(_UNSUPPORTED_MODIFIERS[fun], pos)
            raise self.error(f"Unknown modifier function {fun!r} (use start(), label(), c())", pos)
        return "mixed", (self._value(m, pos),)

    def _value(self, text: str, pos: int):
        text = text.strip().strip("\"'") if text.strip()[:1] in "\"'" else text.strip()
        if text == "NA":
            return None
        if _NUMBER_RE.match(text):
            return self._finite(text, pos)
        if _NAME_RE.match(text):
            return text
        raise self.error(f"Invalid modifier {text!r} (expected a number, NA or a label)", pos)

    def _finite(self, text: str, pos: int) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise self.error(f"The number {text!r} is too large for a floating-point value", pos)
        return value

    def _number(self, text: str, pos: int, allow_na: bool = False):
        if allow_na and text == "NA":
            return None
        if not _NUMBER_RE.match(text):
            raise self.error(f"Expected a number, got {text!r}", pos)
        return self._finite(text, pos)


def parse_model(model: str) -> list[Statement]:
    """Parse lavaan model syntax into a list of :class:`Statement`.

    Parameters
    ----------
    model : str
        lavaan model syntax.

    Returns
    -------
    list of Statement
        One per ``lhs op rhs`` element, in the order written.

    Raises
    ------
    ModelSyntaxError
        For a malformed line; the message names the line and column and shows a caret.

    Examples
    --------
    >>> [(s.lhs, s.op, s.rhs) for s in parse_model("f =~ x1 + a*x2")]
    [('f', '=~', 'x1'), ('f', '=~', 'x2')]
    """
    if not isinstance(model, str):
        raise OptionError(f"model= must be lavaan syntax (str); got {type(model).__name__}.")
    source_lines = model.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[Statement] = []
    for line in _logical_lines(model):
        out.extend(_Parser(line, source_lines).parse())
    if not out:
        raise ModelSyntaxError("The model syntax is empty (no formula found)", 1, 1,
                               source_lines[0].rstrip())
    for st in out:
        if st.op in UNSUPPORTED_OPERATORS:
            raise UnsupportedFeatureError(
                f"{UNSUPPORTED_OPERATORS[st.op]}: not supported by trustmodel yet",
                st.line, st.column, source_lines[st.line - 1].rstrip())
    return out
