"""Polynomial regression with response surface analysis (RSA) for expectation-disconfirmation.

Difference scores (performance minus expectation) are unreliable and confound their
components (Peter, Churchill & Brown 1993; Edwards 2001). The accepted alternative regresses
the outcome on both components and their second-order terms (Edwards & Parry 1993),

    Z = b0 + b1 P + b2 E + b3 P^2 + b4 P E + b5 E^2,

and reads the fitted surface along two lines (Shanock et al. 2010):

- line of congruence (P = E): slope ``a1 = b1 + b2``, curvature ``a2 = b3 + b4 + b5``;
- line of incongruence (P = -E): slope ``a3 = b1 - b2``, curvature ``a4 = b3 - b4 + b5``;
- ``a5 = b3 - b5`` (Humberg, Nestler & Back 2019): asymmetry of the curvature.

The stationary point ``(X0, Y0)`` and the principal axes ``E = p10 + p11 P`` (first) and
``E = p20 + p21 P`` (second) follow Edwards (2002). A congruence effect shows as a first
principal axis along P = E (``p10 = 0``, ``p11 = 1``) with ``a4 < 0``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sstats

from ._errors import DataError, DataWarning, OptionError
from ._validation import check_option, did_you_mean
from ._warnings import warn

__all__ = ["response_surface", "ResponseSurface", "SURFACE_CONTRASTS"]

TERMS = ("b0", "b1", "b2", "b3", "b4", "b5")
TERM_NAMES = ("Intercept", "P", "E", "P^2", "P*E", "E^2")
#: Contrast vectors over (b0, ..., b5) that define the surface parameters.
SURFACE_CONTRASTS = {
    "a1": (0, 1, 1, 0, 0, 0),
    "a2": (0, 0, 0, 1, 1, 1),
    "a3": (0, 1, -1, 0, 0, 0),
    "a4": (0, 0, 0, 1, -1, 1),
    "a5": (0, 0, 0, 1, 0, -1),
}
_SURFACE_MEANING = {
    "a1": "slope along the line of congruence (P = E)",
    "a2": "curvature along the line of congruence (P = E)",
    "a3": "slope along the line of incongruence (P = -E)",
    "a4": "curvature along the line of incongruence (P = -E)",
    "a5": "b3 - b5: asymmetry of the curvature",
}


def stationary_point(b) -> dict:
    """Stationary point and principal axes of a quadratic surface (Edwards 2002).

    ``b`` holds (b0, ..., b5). Returns X0, Y0, p10, p11, p20, p21 (NaN where undefined: a
    singular quadratic form has no unique stationary point; ``b4 = 0`` leaves the axes
    parallel to the coordinate axes, where the slope is 0 or infinite).

    Examples
    --------
    >>> sp = stationary_point([0, 0, 0, -1.1, 1.8, -1.1])
    >>> float(round(sp["p11"], 6)), float(round(sp["p21"], 6))
    (1.0, -1.0)
    """
    _b0, b1, b2, b3, b4, b5 = (float(v) for v in b)
    den = 4 * b3 * b5 - b4 ** 2
    with np.errstate(all="ignore"):
        x0 = (b2 * b4 - 2 * b1 * b5) / den if den != 0 else np.nan
        y0 = (b1 * b4 - 2 * b2 * b3) / den if den != 0 else np.nan
        root = np.sqrt((b3 - b5) ** 2 + b4 ** 2)
        if b4 != 0:
            p11 = (b5 - b3 + root) / b4
            p21 = (b5 - b3 - root) / b4
        else:   # axes parallel to P and E: the first runs along the larger-curvature direction
            p11, p21 = (0.0, np.inf) if b3 >= b5 else (np.inf, 0.0)
        p10 = y0 - p11 * x0 if np.isfinite(p11) else np.nan
        p20 = y0 - p21 * x0 if np.isfinite(p21) else np.nan
    return dict(X0=x0, Y0=y0, p10=p10, p11=p11, p20=p20, p21=p21)


@dataclass(frozen=True)
class ResponseSurface:
    """Result of :func:`response_surface` (immutable).

    Attributes
    ----------
    coefficients : pandas.DataFrame
        ``b0..b5`` (index), with ``term est se t pvalue ci_lower ci_upper``.
    surface : pandas.DataFrame
        ``a1..a5`` (index), with ``meaning est se t pvalue ci_lower ci_upper``.
    stationary : pandas.DataFrame
        ``X0 Y0 p10 p11 p20 p21`` with delta-method ``se``, a ``null`` value (p10 0, p11 1,
        p20 0, p21 -1: the axes on the lines of congruence / incongruence), ``z``,
        ``pvalue``, ``ci_lower``, ``ci_upper``. Coordinates are in the centred metric.
    fit : pandas.Series
        ``nobs r2 adj_r2 f f_pvalue df_model df_resid sigma``.
    constraint_test : pandas.Series
        F test of the difference-score model (b1 = -b2, b3 = b5 = -b4/2; Edwards 1994):
        ``r2_constrained f df1 df2 pvalue``.
    center : float
        Value subtracted from P and E before squaring (0 for ``center=None``).
    ols : statsmodels RegressionResults
        The underlying OLS fit, for anything else.
    data : pandas.DataFrame
        ``P E Z`` as used (uncentred scale scores, complete rows).
    """

    coefficients: pd.DataFrame
    surface: pd.DataFrame
    stationary: pd.DataFrame
    fit: pd.Series
    constraint_test: pd.Series
    center: float
    ols: object = field(repr=False)
    data: pd.DataFrame = field(repr=False)
    names: dict = field(default_factory=dict)
    level: float = 0.95

    def predict(self, P, E) -> np.ndarray:
        """Fitted Z at performance ``P`` and expectation ``E`` (raw scale; broadcasts).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> d = pd.DataFrame({"p": rng.normal(size=200), "e": rng.normal(size=200)})
        >>> d["z"] = 1 + d.p - d.e + rng.normal(scale=0.1, size=200)
        >>> res = response_surface(d, performance="p", expectation="e", outcome="z", center=None)
        >>> round(float(res.predict(1.0, 1.0)), 1)
        1.0
        """
        b = self.coefficients["est"].to_numpy()
        P = np.asarray(P, dtype=float) - self.center
        E = np.asarray(E, dtype=float) - self.center
        return b[0] + b[1] * P + b[2] * E + b[3] * P ** 2 + b[4] * P * E + b[5] * E ** 2

    def __str__(self) -> str:
        f = self.fit
        ct = self.constraint_test
        n = self.names
        head = [f"Response surface analysis: {n.get('outcome', 'Z')} on P = "
                f"{n.get('performance', 'P')}, E = {n.get('expectation', 'E')} "
                f"(N = {int(f['nobs'])}, centred at {self.center:g})",
                f"R2 = {f['r2']:.3f} (adj. {f['adj_r2']:.3f}), F({int(f['df_model'])}, "
                f"{int(f['df_resid'])}) = {f['f']:.2f}, p = {f['f_pvalue']:.3g}", ""]
        fmt = dict(float_format=lambda v: f"{v:.3f}")
        body = ["Polynomial coefficients", self.coefficients.to_string(**fmt), "",
                "Surface tests", self.surface.to_string(**fmt), "",
                "Stationary point and principal axes", self.stationary.to_string(**fmt), ""]
        notes = ["Notes:",
                 f"[1] Difference-score constraints (b1 = -b2, b3 = b5 = -b4/2): R2 "
                 f"{ct['r2_constrained']:.3f} vs {f['r2']:.3f}, F({int(ct['df1'])}, "
                 f"{int(ct['df2'])}) = {ct['f']:.2f}, p = {ct['pvalue']:.3g}"
                 + (" (rejected: a difference score misrepresents the surface)."
                    if ct["pvalue"] < 1 - self.level else " (not rejected)."),
                 "[2] Stationary point and axes in the centred metric; their SEs are "
                 "delta-method approximations (Edwards 2002 recommends the bootstrap)."]
        return "\n".join(head + body + notes)

    def _repr_html_(self) -> str:
        return "<pre>" + str(self).replace("&", "&amp;").replace("<", "&lt;") + "</pre>"

    def plot(self, **kwargs):
        """The fitted surface with the lines of congruence and incongruence (and the first
        principal axis), as R's ``RSA::plotRSA``; see
        :func:`trustmodel.plotting.plot_response_surface` (``kind="contour"`` for a map)."""
        from .plotting import plot_response_surface
        n = self.names
        kwargs.setdefault("labels", (n.get("performance", "P"), n.get("expectation", "E"),
                                     n.get("outcome", "Z")))
        return plot_response_surface(self, **kwargs)


def _score(data, spec, what: str, index):
    """A scale score from a column name, a list of item names (row means) or a Series."""
    if isinstance(spec, pd.Series):
        if index is not None and not spec.index.equals(index):
            spec = spec.reindex(index)
        return spec.astype(float).to_numpy(), str(spec.name or what)
    if isinstance(spec, np.ndarray):
        return np.asarray(spec, dtype=float).ravel(), what
    if data is None:
        raise DataError(f"{what}= names columns ({spec!r}) but no data= was given.")
    items = [spec] if isinstance(spec, str) else list(spec)
    if not items:
        raise OptionError(f"{what}= must name at least one column.")
    missing = [c for c in items if c not in data.columns]
    if missing:
        raise DataError(f"Column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(map(repr, missing))} given in {what}= "
                        f"{'are' if len(missing) > 1 else 'is'} not in data."
                        + did_you_mean(missing, map(str, data.columns)))
    block = data[items]
    bad = [c for c in items if not pd.api.types.is_numeric_dtype(block[c])]
    if bad:
        raise DataError(f"Column{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))} in "
                        f"{what}= must be numeric.")
    values = block.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        score = values.mean(axis=1) if values.shape[1] > 1 else values[:, 0]
    score = np.where(np.isnan(values).any(axis=1), np.nan, score)
    name = items[0] if len(items) == 1 else f"mean({', '.join(items)})"
    return score, name


def _table(est, se, df, level, extra=None):
    t = est / se
    p = 2 * sstats.t.sf(np.abs(t), df)
    q = sstats.t.ppf(0.5 + level / 2, df)
    out = pd.DataFrame({"est": est, "se": se, "t": t, "pvalue": p,
                        "ci_lower": est - q * se, "ci_upper": est + q * se})
    if extra:
        for k, v in extra.items():
            out.insert(0, k, v)
    return out


def response_surface(data: pd.DataFrame | None = None, *, performance, expectation, outcome,
                     center: Literal["midpoint", "mean"] | float | None = "midpoint",
                     scale_midpoint: float | None = None, level: float = 0.95
                     ) -> ResponseSurface:
    """Polynomial regression and response surface analysis of Z on performance and expectation.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Holds the columns named below (never modified). Not needed when all three are Series.
    performance, expectation, outcome : str, list of str, or pandas.Series
        A column (a scale score), a list of item columns (averaged per row), or a Series such
        as factor scores (aligned with ``data``'s index when both are given).
    center : {"midpoint", "mean"}, float or None
        Subtract one common value from P and E (the same for both, so that the line P = E
        keeps its meaning): "midpoint" the scale midpoint (Edwards 1994; Shanock et al. 2010)
        given by ``scale_midpoint`` or, if not given, the middle of the pooled observed range of
        P and E; "mean" the pooled grand mean of P and E; a number; or None (no centring).
    scale_midpoint : float, optional
        The response scale's midpoint (4 on a 1-7 scale) for ``center="midpoint"``.
    level : float
        Confidence level.

    Returns
    -------
    ResponseSurface

    Raises
    ------
    DataError
        Missing or non-numeric columns, or fewer than 7 complete rows.

    Warns
    -----
    DataWarning
        When rows with missing values are dropped.

    Notes
    -----
    OLS via statsmodels; the SE of a surface parameter ``a = c'b`` is ``sqrt(c' V c)`` with
    ``V`` the coefficient covariance, tested with ``t(N - 6)``. The constraint test compares the
    full polynomial with ``Z = c0 + c1 (P - E) + c2 (P - E)^2`` (the algebraic and squared
    difference together: b1 = -b2, b3 = b5 = -b4/2; Edwards 1994), an F test with 3 and
    N - 6 degrees of freedom.

    References
    ----------
    Edwards, J. R. (1994). The study of congruence in organizational behavior research.
    Organizational Behavior and Human Decision Processes, 58, 51-100.
    https://doi.org/10.1006/obhd.1994.1029

    Edwards, J. R. (2002). Alternatives to difference scores: Polynomial regression analysis
    and response surface methodology. In F. Drasgow & N. Schmitt (Eds.), Measuring and
    analyzing behavior in organizations (pp. 350-400). Jossey-Bass.

    Shanock, L. R., Baran, B. E., Gentry, W. A., Pattison, S. C., & Heggestad, E. D. (2010).
    Polynomial regression with response surface analysis. Journal of Business and
    Psychology, 25, 543-554. https://doi.org/10.1007/s10869-010-9183-4

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import trustmodel as tm
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"perf": rng.normal(4, 1, 400), "exp": rng.normal(4, 1, 400)})
    >>> d["sat"] = 5 - (d.perf - d.exp) ** 2 + rng.normal(0, 0.5, 400)
    >>> res = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat",
    ...                           scale_midpoint=4)
    >>> # R: RSA::RSA(sat ~ perf * exp, data = d, center = "pooled")  (same a1..a4)
    >>> res.surface["est"].round(1).abs().to_dict()   # a4 = -4: the congruence effect
    {'a1': 0.0, 'a2': 0.0, 'a3': 0.0, 'a4': 4.0, 'a5': 0.0}
    """
    import statsmodels.api as sm

    if data is not None and not isinstance(data, pd.DataFrame):
        raise DataError(f"data= must be a pandas DataFrame; got {type(data).__name__}.")
    if not 0 < level < 1:
        raise OptionError(f"level= must lie strictly between 0 and 1; got {level!r}.")
    index = data.index if data is not None else None
    P, pname = _score(data, performance, "performance", index)
    E, ename = _score(data, expectation, "expectation", index)
    Z, zname = _score(data, outcome, "outcome", index)
    if not (len(P) == len(E) == len(Z)):
        raise DataError(f"performance=, expectation= and outcome= have different lengths "
                        f"({len(P)}, {len(E)}, {len(Z)}).")
    keep = ~(np.isnan(P) | np.isnan(E) | np.isnan(Z))
    if not keep.all():
        warn(f"{int((~keep).sum())} of {len(keep)} rows with missing values were "
             "dropped (listwise).", DataWarning)
        P, E, Z = P[keep], E[keep], Z[keep]
    if len(Z) < 7:
        raise DataError(f"Found {len(Z)} complete row(s) while a minimum of 7 is required for "
                        "the six polynomial coefficients.")
    c = _center(center, scale_midpoint, P, E)
    x, y = P - c, E - c
    X = np.column_stack([np.ones_like(x), x, y, x ** 2, x * y, y ** 2])
    if np.linalg.matrix_rank(X) < 6:
        raise DataError("The polynomial terms are linearly dependent (P or E constant, or P "
                        "and E identical): the surface cannot be estimated.")
    ols = sm.OLS(Z, X).fit()
    b = np.asarray(ols.params)
    V = np.asarray(ols.cov_params())
    df = float(ols.df_resid)

    coef = _table(b, np.sqrt(np.diag(V)), df, level, {"term": list(TERM_NAMES)})
    coef.index = pd.Index(TERMS)
    C = np.array(list(SURFACE_CONTRASTS.values()), dtype=float)
    a = C @ b
    se_a = np.sqrt(np.einsum("ij,jk,ik->i", C, V, C))
    surf = _table(a, se_a, df, level, {"meaning": [_SURFACE_MEANING[k] for k in SURFACE_CONTRASTS]})
    surf.index = pd.Index(list(SURFACE_CONTRASTS))

    sp = stationary_point(b)
    keys = list(sp)
    est = np.array([sp[k] for k in keys])
    null = np.array([np.nan, np.nan, 0.0, 1.0, 0.0, -1.0])
    q = sstats.norm.ppf(0.5 + level / 2)
    with np.errstate(all="ignore"):
        J = _jacobian(b)
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", J, V, J), 0))
        se[~np.isfinite(est)] = np.nan
        z = (est - null) / se
        stat = pd.DataFrame({"est": est, "se": se, "null": null, "z": z,
                             "pvalue": 2 * sstats.norm.sf(np.abs(z)),
                             "ci_lower": est - q * se, "ci_upper": est + q * se}, index=keys)

    fit = pd.Series({"nobs": float(ols.nobs), "r2": float(ols.rsquared),
                     "adj_r2": float(ols.rsquared_adj), "f": float(ols.fvalue),
                     "f_pvalue": float(ols.f_pvalue), "df_model": float(ols.df_model),
                     "df_resid": df, "sigma": float(np.sqrt(ols.scale))})
    d = x - y
    restricted = sm.OLS(Z, np.column_stack([np.ones_like(d), d, d ** 2])).fit()
    ssr_r, ssr_f = float(restricted.ssr), float(ols.ssr)
    fval = ((ssr_r - ssr_f) / 3) / (ssr_f / df)
    ct = pd.Series({"r2_constrained": float(restricted.rsquared), "f": fval, "df1": 3.0,
                    "df2": df, "pvalue": float(sstats.f.sf(fval, 3, df))})
    used = pd.DataFrame({"P": P, "E": E, "Z": Z})
    return ResponseSurface(coefficients=coef, surface=surf, stationary=stat, fit=fit,
                           constraint_test=ct, center=float(c), ols=ols, data=used,
                           names=dict(performance=pname, expectation=ename, outcome=zname),
                           level=level)


def _center(center, scale_midpoint, P, E) -> float:
    if center is None:
        return 0.0
    if isinstance(center, (int, float, np.floating, np.integer)) and not isinstance(center, bool):
        return float(center)
    kind = check_option("center", center, ("midpoint", "mean"), "response_surface")
    pooled = np.concatenate([P, E])
    if kind == "mean":
        return float(pooled.mean())
    if scale_midpoint is not None:
        return float(scale_midpoint)
    return float((pooled.min() + pooled.max()) / 2)


def _jacobian(b, h: float = 1e-6) -> np.ndarray:
    """d(X0, Y0, p10, p11, p20, p21)/d(b0..b5) by central differences."""
    b = np.asarray(b, dtype=float)
    J = np.zeros((6, 6))
    for k in range(6):
        step = h * max(1.0, abs(b[k]))
        bp, bm = b.copy(), b.copy()
        bp[k] += step
        bm[k] -= step
        fp, fm = stationary_point(bp), stationary_point(bm)
        J[:, k] = (np.array(list(fp.values())) - np.array(list(fm.values()))) / (2 * step)
    return J
