"""Conditional process analysis: conditional indirect effects and moderated mediation.

For a chain ``x -> m1 -> ... -> y`` each link's coefficient may depend linearly on a moderator
``w`` (``m ~ a1 x + a2 w + a3 x:w``): the link is ``a1 + a3 w``, the conditional indirect
effect is the product of the links at ``w`` (Hayes 2018, ch. 11; Preacher, Rucker & Hayes
2007), and with exactly one moderated link the index of moderated mediation is that link's
``a3`` times the other links (Hayes 2015). Intervals: delta method, Monte Carlo (Preacher &
Selig 2012) or the fit's bootstrap draws. :func:`montecarlo_ci` gives Monte Carlo intervals
for every ``:=`` parameter of a fit.
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import stats as sst

from .._errors import OptionError
from .._validation import check_seed
from ._access import (
    Coefficients,
    coefficient_keys,
    find_row,
    infer,
    row_values,
    wald_table,
)
from .probing import moderator_values


def _links(res, path, w):
    """Rows of each link's first-order and product coefficients (product None if absent)."""
    if isinstance(path, str) or len(path) < 3:
        raise OptionError(f"path= must list at least three variables (x, mediator(s), y); "
                          f"got {path!r}.")
    rows, moderated = [], []
    for a, b in pairwise(path):
        main, prod = coefficient_keys(res, [(b, a), (b, f"{a}:{w}")])
        if main is None:
            raise OptionError(f"The model has no regression {b} ~ {a} on the path "
                              f"{' -> '.join(path)}.")
        rows += [main, prod]
        moderated.append(prod is not None)
    if not any(moderated):
        raise OptionError(f"No link of {' -> '.join(path)} is moderated by {w!r} (no product "
                          f"term with {w}).")
    return rows, moderated


def conditional_indirect(res, path, w: str, *, values=None, ci: str = "delta",
                         level: float = 0.95, draws: int = 20000, seed=None) -> pd.DataFrame:
    """Conditional indirect effects along ``path`` at values of the moderator ``w``.

    Parameters
    ----------
    res : FitResult or LMS result
    path : sequence of str
        ``[x, m, y]`` or a serial chain ``[x, m1, m2, y]``.
    w : str
        Moderator; links with a product term ``a:w`` in their equation are moderated.
    values : sequence of float, optional
        Moderator values (default: model-implied mean and +-1 SD).
    ci : {"delta", "montecarlo", "bootstrap"}
    level : float
    draws : int
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        ``label, value, effect, se, z, pvalue, ci_lower, ci_upper``.

    References
    ----------
    Preacher, K. J., Rucker, D. D., & Hayes, A. F. (2007). Addressing moderated mediation
    hypotheses. Multivariate Behavioral Research, 42(1), 185-227.
    doi:10.1080/00273170701341316

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustmodel as tm
    >>> rng = np.random.default_rng(2)
    >>> d = pd.DataFrame(rng.normal(size=(500, 2)), columns=["x", "w"])
    >>> d["m"] = 0.5 * d.x + 0.2 * d.w + 0.3 * d.x * d.w + rng.normal(size=500)
    >>> d["y"] = 0.4 * d.m + rng.normal(size=500)
    >>> res = tm.fit("m ~ x + w + x:w\\ny ~ m + x", d)
    >>> tab = tm.conditional_indirect(res, ["x", "m", "y"], w="w")
    >>> bool(tab.effect.is_monotonic_increasing)
    True
    """
    rows, _ = _links(res, list(path), w)
    vals, labels = moderator_values(res, w, values)

    def effect(B):
        out = np.ones((B.shape[0], len(vals)))
        for k in range(0, B.shape[1], 2):
            out *= B[:, k:k + 1] + B[:, k + 1:k + 2] * vals[None, :]
        return out

    est, se, lo, hi = infer(Coefficients(res, rows), effect, ci=ci, level=level, draws=draws,
                            seed=seed)
    return wald_table(labels, vals, "effect", est, se, lo, hi)


def index_of_moderated_mediation(res, path, w: str, *, ci: str = "delta",
                                 level: float = 0.95, draws: int = 20000,
                                 seed=None) -> pd.Series:
    """Hayes' (2015) index of moderated mediation along ``path``.

    The slope of the conditional indirect effect in ``w``: the moderated link's product
    coefficient times the other links. Defined when exactly one link is moderated (else the
    indirect effect is not linear in ``w``).

    Returns
    -------
    pandas.Series
        ``index, se, z, pvalue, ci_lower, ci_upper``.

    References
    ----------
    Hayes, A. F. (2015). An index and test of linear moderated mediation. Multivariate
    Behavioral Research, 50(1), 1-22. doi:10.1080/00273171.2014.962683

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustmodel as tm
    >>> rng = np.random.default_rng(2)
    >>> d = pd.DataFrame(rng.normal(size=(500, 2)), columns=["x", "w"])
    >>> d["m"] = 0.5 * d.x + 0.2 * d.w + 0.3 * d.x * d.w + rng.normal(size=500)
    >>> d["y"] = 0.4 * d.m + rng.normal(size=500)
    >>> res = tm.fit("m ~ x + w + x:w\\ny ~ m + x", d)
    >>> imm = tm.index_of_moderated_mediation(res, ["x", "m", "y"], w="w")
    >>> bool(imm["ci_lower"] > 0)
    True
    """
    rows, moderated = _links(res, list(path), w)
    if sum(moderated) != 1:
        raise OptionError("The index of moderated mediation needs exactly one moderated link; "
                          f"{sum(moderated)} links of {' -> '.join(path)} depend on {w!r}. "
                          "Report conditional_indirect() instead.")
    j = moderated.index(True)

    def index(B):
        out = B[:, 2 * j + 1].copy()
        for k in range(len(moderated)):
            if k != j:
                out *= B[:, 2 * k]
        return out[:, None]

    est, se, lo, hi = infer(Coefficients(res, rows), index, ci=ci, level=level, draws=draws,
                            seed=seed)
    z = est[0] / se[0] if se[0] > 0 else np.nan
    return pd.Series({"index": est[0], "se": se[0], "z": z,
                      "pvalue": 2 * sst.norm.sf(abs(z)), "ci_lower": lo[0], "ci_upper": hi[0]})


def montecarlo_ci(res, *, draws: int = 20000, seed=None, level: float = 0.95) -> pd.DataFrame:
    """Monte Carlo confidence intervals of every ``:=`` parameter of a fit.

    Draws the free parameters from N(estimate, vcov) (the asymptotic distribution), evaluates
    each definition per draw and takes percentile intervals (Preacher & Selig 2012; semTools'
    ``monteCarloCI``).

    Returns
    -------
    pandas.DataFrame
        Index: the defined names; ``est, se, ci_lower, ci_upper`` (``se`` the draws' SD).

    References
    ----------
    Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence intervals for
    indirect effects. Communication Methods and Measures, 6(2), 77-98.
    doi:10.1080/19312458.2012.679848

    Examples
    --------
    >>> import trustmodel as tm
    >>> res = tm.fit(tm.ExpectationDisconfirmation(expectation=["e1", "e2", "e3"],
    ...     performance=["p1", "p2", "p3"], disconfirmation=["d1", "d2", "d3"],
    ...     satisfaction=["s1", "s2", "s3"]), tm.datasets.load("edt"))
    >>> mc = tm.montecarlo_ci(res, draws=2000, seed=1)
    >>> bool((mc.ci_lower < mc.est).all() and (mc.est < mc.ci_upper).all())
    True
    """
    from ..estimation.inference.defined import Definitions
    if not isinstance(draws, (int, np.integer)) or draws < 100:
        raise OptionError(f"draws= must be an integer of at least 100; got {draws!r}.")
    if not 0 < level < 1:
        raise OptionError(f"level= must lie strictly between 0 and 1; got {level!r}.")
    defs = Definitions(res.table)
    if not len(defs):
        raise OptionError("The model has no defined (:=) parameters.")
    x = np.asarray(res.x, dtype=float)
    X = check_seed(seed).multivariate_normal(x, np.asarray(res.vcov_free, dtype=float),
                                             size=int(draws), method="eigh")
    to_rows = row_values(res)
    T = np.array([defs.evaluate(to_rows(xi)) for xi in X])
    est = defs.evaluate(to_rows(x))
    a = [(1 - level) / 2, (1 + level) / 2]
    lo, hi = np.nanquantile(T, a, axis=0)
    return pd.DataFrame({"est": est, "se": np.nanstd(T, axis=0, ddof=1), "ci_lower": lo,
                         "ci_upper": hi}, index=pd.Index(defs.names, name="name"))


__all__ = ["conditional_indirect", "find_row", "index_of_moderated_mediation", "montecarlo_ci"]
