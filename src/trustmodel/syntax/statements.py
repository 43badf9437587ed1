"""``statements_of``: the statements of lavaan syntax, a ParameterTable or a theory builder."""
from __future__ import annotations

from functools import lru_cache

from .._errors import OptionError
from .parser import parse_model
from .table import ParameterTable


@lru_cache(maxsize=64)
def _parsed(text: str) -> tuple:
    return tuple(parse_model(text))


def statements_of(model, data=None):
    """Statements from syntax, a ParameterTable or a theory builder (anything with .syntax).

    A builder's syntax is read for ``data`` (``syntax_for(data)``: a single-item construct's
    residual variance comes from the data being fitted; the builder itself is not changed).
    """
    if isinstance(model, str):
        return _parsed(model)
    if isinstance(model, ParameterTable):
        return list(model.statements)
    syntax_for = getattr(model, "syntax_for", None)
    if callable(syntax_for):
        return _parsed(syntax_for(data))
    syntax = getattr(model, "syntax", None)
    if isinstance(syntax, str):
        return _parsed(syntax)
    hint = (" Did you swap model and data? fit(model, data) takes the syntax first."
            if type(model).__name__ == "DataFrame" and isinstance(data, str) else "")
    raise OptionError("model= must be lavaan syntax (str), a ParameterTable or a theory builder; "
                      f"got {type(model).__name__}.{hint}")
