"""JSON-safe export of a fit (``res.to_dict()``, ``res.to_json()``) and its reader.

The payload follows a versioned schema, ``"schema": "trustmodel.fit/1"``, described by
``fit_schema.json`` beside this module. Numbers keep full precision (``json`` writes the
shortest repr that round-trips a float); non-finite numbers become ``null`` and come back as
NaN.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

SCHEMA_ID = "trustmodel.fit/1"


def _clean(x):
    """Convert numpy / pandas scalars and containers to JSON-safe Python objects."""
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_clean(v) for v in x.tolist()]
    if isinstance(x, pd.Series):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, pd.DataFrame):
        return _records(x)
    if isinstance(x, type):
        return x.__name__
    if isinstance(x, np.random.Generator):
        return None  # a Generator has no portable JSON form; record it as unknown
    return str(x)


def _records(df: pd.DataFrame) -> list[dict]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def _versions() -> dict:
    import scipy

    from .summary import package_version
    return {"trustmodel": package_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "pandas": pd.__version__}


def _effects(result):
    """``res.effects`` (added by the effects issue) as records, or None if absent/failing."""
    try:
        eff = getattr(result, "effects", None)
        if callable(eff):
            eff = eff()
    except Exception:  # noqa: BLE001 - effects are optional in the payload
        return None
    if eff is None:
        return None
    if isinstance(eff, pd.DataFrame):
        return _records(eff.reset_index() if eff.index.name or
                        not isinstance(eff.index, pd.RangeIndex) else eff)
    if isinstance(eff, dict):
        return [{"name": str(k), **(_clean(v) if isinstance(v, dict) else {"value": _clean(v)})}
                for k, v in eff.items()]
    cleaned = _clean(eff)
    return cleaned if isinstance(cleaned, list) else None


def to_dict(result) -> dict:
    """The JSON-safe dictionary of a :class:`~trustmodel.FitResult`.

    Parameters
    ----------
    result : FitResult

    Returns
    -------
    dict
        Keys: ``schema``, ``converged``, ``n_iter``, ``estimator``, ``nobs``,
        ``nobs_per_group``, ``model``, ``params`` (records with the columns of
        ``res.params``), ``fit_measures``, ``effects`` (or None), ``warnings``, ``options``,
        ``seed``, ``versions``. Non-finite numbers are ``None``.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3", hs)
    >>> d = res.to_dict()
    >>> d["schema"], d["nobs"], d["params"][1]["rhs"]
    ('trustmodel.fit/1', 301, 'x2')
    """
    groups = list(result.stats.groups)
    seed = result.seed
    return {
        "schema": SCHEMA_ID,
        "converged": bool(result.converged),
        "n_iter": int(result.n_iter),
        "estimator": str(result.estimator),
        "nobs": int(result.nobs),
        "nobs_per_group": {str(g.label if g.label is not None else i + 1): int(g.nobs)
                           for i, g in enumerate(groups)},
        "model": str(getattr(result.table, "syntax", "")),
        "params": _records(result.params),
        "fit_measures": _clean(result.fit_measures),
        "effects": _effects(result),
        "warnings": [{"category": getattr(getattr(w, "category", None), "__name__",
                                          "Warning"),
                      "message": str(getattr(w, "message", w))} for w in result.warnings],
        "options": _clean(dict(result.options)),
        "seed": seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
        else None,
        "versions": _versions(),
    }


def to_json(result, path=None, *, indent: int | None = 2) -> str:
    """The JSON text of :func:`to_dict` (also written to ``path`` if given)."""
    text = json.dumps(to_dict(result), indent=indent, allow_nan=False)
    if path is not None:
        Path(path).write_text(text + "\n", encoding="utf-8")
    return text


@dataclass(frozen=True)
class FitRecord:
    """A fit read back from JSON: the tables of a result, without the model machinery.

    Attributes
    ----------
    params : pandas.DataFrame
        As ``res.params`` (``None`` in JSON -> NaN).
    fit_measures : pandas.Series
    converged : bool
    warnings : list of dict
        ``{"category": ..., "message": ...}``.
    options, versions : dict
    seed : int or None
    effects : pandas.DataFrame or None
    data : dict
        The raw payload.
    """

    params: pd.DataFrame
    fit_measures: pd.Series
    converged: bool
    warnings: list
    options: dict
    seed: object
    versions: dict
    effects: object = None
    data: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self.data))


def from_dict(data: dict) -> FitRecord:
    """A :class:`FitRecord` from the dictionary of :func:`to_dict`.

    Raises
    ------
    ValueError
        If the payload is not a ``trustmodel.fit/1`` document.
    """
    from .._errors import DataError
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_ID:
        got = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise DataError(f"Not a {SCHEMA_ID!r} document; got schema {got!r}.")
    params = pd.DataFrame.from_records(data["params"])
    for c in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"):
        if c in params:
            params[c] = pd.to_numeric(params[c], errors="coerce").astype(float)
    fm = pd.Series({k: (np.nan if v is None else v) for k, v in data["fit_measures"].items()},
                   dtype=float)
    eff = data.get("effects")
    eff = pd.DataFrame.from_records(eff) if isinstance(eff, list) else None
    return FitRecord(params=params, fit_measures=fm, converged=bool(data["converged"]),
                     warnings=list(data.get("warnings", [])), options=dict(data["options"]),
                     seed=data.get("seed"), versions=dict(data.get("versions", {})),
                     effects=eff, data=data)


def from_json(text: str) -> FitRecord:
    """Read the JSON text of ``res.to_json()`` back into a :class:`FitRecord`.

    Examples
    --------
    >>> import trustmodel as tm
    >>> from trustmodel.report import from_json
    >>> res = tm.fit("visual =~ x1 + x2 + x3", tm.datasets.load("holzinger_swineford"))
    >>> back = from_json(res.to_json())
    >>> bool((back.params["est"] == res.params["est"]).all())
    True
    """
    return from_dict(json.loads(text))


def load_json(path) -> FitRecord:
    """Read a file written by ``res.to_json(path)``."""
    return from_json(Path(path).read_text(encoding="utf-8"))


def fit_schema() -> dict:
    """The JSON schema (draft 2020-12) of the ``trustmodel.fit/1`` payload."""
    text = resources.files("trustmodel.report").joinpath("fit_schema.json").read_text("utf-8")
    return json.loads(text)
