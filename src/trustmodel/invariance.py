"""Measurement invariance across groups: the configural -> metric -> scalar -> strict ladder.

A leaf study that sits ABOVE :func:`trustmodel.fit` and calls it once per level (studies
that run several fits never live in ``diagnostics/``). Each level
adds lavaan ``group.equal`` constraints to the previous one (as ``semTools::measurementInvariance``
and lavaan's own ``lavTestLRT`` ladder):

========== ==========================================
configural  same pattern, everything free per group
metric      + ``"loadings"``
scalar      + ``"intercepts"`` (latent means become free in groups 2..G)
strict      + ``"residuals"``
means       + ``"means"`` (latent means equal; optional level)
========== ==========================================

Nested models are compared with the chi-square difference test (lavaan ``R/lav_test_diff.R``,
``lavTestLRT(method = "standard")``: ``delta chisq`` on ``delta df``); under ``estimator="MLR"``
(fits carrying ``chisq_scaling_factor``) the Satorra-Bentler (2001) scaled difference, the
default of ``lavTestLRT`` for robust fits (``lav_test_diff_SatorraBentler2001``):
``cd = (df1 c1 - df0 c0) / (df1 - df0)``, ``delta chisq = (T1 - T0) / cd`` with ``T`` the
unscaled ML statistics (the ``chisq`` column; the table then also shows ``chisq_scaled``),
``c = 1`` for a saturated less restricted model, no test when ``cd <= 0``. The
CFI/RMSEA differences of the Chen rule use the standard (``cfi``, ``rmsea``) values, as
``semTools``' default ``fit.measures``. The decision rule (``rule=``):

- ``"chen2007"`` (default): a level holds when ``delta CFI >= -0.010`` and ``delta RMSEA <=
  0.015`` against the previous level (Chen 2007, Structural Equation Modeling 14, 464-504;
  Cheung & Rensvold 2002 for the CFI cut-off);
- ``"chisq"``: a level holds when the chi-square difference test is not significant
  (``p > alpha``).

A level is only "held" if every level below it held too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from ._errors import OptionError
from ._progress import progress_bar
from .estimation.fit_measures.difference import chisq_difference
from .api import fit

LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
    "means": ("loadings", "intercepts", "residuals", "means"),
}
#: the ladder of ordinal indicators (``ordered=``): thresholds first, as Wu & Estabrook (2016);
#: lavaan frees the scale factors (delta) or residual variances (theta) and latent means of
#: groups 2..G once thresholds are equal; "strict" fixes the residual variances of later
#: groups back to 1 (theta only), "means" the latent means to 0. With categorical data lavaan
#: equates the intercepts of continuous indicators together with the thresholds.
LEVELS_ORDINAL = {
    "configural": (),
    "thresholds": ("thresholds",),
    "metric": ("thresholds", "loadings"),
    "strict": ("thresholds", "loadings", "residuals"),
    "means": ("thresholds", "loadings", "residuals", "means"),
}
RULES = ("chen2007", "chisq")
CFI_CUT, RMSEA_CUT = -0.010, 0.015


@dataclass(frozen=True)
class InvarianceResult:
    """The invariance ladder: one row per level, the fits, latent mean differences.

    Attributes
    ----------
    table : pandas.DataFrame
        ``level chisq df delta_chisq delta_df pvalue cfi delta_cfi rmsea delta_rmsea bic
        decision`` (``pvalue`` is the chi-square difference test against the previous level).
    fits : dict
        Level name -> :class:`~trustmodel.FitResult`.
    latent_means : pandas.DataFrame or None
        Latent mean differences of groups 2..G against group 1 (``est se z pvalue d``, ``d``
        the difference in SDs of the reference group) from the scalar fit, when scalar
        invariance holds.
    highest : str or None
        The highest level that holds (None if even configural fails to converge).
    rule : str
    """

    table: pd.DataFrame
    fits: dict
    latent_means: pd.DataFrame | None
    highest: str | None
    rule: str
    alpha: float = 0.05
    notes: list = field(default_factory=list)

    def _rule_text(self) -> str:
        if self.rule == "chen2007":
            return ("Decision rule (Chen 2007): a level holds if delta CFI >= -0.010 and delta "
                    "RMSEA <= 0.015 against the previous level, and every lower level held.")
        return (f"Decision rule: a level holds if the chi-square difference test against the "
                f"previous level has p > {self.alpha:g}, and every lower level held.")

    def __str__(self) -> str:
        t = self.table.copy()
        lines = ["Measurement invariance", "=" * 22, t.to_string(index=False, float_format=
                                                                  lambda v: f"{v:.3f}"), ""]
        lines.append(self._rule_text())
        lines.append(f"Highest level that holds: {self.highest}.")
        if self.latent_means is not None:
            lines += ["", "Latent mean differences (scalar model, group 1 = reference):",
                      self.latent_means.to_string(index=False,
                                                  float_format=lambda v: f"{v:.3f}")]
        if self.notes:
            lines += ["", "Notes:"] + [f"[{i + 1}] {n}" for i, n in enumerate(self.notes)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<InvarianceResult levels={list(self.table['level'])}, "
                f"highest={self.highest!r}>")

    def _repr_html_(self) -> str:
        html = ["<h4>Measurement invariance</h4>",
                self.table.to_html(index=False, float_format=lambda v: f"{v:.3f}"),
                f"<p>{escape(self._rule_text())}<br>Highest level that holds: "
                f"<b>{escape(str(self.highest))}</b>.</p>"]
        if self.latent_means is not None:
            html += ["<h5>Latent mean differences (scalar model, group 1 = reference)</h5>",
                     self.latent_means.to_html(index=False, float_format=lambda v: f"{v:.3f}")]
        return "\n".join(html)


def invariance(model, data: pd.DataFrame, group: str, *, estimator: str = "ML",
               levels=("configural", "metric", "scalar", "strict"), rule: str = "chen2007",
               alpha: float = 0.05, group_partial=(), progress: bool | None = None,
               **fit_options) -> InvarianceResult:
    """Fit the measurement-invariance ladder and test each level against the one below.

    Parameters
    ----------
    model : str, ParameterTable or theory builder
        The (configural) model, as for :func:`trustmodel.fit`.
    data : pandas.DataFrame
        Raw data holding the ``group`` column (never modified).
    group : str
        Grouping column.
    estimator : {"ML", "MLR", ...}
        Passed to :func:`trustmodel.fit`.
    levels : sequence of str
        Levels in increasing order of constraint, from ``"configural"``, ``"metric"``,
        ``"scalar"``, ``"strict"``, ``"means"``. With ``ordered=`` (Wu & Estabrook 2016):
        ``"configural"``, ``"thresholds"``, ``"metric"`` (thresholds + loadings),
        ``"strict"`` (+ residual variances; ``parameterization="theta"`` only) and
        ``"means"`` (+ latent means); the default is all but ``"means"`` (``"strict"`` only
        under theta).
    rule : {"chen2007", "chisq"}
        Decision rule (see the module docstring).
    alpha : float
        Level of the chi-square difference test.
    group_partial : sequence of str
        Parameters exempt from the equality constraints at every level (partial invariance),
        e.g. ``["visual =~ x2", "x3 ~ 1"]``.
    progress : bool, optional
        A tqdm progress bar over the levels (default: only in interactive runs).
    **fit_options
        Other :func:`trustmodel.fit` options (``std_lv``, ``missing``...).

    Returns
    -------
    InvarianceResult

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> model = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> inv = tm.invariance(model, hs, group="school")
    >>> # lavaan: cfa(model, data, group = "school", group.equal = ...) for each level
    >>> inv.table[["level", "chisq", "df"]].round(3).to_string(index=False)
    '     level   chisq  df\\nconfigural 115.851  48\\n    metric 124.044  54\\n    scalar 164.103  60\\n    strict 181.511  69'
    >>> inv.highest
    'metric'
    """
    ordinal = fit_options.get("ordered") not in (None, False, (), [])
    ladder = LEVELS_ORDINAL if ordinal else LEVELS
    if ordinal and estimator == "ML":
        estimator = None                        # fit()'s default for ordinal data: WLSMV
    theta = fit_options.get("parameterization", "delta") == "theta"
    if ordinal and tuple(levels) == ("configural", "metric", "scalar", "strict"):
        # the default ladder of ordinal indicators (strict invariance only under theta)
        # (as the continuous default, latent means only when asked)
        levels = tuple(lv for lv in LEVELS_ORDINAL
                       if lv != "means" and (theta or lv != "strict"))
    levels = list(levels)
    if ordinal and "scalar" in levels:
        raise OptionError(
            "With ordered= there is no separate 'scalar' level: lavaan equates the intercepts "
            "together with the thresholds (the ordinal items' intercepts are fixed at 0), so "
            "'metric' (thresholds + loadings) is already scalar invariance. Use the levels "
            f"{', '.join(map(repr, LEVELS_ORDINAL))}.")
    if ordinal and "strict" in levels and not theta:
        raise OptionError(
            "The 'strict' level of ordinal indicators needs parameterization='theta': under "
            "the delta parameterization their residual variances are not parameters, and "
            "lavaan's group.equal='residuals' leaves them (and the scale factors) alone.")
    unknown = [lv for lv in levels if lv not in ladder]
    if unknown:
        raise OptionError(f"levels= of invariance() must come from {', '.join(map(repr, LEVELS))}"
                          f"; got {unknown!r}.")
    if not levels:
        raise OptionError("levels= of invariance() needs at least one level.")
    order = list(ladder)
    if [order.index(lv) for lv in levels] != sorted(order.index(lv) for lv in levels) \
            or len(set(levels)) != len(levels):
        raise OptionError(f"levels= must be in increasing order of constraint ({order}); "
                          f"got {levels!r}.")
    if rule not in RULES:
        raise OptionError(f"rule= of invariance() must be one of {', '.join(map(repr, RULES))}; "
                          f"got {rule!r}.")
    if not 0 < alpha < 1:
        raise OptionError(f"alpha= must lie strictly between 0 and 1; got {alpha!r}.")
    for bad in ("group_equal", "group"):
        if bad in fit_options:
            raise OptionError(f"{bad}= is set by invariance() itself; leave it out.")
    fits = {}
    with progress_bar(total=len(levels), desc="invariance", progress=progress) as bar:
        for lv in levels:
            fits[lv] = fit(model, data, group=group, estimator=estimator,
                           group_equal=ladder[lv], group_partial=tuple(group_partial),
                           **fit_options)
            bar.update(1)
    rows, held, highest, notes = [], True, None, []
    prev = None
    for lv in levels:
        fm = fits[lv].fit_measures
        row = {"level": lv, "chisq": fm["chisq"], "df": int(fm["df"]), "delta_chisq": np.nan,
               "delta_df": np.nan, "pvalue": np.nan, "cfi": fm["cfi"], "delta_cfi": np.nan,
               "rmsea": fm["rmsea"], "delta_rmsea": np.nan, "bic": fm.get("bic", np.nan)}
        ok = bool(fits[lv].converged)
        if prev is not None:
            pfm = fits[prev].fit_measures
            if ordinal:   # lavTestLRT's default for WLSMV: Satorra (2000)
                from .estimation.categorical.statistics import difference_test
                t = difference_test(fits[prev].state.fit, fits[lv].state.fit)
                dchi, ddf, p, scaled = t["chisq_diff"], t["df_diff"], t["pvalue"], False
            else:
                dchi, ddf, p, scaled = _difference_test(fm, pfm)
            if scaled:
                note = "Chi-square differences are Satorra-Bentler (2001) scaled (MLR)."
                if note not in notes:
                    notes.append(note)
            row.update(delta_chisq=dchi, delta_df=ddf, pvalue=p,
                       delta_cfi=fm["cfi"] - pfm["cfi"], delta_rmsea=fm["rmsea"] - pfm["rmsea"])
            if rule == "chen2007":
                ok = ok and row["delta_cfi"] >= CFI_CUT and row["delta_rmsea"] <= RMSEA_CUT
            else:
                ok = ok and (not np.isfinite(p) or p > alpha)
        held = held and ok
        row["decision"] = "holds" if held else "rejected"
        if held:
            highest = lv
        rows.append(row)
        prev = lv
    table = pd.DataFrame(rows)
    scaled = [fits[lv].fit_measures.get("chisq_scaled", np.nan) for lv in levels]
    if np.all(np.isfinite(scaled)):  # MLR/MLM: the scaled statistic next to the ML one
        table.insert(2, "chisq_scaled", scaled)
    if ordinal:
        notes.append("Ordinal indicators: chi-square differences are lavTestLRT's scaled "
                     "tests (Satorra 2000 for WLSMV / ULSMV).")
    latent = None
    if ordinal and highest in ("metric", "strict", "means"):
        # latent means from the most constrained level that holds and still estimates them
        free = [lv for lv in ("metric", "strict") if lv in fits
                and order.index(lv) <= order.index(highest)]
        latent = latent_mean_differences(fits[free[-1]]) if free else None
    if "scalar" in fits and highest is not None and order.index(highest) >= order.index("scalar"):
        latent = latent_mean_differences(fits["scalar"])
    return InvarianceResult(table=table, fits=fits, latent_means=latent, highest=highest,
                            rule=rule, alpha=alpha, notes=notes)


def _difference_test(fm, pfm):
    """(delta chisq, delta df, p-value, scaled?) of a nested pair (restricted fm vs pfm)."""
    d = chisq_difference(pfm, fm)
    return float(d["chisq_diff"]), d["df_diff"], d["pvalue"], d["scaled"]


def latent_mean_differences(res) -> pd.DataFrame:
    """Latent means of groups 2..G (group 1 fixed at 0) with SE, z, p and ``d``.

    ``d`` divides the difference by the latent SD in the reference group (group 1).
    """
    p = res.params
    lvs = list(res.table.names.lv)
    groups = list(pd.unique(p.loc[p["op"] != ":=", "group"]))
    ref = groups[0]
    means = p[(p["op"] == "~1") & p["lhs"].isin(lvs)]
    var = p[(p["op"] == "~~") & p["lhs"].isin(lvs) & (p["lhs"] == p["rhs"])
            & (p["group"] == ref)].set_index("lhs")["est"]
    out = means[means["group"] != ref][["lhs", "group", "est", "se", "z", "pvalue"]].copy()
    out = out.rename(columns={"lhs": "factor"})
    out.insert(2, "reference", ref)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["d"] = out["est"].to_numpy() / np.sqrt(var.loc[out["factor"]].to_numpy())
    return out.reset_index(drop=True)
