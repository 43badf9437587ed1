"""Small linear-algebra helpers shared by the stages."""
from __future__ import annotations


import numpy as np

from ..._errors import SingularMatrixWarning
from ..._warnings import warn

#: What the pseudo-inverse stands in for, by use (the text after "could not invert ...;").
SE_FALLBACK = "standard errors from the pseudo-inverse"
TEST_FALLBACK = "the scaled test statistic uses the pseudo-inverse"


def inv_or_pinv(M: np.ndarray, what: str = "matrix",
                fallback: str = "using the pseudo-inverse") -> np.ndarray:
    """``M^-1``, or the Moore-Penrose pseudo-inverse where ``M`` is singular (an
    under-identified model's information).

    The fallback issues a :class:`~trustmodel.SingularMatrixWarning` ("could not invert
    {what}; {fallback}"), which a fit records on ``res.warnings``, as lavaan warns when the
    information matrix cannot be inverted (``R/lav_model_vcov.R``).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     inv_or_pinv(np.array([[2.0, 0.0], [0.0, 0.0]]), "the information matrix",
    ...                 SE_FALLBACK)
    array([[0.5, 0. ],
           [0. , 0. ]])
    >>> str(w[0].message)
    'could not invert the information matrix; standard errors from the pseudo-inverse'
    """
    try:
        return np.linalg.inv(M)
    except np.linalg.LinAlgError:
        warn(f"could not invert {what}; {fallback}", SingularMatrixWarning)
        return np.linalg.pinv(M)


def se_from_variances(var) -> np.ndarray:
    """Standard errors from sampling variances; a negative variance (a singular or
    indefinite information matrix) gives NaN, never 0, as lavaan's ``lav_model_vcov_se``
    (R/lav_model_vcov.R: ``x.var[x.var < 0] <- NA``). Rounding noise of a parameter fixed by
    a constraint (``|var|`` below 1e-10 of the largest variance) counts as 0.

    >>> se_from_variances(np.array([4.0, 0.0, -1e-18, -1e-3, np.inf, np.nan])).tolist()
    [2.0, 0.0, 0.0, nan, inf, nan]
    """
    var = np.asarray(var, dtype=float)
    if not var.size:
        return var
    finite = np.abs(var[np.isfinite(var)])
    noise = 1e-10 * max(1.0, float(finite.max()) if finite.size else 1.0)
    with np.errstate(invalid="ignore"):
        var = np.where(np.abs(var) <= noise, np.maximum(var, 0.0), var)
        return np.sqrt(np.where(var < 0, np.nan, var))
