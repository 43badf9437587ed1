"""The warnings a fit records on its result: one collector per thread and per task.

``warnings.catch_warnings`` swaps process-global state (``warnings.filters`` and
``showwarning``), so two fits in two threads would see, lose or leave behind each other's
warnings (Python's documentation says it is not thread-safe). Instead, the collector of the fit
running in the current context lives in a :class:`contextvars.ContextVar`
(``trustmodel._errors.ACTIVE_COLLECTOR``), and every :class:`~trustmodel.TrustModelWarning`
adds itself to it when it is created: :func:`warnings.warn` creates the warning instance before
it consults any filter. The warning is still issued through :func:`warnings.warn` at the spot,
so the caller's filters (``ignore``, ``error``, ``pytest.warns``) work as for any library, and
``warnings.filters`` is never touched.

Threads start with an empty context, asyncio tasks with a copy of their creator's, so every
thread or task running ``tm.fit`` records only its own warnings.

Every warning points at the caller's line: :func:`warn` issues it with the stack level of the
first frame outside trustmodel (and outside the standard library's glue, such as
``functools.cached_property``), so a warning of a fit, of a study that runs several fits
(``tm.invariance``, ``tm.power``...) or of a result's lazily computed fit measures names the
line of the user's code that asked for it, however deep inside the library it arose.

References
----------
Python documentation, ``warnings.catch_warnings`` ("not thread-safe") and PEP 567
(context variables).
"""
from __future__ import annotations

import os
import sys
import sysconfig
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from ._errors import ACTIVE_COLLECTOR

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_STDLIB = tuple({os.path.abspath(sysconfig.get_paths()[k]) + os.sep
                 for k in ("stdlib", "platstdlib")})


def _inside(filename: str) -> bool:
    """A frame of trustmodel, of the standard library (not its site-packages) or frozen."""
    if filename.startswith("<frozen"):
        return True
    path = os.path.abspath(filename) if filename[:1] != "<" else filename
    if path.startswith(_PACKAGE):
        return True
    return path.startswith(_STDLIB) and "-packages" + os.sep not in path


def caller_stacklevel(skip: int = 1) -> int:
    """The ``stacklevel`` that makes :func:`warnings.warn`, called ``skip`` frames below the
    caller of this function, name the first frame outside trustmodel (the outermost frame
    when there is none: a worker thread of the library's own)."""
    frame = sys._getframe(skip + 1)
    level = 1
    while frame.f_back is not None and _inside(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    return level


def warn(message: str, category: type) -> None:
    """:func:`warnings.warn` pointing at the user's line (see the module docstring).

    Examples
    --------
    >>> import trustmodel as tm
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("something to know", tm.DataWarning)
    >>> caught[0].filename.endswith(".py")      # this doctest, not _warnings.py
    False
    """
    warnings.warn(message, category, stacklevel=caller_stacklevel(1) + 1)


@dataclass(frozen=True)
class RecordedWarning:
    """A warning issued during a fit, kept on ``FitResult.warnings``."""

    category: type
    message: str

    def __str__(self) -> str:
        return f"{self.category.__name__}: {self.message}"


@contextmanager
def recorded_warnings():
    """Collect the trustmodel warnings created inside the block, in this context only.

    Yields a list that holds :class:`RecordedWarning` records, in the order issued, once the
    block ends. Nested blocks (a fit inside a study
    that itself records) record into the innermost block and pass the records outwards.

    Examples
    --------
    >>> import warnings
    >>> import trustmodel as tm
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")        # the caller's filters still apply
    ...     with recorded_warnings() as caught:
    ...         warnings.warn("negative variance", tm.HeywoodCaseWarning)
    >>> [str(w) for w in caught]
    ['HeywoodCaseWarning: negative variance']
    """
    raw: list = []
    caught: list = []
    outer = ACTIVE_COLLECTOR.get()
    token = ACTIVE_COLLECTOR.set(raw)
    try:
        yield caught
    finally:
        ACTIVE_COLLECTOR.reset(token)
        caught.extend(RecordedWarning(type(w), str(w)) for w in raw)
        if outer is not None:
            outer.extend(raw)
