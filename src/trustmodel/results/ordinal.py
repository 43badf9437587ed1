"""``FitResult`` of a model with ordinal indicators (the WLSMV family).

The parameter table carries lavaan's threshold rows (``y | t1``) and scale factors
(``y ~*~ y``); ``fit_measures`` are those of :mod:`trustmodel.estimation.fit_measures.categorical`.
What lavaan offers for these fits but trustmodel does not compute yet raises
:class:`~trustmodel.UnsupportedFeatureError` instead of returning numbers for the wrong model.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .._errors import UnsupportedFeatureError
from ..data import check_present
from ..estimation.categorical.fit import fit_categorical
from .result import FitResult


@dataclass
class _Problem:
    """What ``FitResult`` reads from ``state.problem``."""

    fit: object

    @property
    def model(self):
        return self.fit.problem.model.ram

    @property
    def estimator(self) -> str:
        return self.fit.problem.weight_kind

    @property
    def npar(self) -> int:
        return self.fit.problem.npar

    def values(self, x):
        return self.fit.problem.values(x)


@dataclass
class _State:
    fit: object

    @property
    def converged(self) -> bool:
        return self.fit.converged

    @property
    def optim(self):
        return self.fit.optim

    @property
    def x(self):
        return self.fit.x

    @property
    def values(self):
        return self.fit.values

    @property
    def fmin(self) -> float:
        return self.fit.fmin

    @property
    def problem(self):
        return _Problem(self.fit)


def _refuse(what: str, instead: str = ""):
    raise UnsupportedFeatureError(
        f"{what} is not implemented for models with ordinal indicators yet"
        + (f"; {instead}" if instead else "") + ".")


@dataclass(frozen=True, repr=False)
class OrdinalFitResult(FitResult):
    """A :class:`FitResult` of ``tm.fit(..., ordered=...)``: ``params`` with threshold
    (``|``) and scale (``~*~``) rows, lavaan's WLSMV-family ``fit_measures``, ``sample``
    (thresholds, polychorics, NACOV), ``reliability`` (categorical omega, ordinal alpha),
    ``modification_indices()`` and ``factor_scores()``.

    Examples
    --------
    >>> import trustmodel as tm
    >>> pop = "SAT =~ 0.8*s1 + 0.7*s2 + 0.75*s3 + 0.6*s4"
    >>> d = tm.simulate(pop, 500, seed=1, likert=5, standardized=True)
    >>> res = tm.fit("SAT =~ s1 + s2 + s3 + s4", d, ordered=True)
    >>> # lavaan: cfa(model, data = d, ordered = TRUE)  (estimator WLSMV)
    >>> res.estimator, int(res.fit_measures["df"])
    ('WLSMV', 2)
    >>> res.params.query("op == '|'")[["lhs", "op", "rhs", "est"]].head(2).round(3)
      lhs op rhs    est
    4  s1  |  t1 -1.685
    5  s1  |  t2 -0.524
    """

    @cached_property
    def _params(self) -> pd.DataFrame:
        df = super()._params.copy()
        fit = self.state.fit
        v = fit.values
        c = self.table.cols
        ram = fit.problem.model.ram
        for g in range(self.table.ngroups):
            cov, _ = ram.lv_moments(v, g)
            sd = np.sqrt(np.diag(cov))[: ram.p]
            pos = {name: k for k, name in enumerate(ram.ov)}
            # scale factors on the sd of y* given the covariates (lavaan: 1 in std.all)
            model = fit.problem.model
            sd_y = np.sqrt(np.diag(model._given_x(ram.implied(v, g))[0]))
            ypos = {name: k for k, name in enumerate(model.ov)}
            sel = np.flatnonzero((c.group == g + 1) & np.isin(c.op, ("|", "~*~")))
            for r in sel:
                df.loc[r, "std_lv"] = df.loc[r, "est"]
                df.loc[r, "std_all"] = df.loc[r, "est"] / sd[pos[c.lhs[r]]] if c.op[r] == "|" \
                    else df.loc[r, "est"] * sd_y[ypos[c.lhs[r]]]
        return df

    @cached_property
    def _fit_measures(self) -> pd.Series:
        out = dict(self.state.fit.fit_measures)
        out["ntotal"] = self.stats.ntotal
        return pd.Series(out, dtype=float)

    @cached_property
    def _implied(self):
        fit = self.state.fit
        out = []
        for g, s in enumerate(self.stats.groups):
            est = fit.problem.model.implied(fit.values, g, jacobian=False)[0]
            out.append({"wls_est": pd.Series(est, index=_stat_names(s)),
                        "cov": _cov_from(est, s)})
        return out

    @property
    def sample(self):
        """Thresholds, polychoric/polyserial covariance matrix, NACOV of each group; with
        covariates the thresholds, slopes (``slopes``) and residual covariances given them
        (lavaan's ``res.th``, ``res.slopes``, ``res.cov``)."""
        out = [{"th": pd.Series(s.th, index=s.th_names),
                "cov": pd.DataFrame(s.cov, index=s.names, columns=s.names),
                "wls_obs": pd.Series(s.wls_obs, index=_stat_names(s)),
                "gamma": s.gamma.copy(), "nobs": s.nobs,
                **({"slopes": pd.DataFrame(s.slopes, index=s.names, columns=list(s.exo))}
                   if s.exo else {})} for s in self.stats.groups]
        return out[0] if len(out) == 1 else out

    # lavaan has these for ordinal data; trustmodel refuses rather than guess
    def factor_scores(self, method: str = "EBM", index=None) -> pd.DataFrame:
        """Factor scores as ``lavPredict(fit)`` for ordinal data: the posterior mode of each
        case's latent values ("EBM"; :mod:`trustmodel.estimation.categorical.scores`).

        Only available for models whose indicators are all ordinal, under the delta
        parameterization; one row per case used in the fit (a ``group`` column in
        multi-group models). They agree with lavaan's to about 1e-4 (lavaan stops its BFGS
        search at a relative tolerance of 1e-8).
        """
        from ..estimation.categorical.scores import ebm_scores
        if method != "EBM":
            _refuse(f"Factor scores by method={method!r}", "use method='EBM' (lavaan's "
                    "default for ordinal indicators)")
        if self.options.get("parameterization") == "theta":
            _refuse("Factor scores under parameterization='theta'",
                    "lavaan 0.6-14's lavPredict gives scores there that are not a rescaling "
                    "of its delta-parameterization scores of the same model, so there is no "
                    "reference to match; refit with parameterization='delta'")
        fit = self.state.fit
        if fit.problem.model.exo:
            _refuse("Factor scores with exogenous covariates (lavaan's conditional.x EBM "
                    "scores condition on each case's covariates)")
        ram = fit.problem.model.ram
        c = self.table.cols
        frames = []
        for g, s in enumerate(self.stats.groups):
            if not s.ordinal.all():
                _refuse("Factor scores with continuous indicators in an ordinal model")
            cov, mean = ram.lv_moments(fit.values, g)
            A, S, _ = ram.matrices(fit.values, g)
            p = ram.p
            Lam = A[:p, p:]
            sd = np.sqrt(np.diag(S)[:p])
            th = {}
            for r in np.flatnonzero((c.group == g + 1) & (c.op == "|")):
                th.setdefault(c.lhs[r], []).append(fit.values[r])
            codes = s.codes
            N = codes.shape[0]
            up, lo = np.zeros((N, p)), np.zeros((N, p))
            for k, n in enumerate(ram.ov):
                pad = np.concatenate([[-np.inf], np.asarray(th[n]), [np.inf]])
                ck = np.where(codes[:, k] >= 0, codes[:, k], 0)
                up[:, k], lo[:, k] = pad[ck + 1], pad[ck]
            eta = ebm_scores(up, lo, codes >= 0, Lam, sd, mean[p:], cov[p:, p:])
            df = pd.DataFrame(eta, columns=list(ram.lv))
            if self.table.ngroups > 1:
                df.insert(0, "group", s.label)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def modification_indices(self, sort: bool = True, op=None, minimum=None) -> pd.DataFrame:
        """lavaan's ``modindices`` for the WLS family: ``lhs op rhs group mi epc sepc_lv
        sepc_all`` for cross-loadings and residual covariances (see
        :mod:`trustmodel.estimation.categorical.modindices`)."""
        from ..estimation.categorical.modindices import modification_indices
        rows, model, v = modification_indices(self.state.fit)
        df = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "mi", "epc"])
        if not len(df):
            return df.assign(sepc_lv=[], sepc_all=[])
        ram = model.ram
        sd_lv, sd_all, resid = {}, {}, {}
        for g in range(self.table.ngroups):
            cov, _ = ram.lv_moments(v, g)
            _, S, _ = ram.matrices(v, g)
            names = ram.ov + ram.lv
            for k, n in enumerate(names):
                sd_all[(n, g + 1)] = np.sqrt(cov[k, k])
                sd_lv[(n, g + 1)] = np.sqrt(cov[k, k]) if k >= ram.p else 1.0
                resid[(n, g + 1)] = np.sqrt(S[k, k])
        lv_, all_ = [], []
        for r in df.itertuples():
            if r.op == "=~":
                lv_.append(r.epc * sd_lv[(r.lhs, r.group)] / sd_lv[(r.rhs, r.group)])
                all_.append(r.epc * sd_all[(r.lhs, r.group)] / sd_all[(r.rhs, r.group)])
            else:
                lv_.append(r.epc)
                all_.append(r.epc / (resid[(r.lhs, r.group)] * resid[(r.rhs, r.group)]))
        df["sepc_lv"], df["sepc_all"] = lv_, all_
        if self.table.ngroups == 1:
            df = df.drop(columns="group")
        if op is not None:
            df = df[df["op"].isin([op] if isinstance(op, str) else list(op))]
        if minimum is not None:
            df = df[df["mi"] >= minimum]
        if sort:
            df = df.sort_values("mi", ascending=False)
        return df.reset_index(drop=True)

    def residuals(self, type: str = "raw"):
        """Residual correlations (polychoric metric) and thresholds: sample - implied."""
        out = []
        for s, imp in zip(self.stats.groups, self._implied):
            cov = pd.DataFrame(s.cov, index=s.names, columns=s.names) - imp["cov"]
            est = imp["wls_est"]
            nth = len(s.th)
            out.append({"cov": cov, "th": pd.Series(s.wls_obs[:nth] - est.to_numpy()[:nth],
                                                    index=s.th_names)})
        return out[0] if len(out) == 1 else out

    def largest_residuals(self, n: int = 10, type: str = "cor") -> pd.DataFrame:
        """The ``n`` largest residual (polychoric-metric) correlations: ``lhs rhs group
        residual``, largest absolute value first."""
        groups = self.residuals()
        groups = groups if isinstance(groups, list) else [groups]
        rows = []
        for g, part in enumerate(groups, start=1):
            R = part["cov"]
            names = list(R.index)
            for i in range(len(names)):
                for j in range(i):
                    rows.append((names[i], names[j], g, float(R.iat[i, j])))
        out = pd.DataFrame(rows, columns=["lhs", "rhs", "group", "residual"])
        if self.table.ngroups == 1:
            out = out.drop(columns="group")
        order = out["residual"].abs().sort_values(ascending=False).index
        return out.loc[order].head(n).reset_index(drop=True)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Categorical omega (Green & Yang 2009) and ordinal alpha per factor, as
        ``semTools::compRelSEM``.

        The reliability of the sum of a factor's ordinal items, from the bivariate-normal
        probabilities of their categories under the model (common part) and under the
        polychoric matrix (total), with the model's thresholds and scale factors
        (semTools 0.5-6 ``omegaCat``). ``alpha_ordinal`` is coefficient alpha of the items'
        polychoric matrix (Zumbo, Gadermann & Zeisser 2007; ``compRelSEM(fit, tau.eq = TRUE,
        ord.scale = FALSE)``). Factors with continuous indicators get NaN (semTools refuses
        mixed composites).

        References
        ----------
        Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using structural
        equation modeling: An alternative to coefficient alpha. *Psychometrika*, 74,
        155-167. doi:10.1007/s11336-008-9099-3

        Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients
        alpha and theta for Likert rating scales. *Journal of Modern Applied Statistical
        Methods*, 6, 21-29. doi:10.22237/jmasm/1177992180
        """
        from scipy.special import ndtr

        from ..estimation.categorical.bvnorm import pbinorm
        fit = self.state.fit
        if fit.problem.model.exo:
            _refuse("Reliability with exogenous covariates (the polychorics are then residual "
                    "correlations given the covariates)", "fit the measurement model without "
                    "the covariates")
        ram = fit.problem.model.ram
        c = self.table.cols
        rows = []
        for g, s in enumerate(self.stats.groups):
            cov_all, _ = ram.lv_moments(fit.values, g)
            p = ram.p
            A, _, _ = ram.matrices(fit.values, g)
            scale = {n: 1.0 for n in ram.ov}
            for r in np.flatnonzero((c.group == g + 1) & (c.op == "~*~")):
                scale[c.lhs[r]] = fit.values[r]
            tau = {}
            for r in np.flatnonzero((c.group == g + 1) & (c.op == "|")):
                tau.setdefault(c.lhs[r], []).append(fit.values[r])
            S = s.cor
            for f_i, f in enumerate(ram.lv):
                items = [k for k in range(p) if A[k, p + f_i] != 0]
                if not items:
                    continue
                if not all(s.ordinal[k] for k in items):
                    rows.append((g + 1, f, np.nan, np.nan))
                    continue
                # semTools rescales the polychorics to the latent-response metric (1 / scale)
                inv = 1 / np.array([scale[ram.ov[k]] for k in items])
                Rf = S[np.ix_(items, items)] * np.outer(inv, inv)
                k_ = len(items)
                alpha = k_ / (k_ - 1) * (1 - np.trace(Rf) / Rf.sum()) if k_ > 1 else np.nan
                lam = A[items, p + f_i]
                psi = cov_all[p + f_i, p + f_i]
                sc = np.array([scale[ram.ov[k]] for k in items])
                R = np.outer(sc * lam, sc * lam) * psi
                th = [np.asarray(tau[ram.ov[k]]) * sc[m] for m, k in enumerate(items)]
                num = den = 0.0
                for a, ka in enumerate(items):
                    for b, kb in enumerate(items):
                        X, Y = np.meshgrid(th[a], th[b], indexing="ij")
                        marg = ndtr(th[a]).sum() * ndtr(th[b]).sum()
                        num += pbinorm(X, Y, R[a, b]).sum() - marg
                        den += pbinorm(X, Y, S[ka, kb] if a != b else 1.0).sum() - marg
                rows.append((g + 1, f, num / den, alpha))
        out = pd.DataFrame(rows, columns=["group", "construct", "omega", "alpha_ordinal"])
        if self.table.ngroups == 1:
            out = out.drop(columns="group")
        return out.set_index("construct" if self.table.ngroups == 1 else ["group", "construct"])


def _stat_names(s) -> list:
    slopes = [f"{y}~{x}" for x in s.exo for y in s.names]     # vec(slopes), conditional.x
    names = (list(s.th_names) + slopes
             + [f"{s.names[k]}~~{s.names[k]}" for k in s.num_idx])
    from ..estimation.categorical import pair_order
    return names + [f"{s.names[i]}~~{s.names[j]}" for i, j in pair_order(s.p)]


def _cov_from(est, s) -> pd.DataFrame:
    from ..estimation.categorical import pair_order
    k0, nnum = s.n_univariate, len(s.num_idx)
    M = np.eye(s.p)
    for k, (i, j) in enumerate(pair_order(s.p)):
        M[i, j] = M[j, i] = est[k0 + k]
    M[s.num_idx, s.num_idx] = est[k0 - nnum:k0]
    return pd.DataFrame(M, index=s.names, columns=s.names)


LATENT_PRODUCT_REFUSAL = (
    "latent interactions are not available with ordinal indicators. Product indicators of "
    "ordinal items are not ordinal (a product of category codes treats the codes as "
    "interval scores, the opposite of ordered=), LMS / QML assume continuous normal "
    "indicators, and lavaan 0.6-14 refuses latent interactions altogether. Fit the items as "
    "continuous (drop ordered=, estimator='MLR', interaction='dblcent'), or compare the "
    "moderator's groups with group= and the ordinal invariance ladder.")


def observed_products(statements, data, ordered):
    """lavaan's observed interactions ``x1:x2`` in an ordinal model: the product of two
    numeric columns becomes a covariate column (``R/lav_data.R`` creates it the same way,
    uncentered). A product involving a latent variable or an ordinal column is refused
    (:data:`LATENT_PRODUCT_REFUSAL`; lavaan would multiply the category codes)."""
    from ..interaction.products import indicators_of, product_terms
    terms = product_terms(statements)
    if not terms:
        return data
    inds = indicators_of(statements)
    ordset = set() if ordered in (None, False, True) else (
        {ordered} if isinstance(ordered, str) else set(ordered))
    out = data.copy()
    for term in terms:
        a, b = term.split(":")
        if a in inds or b in inds:
            raise UnsupportedFeatureError(f"The product term {term!r}: " + LATENT_PRODUCT_REFUSAL)
        for v in (a, b):
            col = data[v] if v in data.columns else None
            if col is None:
                continue
            if v in ordset or (isinstance(col.dtype, pd.CategoricalDtype)
                                                  and col.cat.ordered):
                raise UnsupportedFeatureError(
                    f"The product term {term!r} involves the ordinal variable {v!r}: a product "
                    "of ordinal categories is not ordinal (lavaan would multiply the category "
                    "codes, with a warning); give the factors of a product as numeric columns.")
        if term not in out.columns:
            check_present([a, b], data.columns)
            out[term] = (pd.to_numeric(data[a]).to_numpy(float)
                         * pd.to_numeric(data[b]).to_numpy(float))
    return out


def fit_ordinal(statements, data, *, ordered, estimator, parameterization, group,
                group_equal, group_partial, std_lv, missing, se, level, options, seed,
                bootstrap=1000, boot_ci_type="perc", extra=None) -> OrdinalFitResult:
    """Run the categorical pipeline and wrap it as an :class:`OrdinalFitResult`."""
    kw = {"ordered": ordered, "estimator": estimator, "parameterization": parameterization,
              "group": group, "group_equal": group_equal, "group_partial": group_partial,
              "std_lv": std_lv, "missing": missing}
    from ..estimation.fit_measures.categorical import categorical_fit_measures
    boot = se == "bootstrap"
    fit = fit_categorical(statements, data, se=None if boot else se, **kw)
    fit.fit_measures = categorical_fit_measures(fit)
    extra = dict(extra or {})
    if boot:
        from ..estimation.inference.bootstrap import summarize
        from ..estimation.inference.categorical_bootstrap import (
            bootstrap as run_bootstrap,
        )
        rng = np.random.default_rng(seed)

        def refit(frame, x0):
            return fit_categorical(statements, frame, x0=x0, **kw)

        draws = run_bootstrap(fit, statements, data, B=int(bootstrap), rng=rng, refit=refit,
                              bca=boot_ci_type == "bca")
        se_rows, lo, hi, vcov = summarize(fit.table, _State(fit), draws, level=level,
                                          ci_type=boot_ci_type, jack=draws.jackknife)
        fit.vcov = vcov
        extra.update(bootstrap=draws, se=se_rows, ci=(lo, hi))
    opts = dict(options, estimator=estimator, parameterization=parameterization,
                ordered=tuple(fit.table.options["ordered"]),
                se="bootstrap" if boot else fit.se, level=level)
    return OrdinalFitResult(table=fit.table, stats=fit.sample, state=_State(fit),
                            vcov_free=fit.vcov, options=opts, seed=seed,
                            se_kind=opts["se"], extra=extra)
