"""Warnings issued during a fit, recorded for ``FitResult.warnings`` and re-issued."""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from ._errors import TrustModelWarning


@dataclass(frozen=True)
class RecordedWarning:
    """A warning issued during a fit, kept on ``FitResult.warnings``."""

    category: type
    message: str

    def __str__(self) -> str:
        return f"{self.category.__name__}: {self.message}"


@contextmanager
def recorded_warnings():
    """Record trustmodel warnings raised inside the block and re-issue them afterwards."""
    caught: list = []
    with warnings.catch_warnings(record=True) as raw:
        warnings.simplefilter("always")
        yield caught
    for w in raw:
        if issubclass(w.category, TrustModelWarning):
            caught.append(RecordedWarning(w.category, str(w.message)))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
