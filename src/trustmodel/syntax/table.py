"""The parameter table: one row per model parameter, as lavaan's ``partable``.

:func:`build_table` applies lavaan's default rules for ``sem()``/``cfa()`` (``lavaanify`` and
``R/lav_partable_flat.R``): user rows first, then the default (residual) variances of every
non-exogenous observed and every latent variable, covariances among exogenous latents
(``auto.cov.lv.x``) and among purely dependent variables (``auto.cov.y``), variances and
covariances of exogenous observed covariates (fixed to their sample values: ``fixed.x``),
intercepts when there is a mean structure; then per group, then ``:=`` definitions.
The first loading of every latent is fixed to 1 unless ``std_lv=True`` (then the latent
(residual) variances are fixed to 1), and a single indicator's residual variance is fixed to 0.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import combinations
from types import SimpleNamespace

import numpy as np
import pandas as pd

from .._errors import ModelSyntaxError, UnsupportedFeatureError
from .expressions import compile_expression
from .parser import Statement, parse_model

COLUMNS = ["id", "lhs", "op", "rhs", "user", "group", "free", "ustart", "exo", "label", "plabel",
           "start"]
GROUP_EQUAL = ("loadings", "intercepts", "means", "residuals", "residual_covariances",
               "lv_variances", "lv_covariances", "regressions")
_NAME_RE = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class VariableNames:
    """Variable roles in lavaan's sense (``lav_partable_vnames``)."""

    lv: list
    ov: list
    ov_ind: list
    ov_x: list
    ov_y: list
    lv_x: list
    lv_y: list
    eqs_y: list
    eqs_x: list

    @property
    def ov_nox(self) -> list:
        return [v for v in self.ov if v not in self.ov_x]


def _unique(seq) -> list:
    return list(dict.fromkeys(seq))


def variable_names(rows: list[dict]) -> VariableNames:
    """Classify variables of user rows (lhs/op/rhs dicts) as lavaan does."""
    lv = _unique(r["lhs"] for r in rows if r["op"] in ("=~", "<~"))
    eqs_y = _unique(r["lhs"] for r in rows if r["op"] == "~")
    eqs_x = _unique(r["rhs"] for r in rows if r["op"] in ("~", "<~"))
    v_ind = _unique(r["rhs"] for r in rows if r["op"] == "=~")
    ov_ind = [v for v in v_ind if v not in lv]
    ov_y_all = [v for v in eqs_y if v not in lv and v not in ov_ind]
    ov_x_all = [v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y_all]
    extra = []
    for r in rows:
        if r["op"] == "~~":
            extra += [v for v in (r["lhs"], r["rhs"]) if v not in lv]
        elif r["op"] == "~1" and r["lhs"] not in lv:
            extra.append(r["lhs"])
    base = ov_ind + ov_y_all + ov_x_all
    ov = base + [v for v in _unique(extra) if v not in base]
    mentioned = {r["lhs"] for r in rows if r["op"] in ("~1", "~~")} | \
                {r["rhs"] for r in rows if r["op"] == "~~"}
    ov_x = [v for v in ov_x_all if v not in mentioned]
    lv_x = [v for v in lv if v not in v_ind and v not in eqs_y]
    ov_y = [v for v in ov if v in eqs_y and v not in v_ind and v not in eqs_x and v not in lv]
    lv_y = [v for v in lv if v in eqs_y and v not in v_ind and v not in eqs_x]
    return VariableNames(lv=lv, ov=ov, ov_ind=ov_ind, ov_x=ov_x, ov_y=ov_y, lv_x=lv_x,
                         lv_y=lv_y, eqs_y=eqs_y, eqs_x=eqs_x)


@dataclass(frozen=True, eq=False)  # identity semantics: hashable, usable as a cache key
class ParameterTable:
    """lavaan-style parameter table (immutable).

    Attributes
    ----------
    rows : pandas.DataFrame
        Columns ``id lhs op rhs user group free ustart exo label plabel start``; ``free`` is 0
        for a fixed parameter and the 1-based index of the free parameter otherwise (rows with
        one label share an index: an equality constraint).
    names : VariableNames
        Latent and observed variables with their roles.
    ngroups : int
    statements : tuple of Statement
        The parsed syntax the table was built from.
    options : dict
        The rules used (``std_lv``, ``meanstructure``, ``fixed_x``, ``group_equal``...).
    constraints : tuple of Statement
        The ``==``, ``<``, ``>`` statements that are not a plain ``label == label`` (those
        become shared labels): imposed by :mod:`trustmodel.estimation.core.constraints`.
    """

    rows: pd.DataFrame
    names: VariableNames
    ngroups: int
    statements: tuple
    options: dict = field(default_factory=dict)
    constraints: tuple = ()

    @property
    def frame(self) -> pd.DataFrame:
        """A copy of the rows (the table itself never changes)."""
        return self.rows.copy()

    @cached_property
    def cols(self) -> SimpleNamespace:
        """The columns as read-only numpy arrays (fast access in loops; no pandas)."""
        out = {}
        for name in COLUMNS:
            arr = self.rows[name].to_numpy(copy=True)
            arr.flags.writeable = False
            out[name] = arr
        return SimpleNamespace(**out)

    @property
    def observed(self) -> list:
        return list(self.names.ov)

    @property
    def latent(self) -> list:
        return list(self.names.lv)

    @cached_property
    def npar(self) -> int:
        return int(self.cols.free.max()) if len(self.rows) else 0

    def free_names(self, readable: bool = False) -> list:
        """A name per free parameter (its first table row): the label, else ``lhs op rhs``
        (``.gN`` appended in multi-group models); ``readable=True`` gives ``lhs op rhs``
        with spaces and ``(group N)``, for messages."""
        c = self.cols
        out = []
        for k in range(1, self.npar + 1):
            r = int(np.flatnonzero(c.free == k)[0])
            if readable:
                name = f"{c.lhs[r]} {c.op[r]} {c.rhs[r]}".strip()
                name += f" (group {c.group[r]})" if self.ngroups > 1 else ""
            else:
                name = c.label[r] or f"{c.lhs[r]}{c.op[r]}{c.rhs[r]}"
                name += f".g{c.group[r]}" if self.ngroups > 1 and not c.label[r] else ""
            out.append(name)
        return out

    @property
    def meanstructure(self) -> bool:
        return bool(self.options.get("meanstructure"))

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"ParameterTable({len(self.rows)} rows, {self.npar} free, {self.ngroups} group(s))\n" \
            + self.rows.to_string(max_rows=60)

    @property
    def syntax(self) -> str:
        """lavaan syntax of the user statements (parse(syntax) gives the same table)."""
        return render_statements(self.statements)


def render_statements(statements) -> str:
    """Write statements back as lavaan syntax, one element per line."""
    lines = []
    for s in statements:
        if s.op in (":=", "==", "<", ">"):
            lines.append(f"{s.lhs} {s.op} {s.rhs}")
            continue
        mod = s.modifier
        prefix = ""
        n = max(len(mod.fixed), len(mod.label), len(mod.free), 0)
        if n:
            vals = []
            for g in range(n):
                fx = mod.fixed[g] if g < len(mod.fixed) else None
                lb = mod.label[g] if g < len(mod.label) else ""
                fr = mod.free[g] if g < len(mod.free) else False
                vals.append(repr(float(fx)) if fx is not None else ("NA" if fr else lb))
            if all(v for v in vals):
                prefix = (vals[0] if n == 1 else f"c({', '.join(vals)})") + "*"
            if mod.label and mod.fixed and any(x is not None for x in mod.fixed):
                lbl = mod.label if len(mod.label) > 1 else mod.label[:1]
                prefix += (f"label({lbl[0]!r})" if len(lbl) == 1 else f"c({', '.join(lbl)})") + "*"
        if mod.start:
            prefix += f"start({mod.start[0]!r})*"
        rhs = "1" if s.op == "~1" else s.rhs
        op = "~" if s.op == "~1" else s.op
        lines.append(f"{s.lhs} {op} {prefix}{rhs}")
    return "\n".join(lines)


def _per_group(values: tuple, g: int, ngroups: int, what: str, stmt: Statement):
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    if len(values) != ngroups:
        raise ModelSyntaxError(
            f"Modifier c(...) of '{stmt.lhs} {stmt.op} {stmt.rhs}' has {len(values)} {what} "
            f"but the model has {ngroups} group(s)", stmt.line, stmt.column)
    return values[g]


def build_table(model, *, ngroups: int = 1, meanstructure: bool = False, std_lv: bool = False,
                fixed_x: bool = True, group_equal=(), group_partial=(), int_ov_free: bool = True,
                int_lv_free: bool = False, auto_fix_first: bool = True,
                auto_fix_single: bool = True, auto_var: bool = True, auto_cov_lv_x: bool = True,
                auto_cov_y: bool = True, orthogonal: bool = False) -> ParameterTable:
    """Build a :class:`ParameterTable` from syntax (or statements) with lavaan's defaults.

    The stages follow lavaan's ``lav_partable_flat`` (``R/lav_partable_flat.R``) and
    ``lavaanify``: checks of the statements, the user rows, the default rows, per-group
    rules, equality constraints (``group_equal``, shared labels, ``equal()`` and
    ``a == b``), numbering of the free parameters. Rules of note (lavaan's):

    - ``std_lv=True`` fixes every latent (residual) variance to 1, an explicit ``f ~~ f``
      without a modifier included; in groups 2+ the default latent variances are free when
      "loadings" is in ``group_equal`` and "lv_variances" is not.
    - ``equal("f=~x2")*x3`` constrains the row to the parameter named ``f=~x2`` (lavaan's
      default parameter label ``lhs op rhs``, ``.gN`` appended in group N > 1).
    - Constraints other than ``label == label`` (``a == 0.5``, ``a + b == 1``, ``a*b == 2``,
      ``a > 0``) stay as rows with op ``==``/``<``/``>`` and are imposed by the estimator
      (:mod:`trustmodel.estimation.core.constraints`).

    Parameters
    ----------
    model : str or sequence of Statement
        lavaan model syntax or parsed statements.
    ngroups : int
        Number of groups; every user row is repeated per group.
    meanstructure : bool
        Add intercepts (observed free, latent fixed at 0). Also switched on by ``~1`` rows.
    std_lv : bool
        Scale latents by fixing their (residual) variances to 1 instead of the first loading.
    fixed_x : bool
        Exogenous observed covariates have their (co)variances fixed at the sample values.
    group_equal : sequence of str
        Parameter types constrained equal across groups (lavaan's ``group.equal``).
    group_partial : sequence of str
        Parameters ("f =~ x2") exempt from ``group_equal``.

    References
    ----------
    lavaan 0.6-14, ``R/lav_partable_flat.R``, ``R/lav_partable.R`` (``lavaanify``).

    Examples
    --------
    >>> t = build_table("f =~ x1 + x2 + x3")
    >>> t.rows[["lhs", "op", "rhs", "free"]].head(2).values.tolist()
    [['f', '=~', 'x1', 0], ['f', '=~', 'x2', 1]]
    >>> t = build_table("f =~ x1 + x2 + x3\\nf ~~ f", std_lv=True)
    >>> t.rows.query("lhs == 'f' and op == '~~'")[["free", "ustart"]].values.tolist()
    [[0.0, 1.0]]
    """
    statements = tuple(parse_model(model) if isinstance(model, str) else model)
    param_stmts, extra_stmts = _check_statements(statements, group_equal)
    user = [{"lhs": s.lhs, "op": s.op, "rhs": s.rhs} for s in param_stmts]
    names = variable_names(user)
    meanstructure = meanstructure or any(s.op == "~1" for s in param_stmts)
    rules = SimpleNamespace(
        std_lv=std_lv, fixed_x=fixed_x, group_equal=tuple(group_equal),
        int_ov_free=int_ov_free, int_lv_free=int_lv_free, auto_fix_first=auto_fix_first,
        auto_fix_single=auto_fix_single, auto_var=auto_var,
        partial=_parse_partial(group_partial))
    defaults = _default_rows(param_stmts, names, meanstructure, auto_cov_lv_x and not orthogonal,
                             auto_cov_y and not orthogonal)
    rows = []
    for g in range(ngroups):
        rows += _user_rows(param_stmts, names, g, ngroups, rules)
        rows += _group_default_rows(defaults, param_stmts, names, g, rules)
    df = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "user", "group", "free", "ustart", "exo",
                                     "label", "start"])
    df.insert(0, "id", np.arange(1, len(df) + 1))
    df["plabel"] = [f".p{i}." for i in df["id"]]
    if ngroups > 1 and group_equal:
        df = _apply_group_equal(df, names, group_equal, rules.partial, ngroups)
    df = _link_equal_modifiers(df, ngroups)
    df, constraints = _merge_equalities(df, extra_stmts)
    df = _number_free(df)
    defs = [{"id": len(df) + i + 1, "lhs": s.lhs, "op": ":=", "rhs": s.rhs, "user": 1, "group": 0, "free": 0,
                 "ustart": np.nan, "exo": 0, "label": s.lhs, "plabel": "", "start": np.nan}
            for i, s in enumerate(x for x in extra_stmts if x.op == ":=")]
    if defs:
        df = pd.concat([df, pd.DataFrame(defs)], ignore_index=True)
    df = df[COLUMNS]
    options = {"meanstructure": meanstructure, "std_lv": std_lv, "fixed_x": fixed_x,
                   "group_equal": tuple(group_equal), "group_partial": tuple(group_partial)}
    _check_labels(df, extra_stmts)
    return ParameterTable(rows=df, names=names, ngroups=ngroups, statements=statements,
                          options=options, constraints=tuple(constraints))


def _check_statements(statements, group_equal) -> tuple[list, list]:
    """Stage 1: options and statements lavaan refuses; split parameters from the rest."""
    bad = [g for g in group_equal if g not in GROUP_EQUAL]
    if bad:
        from .._errors import OptionError
        raise OptionError(f"group_equal= must contain only {', '.join(map(repr, GROUP_EQUAL))}; "
                          f"got {bad[0]!r}.")
    param_stmts = [s for s in statements if s.op not in (":=", "==", "<", ">")]
    extra_stmts = [s for s in statements if s.op in (":=", "==", "<", ">")]
    seen: dict = {}
    for s in param_stmts:
        key = (s.lhs, s.op, s.rhs)
        if s.op == "~~" and (s.rhs, s.op, s.lhs) in seen:
            key = (s.rhs, s.op, s.lhs)
        if key in seen:
            raise ModelSyntaxError(f"Duplicated element '{s.lhs} {s.op} {s.rhs or '1'}' (first at "
                                   f"line {seen[key]})", s.line, s.column)
        seen[key] = s.line
        if s.op == "=~" and s.lhs == s.rhs:
            raise ModelSyntaxError(f"Latent variable {s.lhs!r} cannot be its own indicator",
                                   s.line, s.column)
        if s.op == "<~":
            raise UnsupportedFeatureError(
                "Formative ('<~') blocks are estimated with estimator='PLS' only; "
                "covariance-based composites are not supported yet", s.line, s.column)
    return param_stmts, extra_stmts


def _default_rows(param_stmts, names, meanstructure, cov_lv_x, cov_y) -> list[tuple]:
    """Stage 3: lavaan's default elements (``tmp_default``) the user did not write."""
    defaults: list[tuple] = [(v, "~~", v) for v in names.ov_nox + names.lv]
    if cov_lv_x:
        defaults += [(a, "~~", b) for a, b in combinations(names.lv_x, 2)]
    if cov_y:
        defaults += [(a, "~~", b) for a, b in combinations(names.lv_y + names.ov_y, 2)]
    nx = names.ov_x
    defaults += [(nx[j], "~~", nx[i]) for j in range(len(nx)) for i in range(j, len(nx))]
    if meanstructure:
        defaults += [(v, "~1", "") for v in names.ov + names.lv]
    user_keys = set()
    for s in param_stmts:
        user_keys.add((s.lhs, s.op, s.rhs))
        if s.op == "~~":
            user_keys.add((s.rhs, s.op, s.lhs))
    return [d for d in defaults if d not in user_keys]


def _user_rows(param_stmts, names, g, ngroups, rules) -> list[dict]:
    """Stage 2: the user's rows of group ``g`` with their modifiers and the metric rules.

    A covariance is stored with its variables in lavaan's order (latent, then observed, as
    first named): ``x3 ~~ x5`` becomes ``x5 ~~ x3`` when x5 comes first, as lavaan's
    ``lav_partable_covariance_reorder()`` (called by ``lavParseModelString``) does.
    """
    first_ind: dict = {}
    for s in param_stmts:
        if s.op == "=~":
            first_ind.setdefault(s.lhs, s.rhs)
    lv = set(names.lv)
    order = {v: i for i, v in enumerate(names.lv + names.ov)}
    rows = []
    for s in param_stmts:
        lhs, rhs = s.lhs, s.rhs
        if s.op == "~~" and order.get(lhs, -1) > order.get(rhs, -1):
            lhs, rhs = rhs, lhs     # lavaan's lav_partable_covariance_reorder (lavParseModelString)
        fixed = _per_group(s.modifier.fixed, g, ngroups, "values", s)
        label = _per_group(s.modifier.label, g, ngroups, "labels", s) or ""
        start = _per_group(s.modifier.start, g, ngroups, "starting values", s)
        force_free = bool(_per_group(s.modifier.free, g, ngroups, "values", s))
        ustart = np.nan if fixed is None else float(fixed)
        free = fixed is None
        if not force_free and fixed is None:
            if (s.op == "=~" and rules.auto_fix_first and not rules.std_lv
                    and first_ind[s.lhs] == s.rhs):
                free, ustart = False, 1.0
            elif rules.std_lv and s.op == "~~" and s.lhs == s.rhs and s.lhs in lv:
                free, ustart = False, 1.0      # lavaan: std.lv fixes user-written f ~~ f too
        rows.append({"lhs": lhs, "op": s.op, "rhs": rhs, "user": 1, "group": g + 1, "free": free,
                         "ustart": ustart, "exo": 0, "label": label,
                         "start": np.nan if start is None else start})
    return rows


def _group_default_rows(defaults, param_stmts, names, g, rules) -> list[dict]:
    """Stage 3b: free/fixed status of the default rows in group ``g`` (0-based)."""
    n_ind: dict = {}
    for s in param_stmts:
        if s.op == "=~":
            n_ind[s.lhs] = n_ind.get(s.lhs, 0) + 1
    single = {s.rhs for s in param_stmts
              if s.op == "=~" and n_ind[s.lhs] == 1 and s.rhs not in names.lv}
    ov_x, lv, ge = set(names.ov_x), set(names.lv), rules.group_equal
    # lavaan (0.6-4): with std.lv and equal loadings, latent variances of groups 2+ are free
    free_lv_var = g > 0 and rules.std_lv and "loadings" in ge and "lv_variances" not in ge
    rows = []
    for lhs, op, rhs in defaults:
        free, ustart, exo = True, np.nan, 0
        if op == "~~" and lhs == rhs and lhs in lv and rules.std_lv:
            free, ustart = (True, np.nan) if free_lv_var else (False, 1.0)
        elif op == "~~" and lhs == rhs and lhs in single and rules.auto_fix_single:
            free, ustart = False, 0.0
        elif op == "~~" and lhs in ov_x and rhs in ov_x:
            free, exo = (not rules.fixed_x), int(rules.fixed_x)
        elif op == "~1":
            if lhs in lv:
                free, ustart = rules.int_lv_free, (np.nan if rules.int_lv_free else 0.0)
                if (g > 0 and "intercepts" in ge and "means" not in ge
                        and (lhs, "~1", "") not in rules.partial):
                    free, ustart = True, np.nan
            elif lhs in ov_x:
                free, exo = (not rules.fixed_x), int(rules.fixed_x)
            else:
                free = rules.int_ov_free
                ustart = np.nan if rules.int_ov_free else 0.0
        if not rules.auto_var and op == "~~" and lhs == rhs and free:
            free, ustart = False, 0.0
        rows.append({"lhs": lhs, "op": op, "rhs": rhs, "user": 0, "group": g + 1, "free": free,
                         "ustart": ustart, "exo": exo, "label": "", "start": np.nan})
    return rows


def _link_equal_modifiers(df, ngroups):
    """lavaan's ``equal("f=~x2")*x3``: a label naming another parameter (its default label
    ``lhs op rhs``, ``.gN`` in group N > 1) makes the two rows share one label."""
    name_of = {}
    for i, r in enumerate(df.itertuples()):
        name = f"{r.lhs}{r.op}{r.rhs}"
        name_of[name if r.group == 1 else f"{name}.g{r.group}"] = i
    labels = df["label"].to_numpy(dtype=object).copy()
    changed = False
    for i in range(len(labels)):
        lab = labels[i]
        j = name_of.get(lab.replace(" ", "")) if lab else None
        if j is None or j == i:
            continue
        if labels[j]:
            labels[labels == lab] = labels[j]
        else:
            labels[j] = lab
        changed = True
    if not changed:
        return df
    df = df.copy()
    df["label"] = labels
    return df


def with_fixed_exogenous(table: ParameterTable, variables) -> ParameterTable:
    """The table with the (co)variances and means among ``variables`` fixed at their sample
    values (``exo = 1``), as lavaan's fixed.x block; used for the independence model of
    ``lav_partable_indep_or_unrestricted`` (``R/lav_partable_independence.R``)."""
    xs = set(variables)
    rows = table.frame
    block = (rows["lhs"].isin(xs) & ((rows["op"] == "~1")
                                     | ((rows["op"] == "~~") & rows["rhs"].isin(xs))))
    rows.loc[block, "free"] = 0
    rows.loc[block, "exo"] = 1
    rows.loc[block, "label"] = ""
    rows.loc[block, "ustart"] = np.nan
    rows = _number_free(rows)
    names = replace(table.names, ov_x=[v for v in table.names.ov if v in xs])
    return ParameterTable(rows=rows, names=names, ngroups=table.ngroups,
                          statements=table.statements, options={**table.options, "fixed_x": True},
                          constraints=table.constraints)


def _parse_partial(group_partial) -> set:
    out = set()
    for text in group_partial:
        for s in parse_model(text):
            out.add((s.lhs, s.op, s.rhs))
            if s.op == "~~":
                out.add((s.rhs, s.op, s.lhs))
    return out


def _apply_group_equal(df, names, group_equal, partial, ngroups):
    """Stage 4: lavaan's ``group.equal`` as shared labels. As lavaan's ``lavaanify``,
    intercepts, residuals and residual covariances are those of ``ov.nox``: the moments of
    exogenous covariates (free under ``fixed_x=False``) are never constrained."""
    lv = set(names.lv)
    ov_x = set(names.ov_x)

    def kind(r) -> str | None:
        if r.op == "=~":
            return "loadings"
        if r.op == "~":
            return "regressions"
        if r.op in ("~1", "~~") and (r.lhs in ov_x or r.rhs in ov_x):
            return None
        if r.op == "~1":
            return "means" if r.lhs in lv else "intercepts"
        if r.op == "~~":
            if r.lhs in lv:
                return "lv_variances" if r.lhs == r.rhs else "lv_covariances"
            return "residuals" if r.lhs == r.rhs else "residual_covariances"
        return None

    df = df.copy()
    first = {}
    for i, r in enumerate(df.itertuples()):
        if not r.free or r.exo or r.label:
            continue
        k = kind(r)
        if k not in group_equal or (r.lhs, r.op, r.rhs) in partial:
            continue
        key = (r.lhs, r.op, r.rhs)
        if r.group == 1:
            first[key] = r.plabel
            df.iat[i, df.columns.get_loc("label")] = r.plabel
        elif key in first:
            df.iat[i, df.columns.get_loc("label")] = first[key]
    return df


def _merge_equalities(df, extra_stmts):
    """``a == b`` between two labels becomes a shared label (lavaan's simple equality);
    every other ``==``/``<``/``>`` statement is returned to be kept as a constraint row."""
    rest = []
    df = df.copy()
    for s in (x for x in extra_stmts if x.op in ("==", "<", ">")):
        lhs, rhs = s.lhs.strip(), s.rhs.strip()
        labels = set(df["label"]) | set(df["plabel"])
        if (s.op == "==" and _NAME_RE.fullmatch(lhs) and _NAME_RE.fullmatch(rhs)
                and lhs in labels and rhs in labels):
            target = df.loc[(df["label"] == lhs) | (df["plabel"] == lhs), "label"].iloc[0] or lhs
            mask = (df["label"] == rhs) | (df["plabel"] == rhs)
            df.loc[(df["label"] == lhs) | (df["plabel"] == lhs), "label"] = target
            df.loc[mask, "label"] = target
        else:
            rest.append(s)
    return df, rest


def _number_free(df):
    """Number free rows 1..npar in table order; rows sharing a label share an index."""
    is_free = df["free"].to_numpy().astype(bool)
    labels = df["label"].to_numpy()
    ustart = df["ustart"].to_numpy(dtype=float).copy()
    # a label shared by a fixed and a free row: the fixed value wins (lavaan fixes both)
    fixed_val = {}
    for lab, fr, u in zip(labels, is_free, ustart):
        if lab and not fr and lab not in fixed_val:
            fixed_val[lab] = u
    free = np.zeros(len(df), dtype=int)
    by_label: dict = {}
    k = 0
    for i in range(len(df)):
        lab = labels[i]
        if lab in fixed_val:
            ustart[i] = fixed_val[lab]
            continue
        if not is_free[i]:
            continue
        if lab and lab in by_label:
            free[i] = by_label[lab]
            continue
        k += 1
        free[i] = k
        if lab:
            by_label[lab] = k
    df = df.copy()
    df["free"] = free
    df["ustart"] = ustart
    return df


def _check_labels(df, extra_stmts):
    par = df[df["op"] != ":="]
    labels = set(par["label"]) | set(par["plabel"])
    labels.discard("")
    later = {s.lhs: s.line for s in extra_stmts if s.op == ":="}
    for s in extra_stmts:
        if s.op != ":=":
            continue
        for name in compile_expression(s.rhs).names:  # functions and constants excluded
            if name in labels:
                continue
            if name in later:  # lavaan evaluates definitions in order
                raise ModelSyntaxError(
                    f"Defined parameter {s.lhs!r} uses {name!r} before its definition (line "
                    f"{later[name]}); define {name!r} first", s.line, s.column)
            raise ModelSyntaxError(
                f"Defined parameter {s.lhs!r} uses {name!r}, which is not a parameter label "
                f"(labels: {', '.join(sorted(l for l in labels if not l.startswith('.'))) or 'none'})",
                s.line, s.column)
        labels.add(s.lhs)


_FUNCTIONS = {"exp", "log", "sqrt", "abs", "sin", "cos", "tan", "pnorm", "qnorm", "dnorm",
              "pi", "e"}
