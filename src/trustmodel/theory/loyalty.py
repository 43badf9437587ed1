"""Satisfaction -> loyalty, optionally as a reciprocal (non-recursive) feedback loop."""
from __future__ import annotations

import numpy as np

from .._errors import IdentificationError, ModelSyntaxError, OptionError
from .._validation import did_you_mean
from .base import NamedEffect, TheoryModel, check_items, check_reliability

ROLES = {"satisfaction": "SAT", "loyalty": "LOY"}


class SatisfactionLoyalty(TheoryModel):
    """Satisfaction drives loyalty; with ``reciprocal=True`` loyalty feeds back on satisfaction.

    Recursive model: ``SAT ~ antecedents``, ``LOY ~ SAT``. The reciprocal model (the positive
    satisfaction-loyalty feedback cycle) is ``SAT ~ LOY + z_SAT``, ``LOY ~ SAT + z_LOY``
    with correlated disturbances ``SAT ~~ LOY``; it is identified only with an instrument per
    endogenous variable: a variable that affects that variable and is excluded from the other
    equation (rank and order conditions, checked here).

    Parameters
    ----------
    satisfaction, loyalty : list of str
        Items of SAT and LOY.
    reciprocal : bool
        Add LOY -> SAT (a non-recursive loop) and the disturbance covariance.
    instruments : dict, optional
        ``{"SAT": [...], "LOY": [...]}``: for each endogenous construct, the antecedent
        constructs (keys of ``antecedents=``) or observed columns that affect it and not the other
        one. Required with ``reciprocal=True``.
    antecedents : dict, optional
        Exogenous constructs ``{"QUAL": ["q1", "q2", "q3"], ...}``; unless listed as an
        instrument of LOY, each predicts SAT.
    names : dict, optional
        Latent names replacing SAT and LOY.
    reliability : dict, optional
        Fixed reliability of a single-item construct, e.g. ``{"LOY": 0.8}`` for a single
        repurchase-intention item.
    moderator : dict, optional
        A construct moderating SAT -> LOY, e.g. switching costs ``{"SWC": ["swc1", "swc2",
        "swc3"]}``: adds ``LOY ~ SWC + SAT:SWC`` (a latent interaction; fit with
        ``interaction="dblcent"``, the default, or ``"lms"``), the simple slopes of SAT at
        -1/+1 SD of the moderator and, for each antecedent, the conditional indirect effects
        and the index of moderated mediation as ``:=`` parameters (see ``self.moderation``).

    Raises
    ------
    IdentificationError
        ``reciprocal=True`` without an instrument for each of SAT and LOY, or with instruments
        that fail the order or rank condition.

    Examples
    --------
    >>> import trustmodel as tm
    >>> m = tm.SatisfactionLoyalty(satisfaction=["s1", "s2", "s3"], loyalty=["l1", "l2", "l3"],
    ...     antecedents={"PERF": ["p1", "p2", "p3"], "EXP": ["e1", "e2", "e3"]},
    ...     reciprocal=True, instruments={"SAT": ["PERF"], "LOY": ["EXP"]})
    >>> print(m.syntax.split("# structural model\\n")[1].splitlines()[:3])
    ['SAT ~ b_sat_loy*LOY + b_sat_perf*PERF', 'LOY ~ b_loy_sat*SAT + b_loy_exp*EXP', 'SAT ~~ LOY']
    """

    _owner = "SatisfactionLoyalty"
    _population_loadings = {"satisfaction": (0.85, 0.8, 0.8), "loyalty": (0.8, 0.75, 0.7)}

    def __init__(self, satisfaction, loyalty, reciprocal: bool = False, instruments=None,
                 antecedents=None, names=None, reliability=None, moderator=None):
        super().__init__()
        if not isinstance(reciprocal, bool):
            raise OptionError(f"reciprocal= of SatisfactionLoyalty() must be True or False; got "
                              f"{reciprocal!r}.")
        n = self._names = self._resolve_names(ROLES, names)
        antecedents = {} if antecedents is None else antecedents
        if not isinstance(antecedents, dict):
            raise OptionError("antecedents= of SatisfactionLoyalty() must be a dict of construct "
                              f"-> items; got {antecedents!r}.")
        for name in antecedents:
            if name in n.values():
                raise OptionError(f"antecedents= cannot define {name!r}: it is an endogenous "
                                  "construct of the model.")
            n.setdefault(name, name)
        self._reliability = check_reliability(self._owner, reliability, n)
        S, L = n["satisfaction"], n["loyalty"]
        self._add_construct(S, satisfaction, "satisfaction")
        self._add_construct(L, loyalty, "loyalty")
        for name, items in antecedents.items():
            self._add_construct(name, items, f"antecedents[{name!r}]")
        self._check_shared_items()
        self.reciprocal = reciprocal
        inst = self._instruments(instruments, S, L, antecedents)
        self.instruments = inst
        self._observed_x = [v for vs in inst.values() for v in vs if v not in self._constructs]
        eqs = {S: [], L: [S]}
        if reciprocal:
            eqs[S].append(L)
        for a in antecedents:
            if a not in inst.get(L, []) and a not in inst.get(S, []):
                eqs[S].append(a)
        for endo in (S, L):
            eqs[endo] += [z for z in inst.get(endo, []) if z not in eqs[endo]]
        if reciprocal:
            check_rank_order(eqs, [S, L])
        order = (S, L)
        for endo in order:
            for src in eqs[endo]:
                self._add_path(src, endo)
        if reciprocal:
            self._extra.append(f"{S} ~~ {L}")
            self._named += [NamedEffect(f"{S}->{L}", "direct", S, L, (), f"b_{L}_{S}".lower()),
                            NamedEffect(f"{L}->{S}", "direct", L, S, (), f"b_{S}_{L}".lower()),
                            NamedEffect(f"{S}->{L}", "total", S, L, (), ""),
                            NamedEffect(f"{L}->{S}", "total", L, S, (), "")]
        else:
            self._name_direct(S, L)
            for a in eqs[S]:
                self._name_indirect([a, S, L], f"{a}_{S}_{L}".lower())
        if moderator is not None and reciprocal:
            raise OptionError("moderator= with reciprocal=True is not supported: a latent "
                              "interaction inside a feedback loop is not identified by these "
                              "methods.")
        self._add_moderation(moderator, S, L)
        self._population_paths = {("loyalty", "satisfaction"): 0.4 if reciprocal else 0.6,
                                  ("satisfaction", "loyalty"): 0.2}

    def _instruments(self, instruments, S, L, antecedents) -> dict:
        if instruments is None:
            if self.reciprocal:
                raise IdentificationError(
                    "reciprocal=True makes SAT <-> LOY a non-recursive loop, which is not "
                    "identified without instruments: pass instruments={'" + S + "': [...], '"
                    + L + "': [...]}, for each endogenous construct a variable (an antecedent "
                    "construct or an observed column) that affects it but not the other one.")
            return {}
        if not isinstance(instruments, dict):
            raise OptionError(f"instruments= of SatisfactionLoyalty() must be a dict such as "
                              f"{{{S!r}: ['PERF'], {L!r}: ['switching_cost']}}; got "
                              f"{instruments!r}.")
        out = {}
        for endo, zs in instruments.items():
            endo = self._names.get(endo, endo)
            if endo not in (S, L):
                raise OptionError(f"instruments= has key {endo!r}; the endogenous constructs are "
                                  f"{S!r} and {L!r}." + did_you_mean([endo], [S, L]))
            zs = check_items(self._owner, f"instruments[{endo!r}]", zs, allow_single=True)
            clash = [z for z in zs if z in (S, L) or z in self.items]
            if clash:
                raise ModelSyntaxError(f"instruments[{endo!r}] names {', '.join(map(repr, clash))}"
                                       ", which is an endogenous construct or one of its items; "
                                       "an instrument must be exogenous.")
            out[endo] = zs
        both = set(out.get(S, [])) & set(out.get(L, []))
        if both:
            raise IdentificationError(
                f"{', '.join(map(repr, sorted(both)))} is an instrument of both {S!r} and {L!r}; "
                "an instrument must be excluded from the other equation.")
        return out

    @property
    def items(self) -> list[str]:
        return super().items + list(getattr(self, "_observed_x", []))


def check_rank_order(eqs: dict, endogenous: list) -> None:
    """Order and rank conditions of a simultaneous system (Bollen 1989, ch. 4.4).

    ``eqs`` maps each endogenous variable to its predictors. For every equation, the
    variables excluded from it must number at least m - 1 (order condition), and the
    coefficients the other equations give them must have rank m - 1 (rank condition, checked
    at random coefficient values: generic rank).
    """
    endo = list(endogenous)
    exo = list(dict.fromkeys(v for e in endo for v in eqs[e] if v not in endo))
    cols = endo + exo
    m = len(endo)
    rng = np.random.default_rng(12345)
    C = np.zeros((m, len(cols)))
    for i, e in enumerate(endo):
        C[i, i] = 1.0
        for v in eqs[e]:
            C[i, cols.index(v)] = rng.uniform(0.5, 1.5)
    for i, e in enumerate(endo):
        excluded = [k for k, v in enumerate(cols) if C[i, k] == 0]
        if len(excluded) < m - 1:
            raise IdentificationError(
                f"The equation of {e!r} is not identified (order condition): it excludes "
                f"{len(excluded)} variable(s) of the system but needs at least {m - 1}. Give the "
                f"other endogenous construct an instrument that does not affect {e!r}.")
        others = [k for k in range(m) if k != i]
        rank = np.linalg.matrix_rank(C[np.ix_(others, excluded)]) if excluded else 0
        if rank < m - 1:
            raise IdentificationError(
                f"The equation of {e!r} is not identified (rank condition): the variables it "
                f"excludes ({', '.join(map(repr, [cols[k] for k in excluded]))}) enter the other "
                f"equations with rank {rank}, less than {m - 1}. Give the other endogenous "
                "construct(s) their own "
                f"instrument that does not affect {e!r}.")
