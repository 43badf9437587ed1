"""Read-only results: arrays, frames and dicts a fitted result exposes cannot be changed.

A result is built once by ``tm.fit`` and shared: the api memoises one parameter table per
model string, and the model matrices of a table are shared by every fit of it. So what a result
exposes is frozen at build time: numpy arrays are read-only copies (numpy raises "assignment
destination is read-only"), DataFrames are :class:`FrozenFrame` copies (no cell, column, index
or in-place method changes them; every derived frame is an ordinary one), dicts are
:class:`ReadOnlyDict`. Frozen objects pickle (joblib workers) and deep-copy as usual.

Examples
--------
>>> import pandas as pd
>>> frame = frozen_frame(pd.DataFrame({"a": [1.0, 2.0]}))
>>> frame.loc[0, "a"] = 5.0
Traceback (most recent call last):
...
trustmodel._errors.ReadOnlyError: This table belongs to a fitted result and cannot be changed; work on a copy: .copy().
>>> plain = frame.copy()               # a copy is an ordinary DataFrame
>>> plain.loc[0, "a"] = 5.0
"""
from __future__ import annotations

import numpy as np

from ._errors import ReadOnlyError


class ReadOnlyDict(dict):
    """A ``dict`` that refuses changes (``isinstance(d, dict)`` and JSON still work)."""

    def _refuse(self, *args, **kwargs):
        raise ReadOnlyError("This mapping belongs to a fitted result and cannot be changed; "
                            "copy it first: dict(mapping).")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):  # pickles (joblib workers) without calling __setitem__
        return (ReadOnlyDict, (dict(self),))

    def copy(self) -> dict:
        return dict(self)


def readonly_array(arr: np.ndarray) -> np.ndarray:
    """A read-only copy of ``arr`` (nothing else holds it, so nothing can change it)."""
    out = np.array(arr, copy=True)
    out.flags.writeable = False
    return out


def freeze_arrays(obj, depth: int = 3, _seen=None) -> None:
    """Make, in place, every numpy array reachable from ``obj`` read-only (attributes, and
    the items of lists, tuples and dicts, ``depth`` levels deep): the internal objects a
    result keeps (the fitted problem, the model matrices shared by every fit of one table)."""
    _seen = set() if _seen is None else _seen
    if id(obj) in _seen or depth < 0:
        return
    _seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        obj.flags.writeable = False
        return
    if isinstance(obj, (list, tuple)):
        items = obj
    elif isinstance(obj, dict):
        items = list(obj.values())
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        items = list(vars(obj).values())
    else:
        return
    for item in items:
        freeze_arrays(item, depth - 1, _seen)


def _freeze_blocks(df):
    for blk in df._mgr.blocks:
        values = getattr(blk.values, "_ndarray", blk.values)
        if isinstance(values, np.ndarray):
            values.flags.writeable = False
    return df


def frozen_frame(df):
    """A read-only copy of a DataFrame (or Series): cells cannot be set, columns not added,
    replaced or dropped; every derived frame (``copy()``, ``df[...]``, arithmetic) is an
    ordinary writeable one."""
    import pandas as pd
    if isinstance(df, pd.Series):
        return _freeze_blocks_series(df.copy())
    out = _FrozenFrame(df.copy())
    return _freeze_blocks(out)


def _freeze_blocks_series(s):
    values = getattr(s.array, "_ndarray", None)
    arr = values if isinstance(values, np.ndarray) else s.to_numpy()
    if isinstance(arr, np.ndarray) and np.shares_memory(arr, s.to_numpy()):
        arr.flags.writeable = False
    return s


class _ReadIndexer:
    """``.loc``/``.iloc``/``.at``/``.iat`` of a frozen frame: reading only."""

    def __init__(self, indexer, frame):
        self._indexer, self._frame = indexer, frame

    def __getitem__(self, key):
        return self._indexer[key]

    def __setitem__(self, key, value):
        self._frame._refuse()

    def __call__(self, *args, **kwargs):
        return self._indexer(*args, **kwargs)


def _frozen_frame_class():
    import pandas as pd

    class FrozenFrame(pd.DataFrame):
        """A DataFrame of a fitted result: read-only (see :func:`frozen_frame`)."""

        @property
        def _constructor(self):
            return pd.DataFrame

        def _refuse(self, *args, **kwargs):
            raise ReadOnlyError("This table belongs to a fitted result and cannot be changed; "
                                "work on a copy: .copy().")

        __setitem__ = __delitem__ = insert = pop = _refuse

        def __setattr__(self, name, value):
            if name in ("index", "columns") or (not name.startswith("_")
                                                and name in self.columns):
                self._refuse()
            super().__setattr__(name, value)

        def __reduce__(self):  # pickles (joblib workers) as a frozen copy
            return (frozen_frame, (pd.DataFrame(self),))

        loc = property(lambda self: _ReadIndexer(pd.DataFrame.loc.__get__(self), self))
        iloc = property(lambda self: _ReadIndexer(pd.DataFrame.iloc.__get__(self), self))
        at = property(lambda self: _ReadIndexer(pd.DataFrame.at.__get__(self), self))
        iat = property(lambda self: _ReadIndexer(pd.DataFrame.iat.__get__(self), self))

    for method in ("drop", "fillna", "rename", "replace", "sort_values", "sort_index",
                   "reset_index", "set_index", "where", "mask", "clip", "update", "eval",
                   "query", "interpolate", "dropna", "drop_duplicates", "set_axis", "bfill",
                   "ffill"):
        original = getattr(pd.DataFrame, method)

        def guarded(self, *args, _original=original, **kwargs):
            if kwargs.get("inplace") or _original.__name__ == "update":
                self._refuse()
            return _original(self, *args, **kwargs)
        guarded.__name__ = method
        setattr(FrozenFrame, method, guarded)
    return FrozenFrame


_FrozenFrame = _frozen_frame_class()


def readonly(value):
    """``value`` made read-only for a result: arrays as read-only views, DataFrames and
    Series as frozen copies, dicts as :class:`ReadOnlyDict` and tuples element-wise (lists
    become tuples); anything else unchanged."""
    import pandas as pd
    if isinstance(value, np.ndarray):
        return readonly_array(value)
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return frozen_frame(value)
    if isinstance(value, dict):
        return ReadOnlyDict({k: readonly(v) for k, v in value.items()})
    if isinstance(value, (tuple, list)) and type(value) in (tuple, list):
        return tuple(readonly(v) for v in value)
    return value


def freeze_table(table):
    """The same ParameterTable with frozen rows, read-only options and variable names."""
    import dataclasses
    from dataclasses import replace
    if isinstance(table.rows, _FrozenFrame):
        return table
    names = replace(table.names, **{f.name: tuple(getattr(table.names, f.name))
                                    for f in dataclasses.fields(table.names)})
    return replace(table, rows=frozen_frame(table.rows), options=ReadOnlyDict(table.options),
                   names=names)


class readonly_cached_property:
    """``functools.cached_property`` whose cached value is :func:`readonly`: a view of a
    result computed once cannot be changed by the caller and so cannot corrupt later views."""

    def __init__(self, func):
        self.func, self.attrname, self.__doc__ = func, None, func.__doc__

    def __set_name__(self, owner, name):
        self.attrname = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        cache = instance.__dict__
        if self.attrname not in cache:
            cache[self.attrname] = readonly(self.func(instance))
        return cache[self.attrname]


def freeze_fields(obj):
    """A copy of the dataclass ``obj`` whose array, frame and dict fields are :func:`readonly`."""
    import dataclasses

    import pandas as pd
    kinds = (np.ndarray, pd.DataFrame, pd.Series, dict)
    changes = {f.name: readonly(getattr(obj, f.name)) for f in dataclasses.fields(obj)
               if f.init and isinstance(getattr(obj, f.name), kinds)}
    return dataclasses.replace(obj, **changes) if changes else obj
