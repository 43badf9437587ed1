"""From model to action: key drivers, common-method checks, Kano and NPS.

Analyses that satisfaction studies run after (or beside) the model: :func:`drivers`
(relative weights, Shapley/LMG, dominance), :func:`common_method` (Harman, marker variable,
ULMC, full-collinearity VIFs), :func:`kano` and :func:`penalty_reward`, :func:`nps`.
"""
from .common_method import CommonMethodResult, common_method
from .drivers import DriverResult, drivers
from .kano import KanoResult, kano, penalty_reward
from .nps import NPSResult, nps

__all__ = [
           "CommonMethodResult",
           "DriverResult",
           "KanoResult",
           "NPSResult",
           "common_method",
           "drivers",
           "kano",
           "nps",
           "penalty_reward",
]
