"""Validation helpers used at the API boundary (never ``assert``)."""
from __future__ import annotations

import difflib
from typing import Iterable

import numpy as np

from ._errors import OptionError


def check_option(name: str, value, allowed: Iterable, caller: str = "fit"):
    """Return ``value`` (case-normalised for strings) if allowed, else raise OptionError."""
    allowed = list(allowed)
    if isinstance(value, str):
        for a in allowed:
            if isinstance(a, str) and a.lower() == value.lower():
                return a
    elif value in allowed:
        return value
    listed = ", ".join(repr(a) for a in allowed)
    raise OptionError(f"{name}= of {caller}() must be one of {listed}; got {value!r}.")


def check_seed(seed) -> np.random.Generator:
    """``None``, an int, a SeedSequence or a Generator -> a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer, np.random.SeedSequence)):
        return np.random.default_rng(seed)
    raise OptionError(f"seed= must be None, an int or a numpy.random.Generator; got {seed!r}.")


def near_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Close matches of ``name`` among ``candidates`` (case-insensitive first)."""
    candidates = [str(c) for c in candidates]
    lower = {c.lower(): c for c in candidates}
    hits = [lower[m] for m in difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=0.6)]
    return hits


def did_you_mean(names: Iterable[str], candidates: Iterable[str]) -> str:
    candidates = list(candidates)
    hints = []
    for name in names:
        close = near_names(name, candidates)
        if close:
            hints.append(f"{name!r}: did you mean {', '.join(map(repr, close))}?")
    return (" " + " ".join(hints)) if hints else ""
