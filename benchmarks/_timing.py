"""Shared timing helper for the benchmark scripts."""
from __future__ import annotations

import time


def best(func, repeats: int) -> float:
    """Best-of-``repeats`` wall time of ``func()`` in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)
