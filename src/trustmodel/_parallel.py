"""Reproducible parallel maps over seeded replicates (bootstrap, PLS bootstrap, Monte Carlo).

The contract every resampling routine of trustmodel follows:

1. One seed -> one ``numpy.random.SeedSequence``; replicate ``b`` gets child ``b`` of
   ``SeedSequence(seed).spawn(B)`` (or ``Generator.spawn(B)`` when a Generator is passed).
   Its numbers therefore depend only on ``(seed, b)``, never on how replicates are chunked,
   on ``n_jobs`` or on the backend.
2. Replicates are cut into contiguous chunks (a few per worker), each chunk is one task, and
   results come back in replicate order.
3. Backends: ``"threads"`` (the default: a ``concurrent.futures`` thread pool in this
   process; the replicates' work is numpy kernels that release the GIL, and no worker
   process has to start and import the library, which costs seconds on the first call of a
   session, nor is joblib imported), ``"loky"`` (processes,
   for work that holds the GIL), ``"threading"`` (joblib's name for threads),
   ``"sequential"`` and ``"dask"`` (joblib's dask backend on the active
   ``dask.distributed`` client, for replications spread over a cluster).
4. ``progress`` shows a tqdm bar over replicates (:mod:`trustmodel._progress`); ``None``
   means "on in interactive runs" (a terminal or a notebook).

Examples
--------
>>> from trustmodel._parallel import parallel_map, spawn_seeds
>>> import numpy as np
>>> def draw(seeds):
...     return [np.random.default_rng(s).integers(100) for s in seeds]
>>> a = parallel_map(draw, spawn_seeds(1, 6), n_jobs=1)
>>> b = parallel_map(draw, spawn_seeds(1, 6), n_jobs=2, backend="threading", chunk_size=1)
>>> a == b
True
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._errors import OptionError
from ._progress import interactive, progress_bar

BACKENDS = ("threads", "loky", "threading", "sequential", "dask")


def spawn_seeds(seed, n: int) -> list:
    """``n`` independent child seeds (SeedSequence or Generator objects) of ``seed``.

    ``seed`` may be None, an int, a SeedSequence or a Generator (its ``spawn`` is used, which
    advances the Generator's spawn counter, as numpy documents).
    """
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(n))
    if isinstance(seed, np.random.SeedSequence):
        return list(seed.spawn(n))
    if seed is None or isinstance(seed, (int, np.integer)):
        return list(np.random.SeedSequence(None if seed is None else int(seed)).spawn(n))
    raise OptionError(f"seed= must be None, an int or a numpy.random.Generator; got {seed!r}.")


def resolve_progress(progress) -> bool:
    """``None`` -> show a bar only in interactive runs (a terminal or a notebook)."""
    return interactive() if progress is None else bool(progress)


def chunks(n: int, n_jobs: int, chunk_size: int | None = None) -> list[slice]:
    """Contiguous slices covering ``range(n)``: about four per worker unless ``chunk_size``."""
    if chunk_size is None:
        chunk_size = max(1, -(-n // max(1, 4 * n_jobs)))
    return [slice(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]


def effective_jobs(n_jobs: int | None) -> int:
    """joblib's convention: None -> 1, -1 -> all cores, -2 -> all but one."""
    import os
    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise OptionError(f"n_jobs= must be a non-zero int (or None); got {n_jobs!r}.")
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))
    return int(n_jobs)


def parallel_map(func: Callable[[Sequence], list], seeds: Sequence, *, n_jobs: int | None = 1,
                 backend: str = "threads", progress=None, chunk_size: int | None = None,
                 desc: str = "replicates") -> list:
    """Apply ``func`` to chunks of ``seeds`` and concatenate the per-replicate results in order.

    Parameters
    ----------
    func : callable
        ``func(seed_chunk) -> list`` with one entry per seed. Must be picklable (a module-level
        function or a ``functools.partial`` of one) for the process and dask backends.
    seeds : sequence
        Per-replicate seeds, e.g. from :func:`spawn_seeds`.
    n_jobs : int, optional
        Workers (joblib's convention: -1 all cores). 1 runs in-process with no joblib overhead.
    backend : {"threads", "loky", "threading", "sequential", "dask"}
        ``"threads"`` (default) runs in this process with no start-up cost; ``"loky"`` starts
        worker processes (use it when ``func`` holds the GIL); ``"dask"`` needs an active ``dask.distributed.Client`` (e.g. on a ``LocalCluster``).
    progress : bool or None
        tqdm progress bar over replicates (None: only when interactive).
    chunk_size : int, optional
        Replicates per task (default: about four tasks per worker).

    Returns
    -------
    list
        ``func``'s entries for every seed, in seed order.
    """
    if backend not in BACKENDS:
        raise OptionError(f"backend= must be one of {', '.join(map(repr, BACKENDS))}; "
                          f"got {backend!r}.")
    jobs = effective_jobs(n_jobs)
    seeds = list(seeds)
    parts = chunks(len(seeds), jobs, chunk_size)
    bar = progress_bar(total=len(seeds), desc=desc, progress=progress)
    out: list = []
    try:
        if backend == "dask":
            _require_dask_client()
        if (jobs == 1 and backend != "dask") or backend == "sequential" or len(parts) <= 1 \
                and backend != "dask":
            for sl in parts:
                res = func(seeds[sl])
                out.extend(res)
                bar.update(len(res))
            return out
        if backend == "threads":   # a plain thread pool: no joblib import, no set-up cost
            from concurrent.futures import ThreadPoolExecutor
            pool = ThreadPoolExecutor(max_workers=jobs)
            try:
                for res in pool.map(func, [seeds[sl] for sl in parts]):
                    out.extend(res)
                    bar.update(len(res))
            finally:  # a failure (or an interrupt) drops the chunks not yet started
                pool.shutdown(wait=True, cancel_futures=True)
            return out
        import joblib
        tasks = (joblib.delayed(func)(seeds[sl]) for sl in parts)
        with joblib.parallel_config(backend=backend, n_jobs=jobs):
            runner = joblib.Parallel(return_as="generator")
            for res in runner(tasks):
                out.extend(res)
                bar.update(len(res))
        return out
    finally:
        bar.close()


def _require_dask_client():
    try:
        from distributed import get_client
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise OptionError("backend='dask' needs dask.distributed (pip install "
                          "'dask[distributed]').") from exc
    try:
        get_client()
    except ValueError as exc:
        raise OptionError("backend='dask' runs on the active dask.distributed client; start "
                          "one first, e.g. Client(LocalCluster()).") from exc
