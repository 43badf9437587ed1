"""Scaling factors of the robust test statistics: Yuan-Bentler (Mplus) and Satorra-Bentler.

- test ``"yuan.bentler.mplus"`` (MLR; ``lav_test_yuan_bentler_mplus_trace``,
  ``R/lav_test_yuan_bentler.R``)::

      c = [sum_g tr(B1_g A1_g^-1) - sum_g (N_g / N) tr(B0_g A^-1)] / df

  where ``A1_g`` and ``B1_g`` are the expected and first-order information of the unrestricted
  (h1) model at the sample moments ("unstructured", always, for the Mplus variant), elements
  belonging to fixed-x covariates masked out. ``chisq_scaled = chisq / c``.
- ``"satorra.bentler"`` (MLM): ``c = tr(U Gamma) / df`` (``R/lav_test_satorra_bentler.R``).
"""
from __future__ import annotations

import numpy as np

from ..core.linalg import inv_or_pinv
from ..core.saturated import (
    casewise_scores,
    delta_in_pi,
    expected_information,
    gamma,
    saturated_derivatives,
)
from .robust import RobustParts


def h1_trace(Y, meanstructure: bool, x_idx=()) -> tuple[float, int]:
    """tr(B1 A1^-1) of the unrestricted model at the sample moments and its ndat."""
    n, p = Y.shape
    ybar = Y.mean(axis=0)
    S = (Y - ybar).T @ (Y - ybar) / n
    dsig, dmu = saturated_derivatives(p, meanstructure, x_idx)
    sc = casewise_scores(Y, S, ybar, dsig, dmu, meanstructure)
    A1 = expected_information(S, dsig, dmu, meanstructure)
    B1 = sc.T @ sc / n
    return float(np.sum(B1 * np.linalg.inv(A1).T)), dsig.shape[0]


def yb_mplus_trace(parts: RobustParts, datas, meanstructure: bool, x_idx=()):
    """trace(U Gamma) of the Yuan-Bentler Mplus variant, with its h1 and h0 parts."""
    Ainv = inv_or_pinv(parts.A)
    h1 = [h1_trace(Y, meanstructure, x_idx)[0] for Y in datas]
    h0 = [w * float(np.sum(B * Ainv.T)) for w, B in zip(parts.weights, parts.B0)]
    return sum(h1) - sum(h0), h1, h0


def satorra_bentler_trace(problem, x, datas, x_idx=()) -> float:
    """tr(U Gamma), U = A1 - A1 Delta (Delta' A1 Delta)^-1 Delta' A1 with the structured
    expected h1 information A1 (``R/lav_test_satorra_bentler.R``), groups weighted N_g / N."""
    imps = problem.implied(x, derivatives=True)
    ms = problem.model.meanstructure
    total = float(sum(len(Y) for Y in datas))
    # A (unit expected information of the model) and its inverse
    A = problem.evaluate(x)[2]
    Ainv = inv_or_pinv(A)
    tr = 0.0
    for Y, imp in zip(datas, imps):
        f = len(Y) / total
        dsat, dmsat = saturated_derivatives(Y.shape[1], ms, x_idx)
        Gamma = gamma(Y, dsat, dmsat, ms)
        A1 = expected_information(imp.sigma, dsat, dmsat, ms)
        # Delta in pi coordinates: regress dsig onto the saturated basis
        Delta = delta_in_pi(imp.dsigma, imp.dmu, dsat, dmsat, ms)
        U = A1 - f * A1 @ Delta.T @ Ainv @ Delta @ A1
        tr += float(np.sum(U * Gamma.T))
    return tr
