"""Three-level trust: satisfaction -> cognitive -> affective -> behavioral trust."""
from __future__ import annotations

import pandas as pd

from .._errors import OptionError
from .base import TheoryModel, check_reliability

ROLES = {"satisfaction": "SAT", "cognitive": "COG", "affective": "AFF", "behavioral": "BEH"}


class ThreeLevelTrust(TheoryModel):
    """Trust as satisfaction turned into behaviour: SAT -> COG -> AFF -> BEH.

    Cognitive trust rests on the product meeting the customer's needs; affective trust is
    lasting satisfaction that forms a preference; behavioral trust is the long-term
    relationship (repeat purchase, attention to the firm). Structural model::

        COG ~ SAT
        AFF ~ COG + SAT          (SAT -> AFF with direct_paths=True)
        BEH ~ AFF (+ SAT)        (SAT -> BEH with sat_to_beh=True)

    The headline quantity is the chained indirect effect SAT->COG->AFF->BEH
    (``sat_cog_aff_beh := b_cog_sat*b_aff_cog*b_beh_aff``) and the share of the total effect of
    SAT on BEH it carries (``chain_share := sat_cog_aff_beh / total_sat_beh``).

    Parameters
    ----------
    satisfaction, cognitive, affective, behavioral : list of str
        Items of each construct (at least two each unless ``reliability=`` fixes a single
        item's reliability).
    direct_paths : bool
        Include SAT -> AFF (default True).
    sat_to_beh : bool
        Include SAT -> BEH (default False).
    names : dict, optional
        Latent names replacing SAT, COG, AFF, BEH.
    reliability : dict, optional
        Fixed reliability of a single-item construct, e.g. ``{"BEH": 0.8}``.

    Examples
    --------
    >>> import trustmodel as tm
    >>> trust = tm.ThreeLevelTrust(satisfaction=["sat1", "sat2", "sat3"],
    ...     cognitive=["cog1", "cog2", "cog3"], affective=["aff1", "aff2", "aff3"],
    ...     behavioral=["beh1", "beh2", "beh3"])
    >>> res = tm.fit(trust, tm.datasets.load("trust"))  # lavaan: sem(trust_syntax, data)
    >>> eff = res.effects.set_index("name")
    >>> float(round(eff.loc["SAT->COG->AFF->BEH", "est"], 4))
    0.1387
    """

    _owner = "ThreeLevelTrust"
    _population_loadings = {"satisfaction": (0.85, 0.8, 0.75), "cognitive": (0.8, 0.75, 0.75),
                            "affective": (0.8, 0.8, 0.7), "behavioral": (0.75, 0.75, 0.7)}
    _population_paths = {("cognitive", "satisfaction"): 0.6, ("affective", "cognitive"): 0.45,
                         ("affective", "satisfaction"): 0.25, ("behavioral", "affective"): 0.55,
                         ("behavioral", "satisfaction"): 0.1}

    def __init__(self, satisfaction, cognitive, affective, behavioral, direct_paths: bool = True,
                 sat_to_beh: bool = False, names=None, reliability=None):
        super().__init__()
        for arg, v in (("direct_paths", direct_paths), ("sat_to_beh", sat_to_beh)):
            if not isinstance(v, bool):
                raise OptionError(f"{arg}= of ThreeLevelTrust() must be True or False; got {v!r}.")
        n = self._names = self._resolve_names(ROLES, names)
        self._reliability = check_reliability(self._owner, reliability, n)
        for role, items in (("satisfaction", satisfaction), ("cognitive", cognitive),
                            ("affective", affective), ("behavioral", behavioral)):
            self._add_construct(n[role], items, role)
        self._check_shared_items()
        S, C, A, B = n["satisfaction"], n["cognitive"], n["affective"], n["behavioral"]
        self._add_path(S, C)
        self._add_path(C, A)
        if direct_paths:
            self._add_path(S, A)
        self._add_path(A, B)
        if sat_to_beh:
            self._add_path(S, B)
        self._name_indirect([S, C, A, B], "sat_cog_aff_beh")
        self._name_indirect([S, A, B], "sat_aff_beh")
        self._name_total(S, B, "total_sat_beh")
        self._definitions.append(("chain_share", "sat_cog_aff_beh/total_sat_beh"))
        self.direct_paths, self.sat_to_beh = direct_paths, sat_to_beh

    def chain_share(self, res) -> pd.Series:
        """The share of SAT's total effect on BEH carried by the chain SAT->COG->AFF->BEH.

        Returns the ``chain_share`` row of ``res.params`` (estimate with delta-method SE).
        """
        p = res.params
        row = p[(p["op"] == ":=") & (p["lhs"] == "chain_share")]
        return row.iloc[0][["est", "se", "z", "pvalue", "ci_lower", "ci_upper"]].astype(float)
