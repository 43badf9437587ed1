"""Reliability and validity of the measurement model: alpha, omega (CR), AVE, Fornell-Larcker,
HTMT and cross-loadings, with semTools' definitions.

- Cronbach's alpha from the sample covariance ``S`` of a construct's ``k`` indicators:
  ``k / (k - 1) * (1 - tr(S) / sum(S))``.
- Composite reliability (omega) as ``semTools::compRelSEM(fit)`` with its defaults
  (``obs.var = TRUE, tau.eq = FALSE``): ``(sum lambda)^2 psi / sum(S)``, ``psi`` the implied
  (total) variance of the latent and ``S`` the sample covariance of its indicators, so residual
  covariances and cross-loadings enter through the observed total variance.
- AVE as ``semTools::AVE(fit)``: ``sum(lambda^2) psi / tr(S)``.
- Fornell-Larcker: ``sqrt(AVE)`` on the diagonal against the latent correlations.
- HTMT as ``semTools::htmt(model, data)``: the mean absolute heterotrait-heteromethod
  correlation over the geometric mean of the two mean monotrait-heteromethod correlations,
  with semTools' default ``htmt2 = TRUE`` (the means are geometric: HTMT2, Roemer, Schuberth &
  Henseler 2021; ``htmt2=False`` is Henseler, Ringle & Sarstedt 2015). Values above .85 (strict) or .90 (liberal) flag a lack of
  discriminant validity.
- Cross-loadings: implied correlations of every indicator with every latent (structure
  coefficients); an indicator that correlates more with another construct than with its own is
  flagged.

Constructs with fewer than three indicators get a note: alpha and omega of two items are
unstable, and a single indicator has no internal consistency at all (semTools drops it:
``dropSingle = TRUE``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._errors import DataError

HTMT_STRICT, HTMT_LIBERAL = 0.85, 0.90


@dataclass(frozen=True)
class Reliability:
    """Reliability and validity tables of a fitted model (``res.reliability``).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per construct (and group): ``construct group n_items alpha omega ave
        sqrt_ave``; ``omega`` is semTools' ``compRelSEM``.
    fornell_larcker : pandas.DataFrame
        sqrt(AVE) on the diagonal, latent correlations off it (first group).
    htmt : pandas.DataFrame
        HTMT matrix (first group's data).
    htmt_flags : pandas.DataFrame
        Pairs with HTMT above .85 / .90.
    cross_loadings : pandas.DataFrame
        Implied indicator-construct correlations, ``own`` construct, ``flag`` when an
        indicator correlates more with another construct.
    notes : tuple of str
    """

    table: pd.DataFrame
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    htmt_flags: pd.DataFrame
    cross_loadings: pd.DataFrame
    notes: tuple = field(default_factory=tuple)

    def __repr__(self) -> str:
        parts = ["Reliability and validity", self.table.to_string(index=False, float_format="%.3f"),
                 "", "Fornell-Larcker (sqrt AVE on the diagonal)",
                 self.fornell_larcker.to_string(float_format="%.3f"),
                 "", "HTMT", self.htmt.to_string(float_format="%.3f")]
        if self.notes:
            parts += ["", "Notes:"] + [f"[{i + 1}] {n}" for i, n in enumerate(self.notes)]
        return "\n".join(parts)


def _indicators(table, g=1) -> dict:
    """Observed indicators of every first-order latent (lavaan's ``=~`` rows)."""
    rows = table.rows
    lv = set(table.names.lv)
    out = {}
    for r in rows[(rows["op"] == "=~") & (rows["group"] == g)].itertuples():
        if r.rhs not in lv:
            out.setdefault(r.lhs, []).append(r.rhs)
    return out


def cronbach_alpha(cov: np.ndarray) -> float:
    """Cronbach's alpha from a covariance matrix (any divisor: alpha is scale free).

    Examples
    --------
    >>> import numpy as np
    >>> round(cronbach_alpha(np.array([[1.0, .5], [.5, 1.0]])), 4)
    0.6667
    """
    k = cov.shape[0]
    if k < 2:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def reliability(res) -> Reliability:
    """Alpha, composite reliability (omega), AVE, Fornell-Larcker, HTMT and cross-loadings.

    Parameters
    ----------
    res : FitResult

    Returns
    -------
    Reliability

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...              "speed =~ x7 + x8 + x9", hs)
    >>> rel = tm.reliability(res).table.set_index("construct")
    >>> round(float(rel.loc["visual", "omega"]), 4)   # semTools: compRelSEM(fit)
    0.612
    >>> round(float(rel.loc["visual", "ave"]), 4)     # semTools: AVE(fit)
    0.3706
    """
    table = res.table
    model = res.state.problem.model
    names = model.ov + model.lv
    pos = {v: k for k, v in enumerate(names)}
    values = res.state.values
    rows, notes = [], []
    fl = cross = None
    multi = table.ngroups > 1
    for g, gs in enumerate(res.stats.groups):
        ind = _indicators(table, g + 1)
        A, _, _ = model.matrices(values, g)
        cov_all, _ = model.lv_moments(values, g)
        S = gs.cov
        ovpos = {v: k for k, v in enumerate(model.ov)}
        sqrt_ave = {}
        for f, items in ind.items():
            k = len(items)
            idx = [ovpos[v] for v in items]
            Sf = S[np.ix_(idx, idx)]
            lam = np.array([A[pos[v], pos[f]] for v in items])
            psi = cov_all[pos[f], pos[f]]
            if k >= 2:
                alpha = cronbach_alpha(Sf)
                omega = float(lam.sum() ** 2 * psi / Sf.sum())
                ave = float((lam ** 2).sum() * psi / np.trace(Sf))
            else:
                alpha = omega = ave = float("nan")
            sqrt_ave[f] = np.sqrt(ave) if ave >= 0 else float("nan")
            row = {"construct": f, "group": gs.label if multi else 1, "n_items": k,
                   "alpha": alpha, "omega": omega, "ave": ave, "sqrt_ave": sqrt_ave[f]}
            rows.append(row)
            if g == 0:
                if k == 1:
                    notes.append(f"{f!r} has a single indicator: no alpha, omega or AVE (semTools "
                                 "drops single-indicator factors).")
                elif k == 2:
                    notes.append(f"{f!r} has only 2 indicators: alpha and omega rest on one "
                                 "correlation and are unstable; 3 or more items are recommended.")
        if g == 0:
            lvs = list(ind)
            li = [pos[f] for f in lvs]
            sd = np.sqrt(np.clip(np.diag(cov_all), 1e-300, None))
            corr = cov_all / np.outer(sd, sd)
            fl = pd.DataFrame(corr[np.ix_(li, li)], index=lvs, columns=lvs)
            for f in lvs:
                fl.loc[f, f] = sqrt_ave[f]
            items = [v for f in lvs for v in ind[f]]
            items = list(dict.fromkeys(items))
            cl = pd.DataFrame(corr[np.ix_([pos[v] for v in items], li)], index=items, columns=lvs)
            own = {v: f for f in lvs for v in ind[f]}
            cl["own"] = [own[v] for v in items]
            cl["flag"] = [cl.loc[v, lvs].abs().idxmax() != own[v] and
                          cl.loc[v, lvs].abs().max() > abs(cl.loc[v, own[v]]) for v in items]
            cross = cl
            for a in range(len(lvs)):
                for b in range(a):
                    r_ab = abs(corr[li[a], li[b]])
                    if r_ab > max(sqrt_ave[lvs[a]], sqrt_ave[lvs[b]]):
                        notes.append(f"Fornell-Larcker: the correlation of {lvs[b]!r} and "
                                     f"{lvs[a]!r} ({r_ab:.3f}) exceeds sqrt(AVE) of one of them; "
                                     "discriminant validity is in doubt.")
            for v in items:
                if cross.loc[v, "flag"]:
                    other = cross.loc[v, lvs].abs().idxmax()
                    notes.append(f"Indicator {v!r} correlates more with {other!r} than with its "
                                 f"own construct {own[v]!r}.")
    ht = _htmt_from_cov(res.stats.groups[0].cov, list(model.ov), _indicators(table, 1))
    flags = htmt_flags(ht)
    for r in flags.itertuples():
        notes.append(f"HTMT of {r.construct_1!r} and {r.construct_2!r} is {r.htmt:.3f} "
                     f"(above {'.90' if r.htmt > HTMT_LIBERAL else '.85'}): discriminant validity "
                     "is in doubt.")
    out = pd.DataFrame(rows)
    if not multi:
        out = out.drop(columns="group")
    return Reliability(table=out, fornell_larcker=fl, htmt=ht, htmt_flags=flags,
                       cross_loadings=cross, notes=tuple(notes))


def _htmt_from_cov(cov, ov, ind, absolute=True, htmt2=True) -> pd.DataFrame:
    """semTools' ``htmt``: (geometric, with ``htmt2``) means of |correlations|."""
    sd = np.sqrt(np.diag(cov))
    R = cov / np.outer(sd, sd)
    if absolute or htmt2:
        R = np.abs(R)
    op = {v: k for k, v in enumerate(ov)}
    lvs = list(ind)

    def avg(block):
        block = block[np.isfinite(block)]
        if not len(block):
            return np.nan
        return float(np.exp(np.mean(np.log(block)))) if htmt2 else float(block.mean())

    mono = {}
    for f in lvs:
        idx = [op[v] for v in ind[f]]
        sub = R[np.ix_(idx, idx)].copy()
        np.fill_diagonal(sub, np.nan)
        mono[f] = avg(sub)
    H = np.eye(len(lvs))
    for a in range(len(lvs)):
        for b in range(a):
            ia = [op[v] for v in ind[lvs[a]]]
            ib = [op[v] for v in ind[lvs[b]]]
            H[a, b] = H[b, a] = avg(R[np.ix_(ia, ib)]) / np.sqrt(mono[lvs[a]] * mono[lvs[b]])
    return pd.DataFrame(H, index=lvs, columns=lvs)


def htmt_flags(ht: pd.DataFrame) -> pd.DataFrame:
    """Pairs of constructs with HTMT above .85 (``strict``) or .90 (``liberal``)."""
    out = []
    lvs = list(ht.index)
    for a in range(len(lvs)):
        for b in range(a):
            v = float(ht.iloc[a, b])
            if v > HTMT_STRICT:
                out.append({"construct_1": lvs[b], "construct_2": lvs[a], "htmt": v,
                            "above_85": v > HTMT_STRICT, "above_90": v > HTMT_LIBERAL})
    return pd.DataFrame(out, columns=["construct_1", "construct_2", "htmt", "above_85",
                                      "above_90"])


def htmt(model, data=None, *, absolute: bool = True, htmt2: bool = True) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations, as ``semTools::htmt(model, data)``.

    Parameters
    ----------
    model : str, ParameterTable, theory builder or FitResult
        The measurement model (its ``=~`` lines); a FitResult brings its own data.
    data : pandas.DataFrame, optional
        Raw data (rows with missing values on the indicators are dropped listwise).
    absolute : bool
        Use absolute correlations (semTools' default ``absolute = TRUE``).
    htmt2 : bool
        Geometric means of the correlations (HTMT2, Roemer, Schuberth & Henseler 2021; the
        default of current semTools, appropriate for congeneric indicators); ``False`` gives
        the original arithmetic-mean HTMT (Henseler et al. 2015).

    Returns
    -------
    pandas.DataFrame
        Symmetric construct x construct matrix with ones on the diagonal. Use
        :func:`htmt_flags` for the pairs above .85 / .90.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> h = tm.htmt("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...             "speed =~ x7 + x8 + x9", hs)     # semTools: htmt(model, data = HS)
    >>> round(float(h.loc["visual", "textual"]), 4)
    0.3841
    """
    from ..results.result import FitResult
    if isinstance(model, FitResult):
        table = model.table
        if data is None:
            return _htmt_from_cov(model.stats.groups[0].cov, list(table.names.ov),
                                  _indicators(table, 1), absolute, htmt2)
    else:
        from ..api import statements_of
        from ..syntax import build_table
        table = build_table(statements_of(model))
    if not isinstance(data, pd.DataFrame):
        raise DataError("htmt() needs data= as a pandas DataFrame (or a FitResult as model=).")
    ind = _indicators(table, 1)
    items = list(dict.fromkeys(v for f in ind for v in ind[f]))
    absent = [v for v in items if v not in data.columns]
    if absent:
        raise DataError(f"Columns {', '.join(map(repr, absent))} named in the model are missing "
                        "from data.")
    x = data.loc[:, items].dropna().to_numpy(dtype=float)
    cov = np.cov(x, rowvar=False)
    return _htmt_from_cov(cov, items, ind, absolute, htmt2)
