"""Stage 3: fit the model to the categorical sample statistics by (diagonally) weighted
least squares, lavaan 0.6-14's ``estimator = "WLSMV" | "DWLS" | "WLS" | "ULSMV" | "ULS" |
"WLSM"``.

The discrepancy is lavaan's (``R/lav_objective.R`` ``estimator.WLS`` / ``estimator.DWLS``,
``R/lav_model_objective.R``): ``fmin = sum_g 0.5 (N_g - 1) / N (s_g - sigma_g)' W_g
(s_g - sigma_g)``, so that the test statistic ``2 N fmin`` is ``sum_g (N_g - 1) F_g``. The
information ``sum_g (N_g / N) Delta' W Delta`` and the covariance of the estimates divided by
``N - G`` are those of ``R/lav_model_vcov.R``. It is minimised by Gauss-Newton steps
``(Delta' W Delta)^-1 Delta' W (s - sigma)`` with step halving, the Jacobian analytic
(:mod:`.model`). Starting values come from an unweighted least-squares fit of the continuous
model to the polychoric matrix.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..._errors import NonConvergenceWarning, NotPositiveDefiniteWarning
from .model import CategoricalModel
from ..._warnings import warn

#: estimator -> (weight matrix, se, test) as lavaan's defaults (``lav_options_set``)
ESTIMATORS = {
    "WLSMV": ("DWLS", "robust", "scaled_shifted"),
    "DWLS": ("DWLS", "standard", "standard"),
    "WLS": ("WLS", "standard", "standard"),
    "ULSMV": ("ULS", "robust", "scaled_shifted"),
    "ULS": ("ULS", "standard", "standard"),
    "WLSM": ("DWLS", "robust", "mean_adjusted"),
}


@dataclass
class Optim:
    iterations: int
    converged: bool
    method: str = "gauss-newton"


@dataclass
class WLSProblem:
    """The weighted least-squares problem of all groups (stats, weights, model)."""

    model: CategoricalModel
    stats: list
    weight_kind: str
    test_kind: str = "scaled_shifted"
    weights: list = field(init=False)

    def __post_init__(self):
        self.weights = [s.weight(self.weight_kind) for s in self.stats]
        # DWLS / ULS: keep the diagonal as a vector (no p* x p* products in the loop)
        self.wvec = [np.diag(W).copy() if self.weight_kind != "WLS" else None
                     for W in self.weights]
        n = np.array([s.nobs for s in self.stats], dtype=float)
        self.fg = n / n.sum()                 # information, sandwich, traces
        self.fo = (n - 1) / n.sum()           # objective

    @property
    def ntotal(self) -> int:
        return int(sum(s.nobs for s in self.stats))

    @property
    def npar(self) -> int:
        return self.model.npar

    def values(self, x):
        return self.model.values(x)

    def evaluate(self, x, jacobian=True):
        """fmin, and (gradient-ready) A = sum fg D'WD, b = sum fg D'W r, per-group pieces."""
        v = self.model.values(x)
        f, A, b, parts = 0.0, np.zeros((self.npar, self.npar)), np.zeros(self.npar), []
        for g, (s, W) in enumerate(zip(self.stats, self.weights)):
            est, J = self.model.implied(v, g, jacobian)
            r = s.wls_obs - est
            w = self.wvec[g]
            Wr = W @ r if w is None else w * r
            f += self.fo[g] * 0.5 * r @ Wr
            if jacobian:
                WJ = W @ J if w is None else w[:, None] * J
                A += self.fo[g] * J.T @ WJ
                b += self.fo[g] * J.T @ Wr
            parts.append((est, J))
        return f, A, b, parts


def minimize(problem: WLSProblem, x0, max_iter: int = 500, tol: float = 1e-10):
    """Gauss-Newton with step halving; returns (x, Optim).

    A full step is tried with the Jacobian evaluated at once (it is almost always accepted);
    only a rejected step falls back to function-only evaluations while halving.
    """
    x = np.asarray(x0, dtype=float).copy()
    f, A, b, _ = problem.evaluate(x)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(A, b, rcond=None)[0]
        fn, An, bn, _ = problem.evaluate(x + step)
        t = 1.0
        if not (np.isfinite(fn) and fn <= f + 1e-15 * max(1.0, abs(f))):
            while t >= 1e-10:
                t /= 2
                fn = problem.evaluate(x + t * step, jacobian=False)[0]
                if np.isfinite(fn) and fn <= f + 1e-15 * max(1.0, abs(f)):
                    break
            if t < 1e-10:
                converged = np.max(np.abs(b)) < 1e-8
                break
            fn, An, bn, _ = problem.evaluate(x + t * step)
        x = x + t * step
        f, A, b = fn, An, bn
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    if not converged:
        warn(f"The {problem.weight_kind} fit did not converge after {it} iterations; "
             "see res.converged and try other starting values.",
             NonConvergenceWarning)
    return x, Optim(it, converged)


def information_parts(problem: WLSProblem, x):
    """A = sum_g (N_g / N) D'WD and the per-group Jacobians at ``x``."""
    v = problem.values(x)
    Js = [problem.model.implied(v, g)[1] for g in range(len(problem.stats))]
    A = sum(problem.fg[g] * J.T @ W @ J for g, (J, W) in enumerate(zip(Js, problem.weights)))
    return A, Js


def vcov(problem: WLSProblem, x, se: str):
    """Standard (``(D'WD)^-1 / N``) or robust (sandwich with Gamma, lavaan's
    ``se = "robust.sem"``, ``R/lav_model_vcov.R``) covariance of the estimates."""
    A, Js = information_parts(problem, x)
    N = problem.ntotal - len(problem.stats)
    try:
        Ainv = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        warn("The information matrix is singular; standard errors use its "
             "pseudo-inverse. The model may not be identified.",
             NotPositiveDefiniteWarning)
        Ainv = np.linalg.pinv(A)
    if se == "standard":
        return Ainv / N, Ainv
    B = np.zeros_like(A)
    for g, (s, W, J) in enumerate(zip(problem.stats, problem.weights, Js)):
        WJ = W @ J
        B += problem.fg[g] * WJ.T @ s.gamma @ WJ
    return Ainv @ B @ Ainv / N, Ainv


def ug_traces(problem: WLSProblem, Js, Einv):
    """tr(U Gamma) and tr((U Gamma)^2) (``lav_test_satorra_bentler_trace_original``)."""
    fg = problem.fg
    V = _bdiag([fg[g] * W for g, W in enumerate(problem.weights)])
    G = _bdiag([s.gamma / fg[g] for g, s in enumerate(problem.stats)])
    D = np.vstack(Js)
    VD = V @ D
    U = V - VD @ Einv @ VD.T
    UG = U @ G
    return float(np.sum(U * G)), float(np.sum(UG * UG.T))


def _bdiag(mats):
    n = sum(m.shape[0] for m in mats)
    out = np.zeros((n, n))
    k = 0
    for m in mats:
        s = m.shape[0]
        out[k:k + s, k:k + s] = m
        k += s
    return out
