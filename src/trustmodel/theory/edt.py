"""Expectation-disconfirmation satisfaction (Oliver 1980; Churchill & Surprenant 1982)."""
from __future__ import annotations


from .._errors import DataWarning, ModelSyntaxError, OptionError
from .base import TheoryModel, apply_paths, check_reliability
from .._warnings import warn

ROLES = {"expectation": "EXP", "performance": "PERF", "disconfirmation": "DISC",
         "satisfaction": "SAT", "loyalty": "LOY", "complaints": "COMP"}


def _role(abbrev: str) -> str:
    """The role of a default abbreviation ("DISC" -> "disconfirmation"), else the name."""
    return {v: k for k, v in ROLES.items()}.get(abbrev, abbrev)


class ExpectationDisconfirmation(TheoryModel):
    """The expectation-disconfirmation model of satisfaction as a structural equation model.

    Canonical model (Oliver 1980; Churchill & Surprenant 1982)::

        PERF ~ EXP                  (assimilation)
        DISC ~ PERF + EXP           (PERF positive, EXP negative)
        SAT  ~ DISC + PERF + EXP
        LOY  ~ SAT                  (COMP ~ SAT and LOY ~ COMP with complaints=)

    Parameters
    ----------
    expectation, performance, satisfaction : list of str
        Items (data columns) of each construct, at least two each.
    disconfirmation : list of str or "inferred"
        Items of subjective ("better / worse than expected") disconfirmation, or ``"inferred"``
        for disconfirmation as the difference PERF - EXP of matched items (a phantom latent
        ``DISC = PERF - EXP``; ``SAT ~ DISC`` then constrains the effects of PERF and EXP to be
        equal and opposite). Fitting the inferred form issues a :class:`~trustmodel.DataWarning`
        about difference scores; :func:`trustmodel.response_surface` is the better test.
    loyalty, complaints : list of str, optional
        Outcome constructs.
    paths : list or dict, optional
        Structural paths replacing the default (``["SAT ~ DISC + PERF", "EXP -> PERF"]``), or
        ``{"add": [...], "drop": [...]}`` to edit it.
    names : dict, optional
        Latent names replacing the abbreviations, e.g. ``{"SAT": "Satisfaction"}``.
    reliability : dict, optional
        Fixed reliability of a single-item construct, e.g. ``{"LOY": 0.8}``: its item's residual
        variance is fixed at (1 - reliability) * var(item) (variance from the fitted data).
    moderator : dict, optional
        A construct moderating one structural path, e.g. involvement ``{"INV": ["inv1",
        "inv2", "inv3"]}``: adds ``SAT ~ INV + DISC:INV`` (for the default ``moderated=``), the
        simple slopes at -1/+1 SD of the moderator and the conditional indirect effects
        (EXP->DISC->SAT, PERF->DISC->SAT at -1/+1 SD) with the index of moderated mediation as
        ``:=`` parameters (conditional process analysis, Hayes 2018; see ``self.moderation``).
    moderated : str
        The moderated path, ``"FROM->TO"`` in the model's construct names (default
        ``"DISC->SAT"``, the second stage of the disconfirmation chains).

    Attributes
    ----------
    syntax : str
        Editable lavaan syntax; ``table`` the ParameterTable; ``named_effects`` the effects
        EXP->DISC->SAT, PERF->DISC->SAT, SAT->LOY and the total effects of EXP and PERF on SAT
        and LOY, declared as ``:=`` parameters (delta-method SEs in ``res.params``) and listed
        first in ``res.effects``.

    Notes
    -----
    Difference scores are unreliable when their components correlate and confound the effects
    of their components (Peter, Churchill & Brown 1993, doi:10.1086/209343; Edwards 2001,
    doi:10.1177/109442810142004). The inferred form is offered to replicate studies that used
    it; polynomial regression with response surface analysis avoids its constraints.

    Examples
    --------
    >>> import trustmodel as tm
    >>> edt = tm.ExpectationDisconfirmation(
    ...     expectation=["e1", "e2", "e3"], performance=["p1", "p2", "p3"],
    ...     disconfirmation=["d1", "d2", "d3"], satisfaction=["s1", "s2", "s3"],
    ...     loyalty=["l1", "l2", "l3"])
    >>> print(edt.syntax.splitlines()[7])
    PERF ~ b_perf_exp*EXP
    >>> res = tm.fit(edt, tm.datasets.load("edt"))  # lavaan: sem(edt_syntax, data)
    >>> eff = res.effects.set_index("name")
    >>> float(round(eff.loc["EXP->DISC->SAT", "est"], 4))  # lavaan: exp_disc_sat := a*b
    -0.1233
    """

    _owner = "ExpectationDisconfirmation"
    _population_loadings = {"expectation": (0.75, 0.8, 0.7), "performance": (0.8, 0.8, 0.75),
                            "disconfirmation": (0.8, 0.75, 0.7),
                            "satisfaction": (0.85, 0.8, 0.8), "loyalty": (0.8, 0.75, 0.7),
                            "complaints": (0.8, 0.75, 0.7)}

    def __init__(self, expectation, performance, disconfirmation, satisfaction, loyalty=None,
                 complaints=None, paths=None, names=None, reliability=None, moderator=None,
                 moderated: str = "DISC->SAT"):
        super().__init__()
        n = self._names = self._resolve_names(ROLES, names)
        self._reliability = check_reliability(self._owner, reliability, n)
        self.inferred = isinstance(disconfirmation, str)
        if self.inferred and disconfirmation != "inferred":
            raise OptionError("disconfirmation= of ExpectationDisconfirmation() must be a list of "
                              f"items or 'inferred'; got {disconfirmation!r}.")
        self._add_construct(n["expectation"], expectation, "expectation")
        self._add_construct(n["performance"], performance, "performance")
        if not self.inferred:
            self._add_construct(n["disconfirmation"], disconfirmation, "disconfirmation")
        else:
            e, p = self._constructs[n["expectation"]], self._constructs[n["performance"]]
            if len(e) != len(p):
                raise ModelSyntaxError(
                    "disconfirmation='inferred' needs matched items: one performance item per "
                    f"expectation item, in the same order; got {len(e)} expectation and {len(p)} "
                    "performance items.")
        self._add_construct(n["satisfaction"], satisfaction, "satisfaction")
        if loyalty is not None:
            self._add_construct(n["loyalty"], loyalty, "loyalty")
        if complaints is not None:
            self._add_construct(n["complaints"], complaints, "complaints")
        self._check_shared_items()
        self._build(paths)
        focal, _, target = str(moderated).partition("->")
        focal, target = (self._names.get(_role(focal.strip()), focal.strip()),
                         self._names.get(_role(target.strip()), target.strip()))
        self._add_moderation(moderator, focal, target)

    def _build(self, paths) -> None:
        n = self._names
        E, P, D, S = n["expectation"], n["performance"], n["disconfirmation"], n["satisfaction"]
        L, C = n["loyalty"], n["complaints"]
        has_l, has_c = L in self._constructs, C in self._constructs
        if not self.inferred:
            default = [(E, P), (P, D), (E, D), (D, S), (P, S), (E, S)]
        else:
            # phantom: PERF = 1*EXP + 1*DISC with no residual, so DISC = PERF - EXP exactly
            default = [(E, D), (D, S)]
        if has_c:
            default.append((S, C))
        if has_l:
            default.append((S, L))
            if has_c:
                default.append((C, L))
        known = [E, P, D, S] + ([L] if has_l else []) + ([C] if has_c else [])
        chosen = apply_paths(self._owner, default, paths, known)
        if self.inferred:
            self._add_path(E, P, fixed=1.0)
            bad = [f"{a} -> {b}" for a, b in chosen if b == P or (a == P and b == D)]
            if bad:
                raise OptionError("With disconfirmation='inferred', PERF = EXP + DISC is fixed; "
                                  f"paths= cannot add {', '.join(bad)}.")
            self._extra += [f"{D} =~ 1*{P}", f"{P} ~~ 0*{P}"]
        for a, b in chosen:
            self._add_path(a, b)
        self._name_indirect([E, D, S], "exp_disc_sat")
        self._name_indirect([P, D, S], "perf_disc_sat")
        if has_c:
            self._name_indirect([S, C, L], "sat_comp_loy")
        if has_l:
            self._name_total(S, L, "total_sat_loy")
        self._name_total(E, S, "total_exp_sat")
        self._name_total(P, S, "total_perf_sat")
        if has_l:
            self._name_total(E, L, "total_exp_loy")
            self._name_total(P, L, "total_perf_loy")
        if self.inferred:
            self._population_paths = {("disconfirmation", "expectation"): -0.6,
                                      ("satisfaction", "disconfirmation"): 0.5,
                                      ("loyalty", "satisfaction"): 0.6,
                                      ("complaints", "satisfaction"): -0.4,
                                      ("loyalty", "complaints"): -0.2}
        else:
            self._population_paths = {("performance", "expectation"): 0.4,
                                      ("disconfirmation", "performance"): 0.65,
                                      ("disconfirmation", "expectation"): -0.3,
                                      ("satisfaction", "disconfirmation"): 0.5,
                                      ("satisfaction", "performance"): 0.25,
                                      ("satisfaction", "expectation"): 0.1,
                                      ("loyalty", "satisfaction"): 0.6,
                                      ("complaints", "satisfaction"): -0.4,
                                      ("loyalty", "complaints"): -0.2}

    def validate_data(self, data) -> None:
        super().validate_data(data)
        if self.inferred:
            warn(
                "disconfirmation='inferred' models disconfirmation as the difference PERF - EXP. "
                "Difference scores are unreliable when their components correlate and they "
                "constrain the effects of performance and expectation to be equal and opposite "
                "(Peter, Churchill & Brown 1993; Edwards 2001). Test that constraint with "
                "polynomial regression and response surface analysis: tm.response_surface.",
                DataWarning)

    def population_values(self) -> dict:
        out = super().population_values()
        if self.inferred:
            n = self._names
            out[(n["disconfirmation"], "=~", n["performance"])] = 1.0
        return out
