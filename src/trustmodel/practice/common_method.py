"""Common method bias checks for single-source surveys (``tm.common_method``).

* Harman's single-factor test: the share of the items' total variance taken by the first
  unrotated principal component of their correlation matrix (and how many components have
  an eigenvalue above 1). A majority share suggests one dominant (method) factor; a smaller
  one proves little -- the test is known to be insensitive (Podsakoff et al. 2003).
* CFA marker-variable technique (Williams, Hartman & Cavazotte 2010), with a marker that
  is theoretically unrelated to the substantive constructs: the CFA model (marker and
  substantive constructs correlated) gives the marker's loadings and residual variances;
  the Baseline model fixes them and makes the marker orthogonal; Method-C adds equal marker
  loadings on every substantive indicator, Method-U unequal ones, and Method-R the retained
  method model with the substantive correlations fixed at their Baseline values. The tests:
  Baseline vs Method-C (is there method variance?), Method-C vs Method-U (equal effects?),
  retained model vs Method-R (does method variance bias the correlations?).
* Unmeasured latent method construct (ULMC; Podsakoff et al. 2003; Liang et al. 2007): one
  more factor on every indicator, orthogonal to the constructs; its share of the indicators'
  variance against the constructs' share.
* Full-collinearity VIFs (Kock 2015): each construct score regressed on all the others
  (the diagonal of the inverse correlation matrix of the scores: here unit-weighted
  composites of the standardized items); above 3.3 flags common method (or collinearity)
  trouble.

Every model is fitted with ``tm.fit(..., std_lv=True)`` (latent variances 1, so latent
covariances are correlations), on the data or on a covariance matrix.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sst

from .._errors import DataError, OptionError
from ..api import fit

VIF_THRESHOLD = 3.3


def _num(v: float) -> str:
    return f"{float(v):.12g}"


def _measurement(constructs: dict) -> list:
    return [f"{c} =~ {' + '.join(items)}" for c, items in constructs.items()]


def _lr(free, restricted) -> dict:
    """Chi-square difference test of nested ML fits."""
    a, b = free.fit_measures, restricted.fit_measures
    d, ddf = b["chisq"] - a["chisq"], round(b["df"] - a["df"])
    return {"chisq_diff": d, "df_diff": ddf,
            "pvalue": float(sst.chi2.sf(d, ddf)) if ddf > 0 else np.nan}


def _est(res, lhs, op, rhs) -> float:
    p = res.params
    row = p[(p["lhs"] == lhs) & (p["op"] == op) & (p["rhs"] == rhs)]
    return float(row["est"].iloc[0])


@dataclass(frozen=True)
class CommonMethodResult:
    """Result of :func:`common_method`.

    Attributes
    ----------
    harman : pandas.Series
        ``first_share`` (share of total variance of the first unrotated component),
        ``n_eigen_above_1``, ``n_items``.
    vif : pandas.Series
        Full-collinearity VIF per construct.
    marker : pandas.DataFrame or None
        One row per marker model (CFA, Baseline, Method-C, Method-U, Method-R): ``npar df
        chisq cfi rmsea``; ``marker_tests`` the three comparisons.
    marker_tests : pandas.DataFrame or None
    ulmc : pandas.Series or None
        ``chisq_diff df_diff pvalue`` (CFA vs CFA + method factor), ``substantive_variance``
        and ``method_variance`` (mean squared standardized loadings) and their ratio.
    fits : dict
        The fitted models by name (for inspection: ``fits["Method-U"].params``).
    verdict : str
        A short verdict with the numbers.
    """

    harman: pd.Series
    vif: pd.Series
    marker: pd.DataFrame | None = None
    marker_tests: pd.DataFrame | None = None
    ulmc: pd.Series | None = None
    fits: dict = field(default_factory=dict)
    verdict: str = ""

    def __repr__(self) -> str:
        return f"<CommonMethodResult>\n{self.verdict}"

    def __str__(self) -> str:
        parts = [self.verdict, "", "Harman:", self.harman.round(3).to_string(), "",
                 "Full-collinearity VIFs:", self.vif.round(3).to_string()]
        if self.marker is not None:
            parts += ["", "Marker-variable models:", self.marker.round(3).to_string(),
                      "", self.marker_tests.round(4).to_string()]
        if self.ulmc is not None:
            parts += ["", "ULMC:", self.ulmc.round(4).to_string()]
        return "\n".join(parts)


def harman(R: np.ndarray) -> pd.Series:
    """Harman's single-factor test on an item correlation matrix (principal components)."""
    w = np.sort(np.linalg.eigvalsh(R))[::-1]
    return pd.Series({"first_share": w[0] / w.sum(), "n_eigen_above_1": int((w > 1).sum()),
                      "n_items": len(w)})


def _composite_correlations(R: np.ndarray, items: list, constructs: dict) -> pd.DataFrame:
    """Correlations of the unit-weighted composites of standardized items (W' R W)."""
    W = np.array([[1.0 if i in its else 0.0 for its in constructs.values()] for i in items])
    C = W.T @ R @ W
    d = np.sqrt(np.diag(C))
    lv = list(constructs)
    return pd.DataFrame(C / np.outer(d, d), index=lv, columns=lv)


def full_collinearity_vif(C: pd.DataFrame) -> pd.Series:
    """Kock's (2015) full-collinearity VIFs from a construct correlation matrix."""
    try:
        vif = np.diag(np.linalg.inv(C.to_numpy(float)))
    except np.linalg.LinAlgError as e:
        raise DataError("The construct correlation matrix is singular.") from e
    return pd.Series(vif, index=C.index, name="vif")


class _Fitter:
    def __init__(self, data, sample_cov, nobs):
        self.kw = ({"sample_cov": sample_cov, "nobs": nobs} if data is None else {})
        self.data = data

    def __call__(self, lines):
        return fit("\n".join(lines), self.data, std_lv=True, **self.kw)


def _marker_models(f, constructs, marker):
    items = [i for its in constructs.values() for i in its]
    base_lines = _measurement(constructs)
    cfa = f(base_lines + [f"MARKER =~ {' + '.join(marker)}"])
    loads = [f"{_num(_est(cfa, 'MARKER', '=~', m))}*{m}" for m in marker]
    fixed = [f"MARKER =~ {' + '.join(loads)}"]
    fixed += [f"{m} ~~ {_num(_est(cfa, m, '~~', m))}*{m}" for m in marker]
    fixed += [f"MARKER ~~ 0*{c}" for c in constructs]
    baseline = f(base_lines + fixed)
    equal = "MARKER =~ " + " + ".join(f"mk*{i}" for i in items)
    method_c = f(base_lines + fixed + [equal])
    method_u = f(base_lines + fixed + [f"MARKER =~ {' + '.join(items)}"])
    cu = _lr(method_u, method_c)
    retained, rname = (method_u, "Method-U") if cu["pvalue"] < 0.05 else (method_c, "Method-C")
    names = list(constructs)
    corr = [f"{a} ~~ {_num(_est(baseline, a, '~~', b))}*{b}"
            for k, a in enumerate(names) for b in names[k + 1:]]
    method_line = ([f"MARKER =~ {' + '.join(items)}"] if rname == "Method-U"
                   else [equal])
    method_r = f(base_lines + fixed + method_line + corr)
    fits = {"CFA": cfa, "Baseline": baseline, "Method-C": method_c, "Method-U": method_u,
            "Method-R": method_r}
    cols = ["npar", "df", "chisq", "pvalue", "cfi", "rmsea"]
    table = pd.DataFrame({k: v.fit_measures[cols] for k, v in fits.items()}).T
    tests = pd.DataFrame({"Baseline vs Method-C": _lr(method_c, baseline),
                          "Method-C vs Method-U": cu,
                          f"{rname} vs Method-R": _lr(retained, method_r)}).T
    std = retained.params
    lam = std[(std["lhs"] == "MARKER") & (std["op"] == "=~") & std["rhs"].isin(items)]
    tests.attrs["retained"] = rname
    tests.attrs["method_variance"] = float(np.mean(lam["std_all"] ** 2))
    return table, tests, fits


def _ulmc(f, constructs):
    items = [i for its in constructs.values() for i in its]
    base = _measurement(constructs)
    trait = f(base)
    method = f(base + [f"METHOD =~ {' + '.join(items)}"]
               + [f"METHOD ~~ 0*{c}" for c in constructs])
    p = method.params
    sub = p[(p["op"] == "=~") & p["lhs"].isin(list(constructs))]["std_all"] ** 2
    meth = p[(p["op"] == "=~") & (p["lhs"] == "METHOD")]["std_all"] ** 2
    out = dict(_lr(method, trait), substantive_variance=float(sub.mean()),
               method_variance=float(meth.mean()))
    out["ratio"] = out["substantive_variance"] / out["method_variance"]
    return pd.Series(out), trait, method


def _from_fit(res):
    rows = res.table.rows
    meas = rows[rows["op"] == "=~"]
    constructs = {lv: list(g["rhs"]) for lv, g in meas.groupby("lhs", sort=False)}
    if len(res.stats.groups) > 1:
        raise OptionError("common_method() on a multi-group fit is not supported; fit one "
                          "group at a time.")
    s = res.sample
    n = int(s["nobs"])
    return constructs, s["cov"] * n / (n - 1), n


def common_method(data=None, constructs: dict | None = None, *, marker=None,
                  ulmc: bool = True, sample_cov: pd.DataFrame | None = None,
                  nobs: int | None = None) -> CommonMethodResult:
    """Common method bias checks: Harman, marker variable (CFA), ULMC, full-collinearity VIFs.

    Parameters
    ----------
    data : pandas.DataFrame or FitResult, optional
        Item data, or a fitted CB-SEM model (its measurement part and sample covariance
        matrix are used).
    constructs : dict, optional
        ``{construct: [items]}`` (required with a data frame or ``sample_cov``).
    marker : list of str, optional
        Items of a marker construct, theoretically unrelated to the others; runs the
        Williams, Hartman & Cavazotte (2010) sequence.
    ulmc : bool
        Fit the unmeasured latent method construct model.
    sample_cov, nobs : optional
        A covariance matrix (unbiased, N - 1) and its N instead of data.

    Returns
    -------
    CommonMethodResult

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method
    biases in behavioral research. *Journal of Applied Psychology*, 88(5), 879-903.
    https://doi.org/10.1037/0021-9010.88.5.879

    Williams, L. J., Hartman, N., & Cavazotte, F. (2010). Method variance and marker
    variables: a review and comprehensive CFA marker technique. *Organizational Research
    Methods*, 13(3), 477-514. https://doi.org/10.1177/1094428110366036

    Liang, H., Saraf, N., Hu, Q., & Xue, Y. (2007). Assimilation of enterprise systems.
    *MIS Quarterly*, 31(1), 59-87.

    Kock, N. (2015). Common method bias in PLS-SEM: a full collinearity assessment
    approach. *International Journal of e-Collaboration*, 11(4), 1-10.
    https://doi.org/10.4018/ijec.2015100101
    """
    if data is not None and not isinstance(data, pd.DataFrame):
        if constructs is not None or sample_cov is not None:
            raise OptionError("With a fitted model, constructs and the covariance matrix come "
                              "from the fit; drop constructs=/sample_cov=.")
        constructs, sample_cov, nobs = _from_fit(data)
        data = None
    if constructs is None or not isinstance(constructs, dict) or len(constructs) < 2:
        raise OptionError("constructs= must be a dict of at least two {construct: [items]}.")
    if (data is None) == (sample_cov is None):
        raise OptionError("Give data or sample_cov= (with nobs=), one of them.")
    if sample_cov is not None and nobs is None:
        raise OptionError("sample_cov= needs nobs=.")
    clash = {"MARKER", "METHOD"} & set(constructs)
    if clash:
        raise OptionError(f"Construct names {', '.join(map(repr, sorted(clash)))} are reserved "
                          "for the method factors; rename them.")
    items = [i for its in constructs.values() for i in its]
    marker = [] if marker is None else ([marker] if isinstance(marker, str) else list(marker))
    if set(marker) & set(items):
        raise OptionError("marker= items must not be items of the constructs.")
    cols = items + marker
    if data is not None:
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise DataError(f"Columns {', '.join(map(repr, missing))} are not in data.")
        R = data[items].dropna().corr().to_numpy()
    else:
        missing = [c for c in cols if c not in sample_cov.columns]
        if missing:
            raise DataError(f"Columns {', '.join(map(repr, missing))} are not in sample_cov.")
        S = sample_cov.loc[items, items].to_numpy(float)
        d = np.sqrt(np.diag(S))
        R = S / np.outer(d, d)
        sample_cov = sample_cov.loc[cols, cols]
    f = _Fitter(None if data is None else data[cols], sample_cov, nobs)
    h = harman(R)
    vif = full_collinearity_vif(_composite_correlations(R, items, constructs))
    fits = {}
    mk = tests = ul = None
    if marker:
        mk, tests, mfits = _marker_models(f, constructs, marker)
        fits.update(mfits)
    if ulmc:
        ul, fits["Trait CFA"], fits["ULMC"] = _ulmc(f, constructs)
    return CommonMethodResult(harman=h, vif=vif, marker=mk, marker_tests=tests, ulmc=ul,
                              fits=fits, verdict=_verdict(h, vif, tests, ul,
                                                              bool(ulmc and fits['ULMC'].warnings)))


def _verdict(h, vif, tests, ul, ulmc_warned=False) -> str:
    lines = []
    share = h["first_share"]
    lines.append(f"Harman: the first unrotated component takes {100 * share:.1f}% of the "
                 f"variance of {int(h['n_items'])} items "
                 + ("(a majority: one general factor dominates)." if share > 0.5 else
                    "(below 50%; a weak test that rarely detects method variance)."))
    top = vif.idxmax()
    lines.append(f"Full-collinearity VIFs: max {vif.max():.2f} ({top}) "
                 + (f"> {VIF_THRESHOLD}: possible common method bias (Kock 2015)."
                    if vif.max() > VIF_THRESHOLD else f"<= {VIF_THRESHOLD}: no sign of bias."))
    if tests is not None:
        bc = tests.iloc[0]
        r = tests.iloc[2]
        lines.append(
            f"Marker: Baseline vs Method-C chi2({int(bc['df_diff'])}) = {bc['chisq_diff']:.2f}, "
            f"p = {bc['pvalue']:.3g} ("
            + ("method variance present" if bc["pvalue"] < 0.05 else "no method variance")
            + f"); {tests.attrs['retained']} retained, method variance "
            f"{100 * tests.attrs['method_variance']:.1f}% of indicator variance; "
            f"{tests.index[2]} chi2({int(r['df_diff'])}) = {r['chisq_diff']:.2f}, "
            f"p = {r['pvalue']:.3g} ("
            + ("the construct correlations are biased by it)." if r["pvalue"] < 0.05
               else "the construct correlations are not biased by it)."))
    if ul is not None:
        lines.append(f"ULMC: substantive variance {100 * ul['substantive_variance']:.1f}% vs "
                     f"method variance {100 * ul['method_variance']:.1f}% "
                     f"(ratio {ul['ratio']:.1f}); chi2({int(ul['df_diff'])}) = "
                     f"{ul['chisq_diff']:.2f}, p = {ul['pvalue']:.3g}."
                     + (" The ULMC fit has warnings (fits['ULMC'].warnings): read its "
                        "numbers with care." if ulmc_warned else ""))
    return "\n".join(lines)
