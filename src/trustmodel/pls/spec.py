"""PLS model specification: blocks, modes and the inner model, from lavaan-style statements.

``f =~ x1 + x2`` declares a Mode A (reflective, correlation weights) block, ``f <~ x1 + x2`` a
Mode B (formative, regression weights) block and ``y ~ f`` the inner (structural) model. A
``x ~~ 0*x`` statement on a single-indicator block (the CB-SEM way of saying "no measurement
error") is accepted and means nothing to PLS; every other operator is an error.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import ModelSyntaxError


@dataclass(frozen=True)
class PLSSpec:
    """Numeric description of a PLS path model (constructs in order of first appearance).

    Attributes
    ----------
    constructs : tuple of str
    modes : tuple of {"A", "B"}
    indicators : tuple of str
        Indicators block after block, in construct order.
    block : numpy.ndarray of int
        Construct index of every indicator.
    paths : tuple of (source, target) index pairs
        Inner model, in syntax order.
    """

    constructs: tuple
    modes: tuple
    indicators: tuple
    block: np.ndarray
    paths: tuple

    @property
    def n_constructs(self) -> int:
        return len(self.constructs)

    @property
    def mask(self) -> np.ndarray:
        """Indicator x construct 0/1 matrix of the outer model."""
        m = np.zeros((len(self.indicators), self.n_constructs))
        m[np.arange(len(self.indicators)), self.block] = 1.0
        return m

    @property
    def adjacency(self) -> np.ndarray:
        """``P[k, j] = 1`` when construct k -> construct j."""
        a = np.zeros((self.n_constructs, self.n_constructs))
        for k, j in self.paths:
            a[k, j] = 1.0
        return a

    @property
    def endogenous(self) -> tuple:
        return tuple(j for j in range(self.n_constructs) if any(t == j for _, t in self.paths))

    def predecessors(self, j: int) -> list:
        return [k for k, t in self.paths if t == j]

    def block_of(self, j: int) -> np.ndarray:
        return np.flatnonzero(self.block == j)


def spec_from_statements(statements) -> PLSSpec:
    """Build a :class:`PLSSpec` from parsed statements (see module docstring)."""
    constructs: list = []
    modes: dict = {}
    items: dict = {}
    paths: list = []
    zero_resid: list = []
    seen_items: dict = {}
    for st in statements:
        if st.op in ("=~", "<~"):
            mode = "A" if st.op == "=~" else "B"
            if st.lhs in modes and modes[st.lhs] != mode:
                raise ModelSyntaxError(f"Construct {st.lhs!r} is declared both with '=~' (Mode A) "
                                       "and '<~' (Mode B); pick one", st.line, st.column)
            if st.rhs in seen_items and seen_items[st.rhs] != st.lhs:
                raise ModelSyntaxError(f"Indicator {st.rhs!r} belongs to both {seen_items[st.rhs]!r} "
                                       f"and {st.lhs!r}; PLS needs each indicator in one block",
                                       st.line, st.column)
            if st.lhs not in modes:
                constructs.append(st.lhs)
                modes[st.lhs] = mode
                items[st.lhs] = []
            if st.rhs not in items[st.lhs]:
                items[st.lhs].append(st.rhs)
            seen_items[st.rhs] = st.lhs
        elif st.op == "~":
            paths.append(st)
        elif st.op == "~~" and st.lhs == st.rhs and st.modifier.fixed and \
                all(v == 0 for v in st.modifier.fixed):
            zero_resid.append(st)
        else:
            raise ModelSyntaxError(f"Operator {st.op!r} has no meaning in a PLS path model (use "
                                   "'=~' for Mode A blocks, '<~' for Mode B blocks and '~' for "
                                   "paths)", st.line, st.column)
    if not constructs:
        raise ModelSyntaxError("A PLS path model needs at least one block ('f =~ x1 + x2').")
    for st in zero_resid:
        owner = seen_items.get(st.lhs)
        if owner is None or len(items[owner]) != 1:
            raise ModelSyntaxError(f"'{st.lhs} ~~ 0*{st.lhs}' is only accepted for the single "
                                   "indicator of a one-item block in a PLS model",
                                   st.line, st.column)
    index = {c: i for i, c in enumerate(constructs)}
    pairs: list = []
    for st in paths:
        for name in (st.lhs, st.rhs):
            if name not in index:
                raise ModelSyntaxError(f"{name!r} in the inner model '{st.lhs} ~ {st.rhs}' is not a "
                                       "construct; declare its block with '=~' or '<~'",
                                       st.line, st.column)
        if st.lhs == st.rhs:
            raise ModelSyntaxError(f"Path '{st.lhs} ~ {st.rhs}' regresses a construct on itself",
                                   st.line, st.column)
        pair = (index[st.rhs], index[st.lhs])
        if pair not in pairs:
            pairs.append(pair)
    if not pairs:
        raise ModelSyntaxError("A PLS path model needs an inner model ('y ~ x').")
    linked = {k for k, _ in pairs} | {j for _, j in pairs}
    lone = [c for i, c in enumerate(constructs) if i not in linked]
    if lone:
        raise ModelSyntaxError(f"Construct(s) {', '.join(map(repr, lone))} take no part in the "
                               "inner model; PLS needs every construct on a path")
    _check_recursive(len(constructs), pairs, constructs)
    indicators = tuple(x for c in constructs for x in items[c])
    block = np.array([index[c] for c in constructs for _ in items[c]], dtype=int)
    return PLSSpec(tuple(constructs), tuple(modes[c] for c in constructs), indicators, block,
                   tuple(pairs))


def _check_recursive(J: int, pairs, names) -> None:
    a = np.zeros((J, J))
    for k, j in pairs:
        a[k, j] = 1.0
    m = a.copy()
    for _ in range(J):
        if np.any(np.diag(m)):
            cyc = [names[i] for i in np.flatnonzero(np.diag(m))]
            raise ModelSyntaxError("PLS path models must be recursive; the inner model has a "
                                   f"cycle through {', '.join(map(repr, cyc))}")
        m = m @ a
