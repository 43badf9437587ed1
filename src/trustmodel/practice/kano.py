"""Kano analysis and penalty-reward contrast analysis (``tm.kano``, ``tm.penalty_reward``).

Kano: each attribute is asked twice, functional ("if the product has X, how do you feel?")
and dysfunctional ("if it does not have X?"), both answered 1 = like, 2 = must-be (expect
it), 3 = neutral, 4 = live with, 5 = dislike. The pair is classified with the Kano
evaluation table (Berger et al. 1993, Table 1), rows functional, columns dysfunctional:

=========  ====  =======  =======  =========  =======
func/dys   like  must-be  neutral  live with  dislike
=========  ====  =======  =======  =========  =======
like       Q     A        A        A          O
must-be    R     I        I        I          M
neutral    R     I        I        I          M
live with  R     I        I        I          M
dislike    R     R        R        R          Q
=========  ====  =======  =======  =========  =======

A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable.
Per attribute: category counts, the dominant (most frequent) category, and Berger et al.'s
customer-satisfaction coefficients CS+ = (A + O) / (A + O + M + I) ("better") and
CS- = -(O + M) / (A + O + M + I) ("worse").

Penalty-reward contrast analysis (Brandt 1987): each attribute rating is split into a low
(dissatisfied) and a high (delighted) dummy against the middle; overall satisfaction is
regressed on all dummies; the low dummy's coefficient is the penalty, the high dummy's the
reward. A large penalty with a small reward marks a basic factor, the reverse an excitement
factor, both a performance factor.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sst

from .._errors import DataError, OptionError

ANSWERS = ("like", "must-be", "neutral", "live with", "dislike")
CLASSES = ("A", "O", "M", "I", "R", "Q")
CLASS_NAMES = {"A": "attractive", "O": "one-dimensional", "M": "must-be",
               "I": "indifferent", "R": "reverse", "Q": "questionable"}
# Berger et al. (1993), Table 1: rows functional answer, columns dysfunctional answer.
EVALUATION = np.array([list("QAAAO"), list("RIIIM"), list("RIIIM"), list("RIIIM"),
                       list("RRRRQ")])
_ALIASES = {"like": 1, "must-be": 2, "must be": 2, "expect": 2, "neutral": 3,
            "live with": 4, "live-with": 4, "tolerate": 4, "dislike": 5}


def _codes(col: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col):
        v = col.to_numpy(float)
    else:
        v = col.map(lambda s: _ALIASES.get(str(s).strip().lower(), np.nan)
                    if pd.notna(s) else np.nan).to_numpy(float)
        bad = col.notna().to_numpy() & np.isnan(v)
        if bad.any():
            raise DataError(f"Column {name!r} has answers that are not Kano answers "
                            f"(e.g. {col[bad].iloc[0]!r}); use 1-5 or {', '.join(ANSWERS)}.")
    ok = np.isnan(v) | np.isin(v, [1, 2, 3, 4, 5])
    if not ok.all():
        raise DataError(f"Column {name!r} has values outside 1-5 (e.g. {v[~ok][0]!r}).")
    return v


def classify(functional, dysfunctional) -> np.ndarray:
    """Kano category (A, O, M, I, R, Q) of each answer pair (codes 1-5); '' where missing."""
    f = np.asarray(functional, float)
    d = np.asarray(dysfunctional, float)
    out = np.full(f.shape, "", dtype=object)
    ok = ~(np.isnan(f) | np.isnan(d))
    out[ok] = EVALUATION[f[ok].astype(int) - 1, d[ok].astype(int) - 1]
    return out


@dataclass(frozen=True)
class KanoResult:
    """Result of :func:`kano`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per attribute: counts ``A O M I R Q``, ``n``, ``category`` (the dominant one
        among A, O, M, I, R, Q; ties joined with "/"), ``cs_plus``, ``cs_minus``.
    classes : pandas.DataFrame
        Each respondent's category per attribute (rows of data).
    """

    table: pd.DataFrame
    classes: pd.DataFrame

    def percentages(self) -> pd.DataFrame:
        """Category shares in percent of the valid answers per attribute."""
        t = self.table[list(CLASSES)]
        return t.div(t.sum(axis=1), axis=0) * 100

    def plot(self, **kwargs):
        """Kano map (CS+ against |CS-|); see :func:`trustmodel.plotting.practice.plot_kano`."""
        from ..plotting.practice import plot_kano
        return plot_kano(self, **kwargs)

    def __repr__(self) -> str:
        return f"<KanoResult, {len(self.table)} attributes>\n{self.table.round(3).to_string()}"

    def _repr_html_(self) -> str:
        return self.table.round(3)._repr_html_()


def kano(data: pd.DataFrame, attributes: dict) -> KanoResult:
    """Kano classification of attributes from functional/dysfunctional question pairs.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    attributes : dict
        ``{attribute: (functional column, dysfunctional column)}``. Answers coded 1-5
        (like, must-be, neutral, live with, dislike) or as those words.

    Returns
    -------
    KanoResult

    References
    ----------
    Berger, C., Blauth, R., Boger, D., et al. (1993). Kano's methods for understanding
    customer-defined quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive quality and must-be
    quality. *Journal of the Japanese Society for Quality Control*, 14(2), 39-48.

    Examples
    --------
    >>> import pandas as pd
    >>> import trustmodel as tm
    >>> d = pd.DataFrame({"wifi_f": [1, 1, 1, 2], "wifi_d": [3, 5, 3, 3]})
    >>> res = tm.kano(d, {"wifi": ("wifi_f", "wifi_d")})
    >>> res.table.loc["wifi", ["A", "O", "I", "category"]].tolist()
    [2, 1, 1, 'A']
    >>> float(res.table.loc["wifi", "cs_plus"]), float(res.table.loc["wifi", "cs_minus"])
    (0.75, -0.25)
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError("data= must be a pandas DataFrame, one row per respondent.")
    if not isinstance(attributes, dict) or not attributes:
        raise OptionError("attributes= must be a non-empty dict {attribute: (functional "
                          "column, dysfunctional column)}.")
    classes, rows = {}, {}
    for name, pair in attributes.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise OptionError(f"attributes[{name!r}] must be a (functional, dysfunctional) "
                              f"pair of column names; got {pair!r}.")
        missing = [c for c in pair if c not in data.columns]
        if missing:
            raise DataError(f"Columns {', '.join(map(repr, missing))} (attribute {name!r}) "
                            "are not in data.")
        cls = classify(_codes(data[pair[0]], pair[0]), _codes(data[pair[1]], pair[1]))
        classes[name] = cls
        counts = {c: int((cls == c).sum()) for c in CLASSES}
        aomi = counts["A"] + counts["O"] + counts["M"] + counts["I"]
        top = max(counts.values())
        row = dict(counts, n=sum(counts.values()))
        row["category"] = "/".join(c for c in CLASSES if counts[c] == top) if top else ""
        row["cs_plus"] = (counts["A"] + counts["O"]) / aomi if aomi else np.nan
        row["cs_minus"] = -(counts["O"] + counts["M"]) / aomi if aomi else np.nan
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "attribute"
    return KanoResult(table=table, classes=pd.DataFrame(classes, index=data.index))


def penalty_reward(data: pd.DataFrame, attributes, overall: str, *, low: float,
                   high: float, level: float = 0.95) -> pd.DataFrame:
    """Penalty-reward contrast analysis (Brandt 1987).

    Parameters
    ----------
    data : pandas.DataFrame
    attributes : list of str
        Attribute performance ratings.
    overall : str
        Overall satisfaction.
    low, high : float
        A rating ``<= low`` codes the penalty dummy, ``>= high`` the reward dummy; the
        ratings between are the reference.
    level : float

    Returns
    -------
    pandas.DataFrame
        One row per attribute: ``penalty`` and ``reward`` (OLS coefficients of the dummies,
        with ``se_*`` and ``pvalue_*``), ``n_low``, ``n_high`` and ``factor`` ("basic",
        "excitement", "performance" or "unclear": a coefficient counts when significant
        at ``level``, with the penalty negative and the reward positive).

    References
    ----------
    Brandt, D. R. (1987). A procedure for identifying value-enhancing service components
    using customer satisfaction survey data. In C. Surprenant (Ed.), *Add Value to Your
    Service* (pp. 61-65). American Marketing Association.

    Matzler, K., & Sauerwein, E. (2002). The factor structure of customer satisfaction.
    *International Journal of Service Industry Management*, 13(4), 314-332.
    """
    attributes = [attributes] if isinstance(attributes, str) else list(attributes)
    if not (isinstance(level, float) and 0 < level < 1):
        raise OptionError(f"level= must be a float between 0 and 1; got {level!r}.")
    if not low < high:
        raise OptionError(f"low= must be below high=; got low={low!r}, high={high!r}.")
    cols = [*attributes, overall]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(f"Columns {', '.join(map(repr, missing))} are not in data.")
    d = data[cols].dropna()
    X = [np.ones(len(d))]
    names = []
    for a in attributes:
        v = d[a].to_numpy(float)
        for kind, dummy in (("penalty", v <= low), ("reward", v >= high)):
            if dummy.all() or not dummy.any():
                raise DataError(f"Attribute {a!r} has {'every' if dummy.any() else 'no'} "
                                f"rating in its {kind} range; adjust low=/high=.")
            X.append(dummy.astype(float))
            names.append((a, kind))
    X = np.column_stack(X)
    y = d[overall].to_numpy(float)
    n, k = X.shape
    if n <= k:
        raise DataError(f"{n} complete rows are too few for {k} coefficients.")
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = resid @ resid / (n - k)
    cov = s2 * np.linalg.pinv(X.T @ X)
    se = np.sqrt(np.diag(cov))
    p = 2 * sst.t.sf(np.abs(beta / se), n - k)
    alpha = 1 - level
    out = {}
    for j, (a, kind) in enumerate(names, start=1):
        row = out.setdefault(a, {})
        row[kind], row[f"se_{kind}"], row[f"pvalue_{kind}"] = beta[j], se[j], p[j]
    table = pd.DataFrame.from_dict(out, orient="index")
    table["n_low"] = [int((d[a] <= low).sum()) for a in table.index]
    table["n_high"] = [int((d[a] >= high).sum()) for a in table.index]
    pen = (table["pvalue_penalty"] < alpha) & (table["penalty"] < 0)
    rew = (table["pvalue_reward"] < alpha) & (table["reward"] > 0)
    table["factor"] = np.select([pen & rew, pen, rew], ["performance", "basic", "excitement"],
                                "unclear")
    table.index.name = "attribute"
    return table
