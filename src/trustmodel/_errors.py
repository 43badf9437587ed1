"""Exceptions and warnings of trustmodel.

Errors (fitting cannot continue) derive from :class:`TrustModelError` and also from the
built-in they refine, so ``except ValueError`` keeps working (scikit-learn's habit).
Statistical trouble that still yields numbers is a :class:`TrustModelWarning`; every such
warning is issued with :func:`warnings.warn` and recorded on ``FitResult.warnings``: a
:class:`TrustModelWarning` adds itself, when it is created (``warnings.warn`` creates it before
it consults any filter), to the collector of the fit running in the current context
(:func:`trustmodel._warnings.recorded_warnings`), so recording is per thread and per task and
never touches ``warnings.filters``.
"""
from __future__ import annotations

from contextvars import ContextVar

# The list of the fit running in this context (None outside a fit); see _warnings.py.
ACTIVE_COLLECTOR: ContextVar[list | None] = ContextVar("trustmodel_warnings", default=None)


class TrustModelError(Exception):
    """Base class of every trustmodel error."""


class ModelSyntaxError(TrustModelError, ValueError):
    """Malformed model syntax; the message names the line and column."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 source: str | None = None, hint: str | None = None):
        self.line, self.column, self.source = line, column, source
        super().__init__(self.format(message, line, column, source, hint))

    @staticmethod
    def format(message, line=None, column=None, source=None, hint=None) -> str:
        """``message at line L, column C:`` with the source line and a caret under the spot."""
        text = message
        if line is not None:
            text = f"{message} at line {line}, column {column}:"
            if source is not None:
                text += f"\n  {source}\n  {' ' * max((column or 1) - 1, 0)}^"
        if hint:
            text += f"\n{hint}"
        return text


class DataError(TrustModelError, ValueError):
    """The data cannot be used for the model (missing or constant columns, too few rows...)."""


class OptionError(TrustModelError, ValueError, TypeError):
    """An option has a value that does not exist; the message lists the allowed ones."""


class IdentificationError(TrustModelError, ValueError):
    """The model is not identified (more parameters than moments, unscaled latents...)."""


class ConvergenceError(TrustModelError, RuntimeError):
    """The optimizer could not produce any usable estimate."""


class UnsupportedFeatureError(TrustModelError, NotImplementedError):
    """A feature lavaan has and trustmodel does not (yet); the message names it (and, for
    syntax, the line and column as :class:`ModelSyntaxError` does)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 source: str | None = None, hint: str | None = None):
        self.line, self.column, self.source = line, column, source
        super().__init__(ModelSyntaxError.format(message, line, column, source, hint))


class ReadOnlyError(TrustModelError, ValueError):
    """An attempt to change a result, a table or a builder's state after it was built."""


class TrustModelWarning(UserWarning):
    """Base class of warnings about statistical trouble that still yields numbers.

    Creating one inside a fit records it on that fit (``ACTIVE_COLLECTOR``); ``warnings.warn``
    creates the instance before it applies the caller's filters, so a result carries its
    warnings whatever the filters say, and other threads' fits never see them.
    """

    def __init__(self, *args):
        super().__init__(*args)
        sink = ACTIVE_COLLECTOR.get()
        if sink is not None:
            sink.append(self)


class NonConvergenceWarning(TrustModelWarning):
    """The optimizer stopped before the convergence criterion was met."""


class HeywoodCaseWarning(TrustModelWarning):
    """A variance estimate is negative (a Heywood case)."""


class NotPositiveDefiniteWarning(TrustModelWarning):
    """A covariance matrix (sample, implied, Psi, Theta, information) is not positive definite."""


class SingularMatrixWarning(NotPositiveDefiniteWarning):
    """A matrix that must be inverted (an information matrix) is singular; its pseudo-inverse
    was used instead."""


class IdentificationWarning(TrustModelWarning):
    """The model may not be (empirically) identified."""


class SmallSampleWarning(TrustModelWarning):
    """The sample is small for the number of parameters."""


class BootstrapFailureWarning(TrustModelWarning):
    """Some bootstrap replications failed."""


class DataWarning(TrustModelWarning):
    """Something about the data deserves attention (rows dropped, difference scores...)."""


class NumericalWarning(TrustModelWarning):
    """A computed quantity is not finite (a defined parameter divides by zero, overflows...)."""


class CollinearityWarning(IdentificationWarning):
    """Latent variables so highly correlated that their effects cannot be told apart."""


class StandardErrorWarning(TrustModelWarning):
    """Standard errors far too large for the scale of the estimates."""


__all__ = [
    "BootstrapFailureWarning",
    "CollinearityWarning",
    "ConvergenceError",
    "DataError",
    "DataWarning",
    "HeywoodCaseWarning",
    "IdentificationError",
    "IdentificationWarning",
    "ModelSyntaxError",
    "NonConvergenceWarning",
    "NotPositiveDefiniteWarning",
    "NumericalWarning",
    "OptionError",
    "ReadOnlyError",
    "SingularMatrixWarning",
    "SmallSampleWarning",
    "StandardErrorWarning",
    "TrustModelError",
    "TrustModelWarning",
    "UnsupportedFeatureError",
]
