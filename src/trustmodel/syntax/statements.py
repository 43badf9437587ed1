"""``statements_of``: the statements of lavaan syntax, a ParameterTable or a theory builder."""
from __future__ import annotations

from functools import lru_cache

from .._errors import OptionError
from .parser import parse_model
from .table import ParameterTable


@lru_cache(maxsize=64)
def _parsed(text: str) -> tuple:
    return tuple(parse_model(text))



def statements_of(model):
    """Statements from syntax, a ParameterTable or a theory builder (anything with .syntax)."""
    if isinstance(model, str):
        return _parsed(model)
    if isinstance(model, ParameterTable):
        return list(model.statements)
    syntax = getattr(model, "syntax", None)
    if isinstance(syntax, str):
        return parse_model(syntax)
    raise OptionError("model= must be lavaan syntax (str), a ParameterTable or a theory builder; "
                      f"got {type(model).__name__}.")
