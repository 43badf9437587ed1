"""Sufficient statistics at memory speed: one float conversion, chunked one-pass moments.

A model fitted by ML needs only N, the mean vector and the N-divisor covariance matrix of the
complete rows. :func:`float_matrix` converts the model's columns of a DataFrame to one float
array (pandas copies nothing when the columns already form one float block), and
:func:`complete_moments` gets the moments in a single pass over cache-sized row blocks
(shifted sums, so the result is as accurate as the two-pass ``(x - mean)' (x - mean) / N``),
finding rows with missing values only in blocks whose column sums are NaN.

The same block kernel (:func:`block_moments`) is what a dask reduction maps over partitions
(:mod:`trustmodel.distributed`), and :class:`RowSource` lets the robust accumulations of
:mod:`trustmodel.estimation.inference.casewise` visit the rows of an array or of a dask
DataFrame alike.

Examples
--------
>>> import numpy as np
>>> X = np.random.default_rng(1).normal(size=(1000, 3))
>>> m = complete_moments(X)
>>> bool(np.allclose(m.cov, np.cov(X, rowvar=False, bias=True)))
True
"""
from __future__ import annotations

import functools
import threading
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

BLOCK_ROWS = 8_192    # rows per block: the p* x rows pair products stay a few MB


def float_matrix(data, names=None) -> np.ndarray:
    """The columns ``names`` of ``data`` as one float64 array (rows x columns), NaN for NA.

    One conversion for the whole selection; no per-column Python loop. The caller's frame is
    never modified (the result may share memory with it: treat it as read-only).
    """
    sub = data if names is None else data[list(names)]
    if all(dt == np.float64 for dt in sub.dtypes):
        return sub.to_numpy(dtype=np.float64, copy=False)
    return sub.to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass(frozen=True)
class Moments:
    """Moments of the complete rows: count, mean, N-divisor covariance, rows kept (or None)."""

    nobs: int
    mean: np.ndarray
    cov: np.ndarray
    complete: np.ndarray | None = None   # bool mask of complete rows; None: every row


def block_moments(X: np.ndarray, shift: np.ndarray):
    """Count, sum and cross-product of ``X - shift`` over the complete rows of one block.

    Returns ``(n, s, C, bad)``, ``bad`` a bool mask of rows holding NaN (None when none does).
    """
    Z = X - shift
    s = Z.sum(axis=0)
    bad = None
    if np.isnan(s).any():            # NaN propagates into the sums: look for rows only then
        bad = np.isnan(Z).any(axis=1)
        Z = Z[~bad]
        s = Z.sum(axis=0)
    return len(Z), s, Z.T @ Z, bad


def combine(parts, shift: np.ndarray, p: int):
    """Mean and N-divisor covariance from summed block results ``(n, s, C)``."""
    n = sum(int(t[0]) for t in parts)
    s = np.sum([t[1] for t in parts], axis=0) if parts else np.zeros(p)
    C = np.sum([t[2] for t in parts], axis=0) if parts else np.zeros((p, p))
    if n == 0:
        return 0, np.full(p, np.nan), np.full((p, p), np.nan)
    d = s / n
    cov = C / n - np.outer(d, d)
    return n, shift + d, 0.5 * (cov + cov.T)


def initial_shift(X: np.ndarray) -> np.ndarray:
    """A shift close to the mean (the first block's), keeping shifted sums well conditioned."""
    head = X[: min(len(X), 4096)]
    with np.errstate(all="ignore"):
        ok = ~np.isnan(head)
        k = np.where(ok, head, 0.0).sum(axis=0) / np.maximum(ok.sum(axis=0), 1)
    return np.where(np.isfinite(k), k, 0.0)


def complete_moments(X: np.ndarray, block_rows: int = BLOCK_ROWS) -> Moments:
    """Mean and N-divisor covariance of the rows of ``X`` without NaN, in one blocked pass.

    Parameters
    ----------
    X : ndarray, shape (n, p)
    block_rows : int
        Rows per block (the working set stays in cache).

    Returns
    -------
    Moments
    """
    n, p = X.shape
    shift = initial_shift(X)
    parts, masks = [], []
    with single_threaded_blas():
        for a in range(0, n, block_rows):
            m, s, C, bad = block_moments(X[a:a + block_rows], shift)
            parts.append((m, s, C))
            masks.append((a, bad))
    nobs, mean, cov = combine(parts, shift, p)
    complete = None
    if any(bad is not None for _, bad in masks):
        complete = np.ones(n, dtype=bool)
        for a, bad in masks:
            if bad is not None:
                complete[a:a + len(bad)] = ~bad
    return Moments(nobs=nobs, mean=mean, cov=cov, complete=complete)


class RowSource:
    """Complete rows of one group, visited block by block.

    ``reduce(kernel, *args)`` returns ``sum(kernel(block, *args))`` over row blocks; the
    kernel returns a tuple of arrays (summed elementwise). An in-memory source cuts the array
    into ``block_rows`` blocks; :class:`trustmodel.distributed.DaskRowSource` maps the kernel
    over the partitions of a dask DataFrame.
    """

    def __init__(self, X: np.ndarray, block_rows: int = BLOCK_ROWS):
        self.X = X
        self.block_rows = int(block_rows)

    def __len__(self) -> int:
        return len(self.X)

    def reduce(self, kernel, *args):
        total = None
        with single_threaded_blas():
            for a in range(0, len(self.X), self.block_rows):
                part = kernel(self.X[a:a + self.block_rows], *args)
                total = list(part) if total is None else [t + q for t, q in zip(total, part)]
        return tuple(total)


def single_threaded_blas():
    """One BLAS thread for the small per-block products (threads only contend there; on a
    loaded machine a threaded BLAS runs them up to ten times slower). A no-op without
    ``threadpoolctl``.

    threadpoolctl's ``limit`` re-reads every library's state on each entry (about 35 us, a
    noticeable share of a 5 ms fit); :class:`_OneBlasThread` keeps the BLAS library handles
    found once per process, sets and restores their thread counts directly, and does nothing
    when this thread already holds the limit (nested calls: the fit, then its moments).
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
            _CONTROLLER = _OneBlasThread(ThreadpoolController())   # discovery once per process
        except ImportError:  # pragma: no cover - threadpoolctl is a runtime dependency
            _CONTROLLER = False
    return _CONTROLLER if _CONTROLLER else nullcontext()


class _OneBlasThread:
    """Re-entrant, per-thread context: BLAS libraries limited to one thread, then restored."""

    def __init__(self, controller):
        self.libs = controller.select(user_api="blas").lib_controllers
        self.local = threading.local()

    def __enter__(self):
        depth = getattr(self.local, "depth", 0)
        self.local.depth = depth + 1
        if depth == 0:
            saved = [lib.num_threads for lib in self.libs]
            for lib, n in zip(self.libs, saved):
                if n != 1:
                    lib.set_num_threads(1)
            self.local.saved = saved
        return self

    def __exit__(self, *exc):
        self.local.depth -= 1
        if self.local.depth == 0:
            for lib, n in zip(self.libs, self.local.saved):
                if n != 1:
                    lib.set_num_threads(n)
        return False


_CONTROLLER = None


def as_source(data) -> RowSource:
    """A :class:`RowSource` for an array (or the source itself)."""
    return data if hasattr(data, "reduce") and not isinstance(data, np.ndarray) \
        else RowSource(np.asarray(data, dtype=float))


PATTERN_ROWS = 8      # patterns with fewer rows: cross products batched, not one by one


@dataclass(frozen=True)
class PatternMoments:
    """Rows grouped by missing-data pattern: each pattern's count, sums and cross products.

    ``uniq`` (K x p, True = observed) lists the patterns in the order of
    ``numpy.unique(mask, axis=0)``; ``sums`` (K x p) and ``cross`` (K x p x p) are the sums
    and cross products of ``Y - shift`` over each pattern's rows, zero where a variable is
    missing (the shift, near the mean, keeps the one-pass formulas accurate). For rows in
    memory ``inv`` gives each row's pattern, ``order`` sorts the rows by pattern (stable) and
    ``starts`` marks where each pattern begins in that order (None for a dask reduction).

    Everything a FIML fit needs from the rows derives from these K x p x p numbers: the
    patterns' means and covariances, the available-case means and variances
    (:meth:`available`) and the pairwise-complete covariances (:meth:`pairwise`).
    """

    uniq: np.ndarray
    counts: np.ndarray
    shift: np.ndarray
    sums: np.ndarray
    cross: np.ndarray
    inv: np.ndarray | None = None
    order: np.ndarray | None = None
    starts: np.ndarray | None = None

    @functools.cached_property
    def means(self) -> np.ndarray:
        """K x p pattern means (0 where missing)."""
        return np.where(self.uniq, self.shift + self.sums / self.counts[:, None], 0.0)

    @functools.cached_property
    def covs(self) -> np.ndarray:
        """K x p x p N-divisor pattern covariances (0 where missing)."""
        d = self.sums / self.counts[:, None]
        return self.cross / self.counts[:, None, None] - np.einsum("ki,kj->kij", d, d)

    def available(self):
        """Available-case ``(n, mean, var)`` of each variable (N divisor), as
        ``nanmean`` / ``nanvar`` of the rows."""
        n = self.counts @ self.uniq
        s = self.sums.sum(axis=0)
        ss = np.einsum("kii->i", self.cross)
        with np.errstate(invalid="ignore", divide="ignore"):
            d = s / n
            return n, self.shift + d, ss / n - d * d

    def pairwise(self, ddof: int = 1):
        """Pairwise-complete ``(n_ij, cov_ij)``: each pair's covariance over the rows observing
        both, about their own means, divided by ``n_ij - ddof`` (NaN where ``n_ij - ddof``
        is not positive); ``ddof=1`` is ``pandas.DataFrame.cov(min_periods=2)``."""
        O = self.uniq.astype(float)
        n = O.T @ (O * self.counts[:, None])
        sx = self.sums.T @ O                 # [i, j]: sum of y_i over rows observing i and j
        sxy = self.cross.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (sxy - sx * sx.T / n) / (n - ddof)
        return n, np.where(n - ddof > 0, cov, np.nan)

    def rows_of(self, sel) -> np.ndarray:
        """Positions (in the rows' order) of the rows of the patterns ``sel``, pattern by
        pattern."""
        if self.order is None:
            raise ValueError("the rows of these pattern statistics are not in memory")
        return np.concatenate([self.order[a:a + m] for a, m in
                               zip(self.starts[sel], self.counts[sel])]) if len(sel) else \
            np.zeros(0, dtype=np.intp)


def pattern_codes(mask: np.ndarray):
    """Unique patterns and each row's pattern: ``(uniq, inv)``, ordered as
    ``numpy.unique(mask, axis=0)`` (see :func:`group_patterns`)."""
    g = group_patterns(mask)
    return g[0], g[1]


def _codes(mask: np.ndarray):
    """One integer per row, the first column the highest bit (p <= 62): integer order is the
    row order of ``numpy.unique(mask, axis=0)``. uint16 up to 16 columns (a radix sort)."""
    p = mask.shape[1]
    codes = np.zeros(len(mask), dtype=np.uint16 if p <= 16 else np.int64)
    for j in range(p):
        codes |= mask[:, j].astype(codes.dtype) << (p - 1 - j)
    return codes


def group_patterns(mask: np.ndarray):
    """Group rows by missing-data pattern with one sort of integer codes.

    Returns ``(uniq, inv, order, starts, counts)``: the K patterns (K x p bool), each row's
    pattern, a stable order of the rows by pattern, where each pattern starts in it, and
    its number of rows.
    """
    n, p = mask.shape
    if p > 62:
        uniq, codes = np.unique(mask, axis=0, return_inverse=True)
        codes = codes.ravel()
    else:
        codes = _codes(mask)
    order = np.argsort(codes, kind="stable")
    sc = codes[order]
    starts = np.flatnonzero(np.concatenate([[True], sc[1:] != sc[:-1]])) if n else \
        np.zeros(0, dtype=np.intp)
    counts = np.diff(np.append(starts, n))
    if p <= 62:
        bits = np.arange(p - 1, -1, -1, dtype=np.int64)
        uniq = ((sc[starts].astype(np.int64)[:, None] >> bits) & 1).astype(bool)
    inv = np.empty(n, dtype=np.intp)
    inv[order] = np.repeat(np.arange(len(starts)), counts)
    return uniq, inv, order, starts.astype(np.intp), counts


def pattern_cross(Z: np.ndarray, starts: np.ndarray, counts: np.ndarray):
    """Sums (K x p) and cross products (K x p x p) of the row runs ``Z[a:a + m]``.

    Patterns with many rows take one matrix product each; the rows of the small ones are
    batched (their outer products summed by ``reduceat``, a few MB at a time), so a data set
    with thousands of rare patterns costs no Python loop over them.
    """
    K, p = len(starts), Z.shape[1]
    sums = np.empty((K, p))
    cross = np.empty((K, p, p))
    small = counts < PATTERN_ROWS
    with single_threaded_blas():
        for k in np.flatnonzero(~small):
            block = Z[starts[k]:starts[k] + counts[k]]
            sums[k] = block.sum(axis=0)
            cross[k] = block.T @ block
        ks = np.flatnonzero(small)
        rows = max(PATTERN_ROWS, (1 << 20) // (p * p))          # rows per batch: ~8 MB
        cut = np.searchsorted(np.cumsum(counts[ks]), np.arange(rows, counts[ks].sum(), rows))
        for sel in np.split(ks, np.unique(cut + 1)):
            if not len(sel):
                continue
            m = counts[sel]
            at = np.concatenate([[0], np.cumsum(m)[:-1]])
            R = Z[np.repeat(starts[sel] - at, m) + np.arange(m.sum())]
            sums[sel] = np.add.reduceat(R, at, axis=0)
            cross[sel] = np.add.reduceat(R[:, :, None] * R[:, None, :], at, axis=0)
    return sums, cross


def pattern_moments(Y: np.ndarray, shift: np.ndarray | None = None) -> PatternMoments:
    """Per-pattern counts, sums and cross products of ``Y`` (NaN = missing) in one sort.

    Memory is one sorted copy of the data plus K x p x p for the patterns (never N x p x p).
    """
    mask = ~np.isnan(Y)
    uniq, inv, order, starts, counts = group_patterns(mask)
    shift = initial_shift(Y) if shift is None else shift
    Z = Y[order]
    Z -= shift
    np.copyto(Z, 0.0, where=np.isnan(Z))
    sums, cross = pattern_cross(Z, starts, counts)
    return PatternMoments(uniq=uniq, counts=counts, shift=shift, sums=sums, cross=cross,
                          inv=inv, order=order, starts=starts)


def one_blas_thread(func):
    """Run ``func`` with one BLAS thread (see :func:`single_threaded_blas`).

    A fit's matrices are at most a few hundred wide (q parameters, p variables): a threaded
    BLAS gains nothing there and loses up to a factor of four to ten when the cores are busy
    (measured on the 60-item CFA: 4.7 s against 1.1 s at load 11 on 2 cores). Parallel
    replicates (``backend="threads"``) then do not oversubscribe the cores either.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with single_threaded_blas():
            return func(*args, **kwargs)
    return wrapper
