"""Population values of a model: every parameter filled, residual variances solved.

The one source of population values: :func:`trustmodel.simulate.population_model` (data
generation, Monte Carlo power) and :func:`trustmodel.theory.base.population_covariance` (the
theory builders' population covariance) both call :func:`population_values`.

Conventions follow lavaan's ``simulateData`` (``R/lav_simulate_old.R``): the population table is
built with ``std.lv = TRUE``, ``auto.fix.first = FALSE``, ``auto.fix.single = FALSE`` and
``fixed.x = FALSE``; values given explicitly win, then fixed values in the syntax, then (for a
theory builder) its ``population_values()`` with literature defaults; anything left gets 1.0
(loadings; 0.7 when standardized), 1.0 (variances) or 0 (everything else; regression
coefficients left at 0 are reported in ``unset_paths``). With ``standardized=True`` the
residual variances that were not given are solved so that every observed and latent variable
has variance 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import OptionError
from ..syntax import ParameterTable, build_table
from .ram import RamModel

#: Standardized structural paths used when a theory builder leaves one without a population
#: value (the values of the bundled simulated data sets, ``trustmodel/datasets/*_population.lav``).
LITERATURE_PATHS = {
    ("PERF", "~", "EXP"): 0.4, ("DISC", "~", "PERF"): 0.65, ("DISC", "~", "EXP"): -0.3,
    ("SAT", "~", "DISC"): 0.5, ("SAT", "~", "PERF"): 0.25, ("SAT", "~", "EXP"): 0.1,
    ("LOY", "~", "SAT"): 0.6, ("COMP", "~", "SAT"): -0.4, ("LOY", "~", "COMP"): -0.2,
    ("VAL", "~", "TCV"): 0.55, ("VAL", "~", "TCC"): -0.35, ("SAT", "~", "VAL"): 0.6,
    ("COG", "~", "SAT"): 0.6, ("AFF", "~", "COG"): 0.45, ("AFF", "~", "SAT"): 0.25,
    ("BEH", "~", "AFF"): 0.55, ("BEH", "~", "SAT"): 0.1,
}
#: Defaults of a builder's parameters that have no population value: a standardized loading in
#: the middle of the usual .70-.85 range, a small-to-medium path, uncorrelated residuals.
BUILDER_LOADING, BUILDER_PATH = 0.8, 0.3


@dataclass(frozen=True)
class PopulationValues:
    """What :func:`population_values` returns.

    Attributes
    ----------
    table : ParameterTable
        The population table (``simulateData`` rules).
    values : numpy.ndarray
        Population value of every non-defined row of ``table``.
    unset_paths : tuple of str
        Regression coefficients nothing gave a value (set to 0, as lavaan).
    """

    table: ParameterTable
    values: np.ndarray
    unset_paths: tuple = ()


def population_dict(spec, where: str) -> dict:
    """Normalise population values: keys (lhs, op, rhs), "lhs op rhs" text, or a label."""
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise OptionError(f"{where} must be a dict {{(lhs, op, rhs) or 'lhs op rhs' or label: "
                          f"value}}; got {type(spec).__name__}.")
    out = {}
    for k, v in spec.items():
        try:
            val = float(v)
        except (TypeError, ValueError):
            raise OptionError(f"{where}: the value of {k!r} must be a number; got {v!r}.") from None
        if isinstance(k, tuple) and len(k) == 3:
            out[tuple(str(x) for x in k)] = val
        elif isinstance(k, str):
            out[parse_key(k)] = val
        else:
            raise OptionError(f"{where}: key {k!r} must be (lhs, op, rhs), 'lhs op rhs' or a "
                              "parameter label.")
    return out


def parse_key(text: str):
    for op in ("=~", "~~", ":=", "~1", "~"):
        if op in text:
            lhs, rhs = text.split(op, 1)
            if op == "~" and rhs.strip() == "1":
                return (lhs.strip(), "~1", "")
            return (lhs.strip(), op, rhs.strip())
    return text.strip()   # a label


def _lookup(d: dict, lhs, op, rhs, label):
    if (lhs, op, rhs) in d:
        return d[(lhs, op, rhs)]
    if op == "~~" and (rhs, op, lhs) in d:
        return d[(rhs, op, lhs)]
    if label and label in d:
        return d[label]
    return None


def population_table(statements) -> ParameterTable:
    """The table of a population model, built as lavaan's ``simulateData`` builds it."""
    return build_table(statements, std_lv=True, auto_fix_first=False, auto_fix_single=False,
                       fixed_x=False)


def population_values(statements, given: dict | None = None, builder: dict | None = None, *,
                      standardized: bool) -> PopulationValues:
    """Every population value of the model ``statements`` (see the module docstring).

    Parameters
    ----------
    statements : str or statements
        lavaan syntax whose fixed values are population values.
    given : dict, optional
        Normalised (:func:`population_dict`) values that override everything.
    builder : dict, optional
        A theory builder's normalised values; its loadings and paths without a value get
        ``BUILDER_LOADING`` and ``LITERATURE_PATHS`` / ``BUILDER_PATH``. None for plain syntax.
    standardized : bool
        Solve the residual variances not given so that every variance is 1.

    Examples
    --------
    >>> pv = population_values("f =~ 0.8*x1 + 0.6*x2", standardized=True)
    >>> pv.values.round(2).tolist()
    [0.8, 0.6, 0.36, 0.64, 1.0]
    """
    given = given or {}
    table = population_table(statements)
    _check_keys(given, table, "population=")
    rows = table.rows[table.rows["op"] != ":="]
    n = len(rows)
    values = np.zeros(n)
    specified = np.zeros(n, dtype=bool)
    unset_paths = []
    for k, r in enumerate(rows.itertuples(index=False)):
        v = _lookup(given, r.lhs, r.op, r.rhs, r.label)
        if v is None and not np.isnan(r.ustart) and (r.user or not r.free):
            v = float(r.ustart)     # fixed in the syntax (or by the std_lv rule)
            if not r.user and r.op == "~~" and r.lhs == r.rhs and standardized:
                v = None           # lv (residual) variance fixed at 1 by std_lv: solve instead
                if r.lhs in table.names.lv_x:
                    v = 1.0
        if v is None and builder is not None:
            v = _builder_value(builder, r)
        if v is not None:
            values[k], specified[k] = v, True
            continue
        if r.op == "=~":
            values[k] = 0.7 if standardized else 1.0
        elif r.op == "~~" and r.lhs == r.rhs:
            values[k] = 1.0
        elif r.op == "~":
            unset_paths.append(f"{r.lhs} ~ {r.rhs}")
    if standardized:
        values = _standardize(table, values, specified)
    return PopulationValues(table, values, tuple(unset_paths))


def _builder_value(builder: dict, r):
    v = _lookup(builder, r.lhs, r.op, r.rhs, r.label)
    if v is None and r.op == "~":
        v = LITERATURE_PATHS.get((r.lhs.upper(), r.op, r.rhs.upper()), BUILDER_PATH)
    elif v is None and r.op == "=~":
        v = BUILDER_LOADING
    return v


def _check_keys(given: dict, table, where: str) -> None:
    known = set()
    for r in table.rows.itertuples(index=False):
        known.add((r.lhs, r.op, r.rhs))
        if r.op == "~~":
            known.add((r.rhs, r.op, r.lhs))
        if r.label:
            known.add(r.label)
    bad = [k for k in given if k not in known]
    if bad:
        text = ", ".join(repr(" ".join(k) if isinstance(k, tuple) else k) for k in bad)
        raise OptionError(f"{where} names parameter{'s' if len(bad) > 1 else ''} {text} that "
                          "the model does not have.")


def _standardize(table, values, specified) -> np.ndarray:
    """Solve the unspecified residual variances so that every variable has variance 1."""
    model = RamModel.from_table(table)
    rows = table.rows[table.rows["op"] != ":="]
    names = model.ov + model.lv
    pos = {v: i for i, v in enumerate(names)}
    target, index = [], []
    for k, r in enumerate(rows.itertuples(index=False)):
        if r.op == "~~" and r.lhs == r.rhs and not specified[k]:
            target.append(k)
            index.append(pos[r.lhs])
    if not target:
        return values.copy()
    values = solve_unit_variances(model, values, target, index)
    bad = [(names[i], v) for i, v in zip(index, values[target]) if v < 0]
    if bad:
        name, v = bad[0]
        raise OptionError(f"The population values explain more than all the variance of {name!r} "
                          f"(its residual variance would be {v:.3f}); lower the loadings or paths "
                          "that point at it.")
    return values


def solve_unit_variances(model, values: np.ndarray, rows, variables, *, tol: float = 1e-13,
                         max_iter: int = 500) -> np.ndarray:
    """``values`` with the (residual) variances at ``rows`` set so that the RAM variables
    ``variables`` (positions in ``model.ov + model.lv``) have total variance 1.

    The total variance of variable ``i`` is ``(E S E')_ii`` with ``E = (I - A)^-1``; it is
    linear in its own residual variance with slope ``E_ii^2``, so the iteration is Newton's
    method on every variable at once (one step for a recursive model, where ``E_ii = 1``).

    Examples
    --------
    >>> t = build_table("f =~ x1 + x2", std_lv=True, auto_fix_first=False)
    >>> m = RamModel.from_table(t)
    >>> v = solve_unit_variances(m, np.array([0.8, 0.6, 0.0, 0.0, 1.0]), [2, 3], [0, 1])
    >>> v.round(2).tolist()
    [0.8, 0.6, 0.36, 0.64, 1.0]
    """
    values = np.array(values, dtype=float, copy=True)
    rows, index = np.asarray(rows, dtype=int), np.asarray(variables, dtype=int)
    if not len(rows):
        return values
    eye = np.eye(model.n)
    for _ in range(max_iter):
        A, S, _m = model.matrices(values, 0)
        E = np.linalg.inv(eye - A)
        total = np.einsum("ij,jk,ik->i", E[index], S, E[index])
        step = (1.0 - total) / E[index, index] ** 2
        values[rows] += step
        if np.max(np.abs(step)) < tol:
            break
    return values
