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

References
----------
Python documentation, ``warnings.catch_warnings`` ("not thread-safe") and PEP 567
(context variables).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from ._errors import ACTIVE_COLLECTOR


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
