"""Categorical (ordinal) indicators: lavaan's three-stage WLS family.

Stage 1 (:mod:`.univariate`): thresholds and means/variances; stage 2 (:mod:`.bivariate`):
polychoric, polyserial and Pearson correlations by pairwise ML; their asymptotic covariance
(:mod:`.samplestats`, Muthen 1984); stage 3 (:mod:`.wls`): WLSMV, DWLS, WLS, ULSMV, ULS and
WLSM fits of the model to those statistics with robust standard errors and the mean- and
mean-and-variance-adjusted tests (:mod:`.inference`).
"""
from __future__ import annotations

from .samplestats import CategoricalStats, categorical_stats, pair_order

__all__ = ["CategoricalStats", "categorical_stats", "pair_order"]
