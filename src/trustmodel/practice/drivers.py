"""Key driver analysis: which attribute moves the outcome most (``tm.drivers``).

Three decompositions of a regression's R-squared into per-predictor shares (the ``weight``
column, in R-squared units; ``percent`` = share of R-squared):

* ``"relative_weights"``: Johnson (2000), with percentile bootstrap intervals and the
  random-variable significance test of Tonidandel, LeBreton & Johnson (2009);
* ``"shapley"``: the LMG / Shapley value (Lindeman, Merenda & Gold 1980; relaimpo's
  ``lmg``), exact over all 2**p subsets;
* ``"dominance"``: Budescu (1993) / Azen & Budescu (2003) -- general dominance (equal to
  the Shapley shares) plus conditional and complete dominance.

Inputs: a data frame, a covariance/correlation matrix (``sample_cov=``), a fitted CB-SEM
model (drivers of a latent outcome from the model-implied latent covariance matrix, free of
measurement error) or a PLS result (construct scores).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from .._errors import DataError, DataWarning, OptionError
from .._validation import check_option, did_you_mean
from .._warnings import warn
from . import importance as imp
from .shares import METHODS, DriverResult, estimate, from_rows

__all__ = ["DriverResult", "drivers"]

# ----------------------------------------------------------------------------- input
def _pick(names, outcome, predictors, where: str):
    names = list(names)
    if outcome is None:
        raise OptionError("outcome= is required: the name of the variable to explain.")
    if outcome not in names:
        raise DataError(f"outcome={outcome!r} is not in {where}." + did_you_mean([outcome], names))
    if predictors is None:
        predictors = [c for c in names if c != outcome]
    predictors = [predictors] if isinstance(predictors, str) else list(predictors)
    bad = [c for c in predictors if c not in names]
    if bad:
        raise DataError(f"Predictors {', '.join(map(repr, bad))} are not in {where}."
                        + did_you_mean(bad, names))
    if outcome in predictors:
        raise OptionError(f"outcome={outcome!r} is also listed among predictors=.")
    if len(set(predictors)) != len(predictors):
        raise OptionError("predictors= names a variable twice.")
    if len(predictors) < 1:
        raise OptionError("predictors= must name at least one variable.")
    return predictors


def _matrix(sample_cov, outcome, predictors):
    if not isinstance(sample_cov, pd.DataFrame):
        raise DataError("sample_cov= must be a pandas DataFrame with row and column names "
                        "(tm.lower_to_cov(text, names) builds one from a lower triangle).")
    if list(sample_cov.index) != list(sample_cov.columns):
        raise DataError("sample_cov= must have the same names, in the same order, on rows "
                        "and columns.")
    predictors = _pick(sample_cov.columns, outcome, predictors, "sample_cov")
    S = sample_cov.loc[[outcome, *predictors], [outcome, *predictors]].to_numpy(float)
    if not np.allclose(S, S.T) or np.any(np.diag(S) <= 0) or not np.isfinite(S).all():
        raise DataError("sample_cov= must be symmetric with positive variances.")
    return imp.to_correlation(S), predictors


def _frame(data, outcome, predictors):
    predictors = _pick(data.columns, outcome, predictors, "data")
    X = data[[outcome, *predictors]]
    nonnum = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if nonnum:
        raise DataError(f"Columns {', '.join(map(repr, nonnum))} are not numeric; code them "
                        "(or their dummies) as numbers first.")
    n_all = len(X)
    X = X.dropna().to_numpy(float)
    if len(X) < n_all:
        warn(f"{n_all - len(X)} of {n_all} rows have a missing value in the outcome "
             "or a predictor and were dropped (listwise).", DataWarning)
    if X.shape[0] < len(predictors) + 2:
        raise DataError(f"{X.shape[0]} complete rows are too few for {len(predictors)} "
                        "predictors.")
    const = [c for c, s in zip([outcome, *predictors], X.std(axis=0)) if s == 0]
    if const:
        raise DataError(f"Columns {', '.join(map(repr, const))} are constant.")
    return X, predictors


def drivers(data=None, outcome: str | None = None, predictors=None, *,
            method: Literal["relative_weights", "shapley", "dominance"] = "relative_weights",
            sample_cov: pd.DataFrame | None = None, nobs: int | None = None,
            bootstrap: int | None = None, level: float = 0.95, seed=None,
            group: int | str | None = None) -> DriverResult:
    """Key driver analysis: each predictor's share of the outcome's R-squared.

    Parameters
    ----------
    data : pandas.DataFrame, FitResult or PLSResult, optional
        Raw data (rows with a missing value in the chosen columns are dropped); a fitted
        CB-SEM model (latent outcome and predictors, from the model-implied covariance matrix
        of all variables, so measurement error does not bias the shares; intervals from the
        fit's own bootstrap draws when it has them); or a PLS result (construct scores).
    outcome : str
        The variable (or construct) to explain.
    predictors : list of str, optional
        Default: every other column; for a fitted model, the constructs with a direct path
        (``~``) into ``outcome``.
    method : {"relative_weights", "shapley", "dominance"}
    sample_cov : pandas.DataFrame, optional
        A covariance or correlation matrix (names on rows and columns) instead of data.
    nobs : int, optional
        The sample size behind ``sample_cov`` (reported only).
    bootstrap : int, optional
        Bootstrap draws (rows resampled) for percentile intervals; default 1000 for
        relative weights on raw data, otherwise 0. For relative weights it also runs the
        Tonidandel, LeBreton & Johnson (2009) test: a random normal variable joins the
        predictors and each predictor is ``significant`` when the interval of its weight
        minus the random variable's weight lies above zero.
    level : float
        Interval coverage.
    seed : int or numpy.random.Generator, optional
    group : int or str, optional
        For a multi-group fitted model: which group's latent covariance matrix.

    Returns
    -------
    DriverResult

    Notes
    -----
    Relative weights and Shapley shares both sum to R-squared, are invariant to rescaling
    and reordering the predictors, and equal the squared correlations when the predictors
    are uncorrelated. Shapley/dominance enumerate all 2**p subsets (batched solves): fast up
    to about 20 predictors; relative weights need one eigen-decomposition.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. *Multivariate Behavioral Research*, 35(1),
    1-19. https://doi.org/10.1207/S15327906MBR3501_1

    Tonidandel, S., LeBreton, J. M., & Johnson, J. W. (2009). Determining the statistical
    significance of relative weights. *Psychological Methods*, 14(4), 387-399.
    https://doi.org/10.1037/a0017735

    Budescu, D. V. (1993). Dominance analysis. *Psychological Bulletin*, 114(3), 542-551.
    https://doi.org/10.1037/0033-2909.114.3.542

    Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for comparing
    predictors in multiple regression. *Psychological Methods*, 8(2), 129-148.
    https://doi.org/10.1037/1082-989X.8.2.129

    Groemping, U. (2006). Relative importance for linear regression in R: the package
    relaimpo. *Journal of Statistical Software*, 17(1). https://doi.org/10.18637/jss.v017.i01

    Examples
    --------
    >>> import pandas as pd
    >>> import trustmodel as tm
    >>> R = pd.DataFrame([[1, .6, .3, .4, .5], [.6, 1, .8, .1, .3], [.3, .8, 1, .1, .1],
    ...                   [.4, .1, .1, 1, .5], [.5, .3, .1, .5, 1]],
    ...                  index=["y", "x1", "x2", "x3", "x4"], columns=["y", "x1", "x2", "x3", "x4"])
    >>> res = tm.drivers(sample_cov=R, outcome="y", method="dominance")
    >>> round(res.r2, 4)
    0.5844
    >>> res.conditional.round(3).loc["x1"].tolist()     # Azen & Budescu (2003), Table 3
    [0.36, 0.3, 0.263, 0.246]
    """
    check_option("method", method, METHODS, caller="drivers")
    if not (isinstance(level, float) and 0 < level < 1):
        raise OptionError(f"level= must be a float between 0 and 1; got {level!r}.")
    if bootstrap is not None and (isinstance(bootstrap, bool)
                                  or not isinstance(bootstrap, (int, np.integer))
                                  or bootstrap < 0 or bootstrap == 1):
        raise OptionError(f"bootstrap= must be 0 or an integer of at least 2; got {bootstrap!r}.")
    if sample_cov is not None:
        if data is not None:
            raise OptionError("Give data or sample_cov=, not both.")
        if bootstrap:
            raise OptionError("bootstrap= needs raw data; a covariance matrix cannot be "
                              "resampled.")
        R, predictors = _matrix(sample_cov, outcome, predictors)
        return estimate(R, predictors, outcome, method, nobs=nobs, level=level,
                        source="matrix")
    if data is None:
        raise OptionError("drivers() needs data (a DataFrame, a fitted model) or sample_cov=.")
    if not isinstance(data, pd.DataFrame):
        from .latent import latent_drivers
        return latent_drivers(data, outcome, predictors, method=method, bootstrap=bootstrap,
                              level=level, seed=seed, group=group)
    if group is not None:
        raise OptionError("group= applies to a fitted multi-group model only; subset the "
                          "data frame for one segment.")
    X, predictors = _frame(data, outcome, predictors)
    B = (1000 if method == "relative_weights" else 0) if bootstrap is None else int(bootstrap)
    return from_rows(X, predictors, outcome, method, B=B, level=level, seed=seed)
