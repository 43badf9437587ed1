"""Residuals of the fitted moments, as lavaan's ``residuals``/``lavResiduals``
(``R/lav_residuals.R``).

Types (lavaan's names, "." or "_" accepted):

- ``"raw"``: ``S - Sigma`` (and ``ybar - mu`` with a mean structure), ``S`` the N-divisor
  sample covariance.
- ``"cor"`` / ``"cor.bollen"``: ``cor(S) - cor(Sigma)``, each matrix scaled by its own standard
  deviations (lavaan's ``residuals(fit, type = "cor")``).
- ``"cor.bentler"``: both matrices scaled by the *observed* standard deviations (the default of
  ``lavResiduals``; its ``$cov``).
- ``"standardized"``: raw residuals over their standard errors from the projection form of
  Ogasawara (2001) / Bentler & Dijkstra (1985), lavaan's default since 0.6-3:
  ``ACOV = Q (Gamma / N_g) Q'``, ``Q = I - (N_g / N) Delta A0^-1 Delta' A1``, with ``Gamma``
  the normal-theory covariance of the sample moments, ``A1`` the unit h1 information at the
  implied moments (``h1.information = "structured"``), ``A0`` the unit expected information of
  the model (all groups) and ``Delta`` the Jacobian of the implied moments
  (``lav_residuals_acov(z.type = "standardized")`` in ``R/lav_residuals.R``). Always
  computable (``Q`` is a projection).
- ``"standardized.mplus"``: the simplified Mplus/LISREL formula
  ``ACOV = Gamma / N - Delta V Delta'`` (``V`` the parameter covariance), lavaan's
  ``"standardized"`` before 0.6-3; negative variances give NaN.

Residuals whose variance is (numerically) zero, such as the diagonal of a CFA, come back as
NaN, as lavaan's ``NA``.
- ``"normalized"``: raw residuals over ``sqrt(diag(Gamma) / N)`` (ignoring the sampling
  variability of the estimates).

Fixed-x covariates: as lavaan (``lav_model_h1_acov``, ``lav_residuals_acov``), the h1
information has the covariates' own block (their means and (co)variances) zeroed and
``Gamma`` is the inverse of the rest (``lav_matrix_symmetric_inverse``), so the variances of
the residuals that involve a covariate are conditional on the covariates' block; the block's
own residuals are zero by construction (NaN here).

Missing data (``missing="fiml"``, lavaan's ``missing = "ml"``): as lavaan, the "sample" moments
are the h1 (EM) estimates of the mean vector and covariance matrix (``lavInspect(fit, "h1")``,
``res.sample``), so raw residuals are ``h1 - implied`` and the correlation types scale by the
h1 standard deviations. ``"normalized"`` divides by the square roots of ``diag(A1^-1) / N_g``,
``A1`` the unit observed information of (means, vech Sigma) of the casewise likelihood at the
h1 moments (lavaan's ``lav_model_h1_acov`` with ``h1.acov = "unstructured"``; on complete data
``A1^-1`` is ``Gamma`` exactly). ``"standardized"`` is refused for FIML fits for now: lavaan's
version evaluates the information at the implied moments (``h1.information = "structured"``)
and there is no lavaan reference to check it against yet.

:func:`largest_residuals` lists the largest ones in a tidy table for reports.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import OptionError
from ..estimation.core.fitting import x_indices

TYPES = ("raw", "cor", "cor.bollen", "cor.bentler", "standardized", "standardized.mplus",
         "normalized")


def _check_type(type) -> str:
    t = str(type).lower().replace("_", ".")
    if t not in TYPES:
        raise OptionError(f"The 'type' parameter of residuals must be one of {list(TYPES)}. "
                          f"Got {type!r} instead.")
    return "cor.bollen" if t == "cor" else t


def _gamma_nt(S, mean, ms):
    """Normal-theory asymptotic covariance of (means, vech(S)): Cov(s_ij, s_kl) = s_ik s_jl +
    s_il s_jk; means: S."""
    p = len(S)
    r, c = np.tril_indices(p)
    G = S[np.ix_(r, r)] * S[np.ix_(c, c)] + S[np.ix_(r, c)] * S[np.ix_(c, r)]
    if ms:
        q = len(r)
        out = np.zeros((p + q, p + q))
        out[:p, :p] = S
        out[p:, p:] = G
        return out
    return G


def _group_residuals(res, g, kind):
    gs = res.stats.groups[g]
    problem = res.state.problem
    model = problem.model
    ms = model.meanstructure
    imp = model.implied(res.state.values, g, derivatives=kind.startswith("standardized"))
    S, Sig = gs.cov, imp.sigma
    raw_c = S - Sig
    raw_m = gs.mean - imp.mu if ms else None
    if kind == "raw":
        return raw_c, raw_m
    if kind in ("cor.bollen", "cor.bentler"):
        sd_s = np.sqrt(np.diag(S))
        sd_h = sd_s if kind == "cor.bentler" else np.sqrt(np.diag(Sig))
        c = S / np.outer(sd_s, sd_s) - Sig / np.outer(sd_h, sd_h)
        m = gs.mean / sd_s - imp.mu / sd_h if ms else None
        return c, m
    p = len(S)
    r, cidx = np.tril_indices(p)
    N = gs.nobs
    if hasattr(problem, "patterns"):   # FIML: the h1 information (module docstring)
        if kind.startswith("standardized"):
            raise OptionError("Standardized residuals of a FIML fit (missing='fiml') are not "
                              "available yet; use type='normalized' or a correlation type.")
        acov, gamma = _fiml_acov(res, g)
    else:
        keep = _not_x(p, ms, x_indices(res.table))
        gamma = _masked_inverse(np.linalg.inv(_gamma_nt(S, gs.mean, ms)), keep)
        acov = gamma / N
        if kind.startswith("standardized"):
            d_sig = imp.dsigma[:, r, cidx]                      # npar x q
            delta = np.hstack([imp.dmu, d_sig]) if ms else d_sig
            if kind == "standardized.mplus":
                acov = acov - delta.T @ res.vcov_free @ delta
            else:
                Q = _projection(res, g, imp, delta, keep)
                acov = Q @ acov @ Q.T
    var = np.diag(acov)
    tiny = var < np.sqrt(np.finfo(float).eps) * max(1.0, float(np.abs(np.diag(gamma)).max())) / N
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(tiny, np.nan, np.sqrt(np.clip(var, 0, None)))
    off = p if ms else 0
    se_c = np.full((p, p), np.nan)
    se_c[r, cidx] = se[off:]
    se_c[cidx, r] = se[off:]
    with np.errstate(invalid="ignore", divide="ignore"):
        z_c = raw_c / se_c
        z_m = raw_m / se[:p] if ms else None
    return z_c, z_m


def _not_x(p, ms, x_idx) -> np.ndarray:
    """Mask of the (means, vech) elements (np.tril_indices order) outside the fixed-x block."""
    x = np.isin(np.arange(p), list(x_idx))
    r, c = np.tril_indices(p)
    block = x[r] & x[c]
    return ~np.concatenate([x, block]) if ms else ~block


def _masked_inverse(info, keep) -> np.ndarray:
    """lavaan's ``lav_matrix_symmetric_inverse`` of an information whose fixed-x rows and
    columns are zero: the inverse of the rest, zeros elsewhere."""
    out = np.zeros_like(info)
    out[np.ix_(keep, keep)] = np.linalg.inv(info[np.ix_(keep, keep)])
    return out


def _projection(res, g, imp, delta, keep):
    """lavaan's ``Q = I - (N_g/N) Delta A0^-1 Delta' A1`` of group ``g`` (module docstring).

    ``A1`` is the normal-theory unit information of (means, vech Sigma) at the implied
    moments, the inverse of ``Gamma`` there, its fixed-x rows and columns zeroed (``keep``
    False there, lavaan's ``x.idx`` masking in ``lav_mvnorm_information_expected``); ``A0``
    the model's unit expected information (groups weighted by N_g / N), inverted with a
    pseudo-inverse as lavaan's ``use.ginv``.
    """
    problem = res.state.problem
    ms = problem.model.meanstructure
    info = problem.evaluate(res.state.x)[2]
    if problem.estimator != "ML":
        # the least-squares estimators weight groups by (N_g - 1) / N; lavaan's A0 uses N_g / N
        info = info * problem.ntotal / (problem.ntotal - problem.model.ngroups)
    a0_inv = np.linalg.pinv(info)
    a1 = np.linalg.inv(_gamma_nt(imp.sigma, imp.mu, ms)) * np.outer(keep, keep)
    gw = res.stats.groups[g].nobs / problem.ntotal
    return np.eye(len(a1)) - gw * (delta.T @ a0_inv @ delta) @ a1


def _vech_directions(p):
    """vec of the symmetric unit directions E_k of vech(Sigma) (np.tril_indices order): p^2 x q."""
    r, c = np.tril_indices(p)
    D = np.zeros((p, p, len(r)))
    k = np.arange(len(r))
    D[r, c, k] = 1.0
    D[c, r, k] = 1.0
    return D.reshape(p * p, len(r))


def _fiml_h1_information(pats, sigma, mu) -> np.ndarray:
    """Unit observed information (Hessian of -log L / N) of (mu, vech Sigma) of the casewise
    likelihood at (sigma, mu) (lavaan's ``lav_mvnorm_missing_information_observed_*``)."""
    p = len(sigma)
    _, _, Hss, R, Wsum = pats.hessian_parts(sigma, mu)
    D = _vech_directions(p)
    H = np.block([[Wsum, (D.T @ R).T], [D.T @ R, D.T @ Hss @ D]])
    return 0.5 * (H + H.T) / pats.nobs


def _fiml_acov(res, g):
    """ACOV of the h1 moments (means, vech) of group ``g`` of a FIML fit: the inverse unit
    observed information at the h1 moments over N_g (lavaan's ``lav_model_h1_acov``,
    ``h1.information = "unstructured"``); returned with N_g * ACOV."""
    gs = res.stats.groups[g]
    a1_h1 = _fiml_h1_information(res.state.problem.patterns[g], gs.cov, gs.mean)
    acov = np.linalg.inv(a1_h1) / gs.nobs
    return acov, acov * gs.nobs


def residuals(res, type: str = "raw"):
    """Residual covariances (and means) of a fitted model, labelled.

    Parameters
    ----------
    res : FitResult
    type : {"raw", "cor", "cor.bollen", "cor.bentler", "standardized", "normalized"}
        lavaan's residual types (see the module docstring).

    Returns
    -------
    dict or list of dict
        ``{"type": str, "cov": DataFrame, "mean": Series}`` (``mean`` only with a mean
        structure); a list of them, one per group, for multi-group models.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...              "speed =~ x7 + x8 + x9", hs)
    >>> r = residuals(res, "cor.bentler")   # lavaan: lavResiduals(fit)$cov
    >>> round(float(r["cov"].loc["x7", "x1"]), 4)
    -0.14
    >>> round(float(residuals(res, "cor")["cov"].loc["x9", "x1"]), 4)  # residuals(fit, "cor")
    0.1488
    """
    kind = _check_type(type)
    names = list(res.table.names.ov)
    out = []
    for g in range(res.stats.ngroups):
        c, m = _group_residuals(res, g, kind)
        d = {"type": kind, "cov": pd.DataFrame(c, index=names, columns=names)}
        if m is not None:
            d["mean"] = pd.Series(m, index=names)
        out.append(d)
    return out[0] if len(out) == 1 else out


def largest_residuals(res, n: int = 10, type: str = "cor") -> pd.DataFrame:
    """The ``n`` largest residuals in absolute value, one row per variable pair.

    Parameters
    ----------
    res : FitResult
    n : int
        How many to list (``None`` for all).
    type : str
        A residual type of :func:`residuals` (default correlation residuals).

    Returns
    -------
    pandas.DataFrame
        ``lhs rhs group type residual`` sorted by ``|residual|``; for correlation types the
        (zero) diagonal is left out; means appear with ``rhs = "(mean)"``.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...              "speed =~ x7 + x8 + x9", hs)
    >>> top = largest_residuals(res, n=1)
    >>> top[["lhs", "rhs"]].iloc[0].tolist()
    ['x2', 'x7']
    """
    kind = _check_type(type)
    parts = residuals(res, kind)
    parts = parts if isinstance(parts, list) else [parts]
    labels = [g.label if res.stats.ngroups > 1 else 1 for g in res.stats.groups]
    rows = []
    for lab, d in zip(labels, parts):
        C = d["cov"]
        names = list(C.index)
        k = -1 if kind.startswith("cor") else 0
        r, c = np.tril_indices(len(names), k)
        for i, j in zip(r, c):
            rows.append((names[j], names[i], lab, float(C.iat[i, j])))
        if "mean" in d:
            rows += [(v, "(mean)", lab, float(x)) for v, x in d["mean"].items()]
    out = pd.DataFrame(rows, columns=["lhs", "rhs", "group", "residual"])
    out.insert(3, "type", kind)
    out = out[np.isfinite(out["residual"])]
    out = out.reindex(out["residual"].abs().sort_values(ascending=False, kind="stable").index)
    if n is not None:
        out = out.head(n)
    return out.reset_index(drop=True)
