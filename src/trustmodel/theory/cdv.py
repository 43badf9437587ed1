"""Customer-delivered value (Kotler): total customer value minus total customer cost."""
from __future__ import annotations


import numpy as np
import pandas as pd

from .._errors import DataWarning, OptionError
from .._validation import check_option, did_you_mean
from .base import TheoryModel
from .._warnings import warn

VALUE_DIMS = {"product": "PV", "service": "SV", "personnel": "PSV", "image": "IV"}
COST_DIMS = {"monetary": "MC", "time": "TC", "energy": "EC", "physical": "PC"}
ROLES = {**VALUE_DIMS, **COST_DIMS, "total_value": "TCV", "total_cost": "TCC",
         "perceived_value": "VAL", "satisfaction": "SAT", "delivered_value": "CDV"}
_DIM_LOADING = {"product": 0.8, "service": 0.75, "personnel": 0.7, "image": 0.65,
                "monetary": 0.75, "time": 0.7, "energy": 0.7, "physical": 0.6}


class CustomerDeliveredValue(TheoryModel):
    """Customer-delivered value: second-order total value and total cost -> value -> satisfaction.

    Eight first-order factors (product, service, personnel, image value; monetary, time, energy,
    physical cost) load on the second-order factors TCV and TCC (Kotler, *Marketing Management*)::

        TCV =~ PV + SV + PSV + IV        TCC =~ MC + TC + EC + PC
        VAL ~ TCV + TCC                  SAT ~ VAL

    Parameters
    ----------
    value : dict
        ``{"product": [...], "service": [...], "personnel": [...], "image": [...]}`` items of
        the value dimensions (at least two dimensions, each with at least two items).
    cost : dict
        ``{"monetary": [...], "time": [...], "energy": [...], "physical": [...]}``.
    perceived_value, satisfaction : list of str, optional
        Items of perceived value VAL and satisfaction SAT. Without VAL, SAT is regressed on the
        value and cost factors directly.
    form : {"second_order", "difference"}
        ``"difference"`` identifies delivered value as the phantom latent ``CDV = TCV - TCC``
        (``CDV =~ 1*TCV``, ``TCV ~ 1*TCC``, ``TCV ~~ 0*TCV``), so that ``VAL ~ CDV`` holds the
        effects of value and cost equal and opposite. Compare its chi-square with the
        second-order form's (nested, one df), or read ``value_cost_balance`` (``b_val_tcv +
        b_val_tcc``, zero under the difference model) in the second-order form's ``res.params``.
    names : dict, optional
        Latent names replacing the abbreviations (PV, SV, PSV, IV, MC, TC, EC, PC, TCV, TCC,
        VAL, SAT, CDV), keyed by abbreviation or dimension.

    Examples
    --------
    >>> import trustmodel as tm
    >>> df = tm.datasets.load("cdv")
    >>> cdv = tm.CustomerDeliveredValue(
    ...     value={d: [f"{p}{i}" for i in (1, 2, 3)] for d, p in
    ...            [("product", "pv"), ("service", "sv"), ("personnel", "psv"), ("image", "iv")]},
    ...     cost={d: [f"{p}{i}" for i in (1, 2, 3)] for d, p in
    ...           [("monetary", "mc"), ("time", "tc"), ("energy", "ec"), ("physical", "pc")]},
    ...     perceived_value=["val1", "val2", "val3"], satisfaction=["sat1", "sat2", "sat3"])
    >>> res = tm.fit(cdv, df)  # lavaan: sem(cdv_syntax, data)
    >>> float(round(res.fit_measures["chisq"], 2))
    391.14
    """

    _owner = "CustomerDeliveredValue"

    def __init__(self, value: dict, cost: dict, perceived_value=None, satisfaction=None,
                 form: str = "second_order", names=None):
        super().__init__()
        self.form = check_option("form", form, ("second_order", "difference"),
                                 caller=self._owner)
        n = self._names = self._resolve_names(ROLES, names)
        self._dims = {}
        for arg, given, known in (("value", value, VALUE_DIMS), ("cost", cost, COST_DIMS)):
            if not isinstance(given, dict):
                raise OptionError(f"{arg}= of {self._owner}() must be a dict of dimension -> "
                                  f"items with keys among {', '.join(map(repr, known))}; got "
                                  f"{type(given).__name__}.")
            bad = [k for k in given if k not in known]
            if bad:
                raise OptionError(f"{arg}= of {self._owner}() has unknown dimension(s) "
                                  f"{', '.join(map(repr, bad))}; use "
                                  f"{', '.join(map(repr, known))}." + did_you_mean(bad, known))
            if len(given) < 2:
                raise OptionError(f"{arg}= of {self._owner}() needs at least two dimensions for "
                                  f"a second-order factor; got {list(given)!r}.")
            for dim, items in given.items():
                self._add_construct(n[dim], items, f"{arg}[{dim!r}]")
                self._dims[n[dim]] = dim
        has_v, has_s = perceived_value is not None, satisfaction is not None
        if has_v:
            self._add_construct(n["perceived_value"], perceived_value, "perceived_value")
        if has_s:
            self._add_construct(n["satisfaction"], satisfaction, "satisfaction")
        TCV, TCC = n["total_value"], n["total_cost"]
        self._higher[TCV] = [n[d] for d in value]
        self._higher[TCC] = [n[d] for d in cost]
        self._check_shared_items()
        VAL, SAT, CDV = n["perceived_value"], n["satisfaction"], n["delivered_value"]
        outcome = VAL if has_v else (SAT if has_s else None)
        if self.form == "difference":
            self._extra += [f"# delivered value: the phantom {CDV} = {TCV} - {TCC}",
                            f"{CDV} =~ 1*{TCV}", f"{TCV} ~~ 0*{TCV}"]
            self._add_path(TCC, TCV, fixed=1.0)
            if outcome is not None:
                self._add_path(CDV, outcome)
        elif outcome is not None:
            self._add_path(TCV, outcome)
            self._add_path(TCC, outcome)
        if has_v and has_s:
            self._add_path(VAL, SAT)
        if self.form == "second_order" and outcome is not None:
            self._definitions.append(("value_cost_balance",
                                      f"b_{outcome}_{TCV} + b_{outcome}_{TCC}".lower()))
        if has_v and has_s:
            if self.form == "second_order":
                self._name_indirect([TCV, VAL, SAT], "tcv_val_sat")
                self._name_indirect([TCC, VAL, SAT], "tcc_val_sat")
            else:
                self._name_indirect([CDV, VAL, SAT], "cdv_val_sat")
        for p in self._paths:
            if p.fixed is None:
                self._name_direct(p.source, p.target)
        self._population_paths = {("perceived_value", "total_value"): 0.55,
                                  ("perceived_value", "total_cost"): -0.35,
                                  ("satisfaction", "perceived_value"): 0.6,
                                  ("satisfaction", "total_value"): 0.55,
                                  ("satisfaction", "total_cost"): -0.35,
                                  ("perceived_value", "delivered_value"): 0.45,
                                  ("satisfaction", "delivered_value"): 0.45}
        self._population_covs = {("total_value", "total_cost"): -0.2}
        self._population_loadings = {"perceived_value": (0.85, 0.8, 0.75),
                                     "satisfaction": (0.85, 0.8, 0.8)}

    def population_values(self) -> dict:
        """Standardized population values of ``trustmodel/datasets/cdv_population.lav``."""
        out = super().population_values()
        for higher, lower in self._higher.items():
            for low in lower:
                out[(higher, "=~", low)] = _DIM_LOADING[self._dims[low]]
        if self.form == "difference":
            n = self._names
            out[(n["delivered_value"], "=~", n["total_value"])] = 1.0
            out[(n["total_value"], "~~", n["total_value"])] = 0.0
        return out

    def delivered_value(self, res, method: str = "regression") -> pd.DataFrame:
        """Delivered value per respondent from factor scores.

        Parameters
        ----------
        res : FitResult
            A fit of this model on raw data.
        method : {"regression", "bartlett"}
            Factor-score method (lavaan's ``lavPredict``).

        Returns
        -------
        pandas.DataFrame
            One row per row of the fitted data: ``total_value`` and ``total_cost`` (scores on
            the metric of their marker items: the first item of the first dimension, centred
            scores plus that item's sample mean), ``delivered_value = total_value -
            total_cost`` and ``value_cost_ratio = total_value / total_cost`` (value per unit
            cost; NaN, with a :class:`~trustmodel.DataWarning`, unless every cost score is
            positive, as on a 1-7 or 1-10 rating scale).

        Examples
        --------
        >>> import trustmodel as tm
        >>> df = tm.datasets.load("cdv")
        >>> three = lambda p: [f"{p}{i}" for i in (1, 2, 3)]
        >>> cdv = tm.CustomerDeliveredValue(
        ...     value={"product": three("pv"), "service": three("sv"),
        ...            "personnel": three("psv"), "image": three("iv")},
        ...     cost={"monetary": three("mc"), "time": three("tc"), "energy": three("ec"),
        ...           "physical": three("pc")}, perceived_value=three("val"))
        >>> dv = cdv.delivered_value(tm.fit(cdv, df + 4))   # items shifted onto a 1-7 range
        >>> list(dv.columns)
        ['total_value', 'total_cost', 'delivered_value', 'value_cost_ratio']
        """
        method = check_option("method", method, ("regression", "bartlett"),
                              caller="delivered_value")
        scores = _factor_scores(res, method)
        n = self._names
        TCV, TCC = n["total_value"], n["total_cost"]
        means = res.sample["mean"] if not isinstance(res.sample, list) else res.sample[0]["mean"]
        v = scores[TCV] + float(means[self._marker(TCV)])
        c = scores[TCC] + float(means[self._marker(TCC)])
        out = pd.DataFrame({"total_value": v, "total_cost": c, "delivered_value": v - c},
                           index=scores.index)
        if (c.dropna() > 0).all():
            out["value_cost_ratio"] = v / c
        else:
            warn("The value/cost ratio needs total cost on a positive scale (ratings "
                 "such as 1-7); some cost scores are zero or negative (centred data?), "
                 "so value_cost_ratio is NaN. delivered_value (the difference) is "
                 "always defined.", DataWarning)
            out["value_cost_ratio"] = np.nan
        return out

    def _marker(self, higher: str) -> str:
        first = self._higher[higher][0]
        return self._constructs[first][0]


def _factor_scores(res, method: str) -> pd.DataFrame:
    try:
        from ..diagnostics.factor_scores import factor_scores
    except ImportError:  # pragma: no cover - the diagnostics module ships with the package
        return _regression_scores(res)
    return factor_scores(res, method=method)


def _regression_scores(res) -> pd.DataFrame:
    """Regression factor scores Cov(eta, y) Sigma^-1 (y - ybar) (single group, raw data)."""
    model = res.state.problem.model
    g = res.stats.groups[0]
    cov, _ = model.lv_moments(res.state.values, 0)
    p = model.p
    W = np.linalg.solve(cov[:p, :p], cov[p:, :p].T)
    return pd.DataFrame((g.data - g.mean) @ W, columns=list(model.lv))
