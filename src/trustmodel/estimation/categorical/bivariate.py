"""Stage 2: polychoric, polyserial and Pearson correlations by two-step pairwise ML.

Thresholds (and means / variances) stay at their stage-1 values; each correlation maximises
its pair's log-likelihood, as lavaan 0.6-14 does (``R/lav_bvord.R``
``lav_bvord_cor_twostep_fit``, ``R/lav_bvmix.R`` ``lav_bvmix_cor_twostep_fit``,
``R/lav_bvreg.R``). Instead of one optimiser call per pair, Newton's method runs on ALL pairs
at once: the cell probabilities of every pair's contingency table come from one vectorized
bivariate-normal call (:func:`.bvnorm.pbinorm`) per iteration. The scores (derivatives of a
case's log-likelihood with respect to rho and to the pair's thresholds / mean / variance) are
those of ``lav_bvord_cor_scores_cache``, ``lav_bvmix_cor_scores_cache`` and
``lav_bvreg_cor_scores_cache``.

References
----------
Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
*Psychometrika*, 44, 443-460. doi:10.1007/BF02296207

Olsson, U., Drasgow, F., & Dorans, N. J. (1982). The polyserial correlation coefficient.
*Psychometrika*, 47, 337-347. doi:10.1007/BF02294164
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ..._errors import NotPositiveDefiniteWarning
from .bvnorm import dbinorm, dbinorm_drho, pbinorm
from .univariate import dnorm

_EPS_LIK = np.sqrt(np.finfo(float).eps)   # lavaan floors cell probabilities here
_MAX_ITER = 100


def _diff2(F):
    """Cell values from a cdf grid: F[a+1, b+1] - F[a, b+1] - F[a+1, b] + F[a, b]."""
    return F[:, 1:, 1:] - F[:, :-1, 1:] - F[:, 1:, :-1] + F[:, :-1, :-1]


@dataclass(frozen=True)
class PolychoricPairs:
    """Polychoric correlations of a set of ordinal pairs, with what the ACOV needs."""

    rho: np.ndarray         # npair
    case_rho: np.ndarray    # N x npair: score of rho per case
    a21_x: list             # per pair: sum over cases of score(rho) * score(th of x)
    a21_y: list
    zero_cells: np.ndarray  # npair bool: the table had an empty cell
    shift_x: np.ndarray | None = None   # N x npair: score of a shift of x's limits (covariates)
    shift_y: np.ndarray | None = None


def _grids(tx, ty, rho):
    """cdf, density and d density / d rho on every pair's threshold grid."""
    X = tx[:, :, None]
    Y = ty[:, None, :]
    R = rho[:, None, None]
    return pbinorm(X, Y, R), dbinorm(X, Y, R), dbinorm_drho(X, Y, R)


def _cell_probs(tx, ty, rho):
    F, f, df = _grids(tx, ty, rho)
    P = np.maximum(_diff2(F), _EPS_LIK)
    return P, _diff2(f), _diff2(df)


def polychoric(ordinals, pairs, warn=None) -> PolychoricPairs:
    """Two-step polychoric correlations of ``pairs`` (index pairs into ``ordinals``).

    Parameters
    ----------
    ordinals : list of :class:`.univariate.Ordinal`
    pairs : sequence of (i, j)
    warn : callable, optional
        Called with a message for tables lavaan warns about (two empty cells in a 2 x 2).
    """
    pairs = list(pairs)
    n_pair = len(pairs)
    N = len(ordinals[0].codes) if ordinals else 0
    if n_pair == 0:
        return PolychoricPairs(np.zeros(0), np.zeros((N, 0)), [], [], np.zeros(0, bool))
    kmax = max(v.ncat for v in ordinals)

    def padded(v):
        out = np.full(kmax + 1, np.inf)
        out[: v.ncat + 1] = v.padded
        return out

    pad = np.array([padded(v) for v in ordinals])
    ii = np.array([p[0] for p in pairs])
    jj = np.array([p[1] for p in pairs])
    tx, ty = pad[ii], pad[jj]
    codes = np.stack([v.codes for v in ordinals], axis=1)          # N x nord
    cx, cy = codes[:, ii], codes[:, jj]                               # N x npair
    both = (cx >= 0) & (cy >= 0)
    flat = np.where(both, np.arange(n_pair) * kmax * kmax + cx * kmax + cy, -1)
    freq = np.bincount(flat[both], minlength=n_pair * kmax * kmax).reshape(n_pair, kmax, kmax)
    freq = freq.astype(float)
    fit_freq = freq.copy()
    ncx = np.array([ordinals[i].ncat for i in ii])
    ncy = np.array([ordinals[j].ncat for j in jj])
    ar = np.arange(kmax)
    valid = (ar[None, :, None] < ncx[:, None, None]) & (ar[None, None, :] < ncy[:, None, None])
    zero = np.any(valid & (freq == 0), axis=(1, 2))
    fixed = np.full(n_pair, np.nan)
    for k in np.flatnonzero((ncx == 2) & (ncy == 2)):
        fixed[k] = _two_by_two(fit_freq[k], ordinals[ii[k]].th[0], ordinals[jj[k]].th[0],
                               warn, (ordinals[ii[k]].name, ordinals[jj[k]].name))

    # start: Pearson correlation of the codes (lav_bvord_init_cache)
    if both.all():   # no missing values: one correlation matrix of the codes
        R = np.corrcoef(codes.T.astype(float)) if codes.shape[1] > 1 else np.eye(1)
        rho = R[ii, jj]
    else:
        rho = _masked_pearson(cx.astype(float), cy.astype(float), both)
    rho = np.where(np.isfinite(rho) & (np.abs(rho) < 1), rho, 0.0).astype(float)
    active = np.isnan(fixed)
    rho[~active] = fixed[~active]
    for _ in range(_MAX_ITER):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        P, dP, d2P = _cell_probs(tx[idx], ty[idx], rho[idx])
        n = fit_freq[idx]
        g = (n * dP / P).sum(axis=(1, 2))
        H = (n * (d2P / P - (dP / P) ** 2)).sum(axis=(1, 2))
        step = np.where(H < 0, -g / np.where(H < 0, H, -1.0), 0.1 * np.sign(g))
        new = np.clip(rho[idx] + step, -0.999, 0.999)
        rho[idx] = new
        done = np.abs(step) < 1e-13
        active[idx[done]] = False

    # scores per cell, then per case
    P, dP, _ = _cell_probs(tx, ty, rho)
    s_rho = dP / P
    R = np.sqrt(1 - rho * rho)[:, None, None]
    # G[s, b] = phi(tx_s) * (Phi((ty_{b+1} - rho tx_s)/R) - Phi((ty_b - rho tx_s)/R))
    r3 = rho[:, None, None]
    with np.errstate(invalid="ignore"):
        Gx = dnorm(tx)[:, :, None] * (ndtr((ty[:, None, 1:] - r3 * tx[:, :, None]) / R)
                                      - ndtr((ty[:, None, :-1] - r3 * tx[:, :, None]) / R))
        Gy = dnorm(ty)[:, :, None] * (ndtr((tx[:, None, 1:] - r3 * ty[:, :, None]) / R)
                                      - ndtr((tx[:, None, :-1] - r3 * ty[:, :, None]) / R))
    Gx = np.nan_to_num(Gx)
    Gy = np.nan_to_num(Gy)
    w = freq * s_rho / P                         # n_ab * s_rho / P_ab
    # score of threshold m of x in cell (a, b): Gx[m+1, b] (d(a, m) - d(a, m+1)) / P, so
    # sum over cells of n * s_rho * score = sum_b (w[m, b] - w[m+1, b]) Gx[m+1, b]
    ax = np.einsum("pmb,pmb->pm", w[:, :-1, :] - w[:, 1:, :], Gx[:, 1:kmax, :])
    ay = np.einsum("pam,pma->pm", w[:, :, :-1] - w[:, :, 1:], Gy[:, 1:kmax, :])
    a21_x = [ax[k, : ncx[k] - 1] for k in range(n_pair)]
    a21_y = [ay[k, : ncy[k] - 1] for k in range(n_pair)]
    cxs, cys = np.where(both, cx, 0), np.where(both, cy, 0)
    case_rho = np.where(both, s_rho[np.arange(n_pair)[None, :], cxs, cys], 0.0)
    return PolychoricPairs(rho, case_rho, a21_x, a21_y, zero)


def polychoric_cases(ordinals, pairs) -> PolychoricPairs:
    """Polychoric correlations of residuals given covariates: each case has its own limits
    ``tau - x'beta`` (:attr:`.univariate.Ordinal.offset`), so the likelihood is a sum over
    cases, not over a contingency table (``lav_bvord_cor_twostep_fit`` with ``eXo``;
    scores as ``lav_bvord_cor_scores_cache``). Newton's method on all pairs at once."""
    pairs = list(pairs)
    N = len(ordinals[0].codes)
    n_pair = len(pairs)
    if n_pair == 0:
        return PolychoricPairs(np.zeros(0), np.zeros((N, 0)), [], [], np.zeros(0, bool),
                               np.zeros((N, 0)), np.zeros((N, 0)))
    lims = [v.limits() for v in ordinals]
    U1 = np.stack([lims[i][0] for i, _ in pairs], axis=1)
    L1 = np.stack([lims[i][1] for i, _ in pairs], axis=1)
    U2 = np.stack([lims[j][0] for _, j in pairs], axis=1)
    L2 = np.stack([lims[j][1] for _, j in pairs], axis=1)
    ok = np.stack([ordinals[i].observed & ordinals[j].observed for i, j in pairs], axis=1)
    corners = ((U1, U2, 1.0), (L1, U2, -1.0), (U1, L2, -1.0), (L1, L2, 1.0))

    def rect(fun, rho, sel):
        return sum(s * fun(a[:, sel], b[:, sel], rho[None, :]) for a, b, s in corners)

    rho = _masked_pearson(np.stack([ordinals[i].codes for i, _ in pairs], 1).astype(float),
                          np.stack([ordinals[j].codes for _, j in pairs], 1).astype(float), ok)
    rho = np.where(np.isfinite(rho), np.clip(rho, -0.9, 0.9), 0.0)
    active = np.ones(n_pair, bool)
    for _ in range(_MAX_ITER):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        P = np.maximum(rect(pbinorm, rho[idx], idx), _EPS_LIK)
        dP, d2P = rect(dbinorm, rho[idx], idx), rect(dbinorm_drho, rho[idx], idx)
        w = ok[:, idx]
        g = np.where(w, dP / P, 0.0).sum(axis=0)
        H = np.where(w, d2P / P - (dP / P) ** 2, 0.0).sum(axis=0)
        step = np.where(H < 0, -g / np.where(H < 0, H, -1.0), 0.1 * np.sign(g))
        rho[idx] = np.clip(rho[idx] + step, -0.999, 0.999)
        active[idx[np.abs(step) < 1e-13]] = False
    allp = np.arange(n_pair)
    P = np.maximum(rect(pbinorm, rho, allp), _EPS_LIK)
    case_rho = np.where(ok, rect(dbinorm, rho, allp) / P, 0.0)
    R = np.sqrt(1 - rho * rho)[None, :]

    def dlim(z, a2, b2):
        """d P / d (one limit z of the first variable), other variable in [b2, a2]."""
        with np.errstate(invalid="ignore"):
            out = dnorm(z) * (ndtr((a2 - rho * z) / R) - ndtr((b2 - rho * z) / R))
        return np.nan_to_num(out)

    dU1, dL1 = dlim(U1, U2, L2) / P, -dlim(L1, U2, L2) / P
    dU2, dL2 = dlim(U2, U1, L1) / P, -dlim(L2, U1, L1) / P
    a21_x, a21_y = [], []
    for k, (i, j) in enumerate(pairs):
        for v, dU, dL, out in ((ordinals[i], dU1, dL1, a21_x), (ordinals[j], dU2, dL2, a21_y)):
            sc = np.zeros((N, v.ncat - 1))
            c, m = v.codes, ok[:, k]
            rows = np.flatnonzero(m & (c < v.ncat - 1))
            sc[rows, c[rows]] = dU[rows, k]
            rows = np.flatnonzero(m & (c > 0))
            sc[rows, c[rows] - 1] += dL[rows, k]
            out.append(case_rho[:, k] @ sc)
    zero = np.zeros(n_pair, bool)
    return PolychoricPairs(rho, case_rho, a21_x, a21_y, zero,
                           np.where(ok, dU1 + dL1, 0.0), np.where(ok, dU2 + dL2, 0.0))


def _masked_pearson(x, y, ok):
    """Pearson correlation of the columns of x and y (N x pairs) over rows where ``ok``."""
    n = ok.sum(axis=0)
    w = ok.astype(float)
    mx = (x * w).sum(axis=0) / n
    my = (y * w).sum(axis=0) / n
    dx, dy = (x - mx) * w, (y - my) * w
    with np.errstate(invalid="ignore", divide="ignore"):
        return (dx * dy).sum(axis=0) / np.sqrt((dx * dx).sum(axis=0) * (dy * dy).sum(axis=0))


def _two_by_two(freq, thx, thy, warn, names):
    """lavaan's special cases of a 2 x 2 table (``lav_bvord_cor_twostep_fit``); NaN: fit."""
    f = freq[:2, :2]
    zeros = np.flatnonzero(f.ravel(order="F") == 0)
    if len(zeros) == 2:
        if warn is not None:
            warn(f"Two empty cells in the 2 x 2 table of {names[0]!r} x {names[1]!r}; "
                 "their polychoric correlation is set to +-1.", NotPositiveDefiniteWarning)
        return 1.0 if f[0, 0] > 0 else -1.0
    if len(zeros) == 1:   # zero.add = 0.5 keeping the margins
        s = 0.5 if zeros[0] in (0, 3) else -0.5
        f[0, 0] += s
        f[1, 1] += s
        f[1, 0] -= s
        f[0, 1] -= s
    if f[0, 0] * f[1, 1] == f[0, 1] * f[1, 0]:
        return 0.0
    if thx == 0 and thy == 0:
        return -np.cos(2 * np.pi * f[0, 0] / f.sum())
    return np.nan


@dataclass(frozen=True)
class PolyserialPairs:
    rho: np.ndarray
    case_rho: np.ndarray    # N x npair
    case_mu: np.ndarray     # N x npair: score of the continuous variable's mean
    case_var: np.ndarray    # N x npair: ... of its variance
    case_th: list           # per pair: N x (K - 1) scores of the ordinal's thresholds


def _ps_terms(Z, up, lo, rho):
    R = np.sqrt(1 - rho * rho)
    t1 = (up - rho * Z) / R
    t2 = (lo - rho * Z) / R
    p = np.maximum(ndtr(t1) - ndtr(t2), np.finfo(float).eps)
    return R, t1, t2, p


def _ps_grad(Z, up, lo, rho, ok):
    R, t1, t2, p = _ps_terms(Z, up, lo, rho)
    TAUj = dnorm(t1) * np.where(np.isfinite(up), up * rho - Z, 0.0)
    TAUj1 = dnorm(t2) * np.where(np.isfinite(lo), lo * rho - Z, 0.0)
    return np.where(ok, (TAUj - TAUj1) / (p * R ** 3), 0.0)


def polyserial(numerics, ordinals, pairs) -> PolyserialPairs:
    """Two-step polyserial correlations; ``pairs`` are (numeric index, ordinal index)."""
    pairs = list(pairs)
    N = len(numerics[0].values) if numerics else (len(ordinals[0].codes) if ordinals else 0)
    if not pairs:
        z = np.zeros((N, 0))
        return PolyserialPairs(np.zeros(0), z, z, z, [])
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    sd = np.array([np.sqrt(numerics[k].var) for k in a])
    Z = np.stack([numerics[k].centered for k in a], axis=1) / sd
    lims = [ordinals[k].limits() for k in b]
    up = np.stack([u for u, _ in lims], axis=1)
    lo = np.stack([lw for _, lw in lims], axis=1)
    ok = np.stack([numerics[i].observed & ordinals[j].observed for i, j in pairs], axis=1)
    # start (lav_bvmix_init_cache): cor(Y1, Y2) * sd(Y2) / sum(dnorm(th))
    rho = np.zeros(len(pairs))
    for k, (i, j) in enumerate(pairs):
        m = ok[:, k]
        y1, y2 = numerics[i].values[m], ordinals[j].codes[m].astype(float)
        c = np.corrcoef(y1, y2)[0, 1] if y2.std() > 0 else 0.0
        r = c * y2.std() / dnorm(ordinals[j].th).sum()
        rho[k] = 0.0 if not np.isfinite(r) else (r / 2 if abs(r) > 0.9 else r)
    h = 1e-6
    active = np.ones(len(pairs), bool)
    for _ in range(_MAX_ITER):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        sl = (slice(None), idx)
        g = _ps_grad(Z[sl], up[sl], lo[sl], rho[idx], ok[sl]).sum(axis=0)
        gp = _ps_grad(Z[sl], up[sl], lo[sl], rho[idx] + h, ok[sl]).sum(axis=0)
        gm = _ps_grad(Z[sl], up[sl], lo[sl], rho[idx] - h, ok[sl]).sum(axis=0)
        H = (gp - gm) / (2 * h)
        step = np.where(H < 0, -g / np.where(H < 0, H, -1.0), 0.1 * np.sign(g))
        rho[idx] = np.clip(rho[idx] + step, -0.995, 0.995)
        active[idx[np.abs(step) < 1e-12]] = False
    R, t1, t2, p = _ps_terms(Z, up, lo, rho)
    zd = dnorm(t1) - dnorm(t2)
    var = sd ** 2
    case_mu = np.where(ok, (Z + zd * rho / (R * p)) / sd, 0.0)
    case_var = np.where(ok, ((Z * Z - 1) + zd * rho * Z / (R * p)) / (2 * var), 0.0)
    case_rho = _ps_grad(Z, up, lo, rho, ok)
    case_th = []
    for k, j in enumerate(b):
        v = ordinals[j]
        c = v.codes
        K = v.ncat - 1
        out = np.zeros((N, K))
        f1, f2 = dnorm(t1[:, k]) / (R[k] * p[:, k]), dnorm(t2[:, k]) / (R[k] * p[:, k])
        rows = np.flatnonzero(ok[:, k] & (c < K))
        out[rows, c[rows]] = f1[rows]
        rows = np.flatnonzero(ok[:, k] & (c > 0))
        out[rows, c[rows] - 1] -= f2[rows]
        case_th.append(out)
    return PolyserialPairs(rho, case_rho, case_mu, case_var, case_th)


@dataclass(frozen=True)
class PearsonPairs:
    rho: np.ndarray
    case_rho: np.ndarray
    case_mu1: np.ndarray
    case_mu2: np.ndarray
    case_var1: np.ndarray
    case_var2: np.ndarray


def pearson(numerics, pairs) -> PearsonPairs:
    """Pearson correlations (pairwise complete) with the bivariate-normal scores."""
    pairs = list(pairs)
    N = len(numerics[0].values) if numerics else 0
    cols = [np.zeros((N, len(pairs))) for _ in range(5)]
    rho = np.zeros(len(pairs))
    for k, (i, j) in enumerate(pairs):
        x, y = numerics[i], numerics[j]
        ok = x.observed & y.observed
        rho[k] = np.corrcoef(x.values[ok], y.values[ok])[0, 1]
        r = rho[k]
        R = 1 - r * r
        y1, y2 = x.centered, y.centered
        v1, v2 = x.var, y.var
        s12 = np.sqrt(v1 * v2)
        z = y1 * y1 / v1 - 2 * r * y1 * y2 / s12 + y2 * y2 / v2
        vals = [r / R + (y1 * y2 / (s12 * R) - z * r / (R * R)),
                (2 * y1 / v1 - 2 * r * y2 / s12) / (2 * R),
                -(2 * r * y1 / s12 - 2 * y2 / v2) / (2 * R),
                -(0.5 / v1 - (y1 * y1 / (v1 * v1) - r * y1 * y2 / (v1 * s12)) / (2 * R)),
                -(0.5 / v2 + (r * y1 * y2 / (v2 * s12) - y2 * y2 / (v2 * v2)) / (2 * R))]
        for col, v in zip(cols, vals):
            col[:, k] = np.where(ok, v, 0.0)
    return PearsonPairs(rho, *cols)
