"""From lavaan-style statements to a PLS model plan: blocks, higher-order constructs,
interaction terms and the inner model, and the estimation stages they imply.

Statements (seminr's ``constructs()`` / ``relationships()`` in trustmodel's syntax):

* ``f =~ x1 + x2`` a Mode A block, ``f <~ x1 + x2`` a Mode B block;
* ``H =~ A + B`` with ``A`` and ``B`` constructs: a higher-order construct (HOC) with
  dimensions ``A`` and ``B`` (seminr's ``higher_composite`` / ``two_stage_HOC``);
* ``y ~ A + B + A:B``: ``A:B`` is an interaction term (seminr's ``interaction_term(iv = "A",
  moderator = "B")``), estimated as ``interaction="product_indicator" | "orthogonal" |
  "two_stage"``.

A HOC under ``hoc="two_stage"`` (seminr's approach, Becker et al. 2012 "embedded two-stage")
is estimated in two stages: stage 1 replaces the HOC by its dimensions in the inner model
(antecedents of the HOC point at every dimension, every dimension points at the HOC's
outcomes; seminr's ``substitute_dimensions_for_HOC``) and drops interaction terms; stage 2
measures the HOC by the stage-1 scores of its dimensions. ``hoc="repeated"`` measures the HOC
by all items of its dimensions and adds the paths HOC -> dimension (``=~``) or dimension ->
HOC (``<~``) (Lohmöller 1989; Becker et al. 2012).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .._errors import ModelSyntaxError, OptionError
from .spec import PLSSpec, _check_recursive, make_spec

INTERACTIONS = ("product_indicator", "orthogonal", "two_stage")
HOC_METHODS = ("two_stage", "repeated")
_MARK = "__x__"          # stands for ':' while the syntax passes the lavaan parser
_PRODUCT = re.compile(r"(?<![\w.])([A-Za-z_.][\w.]*)\s*:\s*([A-Za-z_.][\w.]*)")


def protect_interactions(text: str) -> str:
    """Rewrite ``A:B`` product terms so the lavaan parser reads them as one name."""
    return _PRODUCT.sub(lambda m: f"{m.group(1)}{_MARK}{m.group(2)}", text)


def _name(term: str) -> str:
    return term.replace(_MARK, ":")


@dataclass(frozen=True)
class Plan:
    """A PLS model before estimation.

    Attributes
    ----------
    blocks : dict name -> tuple of item (or dimension) names
    modes : dict name -> "A" | "B"
    hocs : tuple of names of higher-order constructs (their block lists dimensions)
    interactions : dict "A:B" -> ("A", "B")
    paths : tuple of (source, target) names, syntax order
    interaction : str, method for every interaction term
    hoc : str, "two_stage" or "repeated"
    """

    blocks: dict
    modes: dict
    hocs: tuple = ()
    interactions: dict = field(default_factory=dict)
    paths: tuple = ()
    interaction: str = "product_indicator"
    hoc: str = "two_stage"
    labels: dict = field(default_factory=dict)     # path label -> (source, target)
    defined: tuple = ()                             # (name, expression) of ':=' lines
    repeated: dict = field(default_factory=dict)    # HOC -> dimensions (repeated indicators)

    @property
    def constructs(self) -> tuple:
        """Constructs of the inner model, in order of first appearance in blocks."""
        used = {c for p in self.paths for c in p}
        names = [c for c in self.blocks if c in used]
        return tuple(names + [c for c in self.interactions if c in used])

    def items_of(self, construct) -> tuple:
        return self.blocks[construct]

    @property
    def raw_items(self) -> tuple:
        """Data columns the model needs (items of first-order blocks, in order)."""
        out: list = []
        for c, items in self.blocks.items():
            if c in self.hocs:
                continue
            out += [x for x in (i.split("@")[0] for i in items) if x not in out]
        return tuple(out)

    def without_interactions(self) -> Plan:
        """The model with every interaction term and its paths removed (seminr drops them
        for a first stage)."""
        paths = tuple(p for p in self.paths if p[0] not in self.interactions)
        return Plan(self.blocks, self.modes, self.hocs, {}, paths, self.interaction, self.hoc)

    def hoc_first_stage(self) -> Plan:
        """Stage 1 of the two-stage HOC approach (seminr's ``prepare_higher_order_model``)."""
        paths = [p for p in self.paths if p[0] not in self.interactions]
        for h in self.hocs:
            dims = self.blocks[h]
            ante = [s for s, t in paths if t == h]
            outs = [t for s, t in paths if s == h]
            paths = [p for p in paths if h not in p]
            paths += [(a, d) for a in ante for d in dims] + [(d, o) for d in dims for o in outs]
        blocks = {c: v for c, v in self.blocks.items() if c not in self.hocs}
        return Plan(blocks, self.modes, (), {}, tuple(dict.fromkeys(paths)), self.interaction,
                    self.hoc)


def plan_from_statements(statements, *, interaction: str | None = None,
                         hoc: str | None = None) -> Plan:
    """Read blocks, HOCs, interaction terms and paths (see the module docstring)."""
    blocks: dict = {}
    modes: dict = {}
    raw_paths: list = []
    defined: list = []
    for st in statements:
        if st.op in ("=~", "<~"):
            mode = "A" if st.op == "=~" else "B"
            if st.lhs in modes and modes[st.lhs] != mode:
                raise ModelSyntaxError(f"Construct {st.lhs!r} is declared both with '=~' (Mode A) "
                                       "and '<~' (Mode B); pick one", st.line, st.column)
            modes.setdefault(st.lhs, mode)
            items = blocks.setdefault(st.lhs, [])
            if st.rhs not in items:
                items.append(st.rhs)
        elif st.op == "~":
            raw_paths.append(st)
        elif st.op == ":=":
            defined.append((st.lhs, st.rhs, st.line, st.column))
        elif st.op == "~~" and st.lhs == st.rhs and st.modifier.fixed and \
                all(v == 0 for v in st.modifier.fixed):
            continue     # 'x ~~ 0*x' on a one-item block: no measurement error, nothing to PLS
        else:
            raise ModelSyntaxError(f"Operator {st.op!r} has no meaning in a PLS path model (use "
                                   "'=~' for Mode A blocks, '<~' for Mode B blocks and '~' for "
                                   "paths)", st.line, st.column)
    if not blocks:
        raise ModelSyntaxError("A PLS path model needs at least one block ('f =~ x1 + x2').")
    hocs = tuple(c for c, items in blocks.items() if any(x in blocks for x in items))
    owner: dict = {}
    for c, items in blocks.items():
        for x in items if c not in hocs else ():
            if owner.setdefault(x, c) != c:
                raise ModelSyntaxError(f"Indicator {x!r} belongs to both {owner[x]!r} and {c!r}; "
                                       "PLS needs each indicator in one block (a construct "
                                       "measured by constructs is a higher-order construct)")
    for h in hocs:
        lower = [x for x in blocks[h] if x not in blocks]
        if lower:
            raise ModelSyntaxError(f"Higher-order construct {h!r} mixes constructs and items "
                                   f"({', '.join(map(repr, lower))}); a HOC is measured by "
                                   "constructs only")
        nested = [x for x in blocks[h] if x in hocs]
        if nested:
            raise ModelSyntaxError(f"Higher-order construct {h!r} is measured by another HOC "
                                   f"({nested[0]!r}); only second-order constructs are supported")
    interactions: dict = {}
    paths: list = []
    labels: dict = {}
    for st in raw_paths:
        lhs, rhs = _name(st.lhs), _name(st.rhs)
        for lab in st.modifier.label:
            if lab:
                labels[lab] = (rhs, lhs)
        for name in (lhs, rhs):
            parts = name.split(":")
            if len(parts) > 2:
                raise ModelSyntaxError(f"Three-way term {name!r}: only two-way interactions are "
                                       "supported", st.line, st.column)
            for part in parts:
                if part not in blocks:
                    raise ModelSyntaxError(f"{part!r} in the inner model '{lhs} ~ {rhs}' is not a "
                                           "construct; declare its block with '=~' or '<~'",
                                           st.line, st.column)
        if ":" in lhs:
            raise ModelSyntaxError(f"The interaction term {lhs!r} cannot be a dependent "
                                   "construct", st.line, st.column)
        if ":" in rhs:
            interactions[rhs] = tuple(rhs.split(":"))
        if lhs == rhs:
            raise ModelSyntaxError(f"Path '{lhs} ~ {rhs}' regresses a construct on itself",
                                   st.line, st.column)
        if (rhs, lhs) not in paths:
            paths.append((rhs, lhs))
    if not paths:
        raise ModelSyntaxError("A PLS path model needs an inner model ('y ~ x').")
    if interaction is None:
        interaction = "product_indicator"
    elif interaction not in INTERACTIONS:
        raise OptionError(f"interaction= must be one of {', '.join(map(repr, INTERACTIONS))} "
                          f"for estimator='PLS'; got {interaction!r}.")
    if hoc is None:
        hoc = "two_stage"
    elif hoc not in HOC_METHODS:
        raise OptionError(f"hoc= must be one of {', '.join(map(repr, HOC_METHODS))}; got "
                          f"{hoc!r}.")
    used = {c for p in paths for c in p}
    for h in hocs:
        if h not in used:
            raise ModelSyntaxError(f"Higher-order construct {h!r} takes no part in the inner "
                                   "model")
    names = list(blocks) + list(interactions)
    _check_recursive(len(names), [(names.index(a), names.index(b)) for a, b in paths], names)
    from .defined import check_expression
    for name, expr, line, col in defined:
        check_expression(expr, labels, name, line, col)
    plan = Plan({c: tuple(v) for c, v in blocks.items()}, modes, hocs, interactions,
                tuple(paths), interaction, hoc, labels, tuple((n, e) for n, e, _, _ in defined))
    lone = [c for c in blocks if c not in used and not any(c in blocks[h] for h in hocs)]
    if lone:
        raise ModelSyntaxError(f"Construct(s) {', '.join(map(repr, lone))} take no part in the "
                               "inner model; PLS needs every construct on a path")
    if hocs and hoc == "repeated":
        plan = _repeated(plan)
    return plan


def repeated_item(item: str, hoc: str) -> str:
    """Column name of the copy of ``item`` that measures ``hoc`` (repeated indicators)."""
    return f"{item}@{hoc}"


def _repeated(plan: Plan) -> Plan:
    blocks = dict(plan.blocks)
    paths = list(plan.paths)
    for h in plan.hocs:
        dims = plan.blocks[h]
        blocks[h] = tuple(repeated_item(x, h) for d in dims for x in plan.blocks[d])
        if plan.modes[h] == "A":
            paths += [(h, d) for d in dims]
        else:
            paths += [(d, h) for d in dims]
    return Plan(blocks, plan.modes, (), plan.interactions, tuple(dict.fromkeys(paths)),
                plan.interaction, "repeated", plan.labels, plan.defined,
                {h: plan.blocks[h] for h in plan.hocs})


def spec_from_statements(statements) -> PLSSpec:
    """The :class:`PLSSpec` of a first-order model given as parsed statements (see
    :func:`trustmodel.pls.model.plan_from_statements` for the rules)."""
    plan = plan_from_statements(statements)
    if plan.hocs or plan.interactions:
        raise ModelSyntaxError("spec_from_statements() takes first-order models without "
                               "interaction terms; fit the model with tm.fit().")
    return make_spec(plan.constructs, plan.modes, plan.blocks, plan.paths)
