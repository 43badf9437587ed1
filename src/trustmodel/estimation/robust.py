"""Robust ML: casewise scores, Huber-White sandwich, Yuan-Bentler (Mplus) and Satorra-Bentler.

What lavaan 0.6.14 does for ``estimator = "MLR"`` (``R/lav_options.R``,
``R/lav_model_vcov.R``, ``R/lav_test_yuan_bentler.R``):

- standard errors ``"robust.huber.white"``: ``vcov = A^-1 B0 A^-1 / N`` with ``A`` the
  information of the structured model (per unit, groups weighted by ``N_g / N``; observed, i.e.
  the Hessian of ``fmin``, under MLR) and ``B0 = sum_g (N_g / N) B0_g``, ``B0_g`` the mean outer
  product of the casewise scores of group ``g`` (``lav_model_information_firstorder``);
- test ``"yuan.bentler.mplus"`` (``lav_test_yuan_bentler_mplus_trace``)::

      c = [sum_g tr(B1_g A1_g^-1) - sum_g (N_g / N) tr(B0_g A^-1)] / df

  where ``A1_g`` and ``B1_g`` are the expected and first-order information of the unrestricted
  (h1) model at the sample moments ("unstructured", always, for the Mplus variant), elements
  belonging to fixed-x covariates masked out. ``chisq_scaled = chisq / c``.
- ``estimator = "MLM"``: expected information, ``"robust.sem"`` SEs
  (``A^-1 Delta' A1 Gamma A1 Delta A^-1 / N``, which equals the sandwich with the expected
  information) and the Satorra-Bentler scaling ``c = tr(U Gamma) / df``
  (``R/lav_test_satorra_bentler.R``).

Pure numpy; scores are vectorised over rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .numdiff import gradient_hessian


# ----- casewise scores and information of one normal group -------------------------------------
def casewise_scores(Y, sigma, mu, dsig, dmu, meanstructure: bool) -> np.ndarray:
    """Scores d log f(y_i) / d theta of every row (n x q) for a normal group.

    ``dsig`` (q x p x p) and ``dmu`` (q x p) are the derivatives of the implied moments. Without
    a mean structure the mean is the sample mean (lavaan does the same).
    """
    W = np.linalg.inv(sigma)
    center = mu if meanstructure else Y.mean(axis=0)
    Z = (Y - center) @ W                                     # n x p: W r_i
    q, p = dsig.shape[0], sigma.shape[0]
    D = dsig.reshape(q, p * p)
    zz = np.einsum("ni,nj->nij", Z, Z).reshape(len(Y), p * p)
    sc = 0.5 * (zz @ D.T - D @ W.ravel())
    if meanstructure:
        sc += Z @ dmu.T
    return sc


def expected_information(sigma, dsig, dmu, meanstructure: bool) -> np.ndarray:
    """Expected (unit) information of a normal group: 1/2 tr(W dS W dS) + dmu' W dmu."""
    W = np.linalg.inv(sigma)
    q = dsig.shape[0]
    U = np.einsum("ij,kjl->kil", W, dsig)
    I = 0.5 * U.reshape(q, -1) @ U.transpose(0, 2, 1).reshape(q, -1).T
    if meanstructure:
        I += dmu @ W @ dmu.T
    return I


def saturated_derivatives(p: int, meanstructure: bool, x_idx=()):
    """dSigma/dpi and dmu/dpi of the unrestricted model pi = (vech Sigma, mu).

    Elements among fixed-x covariates (lavaan's ``x.idx``) are left out.
    """
    x = set(int(i) for i in x_idx)
    pairs = [(i, j) for j in range(p) for i in range(j, p) if not (i in x and j in x)]
    means = [i for i in range(p) if i not in x] if meanstructure else []
    m = len(pairs) + len(means)
    dsig = np.zeros((m, p, p))
    dmu = np.zeros((m, p))
    for k, (i, j) in enumerate(pairs):
        dsig[k, i, j] = dsig[k, j, i] = 1.0
    for k, i in enumerate(means):
        dmu[len(pairs) + k, i] = 1.0
    return dsig, dmu


# ----- h1 (unstructured) traces --------------------------------------------------------------
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


# ----- structured model --------------------------------------------------------------------------
@dataclass(frozen=True)
class RobustParts:
    """Per-group first-order information, unit information of the model, and N_g / N."""

    B0: list            # per group: mean outer product of the scores (q x q)
    A: np.ndarray       # unit information sum_g f_g A_g (observed or expected)
    weights: list       # N_g / N


def group_scores(problem, x, datas) -> list:
    """Casewise scores (n_g x q) of every group at ``x``."""
    imps = problem.implied(x, derivatives=True)
    ms = problem.model.meanstructure
    return [casewise_scores(Y, imp.sigma, imp.mu, imp.dsigma, imp.dmu, ms)
            for Y, imp in zip(datas, imps)]


def observed_information(problem, x) -> np.ndarray:
    """Hessian of ``fmin``: exact where the problem has one (complete-data ML,
    :mod:`.hessian`), else by differences of the analytic gradient (lavaan's
    ``observed.information = "hessian"``, ``R/lav_model_hessian.R``)."""
    if getattr(problem, "has_hessian", False):
        return problem.hessian(x)
    return gradient_hessian(problem, x)


def unit_information(problem, x, kind: str) -> np.ndarray:
    if kind == "observed":
        return observed_information(problem, x)
    return problem.evaluate(x)[2]


def robust_parts(problem, x, datas, information: str = "observed") -> RobustParts:
    scores = group_scores(problem, x, datas)
    total = float(sum(len(Y) for Y in datas))
    B0 = [s.T @ s / len(s) for s in scores]
    return RobustParts(B0=B0, A=unit_information(problem, x, information),
                       weights=[len(Y) / total for Y in datas])


def sandwich_vcov(parts: RobustParts, ntotal: int) -> np.ndarray:
    """Huber-White: A^-1 B0 A^-1 / N (``lav_model_vcov``, ``se = "robust.huber.white"``)."""
    Ainv = _inv(parts.A)
    B = sum(w * b for w, b in zip(parts.weights, parts.B0))
    V = Ainv @ B @ Ainv / ntotal
    return 0.5 * (V + V.T)


def yb_mplus_trace(parts: RobustParts, datas, meanstructure: bool, x_idx=()):
    """trace(U Gamma) of the Yuan-Bentler Mplus variant, with its h1 and h0 parts."""
    Ainv = _inv(parts.A)
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
    Ainv = _inv(A)
    tr = 0.0
    for Y, imp in zip(datas, imps):
        f = len(Y) / total
        n, p = Y.shape
        dsat, dmsat = saturated_derivatives(p, ms, x_idx)
        # Gamma: covariance of (vech (y - ybar)(y - ybar)', y); the h1 scores at the sample
        # moments are A1(S) times those deviations, so Gamma = A1s^-1 B1 A1s^-1
        ybar = Y.mean(axis=0)
        S = (Y - ybar).T @ (Y - ybar) / n
        sc_h1 = casewise_scores(Y, S, ybar, dsat, dmsat, ms)
        A1s = expected_information(S, dsat, dmsat, ms)
        Gamma = np.linalg.inv(A1s) @ (sc_h1.T @ sc_h1 / n) @ np.linalg.inv(A1s)
        A1 = expected_information(imp.sigma, dsat, dmsat, ms)
        # Delta in pi coordinates: regress dsig onto the saturated basis
        Delta = _delta_in_pi(imp.dsigma, imp.dmu, dsat, dmsat, ms)
        U = A1 - f * A1 @ Delta.T @ Ainv @ Delta @ A1
        tr += float(np.sum(U * Gamma.T))
    return tr


def _delta_in_pi(dsig, dmu, dsat, dmsat, ms):
    """Columns of dSigma/dtheta expressed on the saturated (vech, mu) basis."""
    q = dsig.shape[0]
    m = dsat.shape[0]
    out = np.zeros((q, m))
    for k in range(m):
        nz = np.argwhere(dsat[k] != 0)
        if len(nz):
            i, j = nz[0]
            out[:, k] = dsig[:, i, j]
        else:
            i = int(np.argmax(dmsat[k]))
            out[:, k] = dmu[:, i] if ms else 0.0
    return out


def _inv(M):
    try:
        return np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(M)


def robust_sem_vcov(problem, x, datas, x_idx=()) -> np.ndarray:
    """lavaan's ``se = "robust.sem"`` (MLM): A^-1 Delta' A1 Gamma A1 Delta A^-1 / N with the
    expected information and Gamma the sample fourth moments (``R/lav_model_vcov.R``)."""
    imps = problem.implied(x, derivatives=True)
    ms = problem.model.meanstructure
    total = float(sum(len(Y) for Y in datas))
    Ainv = _inv(problem.evaluate(x)[2])
    B = np.zeros_like(Ainv)
    for Y, imp in zip(datas, imps):
        f = len(Y) / total
        dsat, dmsat = saturated_derivatives(Y.shape[1], ms, x_idx)
        Gamma = _gamma(Y, dsat, dmsat, ms)
        A1 = expected_information(imp.sigma, dsat, dmsat, ms)
        J = _delta_in_pi(imp.dsigma, imp.dmu, dsat, dmsat, ms) @ A1
        B += f * J @ Gamma @ J.T
    V = Ainv @ B @ Ainv / total
    return 0.5 * (V + V.T)


def _gamma(Y, dsat, dmsat, ms):
    n = len(Y)
    ybar = Y.mean(axis=0)
    S = (Y - ybar).T @ (Y - ybar) / n
    sc = casewise_scores(Y, S, ybar, dsat, dmsat, ms)
    A1inv = np.linalg.inv(expected_information(S, dsat, dmsat, ms))
    return A1inv @ (sc.T @ sc / n) @ A1inv
