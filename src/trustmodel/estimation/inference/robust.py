"""Robust ML standard errors: casewise scores and the Huber-White / robust.sem sandwiches.

What lavaan 0.6.14 does for ``estimator = "MLR"`` / ``"MLM"`` (``R/lav_options.R``,
``R/lav_model_vcov.R``):

- ``"robust.huber.white"`` (MLR): ``vcov = A^-1 B0 A^-1 / N`` with ``A`` the information of
  the structured model (per unit, groups weighted by ``N_g / N``; observed, i.e. the Hessian of
  ``fmin``, under MLR) and ``B0 = sum_g (N_g / N) B0_g``, ``B0_g`` the mean outer product of the
  casewise scores of group ``g`` (``lav_model_information_firstorder``);
- ``"robust.sem"`` (MLM, and ``se = "robust"`` with ML):
  ``A^-1 Delta' A1 Gamma A1 Delta A^-1 / N`` with the expected information.

The scaled test statistics that go with them are in :mod:`.scaling`. Pure numpy; scores are
vectorised over rows.
"""
from __future__ import annotations

import numpy as np

from ..._errors import DataError
from ..core.fitting import x_indices
from ..core.linalg import inv_or_pinv
from ..core.saturated import (
    casewise_scores,
    delta_in_pi,
    expected_information,
    gamma,
    saturated_derivatives,
)
from .casewise import (  # noqa: F401 (the shared pieces live there; re-exported)
    RobustParts,
    observed_information,
    sandwich_vcov,
    unit_information,
)
from .casewise import robust_parts as _blocked_parts
from .casewise import robust_sem_vcov as _blocked_sem_vcov


def group_scores(problem, x, datas) -> list:
    """Casewise scores (n_g x q) of every group at ``x``."""
    imps = problem.implied(x, derivatives=True)
    ms = problem.model.meanstructure
    return [casewise_scores(Y, imp.sigma, imp.mu, imp.dsigma, imp.dmu, ms)
            for Y, imp in zip(datas, imps)]


def robust_parts(problem, x, datas, information: str = "observed") -> RobustParts:
    scores = group_scores(problem, x, datas)
    total = float(sum(len(Y) for Y in datas))
    B0 = [s.T @ s / len(s) for s in scores]
    return RobustParts(B0=B0, A=unit_information(problem, x, information),
                       weights=[len(Y) / total for Y in datas])


def robust_sem_vcov(problem, x, datas, x_idx=()) -> np.ndarray:
    """lavaan's ``se = "robust.sem"`` (MLM): A^-1 Delta' A1 Gamma A1 Delta A^-1 / N with the
    expected information and Gamma the sample fourth moments (``R/lav_model_vcov.R``)."""
    imps = problem.implied(x, derivatives=True)
    ms = problem.model.meanstructure
    total = float(sum(len(Y) for Y in datas))
    Ainv = inv_or_pinv(problem.evaluate(x)[2])
    B = np.zeros_like(Ainv)
    for Y, imp in zip(datas, imps):
        f = len(Y) / total
        dsat, dmsat = saturated_derivatives(Y.shape[1], ms, x_idx)
        Gamma = gamma(Y, dsat, dmsat, ms)
        A1 = expected_information(imp.sigma, dsat, dmsat, ms)
        J = delta_in_pi(imp.dsigma, imp.dmu, dsat, dmsat, ms) @ A1
        B += f * J @ Gamma @ J.T
    V = Ainv @ B @ Ainv / total
    return 0.5 * (V + V.T)


def raw_data(stats, what: str) -> list:
    """Each group's rows; a specific error when the fit was given moments only."""
    datas = [g.data if g.data is not None else g.source for g in stats.groups]
    if any(Y is None for Y in datas):
        raise DataError(f"{what} needs the raw data (data=), not sample_cov=: the casewise "
                        "scores come from the rows.")
    return datas


def robust_vcov(table, stats, state, *, estimator: str, se: str):
    """vcov of the free parameters of a robust complete-data ML fit (None: ``se="none"``).

    ``estimator="MLR"``: Huber-White with observed information; ``"MLM"`` and ``"ML"`` with
    ``se="robust"``: robust.sem (lavaan maps ``se = "robust"`` to "robust.sem" for complete
    data).
    """
    raw_data(stats, f"estimator={estimator!r} / se='robust'")
    if se == "none":
        return None
    problem, x = state.problem, state.x
    if estimator == "MLR":
        return sandwich_vcov(_blocked_parts(problem, x, stats, "observed"), stats.ntotal)
    return _blocked_sem_vcov(problem, x, stats, x_indices(table))
