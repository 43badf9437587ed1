"""Resampling a PLS model: nonparametric bootstrap (and the row-index engine that the
permutation tests and cross-validation share).

Replicate ``b`` draws its rows with ``np.random.default_rng(children[b])``, ``children =
np.random.SeedSequence(seed).spawn(B)`` (:func:`trustmodel._parallel.spawn_seeds`), and
replicates are processed in fixed chunks of :data:`CHUNK` whatever ``n_jobs`` is, so results
are identical for any ``n_jobs``. A chunk stacks the resampled raw items and runs the whole
pipeline (:func:`trustmodel.pls.pipeline.estimate_batch`: HOC stages, interaction items,
PLS, interaction adjustment) on the stack, warm-started at the full-sample weights, as
seminr's ``bootstrap_model`` re-runs ``estimate_pls`` on each resample.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .._errors import BootstrapFailureWarning, OptionError
from .._parallel import parallel_map, spawn_seeds
from .pipeline import estimate_batch
from .._warnings import warn

CHUNK = 50


def _indices(children, n: int) -> np.ndarray:
    """Row indices of the replicates: drawn from each child seed, or given as index rows."""
    return np.stack([c if isinstance(c, np.ndarray) else
                     np.random.default_rng(c).integers(0, n, n) for c in children])


def check_indices(indices, n: int) -> np.ndarray:
    """Given resample rows as an int array ``(B, n)`` with entries in ``[0, n)``."""
    idx = np.asarray(indices)
    if idx.ndim != 2 or idx.shape[1] != n or idx.shape[0] < 2 \
            or not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= n:
        raise OptionError(f"indices= must be an integer array of shape (B, {n}), B >= 2, "
                          f"with 0-based rows in [0, {n}); got shape {idx.shape}.")
    return idx


def stack_columns(X: np.ndarray, names, idx: np.ndarray) -> dict:
    """Raw item columns of the row subsets ``idx`` (shape (B, m)): name -> (B, m) array."""
    return {nm: X[idx, k] for k, nm in enumerate(names)}


def _chunk_rows(children, X, names, plan, kw, W0, extract):
    """Statistics of one chunk of replicates: a list of (row, converged) pairs."""
    idx = _indices(children, X.shape[0])
    with np.errstate(all="ignore"):
        out = estimate_batch(stack_columns(X, names, idx), plan, kw, W0=W0)
        rows = extract(out)
    return list(zip(rows, out["converged"]))


def run_bootstrap(X, names, plan, kw, W0, extract, *, B: int, seed, n_jobs: int = 1,
                  backend: str | None = None, progress=None, indices=None):
    """Bootstrap statistics ``extract(out)`` (shape (b, k)) over ``B`` replicates.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Raw item data (after the missing-value treatment), columns ``names``.
    indices : ndarray, shape (B, n), optional
        0-based resample rows to use instead of drawing them (``B`` is then their number),
        e.g. another program's draws.

    Returns
    -------
    stats : ndarray, shape (B, k)
        Failed (non-converged or inadmissible) replicates are NaN rows.
    failed : int
        Their number (a :class:`BootstrapFailureWarning` is issued if any).
    """
    if indices is not None:
        children = list(check_indices(indices, X.shape[0]))
        B = len(children)
    elif not isinstance(B, (int, np.integer)) or B < 2:
        raise OptionError(f"bootstrap= must be an integer of at least 2; got {B!r}.")
    else:
        children = spawn_seeds(seed, int(B))
    func = partial(_chunk_rows, X=X, names=tuple(names), plan=plan, kw=kw, W0=W0,
                   extract=extract)
    rows = parallel_map(func, children, n_jobs=n_jobs, backend=backend or "loky",
                        progress=progress, chunk_size=CHUNK, desc="PLS bootstrap")
    stats = np.array([r for r, _ in rows], dtype=float)
    ok = np.array([c for _, c in rows], dtype=bool) & np.all(np.isfinite(stats), axis=1)
    stats[~ok] = np.nan
    failed = int((~ok).sum())
    if failed:
        warn(f"{failed} of {B} bootstrap resamples failed (no convergence or an "
             "inadmissible PLSc correction); they are counted in n_boot_failed and "
             "left out of the standard errors and intervals.",
             BootstrapFailureWarning)
    return stats, failed
