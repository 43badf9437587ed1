"""Nonparametric bootstrap of a PLS / PLSc fit.

Replicate ``b`` draws its rows with ``np.random.default_rng(children[b])``, ``children =
np.random.SeedSequence(seed).spawn(B)`` (``trustmodel._parallel.spawn_seeds``), and replicates
are processed in fixed chunks of :data:`CHUNK` whatever ``n_jobs`` is, so the results are
identical for ``n_jobs=1`` and ``n_jobs=2``. Each chunk resamples the standardized data, forms the stack of correlation
matrices and runs the batched algorithm warm-started at the full-sample weights.
"""
from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from .._errors import BootstrapFailureWarning, OptionError
from . import algorithm as alg

CHUNK = 50


def _indices(children, n: int) -> np.ndarray:
    return np.stack([np.random.default_rng(c).integers(0, n, n) for c in children])


def _chunk_rows(children, Z, spec, kw, W0, extract):
    """Statistics of one chunk of replicates: a list of (row, converged) pairs."""
    idx = _indices(children, Z.shape[0])
    S = alg.correlation(Z[idx])
    out = alg.estimate(S, spec, W0=W0, **kw)
    rows = extract(out)
    return list(zip(rows, out["converged"]))


try:  # the CB-SEM bootstrap's helper (same seed/chunk conventions)
    from .._parallel import parallel_map, spawn_seeds
except ImportError:  # pragma: no cover - standalone fallback with the same contract
    def spawn_seeds(seed, n: int) -> list:
        if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
            return list(seed.spawn(n))
        if seed is None or isinstance(seed, (int, np.integer)):
            return list(np.random.SeedSequence(None if seed is None else int(seed)).spawn(n))
        raise OptionError("seed= must be None, an int or a numpy.random.Generator; "
                          f"got {seed!r}.")

    def parallel_map(func, seeds, *, n_jobs=1, backend="loky", progress=None,
                     chunk_size=None, desc="replicates"):
        seeds = list(seeds)
        parts = [seeds[a:a + chunk_size] for a in range(0, len(seeds), chunk_size)]
        if n_jobs in (None, 1) or backend == "sequential":
            return [r for p in parts for r in func(p)]
        import joblib
        with joblib.parallel_config(backend=backend, n_jobs=n_jobs):
            res = joblib.Parallel()(joblib.delayed(func)(p) for p in parts)
        return [r for chunk in res for r in chunk]


def run_bootstrap(Z, spec, kw, W0, extract, *, B: int, seed, n_jobs: int = 1,
                  backend: str | None = None, progress=None):
    """Bootstrap statistics ``extract(out)`` (shape (b, k)) over ``B`` replicates.

    Returns the (B, k) array with failed (non-converged or inadmissible) replicates as NaN
    rows, and the number of failures (a :class:`BootstrapFailureWarning` is issued if any).
    """
    if not isinstance(B, (int, np.integer)) or B < 2:
        raise OptionError(f"bootstrap= must be an integer of at least 2; got {B!r}.")
    children = spawn_seeds(seed, int(B))
    func = partial(_chunk_rows, Z=Z, spec=spec, kw=kw, W0=W0, extract=extract)
    rows = parallel_map(func, children, n_jobs=n_jobs, backend=backend or "loky",
                        progress=progress, chunk_size=CHUNK, desc="PLS bootstrap")
    stats = np.array([r for r, _ in rows], dtype=float)
    ok = np.array([c for _, c in rows], dtype=bool) & np.all(np.isfinite(stats), axis=1)
    stats[~ok] = np.nan
    failed = int((~ok).sum())
    if failed:
        warnings.warn(f"{failed} of {B} bootstrap resamples failed (no convergence or an "
                      "inadmissible PLSc correction) and were left out of the standard errors "
                      "and intervals.", BootstrapFailureWarning, stacklevel=4)
    return stats, failed
