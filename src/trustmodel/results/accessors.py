"""lavaan-style accessors of a fit: ``parameterEstimates`` and ``lavInspect``.

:func:`parameter_estimates` is lavaan's ``parameterEstimates(fit, level =, standardized =,
ci =, rsquare =)`` (``R/lav_object_methods.R``): the CI level is chosen when asking, not
frozen at fit time, and ``std_nox`` (standardized except the exogenous observed covariates,
``lav_standardize_all_nox`` in ``R/lav_standardize.R``) sits beside ``std_lv``/``std_all``.
:func:`inspect` answers what ``lavInspect`` is asked most (``R/lav_object_inspect.R``), so
nobody has to reach into ``res.state``. Both are attached to :class:`FitResult` as
``res.parameter_estimates(...)`` and ``res.inspect(what)``.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software, 48*(2), 1-36. doi:10.18637/jss.v048.i02
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sst

from .._errors import OptionError

STANDARDIZED = ("std_lv", "std_all", "std_nox")
INSPECT = ("cov.lv", "cor.lv", "rsquare", "sampstat", "implied", "information", "coverage",
           "patterns", "converged", "iterations", "nobs", "npar", "group.label")


def _std_columns(standardized) -> list[str]:
    if standardized is True:
        return list(STANDARDIZED)
    if standardized is False or standardized is None:
        return []
    cols = [standardized] if isinstance(standardized, str) else list(standardized)
    bad = [c for c in cols if c not in STANDARDIZED]
    if bad:
        raise OptionError(f"standardized= takes True, False or some of {STANDARDIZED}; got "
                          f"{bad[0]!r}.")
    return cols


def _group_rows(res) -> list[np.ndarray]:
    """Row masks of each group (defined rows belong to none)."""
    g = res.table.rows["group"].to_numpy()
    return [g == k + 1 for k in range(res.table.ngroups)]


def _labels(res) -> list[str]:
    return [str(g.label) for g in res.stats.groups]


def _per_group(res, values: list) -> Any:
    """One value for one group, ``{group label: value}`` for several (lavaan's named list)."""
    return values[0] if len(values) == 1 else dict(zip(_labels(res), values))


def std_nox(res) -> np.ndarray:
    """lavaan's ``std.nox``: ``std_all`` with the exogenous observed covariates left in their
    own metric (a regression on ``x`` is per unit of ``x``, ``x``'s (co)variances and means
    stay raw); defined parameters re-evaluated on these values."""
    p = res.params
    out = p["std_all"].to_numpy(dtype=float).copy()
    xs = set(res.table.names.ov_x)
    if xs:
        implied = res.implied if isinstance(res.implied, list) else [res.implied]
        lhs, op, rhs = p["lhs"].to_numpy(), p["op"].to_numpy(), p["rhs"].to_numpy()
        for mask, imp in zip(_group_rows(res), implied):
            sd = np.sqrt(np.diag(imp["cov"].to_numpy()))
            sd_of = dict(zip(imp["cov"].index, sd))

            def f(v):
                return sd_of.get(v, 1.0) if v in xs else 1.0
            for k in np.flatnonzero(mask):
                if op[k] == "~":
                    out[k] = out[k] / f(rhs[k])
                elif op[k] == "~~":
                    out[k] = out[k] * f(lhs[k]) * f(rhs[k])
                elif op[k] == "~1":
                    out[k] = out[k] * f(lhs[k])
    d = (p["op"] == ":=").to_numpy()
    if d.any():
        base = np.where(np.isnan(out[~d]), p["est"].to_numpy()[~d], out[~d])
        out[d] = res._definitions.evaluate(base)
    return out


def rsquare(res) -> list[pd.Series]:
    """R-square of every endogenous variable (indicators and regression outcomes), per group:
    one minus its standardized residual variance (lavaan's ``lav_object_inspect_rsquare``)."""
    p = res.params
    endo = set(p.loc[p["op"] == "=~", "rhs"]) | set(p.loc[p["op"] == "~", "lhs"])
    out = []
    for mask in _group_rows(res):
        q = p[mask & (p["op"] == "~~").to_numpy() & (p["lhs"] == p["rhs"]).to_numpy()]
        q = q[q["lhs"].isin(endo)]
        order = ([v for v in res.table.names.ov if v in set(q["lhs"])]
                 + [v for v in res.table.names.lv if v in set(q["lhs"])])
        r2 = pd.Series(1.0 - q["std_all"].to_numpy(), index=q["lhs"].to_numpy(), name="r2")
        out.append(r2.loc[order])
    return out


def parameter_estimates(res, *, level: float = 0.95, standardized=True, ci: bool = True,
                        rsquare_rows: bool = False) -> pd.DataFrame:
    """See :meth:`FitResult.parameter_estimates`."""
    if not 0 < level < 1:
        raise OptionError(f"level= must lie strictly between 0 and 1; got {level!r}.")
    p = res.params
    out = p[["lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue"]].copy()
    if ci:
        lo, hi = _intervals(res, level)
        out["ci_lower"], out["ci_upper"] = lo, hi
    for c in _std_columns(standardized):
        out[c] = std_nox(res) if c == "std_nox" else p[c].to_numpy()
    if rsquare_rows:
        extra = []
        groups = _labels(res) if res.table.ngroups > 1 else [1]
        for lab, r2 in zip(groups, rsquare(res)):
            extra.append(pd.DataFrame({"lhs": r2.index, "op": "r2", "rhs": r2.index,
                                       "group": lab, "label": "", "est": r2.to_numpy()}))
        out = pd.concat([out] + extra, ignore_index=True)
    return out


def _intervals(res, level: float):
    """Confidence limits at ``level``: normal theory from the SEs, or the fit's bootstrap
    interval type recomputed from the stored draws (as ``parameterEstimates`` does)."""
    p = res.params
    boot = res.bootstrap
    if res.se_kind == "bootstrap" and boot is not None:
        from ..estimation.inference import bootstrap as resample
        _, lo, hi, _ = resample.summarize(res.table, res.state, boot, level=level,
                                          ci_type=getattr(boot, "ci_type", "perc") or "perc",
                                          jack=getattr(boot, "jackknife", None))
        return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    q = sst.norm.ppf(0.5 + level / 2)
    est, se = p["est"].to_numpy(dtype=float), p["se"].to_numpy(dtype=float)
    return est - q * se, est + q * se


# ------------------------------------------------------------------------- lavInspect
def _lv_cov(res) -> list[pd.DataFrame]:
    model = res.state.problem.model
    names = list(model.ov) + list(model.lv)
    lv = list(model.lv)
    idx = [names.index(v) for v in lv]
    out = []
    for g in range(model.ngroups):
        cov, _ = model.lv_moments(res.state.values, g)
        out.append(pd.DataFrame(cov[np.ix_(idx, idx)], index=lv, columns=lv))
    return out


def _cor(cov: pd.DataFrame) -> pd.DataFrame:
    sd = np.sqrt(np.diag(cov.to_numpy()))
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(cov.to_numpy() / np.outer(sd, sd), index=cov.index,
                            columns=cov.columns)


def _observed(res) -> list[np.ndarray]:
    """Each group's 0/1 matrix of observed cells (all ones without raw data)."""
    out = []
    names = list(res.table.names.ov)
    for g in res.stats.groups:
        data = getattr(g, "data", None)
        if data is None:
            out.append(np.ones((int(g.nobs), len(names)), dtype=bool))
        else:
            out.append(~np.isnan(np.asarray(data, dtype=float)))
    return out


def _patterns(M: np.ndarray, names) -> pd.DataFrame:
    uniq, counts = np.unique(M, axis=0, return_counts=True)
    order = np.lexsort((-uniq.sum(axis=1), -counts))
    return pd.DataFrame(uniq[order], columns=names,
                        index=pd.Index(counts[order], name="count"))


def information(res) -> pd.DataFrame:
    """The unit information matrix (per observation) the standard errors rest on: for
    standard SEs ``vcov^-1 / N`` (expected information for complete-data ML, observed under
    FIML, as lavaan's ``lavInspect(fit, "information")``); for sandwich or bootstrap SEs the
    optimizer's (expected) information at the estimate."""
    labels = res.table.free_names()
    N = res.nobs
    if res.se_kind == "standard" and res.estimator not in ("MLR", "MLM"):
        try:
            M = np.linalg.inv(res.vcov_free) / N
        except np.linalg.LinAlgError:
            M = np.linalg.pinv(res.vcov_free) / N
    else:
        M = getattr(res.state.optim, "info", None)
        if M is None:
            raise OptionError("This fit kept no information matrix; refit with se='standard'.")
    return pd.DataFrame(np.asarray(M, dtype=float), index=labels, columns=labels)


def inspect(res, what: str):
    """See :meth:`FitResult.inspect`."""
    key = str(what).lower().replace("_", ".")
    names = list(res.table.names.ov)
    if key == "converged":
        return bool(res.converged)
    if key == "iterations":
        return int(res.n_iter)
    if key == "nobs":
        return _per_group(res, [int(g.nobs) for g in res.stats.groups])
    if key == "npar":
        return int(res.fit_measures["npar"])
    if key == "group.label":
        return _labels(res)
    if key == "cov.lv":
        return _per_group(res, _lv_cov(res))
    if key == "cor.lv":
        return _per_group(res, [_cor(c) for c in _lv_cov(res)])
    if key in ("rsquare", "r2"):
        return _per_group(res, rsquare(res))
    if key in ("sampstat", "implied"):
        src = res.sample if key == "sampstat" else res.implied
        src = src if isinstance(src, list) else [src]
        return _per_group(res, [{k: v for k, v in d.items() if k in ("cov", "mean")}
                                for d in src])
    if key == "information":
        return information(res)
    if key == "coverage":
        out = []
        for M in _observed(res):
            Mf = M.astype(float)
            out.append(pd.DataFrame(Mf.T @ Mf / max(len(Mf), 1), index=names, columns=names))
        return _per_group(res, out)
    if key == "patterns":
        return _per_group(res, [_patterns(M, names) for M in _observed(res)])
    raise OptionError(f"inspect() knows {', '.join(map(repr, INSPECT))}; got {what!r}.")
