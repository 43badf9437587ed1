"""Bundled data sets with a loader.

- ``holzinger_swineford``: Holzinger & Swineford (1939), 301 pupils, 9 tests (as lavaan ships it).
- ``political_democracy``: Bollen (1989), 75 countries.
- ``edt``, ``cdv``, ``trust``: simulated customer surveys (N = 500, 600, 450) drawn from the
  population models in ``shared/refs/scripts/*_population.lav`` (lavaan ``simulateData``).
- ``edt_missing``: ``edt`` with 5% of values missing completely at random.
- ``mobi``: the ECSI mobile-phone survey (Tenenhaus et al. 2005), 250 respondents, 24 items.
"""
from __future__ import annotations

from importlib import resources

import pandas as pd

from .._errors import OptionError

NAMES = ("holzinger_swineford", "political_democracy", "edt", "cdv", "trust", "edt_missing",
         "mobi")


def load(name: str) -> pd.DataFrame:
    """Load a bundled data set as a new DataFrame.

    Examples
    --------
    >>> load("holzinger_swineford").shape
    (301, 15)
    """
    if name not in NAMES:
        raise OptionError(f"name= of load() must be one of {', '.join(map(repr, NAMES))}; "
                          f"got {name!r}.")
    with resources.files(__package__).joinpath(f"{name}.csv").open("r") as fh:
        return pd.read_csv(fh)


__all__ = ["load", "NAMES"]
