"""Full-information ML (``missing = "fiml"``): lavaan's ``missing = "ml"``.

``patterns`` (rows grouped by missing-data pattern, batched inverses, the casewise likelihood
and its derivatives), ``h1`` (the saturated model of incomplete data, the independence model),
``problem`` (``FimlProblem``, observed information), ``robust`` (casewise scores, the MLR
sandwich, Yuan-Bentler traces), ``driver`` (``fiml_fit``: pipeline steps 3-4).

May import ``estimation.core`` and the layers below ``estimation``.
"""
from .driver import estimate_fiml, fiml_fit, observed_vcov
from .h1 import h1_moments
from .patterns import Patterns

__all__ = ["Patterns", "estimate_fiml", "fiml_fit", "h1_moments", "observed_vcov"]
