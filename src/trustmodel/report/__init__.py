"""Reports of a fit: :class:`Summary` (text, HTML, LaTeX, Markdown) and JSON export/import."""
from .serialize import (SCHEMA_ID, FitRecord, fit_schema, from_dict, from_json, load_json,
                        to_dict, to_json)
from .summary import Summary

__all__ = ["Summary", "to_dict", "to_json", "from_dict", "from_json", "load_json",
           "fit_schema", "FitRecord", "SCHEMA_ID"]
