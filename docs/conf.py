"""Sphinx configuration of the trustmodel documentation (offline: no intersphinx)."""
from __future__ import annotations

import inspect
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import trustmodel  # noqa: E402

project = "trustmodel"
author = "trustmodel developers"
copyright = "2026, trustmodel developers"
release = version = trustmodel.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "build.sh"]
autosummary_generate = True
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_typehints = "none"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True            # "Attributes" as fields: no duplicate descriptions
myst_enable_extensions = ["colon_fence", "dollarmath"]
nb_execution_mode = "force"          # the notebooks run at build time (bundled data only)
nb_execution_timeout = 300
nb_execution_raise_on_error = True
html_theme = "alabaster"
html_static_path: list = []
html_title = f"trustmodel {release}"
suppress_warnings = ["mystnb.unknown_mime_type"]

# ---- notebooks: copied from ../notebooks (Sphinx reads sources under docs/ only) ----------
NOTEBOOKS = ["quickstart", "edt", "cdv", "trust", "replication", "ecsi_mobi", "power",
             "08_survey_to_action"]
(HERE / "notebooks").mkdir(exist_ok=True)
for name in NOTEBOOKS:
    src = ROOT / "notebooks" / f"{name}.ipynb"
    if src.exists():
        shutil.copyfile(src, HERE / "notebooks" / f"{name}.ipynb")

# ---- API page: generated from trustmodel.__all__ so new public names appear by themselves -


def _api_page() -> str:
    funcs, classes, errors, warns, modules = [], [], [], [], []
    for name in trustmodel.__all__:
        obj = getattr(trustmodel, name, None)
        if obj is None or name.startswith("_"):
            continue
        if inspect.ismodule(obj):
            modules.append(name)
        elif inspect.isclass(obj) and issubclass(obj, Warning):
            warns.append(name)
        elif inspect.isclass(obj) and issubclass(obj, Exception):
            errors.append(name)
        elif inspect.isclass(obj):
            classes.append(name)
        elif callable(obj):
            funcs.append(name)

    def block(title, names, template=""):
        if not names:
            return ""
        tmpl = f"   :template: {template}\n" if template else ""
        items = "".join(f"   {n}\n" for n in names)
        return (f"{title}\n{'-' * len(title)}\n\n.. autosummary::\n   :toctree: generated\n"
                f"{tmpl}\n{items}\n")

    return ("API reference\n=============\n\n.. currentmodule:: trustmodel\n\n"
            "Everything below is importable as ``import trustmodel as tm; tm.<name>``.\n\n"
            + block("Fitting and studies", funcs)
            + block("Models and results", classes)
            + block("Errors", errors)
            + block("Warnings", warns)
            + "Reports, plots, data and the command line\n"
            "------------------------------------------\n\n"
            + sub("trustmodel.report", ["Summary", "to_dict", "to_json", "from_json",
                                        "load_json", "fit_schema"])
            + sub("trustmodel.plotting", ["plot_path", "plot_residuals",
                                          "plot_response_surface", "plot_ipma"])
            + sub("trustmodel.datasets", ["load"])
            + sub("trustmodel.cli", ["main"]))


def sub(module: str, names) -> str:
    items = "".join(f"   {n}\n" for n in names)
    return (f".. currentmodule:: {module}\n\n.. autosummary::\n   :toctree: generated\n\n"
            f"{items}\n")


(HERE / "api.rst").write_text(_api_page(), encoding="utf-8")
