"""From model to action: key drivers, common-method checks, Kano and NPS.

Analyses that satisfaction studies run after (or beside) the model: :func:`drivers`
(relative weights, Shapley/LMG, dominance), :func:`common_method` (Harman, marker variable,
ULMC, full-collinearity VIFs), :func:`kano` and :func:`penalty_reward`, :func:`nps`.
"""
from .drivers import DriverResult, drivers

__all__ = ["drivers", "DriverResult"]
