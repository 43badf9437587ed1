"""Prediction from PLSc estimates: the model-implied conditional expectation.

PLSc loadings and paths describe common factors, not the weighted composites, so pushing
composite scores through them (the PLS chain of :mod:`trustmodel.pls.predict`) over-disperses
the predictions. PLSc models are predicted as seminr's ``plsc_implied_predictions``
(R/feature_plscpredict.R, after de Rooij et al. 2023): with ``Sigma`` the item correlation
matrix implied by the PLSc estimates, the standardized items of an endogenous construct are
``E[y | x] = Sigma_yx Sigma_xx^-1 x``, ``x`` the items of its direct antecedents ("DA") or of
the exogenous constructs ("EA"); exogenous items are returned as observed.

``Sigma`` (per stacked estimate): reflective blocks ``lambda lambda'`` with unit diagonal,
composite (Mode B) blocks the observed within-block correlations, and between blocks
``l_k phi_kl l_l'`` with the PLSc loadings (a composite's "loadings" are its item-composite
correlations ``S_kk w_k``) and ``phi`` the construct correlations implied by the inner model
from the disattenuated exogenous correlations
(:func:`trustmodel.pls.quality.implied_construct_correlations`).

An inadmissible solution has no such prediction: rho_A outside (0, 1], a loading above one,
a disattenuated correlation of 1 or more, or a non-positive-definite implied construct or
predictor correlation matrix. :func:`admissible` flags them per estimate.

References
----------
de Rooij, M., Karch, J. D., Fokkema, M., Bakk, Z., Pratiwi, B. C., & Kelderman, H. (2023).
SEM-based out-of-sample predictions. Structural Equation Modeling, 30(1), 132-148.
"""
from __future__ import annotations

import numpy as np

from .quality import implied_construct_correlations

TOL = 1e-8


def _pd(M: np.ndarray) -> np.ndarray:
    """Positive definiteness of a stack of symmetric matrices, shape (B,)."""
    with np.errstate(invalid="ignore"):
        ok = np.all(np.isfinite(M), axis=(1, 2))
        low = np.full(M.shape[0], -np.inf)
        low[ok] = np.linalg.eigvalsh(M[ok]).min(axis=1)
    return low > TOL


def implied_correlations(out: dict):
    """``(Sigma, reasons)``: the implied item correlations ``(B, p, p)`` and, per estimate,
    the first admissibility failure ("" when admissible)."""
    spec = out["spec"]
    S, L, C, rho = out["S"], out["L"], out["C"], out["rho"]
    nb, J = C.shape[0], spec.n_constructs
    refl = np.array([m == "A" for m in spec.modes])
    reasons = np.full(nb, "", dtype=object)

    def flag(bad, why):
        reasons[bad & (reasons == "")] = why
    flag(~np.all(np.isfinite(rho) & (rho > 0) & (rho <= 1 + TOL), axis=1),
         "rho_A outside (0, 1]")
    lam2 = (L[:, :, refl] ** 2).sum(axis=2)[:, np.isin(spec.block, np.flatnonzero(refl))]
    flag(np.any(lam2 > 1 + TOL, axis=1), "a standardized loading above one")
    off = ~np.eye(J, dtype=bool)
    with np.errstate(invalid="ignore"):
        flag(~np.all(np.abs(C[:, off]) < 1, axis=1),
             "a disattenuated construct correlation of 1 or more")
    R = implied_construct_correlations(C, out["B"], spec)
    flag(~_pd(R), "a non-positive-definite implied construct correlation matrix")
    Sig = L @ R @ np.swapaxes(L, 1, 2)
    p = Sig.shape[1]
    Sig[:, np.arange(p), np.arange(p)] = 1.0
    for j in np.flatnonzero(~refl):
        idx = spec.block_of(j)
        Sig[np.ix_(range(nb), idx, idx)] = S[np.ix_(range(nb), idx, idx)]
    return Sig, reasons


def predict_standardized(out: dict, Z: np.ndarray, technique: str):
    """Standardized item predictions ``(B, m, p)`` for standardized items ``Z`` and the
    reasons an estimate is inadmissible (see :func:`implied_correlations`)."""
    spec = out["spec"]
    Sig, reasons = implied_correlations(out)
    exo = [j for j in range(spec.n_constructs) if j not in spec.endogenous]
    Zhat = Z.copy()
    for j in spec.endogenous:
        src = spec.predecessors(j) if technique == "DA" else exo
        x = np.flatnonzero(np.isin(spec.block, src))
        y = spec.block_of(j)
        Sxx = Sig[:, x][:, :, x]
        bad = ~_pd(Sxx)
        reasons[bad & (reasons == "")] = ("a non-positive-definite implied correlation matrix "
                                          f"of the predictors of {spec.constructs[j]!r}")
        Sxx = np.where(bad[:, None, None], np.eye(len(x)), Sxx)
        beta = np.linalg.solve(Sxx, Sig[:, x][:, :, y])
        Zhat[..., y] = Z[..., x] @ beta
    return Zhat, reasons
