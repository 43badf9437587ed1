"""Warnings issued during a fit, recorded for ``FitResult.warnings`` and re-issued."""
from __future__ import annotations

import contextlib
import os
import sys
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
    where = caller_frame()
    for w in raw:
        if issubclass(w.category, TrustModelWarning):
            caught.append(RecordedWarning(w.category, str(w.message)))
        if where is None:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            continue
        # the caller's line, not the library internals (as stacklevel= would give)
        glb = where.f_globals
        warnings.warn_explicit(w.message, w.category, where.f_code.co_filename,
                               where.f_lineno, module=glb.get("__name__"),
                               registry=glb.setdefault("__warningregistry__", {}))


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_frame():
    """The innermost frame outside trustmodel (and outside ``contextlib``): the user's line
    that called into the library. None when there is none (e.g. at interpreter shutdown)."""
    frame = sys._getframe(1)
    while frame is not None:
        name = os.path.abspath(frame.f_code.co_filename)
        if not (name.startswith(_PACKAGE) or name == contextlib.__file__):
            return frame
        frame = frame.f_back
    return None
