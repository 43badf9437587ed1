"""Exceptions and warnings of trustmodel.

Errors (fitting cannot continue) derive from :class:`TrustModelError` and also from the
built-in they refine, so ``except ValueError`` keeps working (scikit-learn's habit).
Statistical trouble that still yields numbers is a :class:`TrustModelWarning`; every such
warning is issued with :func:`warnings.warn` and recorded on ``FitResult.warnings``.
"""
from __future__ import annotations


class TrustModelError(Exception):
    """Base class of every trustmodel error."""


class ModelSyntaxError(TrustModelError, ValueError):
    """Malformed model syntax; the message names the line and column."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 source: str | None = None, hint: str | None = None):
        self.line, self.column, self.source = line, column, source
        text = message
        if line is not None:
            text = f"{message} at line {line}, column {column}:"
            if source is not None:
                text += f"\n  {source}\n  {' ' * max((column or 1) - 1, 0)}^"
        if hint:
            text += f"\n{hint}"
        super().__init__(text)


class DataError(TrustModelError, ValueError):
    """The data cannot be used for the model (missing or constant columns, too few rows...)."""


class OptionError(TrustModelError, ValueError, TypeError):
    """An option has a value that does not exist; the message lists the allowed ones."""


class IdentificationError(TrustModelError, ValueError):
    """The model is not identified (more parameters than moments, unscaled latents...)."""


class ConvergenceError(TrustModelError, RuntimeError):
    """The optimizer could not produce any usable estimate."""


class UnsupportedFeatureError(TrustModelError, NotImplementedError):
    """A feature lavaan has but trustmodel does not implement (yet) for this kind of model;
    the message names it and what to do instead."""


class TrustModelWarning(UserWarning):
    """Base class of warnings about statistical trouble that still yields numbers."""


class NonConvergenceWarning(TrustModelWarning):
    """The optimizer stopped before the convergence criterion was met."""


class HeywoodCaseWarning(TrustModelWarning):
    """A variance estimate is negative (a Heywood case)."""


class NotPositiveDefiniteWarning(TrustModelWarning):
    """A covariance matrix (sample, implied, Psi, Theta, information) is not positive definite."""


class IdentificationWarning(TrustModelWarning):
    """The model may not be (empirically) identified."""


class SmallSampleWarning(TrustModelWarning):
    """The sample is small for the number of parameters."""


class BootstrapFailureWarning(TrustModelWarning):
    """Some bootstrap replications failed."""


class DataWarning(TrustModelWarning):
    """Something about the data deserves attention (rows dropped, difference scores...)."""


__all__ = [
    "TrustModelError", "UnsupportedFeatureError", "ModelSyntaxError", "DataError", "OptionError", "IdentificationError",
    "ConvergenceError", "TrustModelWarning", "NonConvergenceWarning", "HeywoodCaseWarning",
    "NotPositiveDefiniteWarning", "IdentificationWarning", "SmallSampleWarning",
    "BootstrapFailureWarning", "DataWarning",
]
