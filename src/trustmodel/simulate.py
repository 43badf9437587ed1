"""Data from a population model, and Monte Carlo power analysis.

:func:`simulate` draws multivariate normal data (optionally cut into Likert categories) from a
population model written as lavaan syntax with the population values as fixed values, as
lavaan's ``simulateData``, or from a theory builder that knows its own population values.
Monte Carlo power analysis built on it lives in :mod:`trustmodel.power`.

Conventions follow lavaan's ``simulateData`` (``R/lav_simulate_old.R``): the population table is
built with ``std.lv = TRUE``, ``auto.fix.first = FALSE``, ``auto.fix.single = FALSE`` and
``fixed.x = FALSE``; fixed values in the syntax are the population; anything left free gets 1.0
(loadings; 0.7 when standardized), 1.0 (variances) or 0 (everything else, with a warning for
regression coefficients). With ``standardized=True`` the residual variances that were not given
are solved so that every observed and latent variable has variance 1, which is what
``trustmodel/datasets/make_refs.R`` (it ships with the package) did by hand for the bundled ``edt``/``cdv``/``trust`` data.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sstats

from ._errors import OptionError, TrustModelWarning
from ._validation import check_option, check_seed
from .syntax.statements import statements_of
from .estimation.inference.defined import Definitions
from .model.population import (BUILDER_LOADING, BUILDER_PATH, LITERATURE_PATHS,  # noqa: F401
                               population_dict, population_values)
from .model.ram import RamModel
from .syntax import ParameterTable
from ._warnings import warn

__all__ = ["simulate", "population_model", "Population"]

# --------------------------------------------------------------------------------------------
# population
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Population:
    """A population model: its parameter table with every value filled, and its moments.

    Attributes
    ----------
    table : ParameterTable
        Built with lavaan's ``simulateData`` rules (``std_lv=True``, no marker loadings).
    values : numpy.ndarray
        Population value of every (non-defined) table row.
    standardized : bool
        Whether residual variances were solved so that all variances are 1.
    """

    table: ParameterTable
    values: np.ndarray
    standardized: bool

    @cached_property
    def _moments(self):
        model = RamModel.from_table(self.table)
        imp = model.implied(self.values, 0)
        cov_all, _ = model.lv_moments(self.values, 0)
        return imp.sigma, imp.mu, cov_all

    @property
    def observed(self) -> list:
        return list(self.table.names.ov)

    @property
    def sigma(self) -> pd.DataFrame:
        """Population covariance matrix of the observed variables."""
        ov = self.observed
        return pd.DataFrame(self._moments[0].copy(), index=ov, columns=ov)

    @property
    def mu(self) -> pd.Series:
        """Population means of the observed variables (0 without a mean structure)."""
        return pd.Series(self._moments[1].copy(), index=self.observed)

    @property
    def cov_all(self) -> pd.DataFrame:
        """Population covariance matrix of observed and latent variables."""
        names = self.observed + list(self.table.names.lv)
        return pd.DataFrame(self._moments[2].copy(), index=names, columns=names)

    @property
    def params(self) -> pd.DataFrame:
        """``lhs op rhs label value`` of every row, defined parameters included."""
        rows = self.table.rows
        out = rows.loc[rows["op"] != ":=", ["lhs", "op", "rhs", "label"]].copy()
        out["value"] = self.values
        defs = Definitions(self.table)
        if len(defs):
            extra = pd.DataFrame({"lhs": defs.names, "op": ":=",
                                  "rhs": rows.loc[rows["op"] == ":=", "rhs"].to_list(),
                                  "label": defs.names, "value": defs.evaluate(self.values)})
            out = pd.concat([out, extra], ignore_index=True)
        return out.reset_index(drop=True)


def population_model(model, population: dict | None = None, *,
               standardized: bool | None = None) -> Population:
    """The population model behind :func:`simulate`: every value filled, moments computed.

    Parameters
    ----------
    model : str, ParameterTable or theory builder
        lavaan syntax whose fixed values are the population values (as lavaan's
        ``simulateData``), or a builder with ``population_values()``.
    population : dict, optional
        Values that override the model's: keys ``(lhs, op, rhs)``, ``"lhs op rhs"`` or a label.
    standardized : bool, optional
        Solve the residual variances not given so that every variance is 1. Default: True for
        theory builders (their population values are standardized), False for syntax.

    Returns
    -------
    Population

    Examples
    --------
    >>> pop = population_model("f =~ 0.8*x1 + 0.7*x2 + 0.6*x3", standardized=True)
    >>> pop.sigma.round(2).loc["x1", ["x1", "x2"]].to_list()
    [1.0, 0.56]
    """
    builder_values = getattr(model, "population_values", None)
    is_builder = callable(builder_values) and not isinstance(model, (str, ParameterTable))
    if standardized is None:
        standardized = is_builder
    given = population_dict(population, "population=")
    from_builder = population_dict(builder_values(), "population_values()") if is_builder \
        else None
    pv = population_values(statements_of(model), given, from_builder,
                           standardized=bool(standardized))
    if pv.unset_paths:
        unset = pv.unset_paths
        warn(f"Regression coefficient{'s' if len(unset) > 1 else ''} "
             f"{', '.join(map(repr, unset))} ha{'ve' if len(unset) > 1 else 's'}"
             " no population value and will be set to zero (as lavaan's simulateData);"
             " write the value into the syntax ('y ~ 0.3*x') or pass population=.",
             TrustModelWarning)
    return Population(table=pv.table, values=pv.values, standardized=bool(standardized))


# --------------------------------------------------------------------------------------------
# simulate
# --------------------------------------------------------------------------------------------

def _thresholds(likert: int, thresholds) -> np.ndarray:
    if isinstance(thresholds, str):
        kind = check_option("thresholds", thresholds, ("symmetric", "equal"), "simulate")
        j = np.arange(1, likert)
        if kind == "symmetric":
            return (j - likert / 2) * (5.0 / likert)
        return sstats.norm.ppf(j / likert)
    th = np.sort(np.asarray(thresholds, dtype=float))
    if th.shape != (likert - 1,):
        raise OptionError(f"thresholds= must hold likert - 1 = {likert - 1} numbers; got "
                          f"{th.size}.")
    return th


def _check_n(n, where="n") -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise OptionError(f"{where}= must be an integer sample size; got {n!r}.")
    if n < 2:
        raise OptionError(f"{where}= must be at least 2; got {n!r}.")
    return int(n)


def _check_likert(likert):
    if likert is None:
        return None
    if isinstance(likert, (bool, np.bool_)) or not isinstance(likert, (int, np.integer)) \
            or likert < 2:
        raise OptionError(f"likert= must be None or an integer number of categories >= 2; got "
                          f"{likert!r}.")
    return int(likert)


def _draw(rng, sigma, mu, n, empirical: bool) -> np.ndarray:
    p = len(mu)
    z = rng.standard_normal((n, p))
    if empirical:
        if n <= p:
            raise OptionError(f"empirical=True needs n= larger than the number of observed "
                              f"variables ({p}); got {n}.")
        z = z - z.mean(axis=0)
        c = np.linalg.cholesky(z.T @ z / n)
        z = np.linalg.solve(c, z.T).T          # N-divisor sample covariance exactly I
    L = np.linalg.cholesky(sigma)
    x = z @ L.T
    if empirical:
        x = x - x.mean(axis=0)
    return x + mu


def _discretize(x, mu, sd, cuts) -> np.ndarray:
    z = (x - mu) / sd
    return (np.searchsorted(cuts, z.ravel(), side="right").reshape(z.shape) + 1).astype(np.int64)


def simulate(model, n: int, seed=None, population: dict | None = None,
             likert: int | None = None, empirical: bool = False, *,
             standardized: bool | None = None,
             thresholds: Literal["symmetric", "equal"] | Sequence[float] = "symmetric"
             ) -> pd.DataFrame:
    """Simulate data from a population model (lavaan's ``simulateData``).

    Parameters
    ----------
    model : str, ParameterTable or theory builder
        lavaan syntax with the population values as fixed values (``f =~ 0.8*x1 + ...``), or a
        builder such as :class:`trustmodel.ExpectationDisconfirmation`, whose
        ``population_values()`` (standardized) are used, missing ones filled with literature
        defaults (loadings 0.8, paths from ``LITERATURE_PATHS`` or 0.3).
    n : int
        Number of rows.
    seed : int or numpy.random.Generator, optional
        Same seed, same data.
    population : dict, optional
        Population values overriding the model's: ``{("SAT", "~", "DISC"): 0.4}``,
        ``{"SAT ~ DISC": 0.4}`` or ``{"a": 0.4}`` (a label).
    likert : int, optional
        Cut every variable into ``1..likert`` categories (see ``thresholds``).
    empirical : bool
        Make the sample (N-divisor) covariance matrix and means equal the population exactly,
        so an ML fit reproduces the population values (lavaan's ``empirical = TRUE``).
    standardized : bool, optional
        Solve the residual variances not given so that all variances are 1. Default: True for
        builders, False for syntax (lavaan's default).
    thresholds : {"symmetric", "equal"} or sequence of float
        Cut points on the standardized (population mean and SD) scale. "symmetric": equally
        wide categories of 5 / likert SD, symmetric around the mean (7 points: +-0.36,
        +-1.07, +-1.79), which gives the bell-shaped answers typical of surveys; "equal":
        normal quantiles, every category equally likely; or ``likert - 1`` numbers.

    Returns
    -------
    pandas.DataFrame
        One column per observed variable, in the model's order (integers when ``likert``).

    Warns
    -----
    TrustModelWarning
        When regression coefficients have no population value (set to 0, as lavaan).

    Examples
    --------
    >>> import trustmodel as tm
    >>> df = tm.simulate("f =~ 0.8*x1 + 0.7*x2 + 0.6*x3", n=500, seed=1, standardized=True)
    >>> df.shape
    (500, 3)
    >>> # lavaan: simulateData(model, sample.nobs = 500, standardized = TRUE)
    >>> sorted(int(v) for v in tm.simulate("f =~ 0.8*x1 + 0.7*x2", n=200, seed=1,
    ...                                        likert=5)["x1"].unique())
    [1, 2, 3, 4, 5]
    """
    n = _check_n(n)
    likert = _check_likert(likert)
    rng = check_seed(seed)
    pop = population_model(model, population, standardized=standardized)
    sigma, mu = pop._moments[0], pop._moments[1]
    x = _draw(rng, sigma, mu, n, bool(empirical))
    if likert is not None:
        x = _discretize(x, mu, np.sqrt(np.diag(sigma)), _thresholds(likert, thresholds))
    return pd.DataFrame(x, columns=pop.observed)
