"""Shared machinery of the theory builders.

A builder collects constructs (latent variable -> survey items), higher-order factors,
structural paths and the effects its theory cares about, and writes them as lavaan syntax.
``tm.fit`` reads the builder's ``.syntax_for(data)`` (the syntax with a single-item
construct's residual variance fixed from that data; the builder itself never changes), calls
``validate_data(data)`` inside its recorded-warnings block, and keeps the builder on the result
(``res.extra["theory"]``) so that ``res.effects`` lists the theory's named effects first.
Builders never fit anything themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Iterable

import numpy as np

from .._errors import IdentificationError, ModelSyntaxError, OptionError
from .._validation import did_you_mean
from ..model.population import population_dict, population_values
from ..model.ram import RamModel
from ..syntax import build_table
from ..syntax.statements import statements_of

_IDENT_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


@dataclass(frozen=True)
class NamedEffect:
    """An effect the theory names: a specific chain, a direct path or a total effect.

    Attributes
    ----------
    name : str
        Display name, e.g. ``"PERF->DISC->SAT"``.
    kind : {"direct", "indirect", "total"}
    source, target : str
        Latent variables the effect runs from and to.
    via : tuple of str
        Mediators of a specific indirect chain (in order); empty otherwise.
    label : str
        Name of the ``:=`` parameter (or path label) that carries it in ``res.params``.
    """

    name: str
    kind: str
    source: str
    target: str
    via: tuple = ()
    label: str = ""


@dataclass(frozen=True)
class Moderation:
    """What ``moderator=`` added: ``target ~ focal + moderator + focal:moderator``.

    ``label`` is the interaction's coefficient, ``variance`` the moderator's variance label,
    ``defined`` the ``:=`` names: simple slopes ``ss_*_lo/_hi`` at -1/+1 SD, conditional
    indirect effects ``<chain>_lo/_hi`` and indices of moderated mediation ``imm_<chain>``.
    Probe further with :func:`trustmodel.simple_slopes` and
    :func:`trustmodel.conditional_indirect`.
    """

    focal: str
    moderator: str
    target: str
    label: str
    variance: str
    defined: tuple


@dataclass(frozen=True)
class Path:
    """A directed structural path ``target ~ value*source`` (free unless ``fixed`` is set)."""

    source: str
    target: str
    label: str = ""
    fixed: float | None = None

    @property
    def term(self) -> str:
        if self.fixed is not None:
            return f"{_num(self.fixed)}*{self.source}"
        return f"{self.label}*{self.source}" if self.label else self.source

    @property
    def factor(self) -> str:
        """The path in a product expression: its label or its fixed value."""
        if self.fixed is not None:
            return _num(self.fixed)
        return self.label


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def check_items(owner: str, argument: str, items, *, allow_single: bool = False) -> list[str]:
    """A construct's items as a list of unique column names (>= 2 unless ``allow_single``)."""
    if isinstance(items, str):
        items = [items]
    try:
        items = [str(i) for i in items]
    except TypeError:
        raise OptionError(f"{argument}= of {owner}() must be a list of item (column) names; "
                          f"got {items!r}.") from None
    bad = [i for i in items if not i or not set(i) <= _IDENT_OK or i[0].isdigit()]
    if bad:
        raise ModelSyntaxError(f"{argument}= of {owner}() has item name(s) "
                               f"{', '.join(map(repr, bad))} that are not valid variable names "
                               "(letters, digits, '_' and '.', not starting with a digit).")
    dup = sorted({i for i in items if items.count(i) > 1})
    if dup:
        raise ModelSyntaxError(f"{argument}= of {owner}() lists {', '.join(map(repr, dup))} more "
                               "than once.")
    if len(items) < 2 and not allow_single:
        raise ModelSyntaxError(
            f"{argument}= of {owner}() has {len(items)} item(s) {items!r}; a latent construct "
            "needs at least 2 items (3 or more are better). A single-item construct needs an "
            "explicit reliability: pass reliability={'<construct>': 0.8} to fix its residual "
            "variance at (1 - reliability) * var(item).")
    return items


class TheoryModel:
    """Base class of the builders: constructs, paths, named effects -> lavaan syntax.

    Subclasses fill ``self._constructs`` (name -> items), ``self._higher`` (name -> lower
    constructs), ``self._paths`` (list of :class:`Path`), ``self._extra`` (extra syntax lines),
    ``self._named`` (list of :class:`NamedEffect`, in display order) and
    ``self._definitions`` (list of ``(name, expression)``), then call ``self._finish()``.
    """

    _owner = "TheoryModel"

    def __init__(self):
        self._constructs: dict[str, list[str]] = {}
        self._higher: dict[str, list[str]] = {}
        self._paths: list[Path] = []
        self._extra: list[str] = []
        self._named: list[NamedEffect] = []
        self._definitions: list[tuple[str, str]] = []
        self._reliability: dict[str, float] = {}
        self._shared_items_ok = False

    # ----- construction helpers ------------------------------------------------------------
    @staticmethod
    def _resolve_names(defaults: dict, names) -> dict:
        """Default abbreviations overridden by ``names={...}`` (keys: role or abbreviation)."""
        out = dict(defaults)
        if names is None:
            return out
        if not isinstance(names, dict):
            raise OptionError(f"names= must be a dict such as {{'SAT': 'Satisfaction'}}; got "
                              f"{names!r}.")
        inverse = {v: k for k, v in defaults.items()}
        for key, new in names.items():
            role = key if key in out else inverse.get(key)
            if role is None:
                raise OptionError(f"names= has unknown key {key!r}; known keys are "
                                  f"{', '.join(map(repr, list(defaults.values())))} (or the roles "
                                  f"{', '.join(map(repr, list(defaults)))})."
                                  + did_you_mean([key], list(defaults.values()) + list(defaults)))
            if not isinstance(new, str) or not new or not set(new) <= _IDENT_OK or new[0].isdigit():
                raise OptionError(f"names={{{key!r}: {new!r}}}: a latent name must be a valid "
                                  "identifier.")
            out[role] = new
        if len(set(out.values())) != len(out):
            raise OptionError(f"names= gives two constructs the same name: {out!r}.")
        return out

    def _add_construct(self, name: str, items, argument: str) -> None:
        allow_single = name in self._reliability
        self._constructs[name] = check_items(self._owner, argument, items,
                                             allow_single=allow_single)

    def _add_path(self, source: str, target: str, fixed: float | None = None) -> Path:
        label = "" if fixed is not None else f"b_{target}_{source}".lower()
        p = Path(source, target, label, fixed)
        self._paths.append(p)
        return p

    def _check_shared_items(self) -> None:
        seen: dict[str, str] = {}
        for name, items in self._constructs.items():
            for it in items:
                if it in seen and not self._shared_items_ok:
                    raise ModelSyntaxError(
                        f"Item {it!r} is used by both {seen[it]!r} and {name!r} in "
                        f"{self._owner}(); each item must measure one construct.")
                seen[it] = name
        latents = set(self._constructs) | set(self._higher)
        clash = sorted(set(seen) & latents)
        if clash:
            raise ModelSyntaxError(f"{', '.join(map(repr, clash))} is both a construct name and "
                                   f"an item in {self._owner}(); rename it with names={{...}}.")

    # ----- named effects -------------------------------------------------------------------
    def _edges(self) -> dict:
        return {(p.source, p.target): p for p in self._paths}

    def _is_acyclic(self) -> bool:
        try:
            self._order()
            return True
        except IdentificationError:
            return False

    def _order(self) -> list[str]:
        nodes = list(dict.fromkeys([p.source for p in self._paths] + [p.target for p in self._paths]))
        indeg = {n: 0 for n in nodes}
        for p in self._paths:
            indeg[p.target] += 1
        out, ready = [], [n for n in nodes if indeg[n] == 0]
        while ready:
            n = ready.pop(0)
            out.append(n)
            for p in self._paths:
                if p.source == n:
                    indeg[p.target] -= 1
                    if indeg[p.target] == 0:
                        ready.append(p.target)
        if len(out) != len(nodes):
            raise IdentificationError("The structural model has a feedback loop.")
        return out

    def _chains(self, source: str, target: str) -> list[list[Path]]:
        """Every directed path (list of edges) from source to target (acyclic models)."""
        out = []

        def walk(node, acc, seen):
            for p in self._paths:
                if p.source == node and p.target not in seen:
                    if p.target == target:
                        out.append(acc + [p])
                    else:
                        walk(p.target, acc + [p], seen | {p.target})
        walk(source, [], {source})
        return out

    def _chain(self, nodes: Iterable[str]) -> list[Path] | None:
        nodes = list(nodes)
        edges = self._edges()
        chain = [edges.get((a, b)) for a, b in zip(nodes[:-1], nodes[1:])]
        return None if any(c is None for c in chain) else chain

    def _name_indirect(self, nodes, label: str) -> bool:
        """Declare the specific indirect effect along ``nodes`` (if every path exists)."""
        chain = self._chain(nodes)
        if chain is None or len(chain) < 2:
            return False
        self._definitions.append((label, "*".join(p.factor for p in chain)))
        self._named.append(NamedEffect("->".join(nodes), "indirect", nodes[0], nodes[-1],
                                       tuple(nodes[1:-1]), label))
        return True

    def _name_direct(self, source: str, target: str) -> bool:
        p = self._edges().get((source, target))
        if p is None:
            return False
        self._named.append(NamedEffect(f"{source}->{target}", "direct", source, target, (),
                                       p.label))
        return True

    def _name_total(self, source: str, target: str, label: str) -> bool:
        """Declare the total effect (sum over chains) when it involves a mediator."""
        if not self._is_acyclic():
            return False
        chains = self._chains(source, target)
        if not chains:
            return False
        if len(chains) == 1 and len(chains[0]) == 1:  # a single direct path: no := needed
            return self._name_direct(source, target)
        expr = " + ".join("*".join(p.factor for p in c) for c in chains)
        self._definitions.append((label, expr))
        self._named.append(NamedEffect(f"{source}->{target}", "total", source, target, (), label))
        return True

    # ----- moderation (issue 15) -----------------------------------------------------------
    def _add_moderation(self, moderator, focal: str, target: str) -> None:
        """``target ~ focal + W + focal:W`` for ``moderator={"W": [items]}``, with the
        moderator's variance labelled ``v_w`` and, as ``:=`` parameters, the simple slopes of
        ``focal`` at -1 SD / +1 SD of W and, for each named indirect effect through
        ``focal -> target``, its conditional values at -1 SD / +1 SD and the index of moderated
        mediation (Hayes 2015). Fit with ``interaction="dblcent"`` (default) or ``"lms"``."""
        self.moderation = None
        if moderator is None:
            return
        if not isinstance(moderator, dict) or len(moderator) != 1:
            raise OptionError(f"moderator= of {self._owner}() must be a dict with one construct, "
                              f"such as {{'SWC': ['swc1', 'swc2', 'swc3']}}; got {moderator!r}.")
        (W, items), = moderator.items()
        if not isinstance(W, str) or not W or not set(W) <= _IDENT_OK or W[0].isdigit():
            raise OptionError(f"moderator= name {W!r} must be a valid identifier.")
        if W in self._constructs or W in self._higher:
            raise OptionError(f"moderator= name {W!r} is already a construct of the model.")
        self._add_construct(W, items, f"moderator[{W!r}]")
        self._check_shared_items()
        main = self._edges().get((focal, target))
        if main is None or main.fixed is not None:
            raise OptionError(f"moderator= moderates the path {focal} -> {target}, which the "
                              "model does not estimate; add it with paths=.")
        self._add_path(W, target)
        lab, var = f"b_{target}_{focal}x{W}".lower(), f"v_{W}".lower()
        self._extra += [f"{target} ~ {lab}*{focal}:{W}", f"{W} ~~ {var}*{W}"]
        self._named.append(NamedEffect(f"{focal}:{W}->{target}", "direct", f"{focal}:{W}",
                                       target, (), lab))
        sd = f"sqrt({var})"
        base = f"ss_{focal}_{target}".lower()
        defs = [(f"{base}_lo", f"{main.factor} - {lab}*{sd}"),
                (f"{base}_hi", f"{main.factor} + {lab}*{sd}")]
        for e in [e for e in self._named if e.kind == "indirect"]:
            nodes = [e.source, *e.via, e.target]
            links = list(pairwise(nodes))
            if (focal, target) not in links:
                continue
            others = [p.factor for p in self._chain(nodes) if (p.source, p.target) != (focal,
                                                                                   target)]
            rest = "*".join(others)
            defs += [(f"{e.label}_lo", f"{rest}*({main.factor} - {lab}*{sd})"),
                     (f"{e.label}_hi", f"{rest}*({main.factor} + {lab}*{sd})"),
                     (f"imm_{e.label}", f"{rest}*{lab}")]
        self._definitions += defs
        self.moderation = Moderation(focal, W, target, lab, var, tuple(n for n, _ in defs))

    # ----- output ------------------------------------------------------------------------
    def _lines(self, variances: dict | None = None) -> list[str]:
        lines = ["# measurement model"]
        for name, items in self._constructs.items():
            lines.append(f"{name} =~ {' + '.join(items)}")
        for name, lower in self._higher.items():
            lines.append(f"{name} =~ {' + '.join(lower)}")
        if self._reliability:
            for name, rel in self._reliability.items():
                items = self._constructs.get(name, [])
                if len(items) == 1:
                    fixed = self._single_residual(name, rel, variances or {})
                    if fixed:
                        lines.append(f"{items[0]} ~~ {fixed}*{items[0]}")
                    else:
                        lines.append(f"# {items[0]} ~~ (1 - {rel:g}) * var({items[0]}) is fixed "
                                     "from the data when the model is fitted")
        if self._paths:
            lines.append("# structural model")
            targets = list(dict.fromkeys(p.target for p in self._paths))
            for t in targets:
                terms = [p.term for p in self._paths if p.target == t]
                lines.append(f"{t} ~ {' + '.join(terms)}")
        lines += self._extra
        if self._definitions:
            lines.append("# effects named by the theory (delta-method standard errors)")
            lines += [f"{n} := {e}" for n, e in self._definitions]
        return lines

    def _single_residual(self, name: str, rel: float, variances: dict) -> str:
        item = self._constructs[name][0]
        var = variances.get(item)
        if var is None:
            return ""
        return _num(round((1 - rel) * var, 12))

    @property
    def syntax(self) -> str:
        """The model as editable lavaan syntax (``tm.fit(builder.syntax + "\\n...", data)``)."""
        return "\n".join(self._lines()) + "\n"

    def syntax_for(self, data) -> str:
        """:attr:`syntax` with each single-item construct's residual variance fixed at
        ``(1 - reliability) * var(item)`` from ``data`` (what ``tm.fit`` estimates). The
        builder is not changed: fitting it to other data gives that data's syntax."""
        return "\n".join(self._lines(self._item_variances(data))) + "\n"

    def _item_variances(self, data) -> dict:
        import pandas as pd
        out = {}
        if not isinstance(data, pd.DataFrame):
            return out
        for name, _rel in self._reliability.items():
            items = self._constructs.get(name, [])
            if len(items) == 1 and items[0] in data.columns:
                x = pd.to_numeric(data[items[0]], errors="coerce").dropna().to_numpy(float)
                out[items[0]] = float(np.var(x))
        return out

    @property
    def table(self):
        """The :class:`~trustmodel.ParameterTable` ``tm.fit`` builds from :attr:`syntax`."""
        return build_table(self.syntax)

    @property
    def named_effects(self) -> list[NamedEffect]:
        """The effects the theory names, in display order."""
        return list(self._named)

    @property
    def constructs(self) -> dict:
        """First-order constructs and their items."""
        return {k: list(v) for k, v in self._constructs.items()}

    @property
    def items(self) -> list[str]:
        """Every item (data column) the model uses."""
        return [i for v in self._constructs.values() for i in v]

    def validate_data(self, data) -> None:
        """Checks run by ``tm.fit`` before fitting (unknown columns with near names)."""
        import pandas as pd
        from .._errors import DataError
        if not isinstance(data, pd.DataFrame):
            return
        cols = [str(c) for c in data.columns]
        absent = [i for i in self.items if i not in cols]
        if absent:
            where = []
            for name, items in self._constructs.items():
                miss = [i for i in items if i in absent]
                if miss:
                    where.append(f"{name}: {', '.join(map(repr, miss))}")
            raise DataError(f"{self._owner}: item column(s) missing from data ({'; '.join(where)})."
                            + did_you_mean(absent, cols))

    def population_values(self) -> dict:
        """Standardized population values ``{(lhs, op, rhs): value}`` (paths and loadings).

        The values are those of the data-generating models in ``trustmodel/datasets/*_population.lav``;
        loadings cycle through the construct's list when it has more items.
        """
        out = {}
        for name, items in self._constructs.items():
            lam = self._population_loadings.get(self._role_of(name), (0.8, 0.75, 0.7))
            for k, it in enumerate(items):
                out[(name, "=~", it)] = float(lam[k % len(lam)])
        for name, lower in self._higher.items():
            lam = self._population_loadings.get(self._role_of(name), (0.8, 0.75, 0.7))
            for k, it in enumerate(lower):
                out[(name, "=~", it)] = float(lam[k % len(lam)])
        for p in self._paths:
            if p.fixed is not None:
                out[(p.target, "~", p.source)] = float(p.fixed)
                continue
            key = (self._role_of(p.target), self._role_of(p.source))
            out[(p.target, "~", p.source)] = float(self._population_paths.get(key, 0.3))
        for (a, b), v in self._population_covs.items():
            a2, b2 = self._names.get(a, a), self._names.get(b, b)
            if a2 in self._all_latents() and b2 in self._all_latents():
                out[(a2, "~~", b2)] = float(v)
        return out

    _population_loadings: dict = {}
    _population_paths: dict = {}
    _population_covs: dict = {}
    _names: dict = {}

    def _role_of(self, name: str) -> str:
        inv = {v: k for k, v in self._names.items()}
        return inv.get(name, name)

    def _all_latents(self) -> list[str]:
        return list(self._constructs) + list(self._higher)

    def __repr__(self) -> str:
        parts = [f"{k}({len(v)})" for k, v in self._constructs.items()]
        parts += [f"{k}[{', '.join(v)}]" for k, v in self._higher.items()]
        return (f"<{type(self).__name__}: {', '.join(parts)}; "
                f"{len(self._paths)} paths, {len(self._named)} named effects>")


def population_covariance(builder, *, values: dict | None = None):
    """Observed covariance implied by the builder's standardized population values.

    The population values are those :func:`trustmodel.simulate` draws a builder's data from
    (:func:`trustmodel.model.population.population_values`, one source for both): the
    builder's ``population_values()`` (or ``values``), literature defaults for the rest, and
    the residual variances of every endogenous variable (items and latents) solved so that each
    variable has unit variance; exogenous latents have variance 1. Returns ``(names, Sigma,
    values)``, ``values`` on the rows of ``builder.table`` (the population loading in the
    marker rows).
    """
    vals = builder.population_values() if values is None else values
    pv = population_values(statements_of(builder),
                           builder=population_dict(vals, "population_values()"),
                           standardized=True)
    model = RamModel.from_table(pv.table)
    full, _m = model.lv_moments(pv.values, 0)
    rows = pv.table.rows
    keys = rows.loc[rows["op"] != ":=", ["lhs", "op", "rhs", "group"]].itertuples(index=False)
    at = dict(zip(map(tuple, keys), pv.values))
    mine = builder.table.rows
    mine = mine.loc[mine["op"] != ":=", ["lhs", "op", "rhs", "group"]].itertuples(index=False)
    p = model.p
    return list(model.ov), full[:p, :p], np.array([at[tuple(k)] for k in mine])


def parse_paths(owner: str, spec, known: Iterable[str]) -> list[tuple[str, str]]:
    """``paths=`` entries -> ``[(source, target), ...]``.

    Accepts ``"SAT ~ DISC + PERF"`` (lavaan direction), ``"EXP -> SAT"`` and ``(source, target)``
    tuples, alone or in a list.
    """
    known = list(known)
    if isinstance(spec, (str, tuple)):
        spec = [spec]
    out: list[tuple[str, str]] = []
    for entry in spec:
        if isinstance(entry, tuple) and len(entry) == 2:
            pairs = [(str(entry[0]), str(entry[1]))]
        elif isinstance(entry, str) and "->" in entry:
            nodes = [n.strip() for n in entry.split("->")]
            pairs = list(zip(nodes[:-1], nodes[1:]))
        elif isinstance(entry, str) and "~" in entry and "~~" not in entry and "=~" not in entry:
            lhs, rhs = entry.split("~", 1)
            pairs = [(r.strip(), lhs.strip()) for r in rhs.split("+")]
        else:
            raise OptionError(f"paths= of {owner}() takes entries like 'SAT ~ DISC + PERF', "
                              f"'EXP -> SAT' or ('EXP', 'SAT'); got {entry!r}.")
        for a, b in pairs:
            bad = [n for n in (a, b) if n not in known]
            if bad:
                raise OptionError(f"paths= of {owner}() names unknown construct(s) "
                                  f"{', '.join(map(repr, bad))}; the model has "
                                  f"{', '.join(map(repr, known))}." + did_you_mean(bad, known))
            if a == b:
                raise OptionError(f"paths= of {owner}(): {a!r} cannot predict itself.")
            out.append((a, b))
    return out


def apply_paths(owner: str, default: list[tuple[str, str]], paths, known) -> list[tuple[str, str]]:
    """``paths=None`` keeps the default; a list replaces it; ``{"add": .., "drop": ..}`` edits."""
    if paths is None:
        return list(default)
    if isinstance(paths, dict):
        unknown = set(paths) - {"add", "drop"}
        if unknown:
            raise OptionError(f"paths= of {owner}() as a dict takes the keys 'add' and 'drop'; got "
                              f"{', '.join(map(repr, sorted(unknown)))}.")
        drop = parse_paths(owner, paths.get("drop", []), known)
        missing = [d for d in drop if d not in default]
        if missing:
            raise OptionError(f"paths={{'drop': ...}} of {owner}(): "
                              f"{', '.join(f'{a} -> {b}' for a, b in missing)} is not a path of "
                              "the default model.")
        out = [d for d in default if d not in drop]
        for a in parse_paths(owner, paths.get("add", []), known):
            if a not in out:
                out.append(a)
        return out
    out = []
    for a in parse_paths(owner, paths, known):
        if a not in out:
            out.append(a)
    return out


def check_reliability(owner: str, reliability, names: dict) -> dict:
    """``reliability={construct: r}`` (abbreviation or role keys) -> {latent name: r}."""
    if reliability is None:
        return {}
    if not isinstance(reliability, dict):
        raise OptionError(f"reliability= of {owner}() must be a dict such as {{'LOY': 0.8}}; got "
                          f"{reliability!r}.")
    out = {}
    for key, r in reliability.items():
        name = names.get(key, key)
        if name not in names.values():
            raise OptionError(f"reliability= of {owner}() names unknown construct {key!r}."
                              + did_you_mean([key], list(names.values())))
        if not isinstance(r, (int, float)) or not 0 < r <= 1:
            raise OptionError(f"reliability={{{key!r}: {r!r}}} must be a number in (0, 1].")
        out[name] = float(r)
    return out
