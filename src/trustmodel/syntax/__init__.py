"""lavaan model syntax -> :class:`ParameterTable`."""
from .parser import Modifier, Statement, parse_model
from .table import GROUP_EQUAL, ParameterTable, VariableNames, build_table, render_statements

__all__ = ["Modifier", "Statement", "parse_model", "ParameterTable", "VariableNames",
           "build_table", "render_statements", "GROUP_EQUAL"]
