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
- Multi-group fits: every quantity per group, from that group's moments and estimates
  (semTools' ``compRelSEM``/``AVE`` give a row per group, ``htmt(..., group = )`` a matrix per
  group); tables are stacked with a ``group`` column.
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
from ..results.result import FitResult
from ..syntax import build_table
from ..syntax.statements import statements_of

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
        sqrt(AVE) on the diagonal, latent correlations off it.
    htmt : pandas.DataFrame
        HTMT matrix from the sample moments.
    htmt_flags : pandas.DataFrame
        Pairs with HTMT above .85 / .90.
    cross_loadings : pandas.DataFrame
        Implied indicator-construct correlations, ``own`` construct, ``flag`` when an
        indicator correlates more with another construct.
    notes : tuple of str

    In a multi-group fit every table covers every group: the matrices are stacked, one block
    per group, with a leading ``group`` column (the row index keeps the construct or
    indicator names); notes start with the group. :meth:`in_group` gives one group's tables
    without the ``group`` column.
    """

    table: pd.DataFrame
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    htmt_flags: pd.DataFrame
    cross_loadings: pd.DataFrame
    notes: tuple = field(default_factory=tuple)

    @property
    def groups(self) -> list:
        """Group labels (``[]`` for a single-group fit)."""
        if "group" not in self.table.columns:
            return []
        return list(dict.fromkeys(self.table["group"]))

    def in_group(self, group) -> Reliability:
        """The tables of one group (its label, as in ``res.params["group"]``), without the
        ``group`` column; notes of other groups are left out.

        Raises
        ------
        KeyError
            ``group`` is not a group label of this fit (or the fit has a single group).
        """
        if group not in self.groups:
            raise KeyError(f"group {group!r} is not among the groups {self.groups} of this fit.")

        def pick(frame):
            return frame[frame["group"] == group].drop(columns="group")

        other = [f"Group {g!r}: " for g in self.groups if g != group]
        mine = f"Group {group!r}: "
        notes = tuple(n.removeprefix(mine) for n in self.notes
                      if not any(n.startswith(o) for o in other))
        return Reliability(table=pick(self.table).reset_index(drop=True),
                           fornell_larcker=pick(self.fornell_larcker), htmt=pick(self.htmt),
                           htmt_flags=pick(self.htmt_flags).reset_index(drop=True),
                           cross_loadings=pick(self.cross_loadings), notes=notes)

    def __repr__(self) -> str:
        parts = ["Reliability and validity", self.table.to_string(index=False, float_format="%.3f")]
        for g in (self.groups or [None]):
            one = self if g is None else self.in_group(g)
            head = "" if g is None else f" (group {g!r})"
            parts += ["", f"Fornell-Larcker{head} (sqrt AVE on the diagonal)",
                      one.fornell_larcker.to_string(float_format="%.3f"),
                      "", f"HTMT{head}", one.htmt.to_string(float_format="%.3f")]
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

    Every group of a multi-group fit gets its own numbers, from its own sample moments and
    estimates, as semTools does (``compRelSEM``/``AVE`` return one row per group; ``htmt(...,
    group = )`` one matrix per group). Multi-group tables are stacked with a leading ``group``
    column (the group labels of ``res.params``); a single-group fit has no ``group`` column.
    :meth:`Reliability.in_group` picks one group's tables.

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
    ovpos = {v: k for k, v in enumerate(model.ov)}
    values = res.state.values
    multi = table.ngroups > 1
    rows, notes = [], []
    fls, crosses, hts, flag_tabs = [], [], [], []
    for g, gs in enumerate(res.stats.groups):
        label = gs.label if multi else 1
        where = f"Group {gs.label!r}: " if multi else ""
        ind = _indicators(table, g + 1)
        A, _, _ = model.matrices(values, g)
        cov_all, _ = model.lv_moments(values, g)
        S = gs.cov
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
            rows.append({"construct": f, "group": label, "n_items": k, "alpha": alpha,
                         "omega": omega, "ave": ave, "sqrt_ave": sqrt_ave[f]})
            if g == 0:  # the indicator count is a property of the model, not of a group
                if k == 1:
                    notes.append(f"{f!r} has a single indicator: no alpha, omega or AVE (semTools "
                                 "drops single-indicator factors).")
                elif k == 2:
                    notes.append(f"{f!r} has only 2 indicators: alpha and omega rest on one "
                                 "correlation and are unstable; 3 or more items are recommended.")
        fl, cross, fl_notes = _validity_group(ind, pos, cov_all, sqrt_ave)
        notes += [where + n for n in fl_notes]
        ht = _htmt_from_cov(S, list(model.ov), ind)
        flags = htmt_flags(ht)
        for r in flags.itertuples():
            notes.append(f"{where}HTMT of {r.construct_1!r} and {r.construct_2!r} is "
                         f"{r.htmt:.3f} (above {'.90' if r.htmt > HTMT_LIBERAL else '.85'}): "
                         "discriminant validity is in doubt.")
        for frame, bucket in ((fl, fls), (cross, crosses), (ht, hts), (flags, flag_tabs)):
            bucket.append(_with_group(frame, gs.label) if multi else frame)
    out = pd.DataFrame(rows)
    if not multi:
        out = out.drop(columns="group")
    return Reliability(table=out, fornell_larcker=pd.concat(fls), htmt=pd.concat(hts),
                       htmt_flags=pd.concat(flag_tabs, ignore_index=True),
                       cross_loadings=pd.concat(crosses), notes=tuple(notes))


def _with_group(frame: pd.DataFrame, label) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "group", pd.Series([label] * len(out), index=out.index, dtype=object))
    return out


def _validity_group(ind, pos, cov_all, sqrt_ave):
    """One group's Fornell-Larcker matrix, cross-loadings and their notes.

    ``cov_all`` is the implied covariance matrix of observed and latent variables (``pos``
    gives each name's row), so the correlations are the standardized solution's (lavaan's
    ``std.all`` latent correlations; structure coefficients for indicator-latent pairs).
    """
    notes = []
    lvs = list(ind)
    li = [pos[f] for f in lvs]
    sd = np.sqrt(np.clip(np.diag(cov_all), 1e-300, None))
    corr = cov_all / np.outer(sd, sd)
    fl = pd.DataFrame(corr[np.ix_(li, li)], index=lvs, columns=lvs)
    for f in lvs:
        fl.loc[f, f] = sqrt_ave[f]
    items = list(dict.fromkeys(v for f in lvs for v in ind[f]))
    cl = pd.DataFrame(corr[np.ix_([pos[v] for v in items], li)], index=items, columns=lvs)
    own = {v: f for f in lvs for v in ind[f]}
    cl["own"] = [own[v] for v in items]
    cl["flag"] = [cl.loc[v, lvs].abs().idxmax() != own[v] and
                  cl.loc[v, lvs].abs().max() > abs(cl.loc[v, own[v]]) for v in items]
    for a in range(len(lvs)):
        for b in range(a):
            r_ab = abs(corr[li[a], li[b]])
            if r_ab > max(sqrt_ave[lvs[a]], sqrt_ave[lvs[b]]):
                notes.append(f"Fornell-Larcker: the correlation of {lvs[b]!r} and {lvs[a]!r} "
                             f"({r_ab:.3f}) exceeds sqrt(AVE) of one of them; discriminant "
                             "validity is in doubt.")
    for v in items:
        if cl.loc[v, "flag"]:
            other = cl.loc[v, lvs].abs().idxmax()
            notes.append(f"Indicator {v!r} correlates more with {other!r} than with its own "
                         f"construct {own[v]!r}.")
    return fl, cl, notes


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
    """Pairs of constructs with HTMT above .85 (``strict``) or .90 (``liberal``); per group
    (a leading ``group`` column) when ``ht`` is a stacked multi-group matrix."""
    cols = ["construct_1", "construct_2", "htmt", "above_85", "above_90"]
    if "group" in ht.columns:
        parts = [_with_group(htmt_flags(ht[ht["group"] == g].drop(columns="group")), g)
                 for g in dict.fromkeys(ht["group"])]
        return pd.concat(parts, ignore_index=True) if parts else \
            pd.DataFrame(columns=["group"] + cols)
    out = []
    lvs = list(ht.index)
    for a in range(len(lvs)):
        for b in range(a):
            v = float(ht.iloc[a, b])
            if v > HTMT_STRICT:
                out.append({"construct_1": lvs[b], "construct_2": lvs[a], "htmt": v,
                            "above_85": v > HTMT_STRICT, "above_90": v > HTMT_LIBERAL})
    return pd.DataFrame(out, columns=cols)


def htmt(model, data=None, *, group: str | None = None, absolute: bool = True,
         htmt2: bool = True) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations, as ``semTools::htmt(model, data)``.

    Parameters
    ----------
    model : str, ParameterTable, theory builder or FitResult
        The measurement model (its ``=~`` lines); a FitResult brings its own data (and its
        groups).
    data : pandas.DataFrame, optional
        Raw data (rows with missing values on the indicators are dropped listwise, per group).
    group : str, optional
        Column of ``data`` that splits it into groups (semTools' ``group =``): one matrix per
        group, stacked with a leading ``group`` column.
    absolute : bool
        Use absolute correlations (semTools' default ``absolute = TRUE``).
    htmt2 : bool
        Geometric means of the correlations (HTMT2, Roemer, Schuberth & Henseler 2021; the
        default of current semTools, appropriate for congeneric indicators); ``False`` gives
        the original arithmetic-mean HTMT (Henseler et al. 2015).

    Returns
    -------
    pandas.DataFrame
        Symmetric construct x construct matrix with ones on the diagonal (stacked per group,
        with a ``group`` column, for several groups). Use :func:`htmt_flags` for the pairs
        above .85 / .90.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> h = tm.htmt("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...             "speed =~ x7 + x8 + x9", hs)     # semTools: htmt(model, data = HS)
    >>> round(float(h.loc["visual", "textual"]), 4)
    0.3841
    """
    if isinstance(model, FitResult):
        table = model.table
        if data is None:
            ov = list(table.names.ov)
            mats = [_htmt_from_cov(gs.cov, ov, _indicators(table, g + 1), absolute, htmt2)
                    for g, gs in enumerate(model.stats.groups)]
            if len(mats) == 1:
                return mats[0]
            return pd.concat([_with_group(m, gs.label)
                              for m, gs in zip(mats, model.stats.groups)])
    else:
        table = build_table(statements_of(model))
    if not isinstance(data, pd.DataFrame):
        raise DataError("htmt() needs data= as a pandas DataFrame (or a FitResult as model=).")
    ind = _indicators(table, 1)
    items = list(dict.fromkeys(v for f in ind for v in ind[f]))
    absent = [v for v in items if v not in data.columns]
    if group is not None and group not in data.columns:
        absent.append(group)
    if absent:
        raise DataError(f"Columns {', '.join(map(repr, absent))} named in the model are missing "
                        "from data.")

    def one(frame):
        x = frame.loc[:, items].dropna().to_numpy(dtype=float)
        return _htmt_from_cov(np.cov(x, rowvar=False), items, ind, absolute, htmt2)

    if group is None:
        return one(data)
    labels = list(pd.unique(data[group].dropna()))
    return pd.concat([_with_group(one(data[data[group] == lab]), lab) for lab in labels])
