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
