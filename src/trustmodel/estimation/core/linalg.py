"""Small linear-algebra helpers shared by the stages."""
from __future__ import annotations

import numpy as np


def inv_or_pinv(M: np.ndarray) -> np.ndarray:
    """``M^-1``, or the Moore-Penrose pseudo-inverse where ``M`` is singular (an
    under-identified model's information; the admissibility checks warn about it).

    Examples
    --------
    >>> inv_or_pinv(np.array([[2.0, 0.0], [0.0, 0.0]]))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    try:
        return np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(M)
