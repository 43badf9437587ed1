"""Bundled data sets with a loader.

- ``holzinger_swineford``: Holzinger & Swineford (1939), 301 pupils, 9 tests (as lavaan ships it).
- ``political_democracy``: Bollen (1989), 75 countries.
- ``edt``, ``cdv``, ``trust``: simulated customer surveys (N = 500, 600, 450) drawn from the
  population models bundled beside them (:func:`population`; lavaan ``simulateData``,
  generating script ``make_refs.R``).
- ``edt_missing``: ``edt`` with 5% of values missing completely at random.
- ``mobi``: the ECSI mobile-phone survey (Tenenhaus et al. 2005), 250 respondents, 24 items.
"""
from __future__ import annotations

from importlib import resources

import pandas as pd

from .._errors import OptionError

NAMES = ("holzinger_swineford", "political_democracy", "edt", "cdv", "trust", "edt_missing",
         "mobi")

_CDV_FIRST = "\n".join(f"{k} =~ {v}1 + {v}2 + {v}3" for k, v in (
    ("PV", "pv"), ("SV", "sv"), ("PSV", "psv"), ("IV", "iv"), ("MC", "mc"), ("TC", "tc"),
    ("EC", "ec"), ("PC", "pc")))

#: The lavaan syntax each data set was analysed with in the shared lavaan references
#: (``make_refs.R`` beside this file): lavaan's tutorial models for the classic data, the
#: population structure (free) for the simulated customer surveys.
MODELS = {
    "holzinger_swineford": "visual  =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n"
                           "speed   =~ x7 + x8 + x9\n",
    "political_democracy": """\
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
""",
    "edt": """\
EXP  =~ e1 + e2 + e3
PERF =~ p1 + p2 + p3
DISC =~ d1 + d2 + d3
SAT  =~ s1 + s2 + s3
LOY  =~ l1 + l2 + l3
PERF ~ EXP
DISC ~ PERF + a*EXP
SAT  ~ b*DISC + PERF + EXP
LOY  ~ SAT
exp_disc_sat := a*b
""",
    "cdv": _CDV_FIRST + """
TCV =~ PV + SV + PSV + IV
TCC =~ MC + TC + EC + PC
VAL =~ val1 + val2 + val3
SAT =~ sat1 + sat2 + sat3
VAL ~ TCV + TCC
SAT ~ VAL
""",
    "trust": """\
SAT =~ sat1 + sat2 + sat3
COG =~ cog1 + cog2 + cog3
AFF =~ aff1 + aff2 + aff3
BEH =~ beh1 + beh2 + beh3
COG ~ a*SAT
AFF ~ b*COG + SAT
BEH ~ c*AFF
sat_cog_aff_beh := a*b*c
""",
}
MODELS["edt_missing"] = MODELS["edt"]


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


SIMULATED = ("edt", "cdv", "trust")


def population(name: str) -> str:
    """The population model (lavaan syntax, population values fixed) a simulated set was drawn
    from with lavaan's ``simulateData`` (``make_refs.R`` beside it is the generating script).

    Examples
    --------
    >>> print(population("edt").splitlines()[1].strip())
    EXP =~ 0.75*e1 + 0.8*e2 + 0.7*e3
    """
    if name not in SIMULATED:
        raise OptionError(f"name= of population() must be one of "
                          f"{', '.join(map(repr, SIMULATED))}; got {name!r}.")
    return resources.files(__package__).joinpath(f"{name}_population.lav").read_text()


def model(name: str) -> str:
    """The example lavaan syntax for a bundled data set (see :data:`MODELS`).

    Examples
    --------
    >>> print(model("holzinger_swineford").splitlines()[0])
    visual  =~ x1 + x2 + x3
    """
    if name not in MODELS:
        raise OptionError(f"name= of model() must be one of {', '.join(map(repr, MODELS))}; "
                          f"got {name!r}.")
    return MODELS[name]


__all__ = ["load", "model", "population", "NAMES", "MODELS", "SIMULATED"]
