"""Net Promoter Score with intervals and comparisons (``tm.nps``).

Respondents rating 9-10 on the 0-10 likelihood-to-recommend question are promoters, 7-8
passives, 0-6 detractors; NPS = share of promoters - share of detractors (here on the
-100..100 scale). With counts (D, P) of n, the trinomial variance of one response's score
(-1, 0, +1) is ``p + d - (p - d)^2`` (Rocks 2016, and his R package NPS, ``npvar``), so
``se = sqrt(var / n)``.

Intervals (``interval=``):

* ``"adjusted_wald"`` (default): Rocks' (2016) adjusted Wald, the best of the methods he
  compared: add 3/4 of a respondent to promoters and to detractors (3/2 to passives, 3 to n)
  and build the Wald interval around the adjusted estimate;
* ``"wald"``: the plain interval ``nps +- z se`` (the NPS package's ``nps.test``).

Two samples (segments or waves) are compared with the difference of the scores and the sum
of the variances (a z test; independent samples).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sst

from .._errors import DataError, OptionError
from .._validation import check_option

INTERVALS = ("adjusted_wald", "wald")
CATEGORIES = ("detractors", "passives", "promoters")


def _counts(x, breaks) -> np.ndarray:
    v = pd.to_numeric(pd.Series(x), errors="coerce")
    if v.notna().sum() == 0:
        raise DataError("No numeric likelihood-to-recommend answers.")
    v = v.dropna().to_numpy()
    lo, hi = breaks
    scale = set(range(11))
    off = ~np.isin(v, list(scale))
    if off.any():
        raise DataError(f"{int(off.sum())} answers are not integers 0-10 (e.g. {v[off][0]!r});"
                        " recode them to the 0-10 scale first.")
    return np.array([(v <= lo).sum(), ((v > lo) & (v < hi)).sum(), (v >= hi).sum()], float)


def _interval(c: np.ndarray, level: float, interval: str):
    z = sst.norm.ppf(0.5 + level / 2)
    if interval == "adjusted_wald":
        c = c + np.array([0.75, 1.5, 0.75])
    n = c.sum()
    d, p = c[0] / n, c[2] / n
    centre = p - d
    se = np.sqrt((p + d - centre ** 2) / n)
    return 100 * (centre - z * se), 100 * (centre + z * se)


def _row(c: np.ndarray, level: float, interval: str) -> dict:
    n = c.sum()
    d, p = c[0] / n, c[2] / n
    score = p - d
    var = p + d - score ** 2
    lo, hi = _interval(c, level, interval)
    return {"n": int(n), "detractors": int(c[0]), "passives": int(c[1]),
            "promoters": int(c[2]), "pct_detractors": 100 * d, "pct_passives": 100 * c[1] / n,
            "pct_promoters": 100 * p, "nps": 100 * score, "se": 100 * np.sqrt(var / n),
            "ci_lower": max(lo, -100.0), "ci_upper": min(hi, 100.0)}


@dataclass(frozen=True)
class NPSResult:
    """Result of :func:`nps`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment (or one row ``"all"``): ``n``, counts and percentages of
        detractors, passives and promoters, ``nps`` (-100..100), ``se``, ``ci_lower``,
        ``ci_upper``.
    level : float
    interval : str
    """

    table: pd.DataFrame
    level: float = 0.95
    interval: str = "adjusted_wald"
    by: str | None = None

    @property
    def score(self) -> float:
        """The NPS of the whole sample (or of the only segment)."""
        t = self.table
        if len(t) == 1:
            return float(t["nps"].iloc[0])
        c = t[["detractors", "passives", "promoters"]].sum().to_numpy(float)
        return _row(c, self.level, self.interval)["nps"]

    def compare(self, other: NPSResult | None = None, *, a=None, b=None) -> pd.Series:
        """Difference of two NPS (this minus ``other``, or segment ``a`` minus ``b``): the
        difference, its standard error (sum of the two trinomial variances), z, two-sided
        p-value and Wald interval; independent samples."""
        def counts(res, seg):
            t = res.table
            if seg is None:
                if len(t) != 1:
                    raise OptionError("This result has several segments; name them with a=, b=.")
                row = t.iloc[0]
            else:
                if seg not in t.index:
                    raise OptionError(f"Segment {seg!r} is not in the table; segments are "
                                      f"{', '.join(map(repr, t.index))}.")
                row = t.loc[seg]
            return row[["detractors", "passives", "promoters"]].to_numpy(float)
        if other is not None:
            if a is not None or b is not None:
                raise OptionError("Give other= or segments a= and b=, not both.")
            c1, c2 = counts(self, None), counts(other, None)
        else:
            if a is None or b is None:
                raise OptionError("compare() needs another NPSResult or two segments a=, b=.")
            c1, c2 = counts(self, a), counts(self, b)
        r1, r2 = _row(c1, self.level, "wald"), _row(c2, self.level, "wald")
        diff = r1["nps"] - r2["nps"]
        se = np.hypot(r1["se"], r2["se"])
        z = diff / se if se > 0 else np.nan
        q = sst.norm.ppf(0.5 + self.level / 2)
        return pd.Series({"nps_a": r1["nps"], "nps_b": r2["nps"], "difference": diff,
                          "se": se, "z": z, "pvalue": 2 * sst.norm.sf(abs(z)),
                          "ci_lower": diff - q * se, "ci_upper": diff + q * se})

    def plot(self, **kwargs):
        """NPS by segment with intervals; see :func:`trustmodel.plotting.practice.plot_nps`."""
        from ..plotting.practice import plot_nps
        return plot_nps(self, **kwargs)

    def __repr__(self) -> str:
        cols = ["n", "pct_detractors", "pct_passives", "pct_promoters", "nps", "ci_lower",
                "ci_upper"]
        return (f"<NPSResult ({self.interval} {100 * self.level:g}% intervals)>\n"
                f"{self.table[cols].round(2).to_string()}")

    def _repr_html_(self) -> str:
        return self.table.round(2)._repr_html_()


def nps(data, column: str | None = None, *, by: str | None = None, level: float = 0.95,
        interval: Literal["adjusted_wald", "wald"] = "adjusted_wald",
        breaks: tuple = (6, 9)) -> NPSResult:
    """Net Promoter Score, by segment, with confidence intervals.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        0-10 likelihood-to-recommend answers, or a frame holding them in ``column``.
        Missing answers are dropped.
    column : str, optional
        The answer column when ``data`` is a frame.
    by : str, optional
        A segment (or wave) column of the frame: one row per segment.
    level : float
    interval : {"adjusted_wald", "wald"}
    breaks : (int, int)
        Highest detractor and lowest promoter answer (default 6 and 9).

    Returns
    -------
    NPSResult

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*,
    81(12), 46-54.

    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American
    Statistician*, 70(4), 365-372. https://doi.org/10.1080/00031305.2016.1158124

    Examples
    --------
    >>> import trustmodel as tm
    >>> res = tm.nps([10, 9, 9, 8, 7, 6, 3, 10, 9, 5], interval="wald")
    >>> round(res.score, 1)       # 5 promoters, 3 detractors of 10
    20.0
    >>> round(res.table["se"].iloc[0], 2)   # sqrt((.5 + .3 - .2**2) / 10)
    27.57
    """
    check_option("interval", interval, INTERVALS, caller="nps")
    if not (isinstance(level, float) and 0 < level < 1):
        raise OptionError(f"level= must be a float between 0 and 1; got {level!r}.")
    if (not isinstance(breaks, (tuple, list)) or len(breaks) != 2
            or not breaks[0] < breaks[1]):
        raise OptionError(f"breaks= must be (highest detractor, lowest promoter); got {breaks!r}.")
    if isinstance(data, pd.DataFrame):
        if column is None:
            raise OptionError("column= is required with a data frame: the 0-10 answer column.")
        if column not in data.columns:
            raise DataError(f"Column {column!r} is not in data.")
        if by is not None and by not in data.columns:
            raise DataError(f"by={by!r} is not a column of data.")
        if by is None:
            groups = [("all", data[column])]
        else:
            groups = [(k, g[column]) for k, g in data.groupby(by, sort=True, observed=True)]
    else:
        if by is not None or column is not None:
            raise OptionError("column= and by= need a data frame.")
        groups = [("all", data)]
    rows = {k: _row(_counts(x, breaks), level, interval) for k, x in groups}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = by or "sample"
    return NPSResult(table=table, level=level, interval=interval, by=by)
