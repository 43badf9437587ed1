"""The parameter table and implied statistics of a categorical SEM (lavaan 0.6-14).

Table (``R/lav_partable.R`` with ``ordered=``): the model's own rows plus, per group and
ordinal indicator, thresholds ``y | t1 ...`` (free), a scale factor ``y ~*~ y``, the intercept
``y ~ 1`` fixed to 0 and the residual variance ``y ~~ y`` fixed: under the **delta**
parameterization (default) the scale factor is fixed to 1 and the residual variance follows
from it, ``theta = 1/Delta^2 - diag(Lambda Psi Lambda')``; under **theta** the residual
variance is fixed to 1 and the scale factor follows, ``Delta = 1/sqrt(diag(Sigma*))``.
In later groups with equal thresholds the scale factors (delta) or residual variances
(theta) and the latent means are free (Wu & Estabrook 2016, lavaan's ``group.equal``).

Implied statistics (``R/lav_model_implied.R``, ``computeTH``, ``lav_model_wls_est``): in
the order of :attr:`.CategoricalStats.wls_obs`: thresholds ``(tau - mu*) Delta`` (minus
the mean for a continuous variable), variances of continuous variables, then the covariances
``Delta_i Delta_j Sigma*_ij``. Their Jacobian (lavaan's ``Delta``, ``R/lav_model_gradient.R``
``computeDelta``) is analytic, from the RAM derivatives of :mod:`trustmodel.model.ram`.

With exogenous covariates ``x`` (lavaan's ``conditional.x = TRUE``, ``R/lav_model_implied.R``
``computeSigmaHatJoint`` / ``computePI`` on the conditional side) the statistics are those of
``y`` given ``x``, the reduced form: slopes ``Pi = Sigma_yx Sigma_xx^-1``, residual covariance
``Sigma_yy - Pi Sigma_xy``, intercepts ``mu_y - Pi mu_x``; they do not depend on the moments
of ``x``, which stay at their sample values (fixed.x). In the order of ``wls_obs``: thresholds
``(tau - intercept) Delta``, scaled slopes ``vec(Delta Pi)``, residual variances of continuous
variables, scaled residual covariances; the scale factors follow from the residual variances.

References
----------
Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of
different levels of invariance for ordered categorical outcomes. *Psychometrika*, 81,
1014-1045. doi:10.1007/s11336-016-9506-0
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from ..._errors import ModelSyntaxError
from ...model.ram import RamModel
from ...syntax import ParameterTable, build_table
from ...syntax.table import _number_free
from .samplestats import pair_order

CAT_OPS = ("|", "~*~")


def split_statements(statements):
    """(statements for the continuous table, threshold / scale statements)."""
    base = tuple(s for s in statements if s.op not in CAT_OPS)
    cat = tuple(s for s in statements if s.op in CAT_OPS)
    return base, cat


def _per_group(values, g):
    if not values:
        return None
    return values[g] if len(values) > 1 else values[0]


def ordinal_table(statements, nthresh: dict, *, ngroups: int = 1, parameterization="delta",
                  std_lv=False, group_equal=(), group_partial=()) -> ParameterTable:
    """The parameter table of a model with ordinal indicators (memoised: tables are
    immutable and refits of one model should not rebuild it).

    Parameters
    ----------
    statements : sequence of Statement
    nthresh : dict
        Ordinal indicator -> number of thresholds (categories - 1), in model order.
    """
    return _ordinal_table(tuple(statements), tuple(nthresh.items()), ngroups,
                          parameterization, bool(std_lv), tuple(group_equal),
                          tuple(group_partial))


@lru_cache(maxsize=64)
def _ordinal_table(statements, nthresh_items, ngroups, parameterization, std_lv, group_equal,
                   group_partial) -> ParameterTable:
    nthresh = dict(nthresh_items)
    base_st, cat_st = split_statements(statements)
    equal = tuple(group_equal)
    if nthresh and {"thresholds", "intercepts"} & set(equal):
        # lavaan's lav_options: with categorical data "intercepts" brings "thresholds"
        # and vice versa (continuous indicators' intercepts go with the thresholds)
        equal = tuple(dict.fromkeys(equal + ("thresholds", "intercepts")))
    base = build_table(base_st, ngroups=ngroups, meanstructure=True, std_lv=std_lv,
                       fixed_x=True, group_equal=tuple(e for e in equal if e != "thresholds"),
                       group_partial=tuple(group_partial))
    ov = list(base.names.ov)
    for s in cat_st:
        if s.lhs not in nthresh:
            raise ModelSyntaxError(f"{s.op!r} is only for ordinal indicators of the model; "
                                   f"{s.lhs!r} is not one", s.line, s.column)
        if s.op == "|" and int(s.rhs[1:]) > nthresh[s.lhs]:
            raise ModelSyntaxError(f"{s.lhs!r} has {nthresh[s.lhs]} thresholds; there is no "
                                   f"{s.rhs!r}", s.line, s.column)
    user_th = {(s.lhs, s.rhs): s for s in cat_st if s.op == "|"}
    user_sc = {s.lhs: s for s in cat_st if s.op == "~*~"}
    partial = {(s.lhs, s.op, s.rhs) for text in group_partial for s in _parse(text)}
    rows = base.rows
    ordinal = [v for v in ov if v in nthresh]
    equal_th = "thresholds" in equal
    df = rows.copy()
    is_ord = df["lhs"].isin(ordinal)
    m_int = is_ord & (df["op"] == "~1")
    df.loc[m_int, "free"] = 0
    df.loc[m_int, "ustart"] = 0.0
    m_var = is_ord & (df["op"] == "~~") & (df["lhs"] == df["rhs"])
    lv = set(base.names.lv)
    later = df["group"] > 1
    if parameterization == "delta":
        df.loc[m_var, "free"] = 0
        df.loc[m_var, "ustart"] = np.nan
    else:   # theta: free in later groups once thresholds are equal, unless "residuals"
        free_var = later & equal_th & ("residuals" not in equal)
        df.loc[m_var & ~free_var, "free"] = 0
        df.loc[m_var & ~free_var, "ustart"] = 1.0
        df.loc[m_var & free_var, "free"] = 1
        df.loc[m_var & free_var, "ustart"] = np.nan
    if equal_th and ngroups > 1 and "means" not in equal:
        # latent means free in later groups (lav_partable.R: "intercepts" or "thresholds"
        # equal and "means" not)
        m_mean = df["lhs"].isin(lv) & (df["op"] == "~1") & later
        df.loc[m_mean, "free"] = 1
        df.loc[m_mean, "ustart"] = np.nan
    n_plabel = len(df)
    extra = []
    for g in range(1, ngroups + 1):
        for v in ordinal:
            for m in range(1, nthresh[v] + 1):
                s = user_th.get((v, f"t{m}"))
                extra.append(_cat_row(v, "|", f"t{m}", g, s, ngroups, equal_th, partial))
            s = user_sc.get(v)
            free_scale = parameterization == "delta" and g > 1 and equal_th
            row = _cat_row(v, "~*~", v, g, s, ngroups, False, partial,
                           default_free=free_scale,
                           default_value=1.0 if parameterization == "delta" else np.nan)
            extra.append(row)
    ext = pd.DataFrame(extra)
    ext["plabel"] = [f".p{n_plabel + k + 1}." for k in range(len(ext))]
    ext["id"] = 0
    ext["exo"] = 0
    ext["start"] = np.nan
    # thresholds equal across groups: later groups share the first group's plabel
    if equal_th and ngroups > 1:
        first = {}
        for k, r in ext.iterrows():
            if r["op"] != "|" or r["label"] or not r["free"] or (r["lhs"], "|", r["rhs"]) in partial:
                continue
            key = (r["lhs"], r["rhs"])
            if r["group"] == 1:
                first[key] = r["plabel"]
                ext.at[k, "label"] = r["plabel"]
            elif key in first:
                ext.at[k, "label"] = first[key]
    pieces = []
    for g in list(range(1, ngroups + 1)) + [0]:      # defined parameters last
        gr = df[df["group"] == g]
        if g == 0:
            pieces.append(gr)
            continue
        ge = ext[ext["group"] == g]
        user = gr[gr["user"] == 1]
        pieces += [user, ge[ge["op"] == "|"], gr[gr["user"] != 1], ge[ge["op"] == "~*~"]]
    out = pd.concat([p for p in pieces if len(p)], ignore_index=True)[list(rows.columns)]
    out["free"] = (out["free"].to_numpy() > 0).astype(int)
    out = _number_free(out)
    out["id"] = np.arange(1, len(out) + 1)
    opts = dict(base.options, ordered=tuple(ordinal), parameterization=parameterization,
                nthresh=dict(nthresh))
    return ParameterTable(rows=out, names=base.names, ngroups=ngroups,
                          statements=tuple(statements), options=opts)


def _parse(text):
    from ...syntax import parse_model
    return parse_model(text)


def _cat_row(v, op, rhs, g, stmt, ngroups, _equal, _partial, default_free=True,
             default_value=np.nan):
    free, ustart, label, user = default_free, default_value, "", 0
    if stmt is not None:
        user = 1
        mod = stmt.modifier
        fx = _per_group(mod.fixed, g - 1)
        lab = _per_group(mod.label, g - 1)
        if fx is not None:
            free, ustart = False, float(fx)
        elif _per_group(mod.free, g - 1):
            free, ustart = True, np.nan
        if lab:
            label = lab
    if not free and op == "|" and np.isnan(ustart):
        free = True
    return {"lhs": v, "op": op, "rhs": rhs, "user": user, "group": g, "free": int(free),
            "ustart": ustart, "label": label}


@dataclass
class CategoricalModel:
    """Implied WLS statistics of every group and their Jacobian, from a table."""

    table: ParameterTable
    parameterization: str = "delta"
    exo_moments: tuple = ()    # per group (mean, covariance) of the covariates (fixed.x)

    def __post_init__(self):
        t = self.table
        self.ram = RamModel.from_table(t)
        c = t.cols
        rows = np.flatnonzero(c.op != ":=")
        self.base = np.where(np.isnan(c.ustart[rows].astype(float)), 0.0,
                             c.ustart[rows].astype(float))
        all_ov = list(t.names.ov)
        self.exo = [v for v in all_ov if v in set(t.names.ov_x)]
        ov = [v for v in all_ov if v not in set(self.exo)]
        self.y_idx = np.array([all_ov.index(v) for v in ov], dtype=int)
        self.x_idx = np.array([all_ov.index(v) for v in self.exo], dtype=int)
        if self.exo:
            self._fix_exo(c, rows)
        self.free_pos = np.flatnonzero(c.free[rows] > 0)
        self.free_of = c.free[rows][self.free_pos].astype(int) - 1
        self.npar = t.npar
        self._row_free = np.full(len(c.op), -1)
        self._row_free[self.free_pos] = self.free_of
        self.ov = ov
        self.ordinal = np.array([v in set(t.options.get("ordered", ())) for v in ov])
        pos = {v: k for k, v in enumerate(ov)}
        self.groups = []
        for g in range(1, t.ngroups + 1):
            in_g = c.group == g
            th_rows, th_var = [], []
            scale_row = np.full(len(ov), -1)
            resid_row = np.full(len(ov), -1)
            for r in np.flatnonzero(in_g):
                if c.op[r] == "|":
                    th_rows.append(r)
                    th_var.append(pos[c.lhs[r]])
                elif c.op[r] == "~*~":
                    scale_row[pos[c.lhs[r]]] = r
                elif c.op[r] == "~~" and c.lhs[r] == c.rhs[r] and c.lhs[r] in pos:
                    resid_row[pos[c.lhs[r]]] = r
            num = [k for k in range(len(ov)) if not self.ordinal[k]]
            th_rows = np.array(th_rows + [-1] * len(num), dtype=int)   # -1: a mean
            th_var = th_var + num
            order = np.lexsort((np.array([int(c.rhs[r][1:]) if r >= 0 else 0
                                          for r in th_rows]), th_var))
            th_rows, th_var = th_rows[order], np.array(th_var)[order]
            # constant parts of the Jacobian: d tau / d x and (delta) d Delta / d x
            dtau = np.zeros((self.npar, len(th_var)))
            for m, r in enumerate(th_rows):
                k = self._free_index(r)
                if k >= 0:
                    dtau[k, m] = 1.0
            dD = np.zeros((self.npar, len(ov)))
            for j in np.flatnonzero(self.ordinal):
                k = self._free_index(scale_row[j])
                if k >= 0:
                    dD[k, j] = 1.0
            self.groups.append({"th_rows": th_rows, "th_var": th_var, "scale_row": scale_row,
                                "resid_row": resid_row, "dtau": dtau, "dD_delta": dD})

    def _fix_exo(self, c, rows):
        """The covariates' variances, covariances and means at their sample values."""
        if len(self.exo_moments) != self.table.ngroups:
            raise ValueError("exo_moments= needs the covariates' moments of every group")
        pos = {v: k for k, v in enumerate(self.exo)}
        for m, r in enumerate(rows):
            g = int(c.group[r]) - 1
            if g < 0 or c.lhs[r] not in pos:
                continue
            mean, cov = self.exo_moments[g]
            if c.op[r] == "~~" and c.rhs[r] in pos:
                self.base[m] = cov[pos[c.lhs[r]], pos[c.rhs[r]]]
            elif c.op[r] == "~1":
                self.base[m] = mean[pos[c.lhs[r]]]

    def _given_x(self, imp):
        """(residual covariance, slopes Pi, intercepts) of y given x from joint moments."""
        y, xi = self.y_idx, self.x_idx
        S, mu = imp.sigma, imp.mu
        if not len(xi):
            return S, None, mu
        Sxx_inv = np.linalg.inv(S[np.ix_(xi, xi)])
        Syx = S[np.ix_(y, xi)]
        Pi = Syx @ Sxx_inv
        return S[np.ix_(y, y)] - Pi @ Syx.T, Pi, mu[y] - Pi @ mu[xi]

    def values(self, x: np.ndarray) -> np.ndarray:
        """Row values with the derived entries (delta: residual variances; theta: scales)."""
        v = self.base.copy()
        v[self.free_pos] = x[self.free_of]
        ordi = np.flatnonzero(self.ordinal)
        for g, info in enumerate(self.groups):
            if self.parameterization == "delta":
                rr = info["resid_row"][ordi]
                v[rr] = 0.0
                sig0 = np.diag(self._given_x(self.ram.implied(v, g))[0])[ordi]
                v[rr] = 1.0 / v[info["scale_row"][ordi]] ** 2 - sig0
            else:
                sig = np.diag(self._given_x(self.ram.implied(v, g))[0])[ordi]
                v[info["scale_row"][ordi]] = 1.0 / np.sqrt(sig)
        return v

    @cached_property
    def _pairs(self):
        p = len(self.ov)
        pr = pair_order(p)
        return np.array([a for a, _ in pr], dtype=int), np.array([b for _, b in pr], dtype=int)

    def implied(self, v: np.ndarray, g: int, jacobian: bool = True):
        """(implied statistics, their Jacobian nstat x npar) of group ``g`` from row values."""
        if self.exo:
            return self._implied_given_x(v, g, jacobian)
        info = self.groups[g]
        imp = self.ram.implied(v, g, derivatives=jacobian)
        sigma, mu = imp.sigma, imp.mu
        p = len(self.ov)
        ordi = self.ordinal
        D = np.ones(p)
        sr = info["scale_row"]
        if self.parameterization == "delta":
            D[ordi] = v[sr[ordi]]
        else:
            D[ordi] = 1.0 / np.sqrt(np.diag(sigma)[ordi])
        th_var = info["th_var"]
        num = np.flatnonzero(~ordi)
        ia, ib = self._pairs
        tau = np.where(info["th_rows"] >= 0, v[info["th_rows"]], 0.0)
        th = np.where(ordi[th_var], (tau - mu[th_var]) * D[th_var], -mu[th_var])
        est = np.concatenate([th, np.diag(sigma)[num], D[ia] * D[ib] * sigma[ia, ib]])
        if not jacobian:
            return est, None
        q = self.npar
        # rank-2 derivatives (model/ram.py): entry e adds U_e V_e' + V_e U_e' to dSigma
        U, V, K = imp.U, imp.V, imp.K
        oj = np.flatnonzero(ordi)
        d_pair = (U[ia] * V[ib] + V[ia] * U[ib]) @ K.T            # npair x npar
        d_diag = (2 * U * V) @ K.T                                 # p x npar
        dmu = (imp.W @ K.T).T                                      # npar x p
        if self.parameterization == "delta":
            dD = info["dD_delta"]
        else:
            dD = np.zeros((q, p))
            dD[:, oj] = (-0.5 * D[oj, None] ** 3 * d_diag[oj]).T
        dtau = info["dtau"]
        o = ordi[th_var]
        d_th = np.where(o, (dtau - dmu[:, th_var]) * D[th_var]
                        + (tau - mu[th_var]) * dD[:, th_var], -dmu[:, th_var])
        d_cov = ((D[ia] * D[ib])[:, None] * d_pair
                 + (sigma[ia, ib][:, None] * (dD[:, ia] * D[ib] + D[ia] * dD[:, ib]).T))
        return est, np.vstack([d_th.T, d_diag[num], d_cov])

    def _implied_given_x(self, v, g, jacobian):
        """:meth:`implied` with covariates: the reduced form (see the module docstring)."""
        info = self.groups[g]
        imp = self.ram.implied(v, g, derivatives=jacobian)
        Sres, Pi, rint = self._given_x(imp)
        ordi = self.ordinal
        oj = np.flatnonzero(ordi)
        D = np.ones(len(self.ov))
        if self.parameterization == "delta":
            D[oj] = v[info["scale_row"][oj]]
        else:
            D[oj] = 1.0 / np.sqrt(np.diag(Sres)[oj])
        th_var = info["th_var"]
        num = np.flatnonzero(~ordi)
        ia, ib = self._pairs
        o = ordi[th_var]
        tau = np.where(info["th_rows"] >= 0, v[info["th_rows"]], 0.0)
        th = np.where(o, (tau - rint[th_var]) * D[th_var], -rint[th_var])
        est = np.concatenate([th, (D[:, None] * Pi).ravel(order="F"), np.diag(Sres)[num],
                              D[ia] * D[ib] * Sres[ia, ib]])
        if not jacobian:
            return est, None
        y, xi = self.y_idx, self.x_idx
        dS, dmu = imp.dsigma, imp.dmu
        mu_x = imp.mu[xi]
        Syx = imp.sigma[np.ix_(y, xi)]
        dPi = dS[:, y][:, :, xi] @ np.linalg.inv(imp.sigma[np.ix_(xi, xi)])
        dPS = dPi @ Syx.T
        dSres = dS[:, y][:, :, y] - dPS - dPS.transpose(0, 2, 1)
        drint = dmu[:, y] - dPi @ mu_x
        if self.parameterization == "delta":
            dD = info["dD_delta"]
        else:
            dD = np.zeros((self.npar, len(self.ov)))
            dD[:, oj] = -0.5 * D[oj] ** 3 * dSres[:, oj, oj]
        d_th = np.where(o, (info["dtau"] - drint[:, th_var]) * D[th_var]
                        + (tau - rint[th_var]) * dD[:, th_var], -drint[:, th_var])
        d_sl = dD[:, :, None] * Pi[None] + D[None, :, None] * dPi
        d_sl = d_sl.transpose(0, 2, 1).reshape(self.npar, -1)
        d_cov = (D[ia] * D[ib] * dSres[:, ia, ib]
                 + Sres[ia, ib] * (dD[:, ia] * D[ib] + D[ia] * dD[:, ib]))
        return est, np.vstack([d_th.T, d_sl.T, dSres[:, num, num].T, d_cov.T])

    def _free_index(self, row: int) -> int:
        return int(self._row_free[row]) if row >= 0 else -1
