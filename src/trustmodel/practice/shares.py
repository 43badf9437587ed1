"""R-squared shares from a correlation matrix: the estimation step of key driver analysis.

:func:`estimate` turns a correlation matrix (outcome first), and optionally bootstrap draws
of it, into a :class:`DriverResult`; :func:`from_rows` does the same from raw rows with a row
bootstrap. :func:`trustmodel.practice.drivers.drivers` (data, matrices) and
:func:`trustmodel.practice.latent.latent_drivers` (fitted models) both call them. The methods
and their references are those of :mod:`trustmodel.practice.drivers`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .._errors import BootstrapFailureWarning, DataError, OptionError
from .._validation import check_seed
from .._warnings import warn
from . import importance as imp

METHODS = ("relative_weights", "shapley", "dominance")
MAX_SUBSET_PREDICTORS = 24   # 2**24 subsets: 130 MB per R2 array, seconds of work


@dataclass(frozen=True)
class DriverResult:
    """Result of :func:`drivers`.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by predictor: ``weight`` (share of R-squared in R-squared units), ``percent``
        (share of R-squared, 0-100), ``rank``; with a bootstrap ``se``, ``ci_lower``/``ci_upper``
        (of ``weight``) and ``pct_lower``/``pct_upper`` (of ``percent``); for relative weights with a bootstrap also ``rand_lower``/``rand_upper``
        (interval of weight minus a random variable's weight) and ``significant``.
    r2 : float
        R-squared of the outcome on all predictors.
    method, outcome : str
    nobs : int or None
    conditional : pandas.DataFrame or None
        Dominance only: mean R-squared increment of each predictor (rows) over the subsets
        of size k of the others (columns k = 0..p-1).
    dominance : dict of pandas.DataFrame
        Dominance only: ``"complete"``, ``"conditional"``, ``"general"`` matrices,
        entry [i, j] = 1 if i dominates j, 0 if j dominates i, 0.5 if undetermined.
    subsets : pandas.Series or None
        Shapley/dominance: R-squared of every predictor subset ("x1+x3"), by size
        (``subset_r2``: the same indexed by bitmask, bit j = predictor j).
    """

    table: pd.DataFrame
    r2: float
    method: str
    outcome: str
    nobs: int | None = None
    bootstrap: int = 0
    level: float = 0.95
    seed: object = None
    source: str = "data"
    conditional: pd.DataFrame | None = None
    dominance: dict = field(default_factory=dict)
    subset_r2: np.ndarray | None = field(default=None, repr=False)

    @property
    def predictors(self) -> list:
        return list(self.table.index)

    @cached_property
    def subsets(self) -> pd.Series | None:
        """R-squared of every predictor subset ("x1+x3"), ordered by size (built on first
        access: 2**p labels)."""
        if self.subset_r2 is None:
            return None
        masks, labels = _subset_labels(self.predictors)
        return pd.Series(self.subset_r2[masks], index=pd.Index(labels, name="subset"),
                         name="r2")

    def plot(self, **kwargs):
        """Bar chart of the weights with their intervals; see
        :func:`trustmodel.plotting.practice.plot_drivers`."""
        from ..plotting.practice import plot_drivers
        return plot_drivers(self, **kwargs)

    def importance_performance(self, data: pd.DataFrame, *, lower: float = 1,
                               upper: float = 10) -> pd.DataFrame:
        """Importance (``percent``) against performance (predictor mean rescaled to 0-100
        from the ``lower``-``upper`` scale), the input of
        :func:`trustmodel.plotting.plot_ipma`."""
        if upper <= lower:
            raise OptionError(f"upper= must exceed lower=; got lower={lower!r}, "
                              f"upper={upper!r}.")
        missing = [c for c in self.predictors if c not in data.columns]
        if missing:
            raise DataError(f"Columns {', '.join(map(repr, missing))} are missing from data; "
                            "performance needs the predictors' own ratings.")
        perf = (data[self.predictors].mean() - lower) / (upper - lower) * 100
        return pd.DataFrame({"importance": self.table["percent"], "performance": perf})

    def _repr_html_(self) -> str:
        head = (f"<p><b>Key drivers of {self.outcome}</b> ({self.method}, "
                f"R&sup2; = {self.r2:.3f}{'' if self.nobs is None else f', N = {self.nobs}'})"
                "</p>")
        return head + self.table.round(4)._repr_html_()

    def __repr__(self) -> str:
        return (f"<DriverResult {self.method} of {self.outcome!r}: R2={self.r2:.4f}, "
                f"{len(self.table)} predictors>\n{self.table.round(4).to_string()}")


# ----------------------------------------------------------------------------- estimate
def _weights(R: np.ndarray, method: str):
    p = R.shape[0] - 1
    if method == "relative_weights":
        return imp.relative_weights(R), None
    r2 = imp.subset_r2(R)
    return imp.shapley(r2, p), r2


def _subset_labels(predictors):
    p = len(predictors)
    masks = np.arange(1, 1 << p)
    labels = ["+".join(predictors[j] for j in range(p) if m >> j & 1) for m in masks]
    order = np.lexsort((masks, imp.popcount(masks, p)))
    return masks[order], [labels[k] for k in order]


def estimate(R: np.ndarray, predictors, outcome: str, method: str, *, nobs=None,
             draws: np.ndarray | None = None, rand_draws=None, level: float = 0.95,
             seed=None, source: str = "data") -> DriverResult:
    """Build a :class:`DriverResult` from the correlation matrix ``R`` (outcome first) and,
    optionally, bootstrap correlation matrices ``draws`` (B, q, q) and ``rand_draws`` (the
    same with a random variable appended, for the significance test)."""
    imp.check_positive_definite(R, predictors)
    p = len(predictors)
    if method != "relative_weights" and p > MAX_SUBSET_PREDICTORS:
        raise OptionError(f"method={method!r} enumerates all 2**p subsets; {p} predictors are "
                          f"too many (at most {MAX_SUBSET_PREDICTORS}). Use "
                          "method='relative_weights' or group the predictors.")
    w, r2s = _weights(R, method)
    r2 = float(np.sum(w))
    table = pd.DataFrame({"weight": w, "percent": 100 * w / r2 if r2 > 0 else np.nan},
                         index=pd.Index(predictors, name="predictor"))
    table["rank"] = table["weight"].rank(ascending=False, method="min").astype(int)
    a = (1 - level) / 2
    B = 0
    if draws is not None:
        B = draws.shape[0]
        bw = (imp.relative_weights(draws) if method == "relative_weights"
              else np.array([_weights(Rb, method)[0] for Rb in draws]))
        table["se"] = bw.std(axis=0, ddof=1)
        table["ci_lower"], table["ci_upper"] = np.quantile(bw, [a, 1 - a], axis=0)
        share = 100 * bw / bw.sum(axis=1, keepdims=True)
        table["pct_lower"], table["pct_upper"] = np.quantile(share, [a, 1 - a], axis=0)
    if rand_draws is not None:
        rw = imp.relative_weights(rand_draws)
        diff = rw[:, :p] - rw[:, [p]]
        table["rand_lower"], table["rand_upper"] = np.quantile(diff, [a, 1 - a], axis=0)
        table["significant"] = table["rand_lower"] > 0
    extra = {}
    if method == "dominance":
        cond = imp.conditional_dominance(r2s, p)
        idx = pd.Index(predictors, name="predictor")
        extra["conditional"] = pd.DataFrame(cond, index=idx,
                                            columns=pd.Index(range(p), name="k"))
        mats = {"complete": imp.complete_dominance(r2s, p),
                "conditional": imp.pairwise_dominance(cond),
                "general": imp.pairwise_dominance(w)}
        extra["dominance"] = {k: pd.DataFrame(v, index=idx, columns=predictors)
                              for k, v in mats.items()}
    if r2s is not None:
        r2s.flags.writeable = False
        extra["subset_r2"] = r2s
    return DriverResult(table=table, r2=r2, method=method, outcome=outcome, nobs=nobs,
                        bootstrap=B, level=level, seed=seed, source=source, **extra)



def from_rows(X: np.ndarray, predictors, outcome, method, *, B: int, level: float, seed,
              source: str = "data") -> DriverResult:
    """Drivers from a rows x (outcome, predictors) array, with a row bootstrap of ``B``."""
    R = np.corrcoef(X, rowvar=False)
    draws = rand = None
    if B:
        rng = check_seed(seed)
        if method == "relative_weights":
            Xr = np.column_stack([X, rng.standard_normal(X.shape[0])])
            rand = imp.resampled_correlations(Xr, B, rng)
            draws = rand[:, :-1, :-1]
        else:
            draws = imp.resampled_correlations(X, B, rng)
        bad = ~np.isfinite(draws).all(axis=(1, 2))
        if bad.any():   # a resample with a constant column
            warn(f"{int(bad.sum())} of {B} bootstrap resamples had a constant "
                 "column and were dropped.", BootstrapFailureWarning)
            draws = draws[~bad]
            rand = None if rand is None else rand[~bad]
    return estimate(R, predictors, outcome, method, nobs=X.shape[0], draws=draws,
                    rand_draws=rand, level=level, seed=seed, source=source)
