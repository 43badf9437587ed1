"""From a DataFrame to the categorical sample statistics: which columns are ordinal, their
integer codes, missing values (``"listwise"`` or lavaan's ``"pairwise"``) and groups."""
from __future__ import annotations


import numpy as np
import pandas as pd

from ..._errors import DataError, DataWarning, OptionError, UnsupportedFeatureError
from ..._validation import did_you_mean
from ...data import SampleStats, check_present
from .samplestats import categorical_stats
from ..._warnings import warn


def ordinal_columns(data: pd.DataFrame, observed, ordered, declared=()) -> list:
    """The model's observed variables to treat as ordinal.

    ``ordered=True`` makes every observed variable ordinal; a list names them; ordered
    pandas ``Categorical`` columns and variables with ``|`` statements are ordinal anyway.
    """
    observed = list(observed)
    if ordered is True:
        chosen = set(observed)
    elif ordered is None or ordered is False:
        chosen = set()
    elif isinstance(ordered, str):
        chosen = {ordered}
    else:
        try:
            chosen = set(ordered)
        except TypeError:
            raise OptionError("ordered= must be True, a column name or a list of column names; "
                              f"got {ordered!r}.") from None
        if not all(isinstance(v, str) for v in chosen):
            raise OptionError(f"ordered= must list column names (str); got {sorted(map(repr, chosen))}.")
    unknown = sorted(chosen - set(observed))
    if unknown:
        raise OptionError(f"ordered= names {', '.join(map(repr, unknown))}, which "
                          f"{'is' if len(unknown) == 1 else 'are'} not observed variables of "
                          "the model." + did_you_mean(unknown, observed))
    for v in observed:
        col = data[v] if v in data.columns else None
        if col is not None and isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered:
            chosen.add(v)
    chosen |= set(declared)
    return [v for v in observed if v in chosen]


def _codes(col: pd.Series, name: str):
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(int), tuple(col.cat.categories)
    arr = col.to_numpy()
    if not np.issubdtype(arr.dtype, np.number):
        num = pd.to_numeric(col, errors="coerce")
        bad = num.isna() & col.notna()
        if bad.any():
            raise DataError(f"Ordinal column {name!r} has non-numeric values such as "
                            f"{col[bad].iloc[0]!r}; make it an ordered pandas Categorical to "
                            "give the order of its categories.")
        arr = num.to_numpy()
    vals = arr.astype(float)
    ok = ~np.isnan(vals)
    levels, inv = np.unique(vals[ok], return_inverse=True)
    codes = np.full(len(vals), -1, dtype=int)
    codes[ok] = inv
    return codes, tuple(levels.tolist())


def sample_from_frame(data: pd.DataFrame, names, ordinal, *, missing="listwise",
                      group=None, exo=()) -> SampleStats:
    """Per group: codes of the ordinal columns, values of the continuous ones, then
    :func:`.samplestats.categorical_stats` (a :class:`~trustmodel.data.SampleStats` whose
    groups are :class:`.samplestats.CategoricalStats`). ``exo`` names exogenous covariates
    (numeric; a row missing one is dropped, as lavaan does with ``fixed.x``)."""
    if not isinstance(data, pd.DataFrame):
        raise DataError("Ordinal estimators need the raw data as a DataFrame (data=); "
                        "a covariance matrix does not carry the category frequencies.")
    exo = list(exo)
    check_present(list(names) + exo, data.columns)
    if exo and missing != "listwise":
        raise UnsupportedFeatureError(
            f"missing={missing!r} with exogenous covariates ({', '.join(map(repr, exo))}) and "
            "ordinal indicators is not implemented; use missing='listwise'.")
    ordset = set(ordinal)
    cols, levels = {}, {}
    for v in exo:
        vals = pd.to_numeric(data[v], errors="coerce")
        if (vals.isna() & data[v].notna()).any() or isinstance(data[v].dtype,
                                                               pd.CategoricalDtype):
            raise DataError(f"Covariate {v!r} is not numeric; code it as numbers (dummy "
                            "variables for a categorical covariate).")
    for v in names:
        if v in ordset:
            cols[v], levels[v] = _codes(data[v], v)
        else:
            vals = pd.to_numeric(data[v], errors="coerce")
            if (vals.isna() & data[v].notna()).any():
                raise DataError(f"Column {v!r} is not numeric; name it in ordered= if it is "
                                "ordinal.")
            cols[v] = vals.to_numpy(dtype=float)
    miss = np.column_stack([(cols[v] < 0) if v in ordset else np.isnan(cols[v]) for v in names])
    xvals = {v: pd.to_numeric(data[v], errors="coerce").to_numpy(dtype=float) for v in exo}
    miss_x = (np.column_stack([np.isnan(x) for x in xvals.values()]).any(axis=1) if exo
              else np.zeros(len(data), bool))
    if group is not None:
        labels = list(pd.unique(data[group]))
        gidx = [np.flatnonzero((data[group] == lab).to_numpy()) for lab in labels]
    else:
        labels, gidx = [None], [np.arange(len(data))]
    groups, dropped = [], 0
    for lab, idx in zip(labels, gidx):
        bad = miss[idx].any(axis=1) if missing == "listwise" else miss[idx].all(axis=1)
        bad |= miss_x[idx]
        keep = idx[~bad]
        dropped += int(bad.sum())
        if len(keep) < 2:
            raise DataError(f"Found {len(keep)} usable row(s)"
                            f"{'' if lab is None else f' in group {lab!r}'}; at least 2 needed.")
        gcols = {v: cols[v][keep] for v in names}
        groups.append(categorical_stats(gcols, {v: v in ordset for v in names}, levels,
                                        label=lab,
                                        exo={v: xvals[v][keep] for v in exo} or None))
    notes = []
    if dropped:
        msg = (f"{dropped} row(s) with missing values were dropped (listwise deletion); "
               "missing='pairwise' keeps them for the pairs they have.") \
            if missing == "listwise" else f"{dropped} row(s) with no observed values were dropped."
        warn(msg, DataWarning)
        notes.append(msg)
    return SampleStats(names=list(names), groups=groups, missing=missing, n_dropped=dropped,
                       group_var=group, notes=notes)
