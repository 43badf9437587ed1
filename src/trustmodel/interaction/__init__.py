"""Moderation in CB-SEM: product indicators, probing and conditional process analysis.

- :func:`product_indicators` (semTools' ``indProd``) and the rewrite of ``y ~ X + Z + X:Z``
  that ``tm.fit(..., interaction="dblcent" | "mean" | "residual")`` estimates;
- probing: :func:`simple_slopes`, :func:`johnson_neyman`, :func:`standardized_interaction`;
- conditional process analysis: :func:`conditional_indirect`,
  :func:`index_of_moderated_mediation`, and :func:`montecarlo_ci` for any ``:=`` parameter.

Each works on a :class:`~trustmodel.FitResult` and on the LMS result of
``tm.fit(..., interaction="lms")``.
"""
from .conditional import (
           conditional_indirect,
           index_of_moderated_mediation,
           montecarlo_ci,
)
from .probing import (
           JohnsonNeyman,
           johnson_neyman,
           simple_slopes,
           standardized_interaction,
)
from .products import product_indicators

__all__ = [
           "JohnsonNeyman",
           "conditional_indirect",
           "index_of_moderated_mediation",
           "johnson_neyman",
           "montecarlo_ci",
           "product_indicators",
           "simple_slopes",
           "standardized_interaction",
]
