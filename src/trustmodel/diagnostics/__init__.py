"""Diagnostics: admissibility checks used by ``fit`` and post-fit diagnostics."""
