"""The arithmetic of relative importance, on correlation matrices (numpy only).

Everything here takes a correlation matrix ``R`` of the outcome (row/column 0) and the
``p`` predictors (rows/columns 1..p), so the same code serves raw data, a published matrix,
bootstrap resamples and a fitted model's latent covariance matrix.

* :func:`subset_r2` -- R-squared of every one of the 2**p predictor subsets, indexed by
  bitmask (bit ``j`` set = predictor ``j`` in the model), with the sweep operator applied
  to stacks of subsets at once (vectorized; a few ms for p = 15).
* :func:`shapley` and :func:`conditional_dominance` -- the LMG / Shapley shares and the
  Azen & Budescu (2003) conditional dominance statistics from those R-squared values.
* :func:`relative_weights` -- Johnson's (2000) relative weights, batched over a stack of
  correlation matrices (one per bootstrap draw).
"""
from __future__ import annotations

from math import comb, factorial

import numpy as np

from .._errors import DataError


def popcount(masks: np.ndarray, p: int) -> np.ndarray:
    """Number of predictors in each subset bitmask."""
    out = np.zeros(masks.shape, dtype=np.int64)
    for j in range(p):
        out += (masks >> j) & 1
    return out


def check_positive_definite(R: np.ndarray, names) -> None:
    """Refuse predictor sets whose correlation matrix is singular (exact collinearity)."""
    Rxx = R[1:, 1:]
    w = np.linalg.eigvalsh(Rxx)
    if w.min() <= 1e-10 * max(w.max(), 1.0):
        raise DataError(f"The predictors {', '.join(map(repr, names))} are linearly dependent "
                        f"(smallest eigenvalue of their correlation matrix {w.min():.3g}); "
                        "drop or combine the redundant ones.")


def subset_r2(R: np.ndarray) -> np.ndarray:
    """R-squared of every predictor subset: ``out[mask]``, ``out[0] = 0``.

    Sweep operator on the correlation matrix ordered (x_0 .. x_{p-1}, y): sweeping the
    predictors of S leaves, in the rows and columns not swept, the covariances of the
    residuals given S; so ``R2(S) = 1 - [swept]_yy``. Subsets are grown in order of their
    largest member j: every subset whose largest member is j comes from sweeping j on a
    subset with a smaller largest member, and only the rows of the predictors above j (and
    y) are kept, as only those can still be swept. All subsets with the same largest member
    share one matrix shape, so each step is one vectorized update of a stack::

        T <- T[b, c] - T[b, j] T[j, c] / T[j, j]      (b, c > j or y)

    About 6 * 2**p flops in all. All principal submatrices of a positive definite matrix are
    positive definite, so one check on the full predictor matrix
    (:func:`check_positive_definite`) keeps every pivot ``T[j, j]`` positive.
    """
    p = R.shape[0] - 1
    order = [*range(1, p + 1), 0]
    out = np.zeros(1 << p)
    # each source: (masks, stack of swept matrices over predictors first..p-1 and y, first)
    sources = [(np.zeros(1, dtype=np.int64), R[np.ix_(order, order)][None], 0)]
    for j in range(p):
        masks, stacks = [], []
        for m, T, first in sources:
            a = j - first
            col = T[:, a + 1:, a] / np.sqrt(T[:, a, a])[:, None]
            stacks.append(T[:, a + 1:, a + 1:] - col[:, :, None] * col[:, None, :])
            masks.append(m | (np.int64(1) << j))
        m, T = np.concatenate(masks), np.concatenate(stacks)
        out[m] = 1.0 - T[:, -1, -1]
        sources.append((m, T, j + 1))
    return out


def _cube(a: np.ndarray, p: int) -> np.ndarray:
    """View of a 2**p array with one axis per predictor (axis p - 1 - j is bit j)."""
    return a.reshape((2,) * p) if p else a


def _take(a: np.ndarray, p: int, bits: dict) -> np.ndarray:
    """The sub-cube with the given predictor bits fixed (a view)."""
    sl = [slice(None)] * p
    for j, v in bits.items():
        sl[p - 1 - j] = v
    return a[tuple(sl)]


def _increments(r2: np.ndarray, p: int):
    """For each predictor j: sizes of the subsets S without j and R2(S + j) - R2(S)."""
    cube = _cube(r2, p)
    size = _cube(popcount(np.arange(1 << p, dtype=np.int64), p), p)
    for j in range(p):
        yield j, _take(size, p, {j: 0}), _take(cube, p, {j: 1}) - _take(cube, p, {j: 0})


def conditional_dominance(r2: np.ndarray, p: int) -> np.ndarray:
    """(p, p) array: row ``j``, column ``k`` = mean increment of predictor ``j`` over the
    subsets of size ``k`` of the others (Azen & Budescu 2003, conditional dominance)."""
    out = np.empty((p, p))
    counts = np.array([comb(p - 1, k) for k in range(p)], dtype=float)
    for j, size, inc in _increments(r2, p):
        out[j] = np.bincount(size.ravel(), weights=inc.ravel(), minlength=p) / counts
    return out


def shapley(r2: np.ndarray, p: int) -> np.ndarray:
    """LMG / Shapley shares: the increments weighted by |S|! (p - |S| - 1)! / p!."""
    w = np.array([factorial(k) * factorial(p - k - 1) / factorial(p) for k in range(p)])
    return np.array([np.sum(w[size] * inc) for _, size, inc in _increments(r2, p)])


def complete_dominance(r2: np.ndarray, p: int) -> np.ndarray:
    """(p, p) matrix D: D[i, j] = 1 if ``i`` adds more R2 than ``j`` to every subset of the
    other predictors (complete dominance, Budescu 1993), 0 if ``j`` does, 0.5 otherwise."""
    cube = _cube(r2, p)
    D = np.full((p, p), 0.5)
    for i in range(p):
        for j in range(i + 1, p):
            d = _take(cube, p, {i: 1, j: 0}) - _take(cube, p, {i: 0, j: 1})
            if np.all(d > 0):
                D[i, j], D[j, i] = 1.0, 0.0
            elif np.all(d < 0):
                D[i, j], D[j, i] = 0.0, 1.0
    return D


def pairwise_dominance(stat: np.ndarray) -> np.ndarray:
    """Dominance matrix from per-predictor statistics: ``stat`` (p,) for general dominance
    or (p, levels) for conditional dominance (``i`` must be larger at every level)."""
    s = stat.reshape(stat.shape[0], -1)
    p = s.shape[0]
    D = np.full((p, p), 0.5)
    for i in range(p):
        for j in range(p):
            if i != j:
                if np.all(s[i] > s[j]):
                    D[i, j] = 1.0
                elif np.all(s[i] < s[j]):
                    D[i, j] = 0.0
    return D


def relative_weights(R: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from correlation matrices ``R`` (..., q, q).

    The predictors' correlation matrix is factored ``Rxx = Lambda Lambda'`` with the
    symmetric square root ``Lambda = V diag(sqrt(w)) V'`` (the correlations between the
    predictors and their closest orthogonal counterparts Z); the outcome is regressed on Z
    (``beta = Lambda^-1 r_xy``) and each predictor's weight is
    ``sum_k Lambda[j, k]^2 beta_k^2``. The weights sum to R-squared.
    """
    Rxx, rxy = R[..., 1:, 1:], R[..., 1:, 0]
    w, V = np.linalg.eigh(Rxx)
    w = np.clip(w, 0.0, None)
    lam = (V * np.sqrt(w)[..., None, :]) @ np.swapaxes(V, -1, -2)
    # beta = Lambda^-1 r = V diag(1/sqrt(w)) V' r
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_sqrt = np.where(w > 0, 1.0 / np.sqrt(w), 0.0)
    beta = np.einsum("...ij,...j->...i", (V * inv_sqrt[..., None, :]) @ np.swapaxes(V, -1, -2),
                     rxy)
    return np.einsum("...jk,...k->...j", lam ** 2, beta ** 2)


def to_correlation(S: np.ndarray) -> np.ndarray:
    """Covariance matrices (..., q, q) -> correlation matrices."""
    d = np.sqrt(np.einsum("...ii->...i", S))
    return S / (d[..., :, None] * d[..., None, :])


def resampled_correlations(X: np.ndarray, B: int, rng: np.random.Generator) -> np.ndarray:
    """(B, q, q) correlation matrices of B nonparametric bootstrap resamples of the rows of X.

    Works on resampling counts: the moments of a resample are count-weighted sums, one
    (B, n) @ (n, q*q) product for all draws."""
    n, q = X.shape
    Xc = X - X.mean(axis=0)
    idx = rng.integers(0, n, size=(B, n))
    counts = np.bincount((np.arange(B)[:, None] * n + idx).ravel(),
                         minlength=B * n).reshape(B, n).astype(float)
    m1 = counts @ Xc / n
    m2 = (counts @ (Xc[:, :, None] * Xc[:, None, :]).reshape(n, q * q)).reshape(B, q, q) / n
    return to_correlation(m2 - m1[:, :, None] * m1[:, None, :])
