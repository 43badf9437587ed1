"""``PLSResult``: an immutable PLS / PLSc fit with lazy tidy views."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _st

from .._readonly import readonly_cached_property as cached_property  # views are read-only
from . import assessment as _as
from . import index as _ix
from . import quality as _q

_COLS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci_lower", "ci_upper"]


@dataclass(frozen=True)
class Layout:
    """Where each bootstrapped statistic sits in the replicate vector."""

    paths: tuple          # (k, j)
    items: tuple          # (i, block)
    total: tuple          # (k, j) pairs with a possible total effect
    indirect: tuple       # (k, j) pairs with a possible indirect effect
    n_endo: int
    htmt: tuple = ()      # (i, j) construct pairs, i < j

    @classmethod
    def of(cls, spec):
        A = spec.adjacency
        J = spec.n_constructs
        reach = np.zeros((J, J))
        M = A.copy()
        for _ in range(J):
            reach += M
            M = M @ A
        ind = A @ reach
        total = tuple((k, j) for k in range(J) for j in range(J) if reach[k, j] > 0)
        indirect = tuple((k, j) for k, j in total if ind[k, j] > 0)
        items = tuple((i, int(b)) for i, b in enumerate(spec.block))
        return cls(tuple(spec.paths), items, total, indirect, len(spec.endogenous),
                   tuple(_q.htmt_pairs(spec)))

    @property
    def sizes(self):
        return (len(self.paths), len(self.items), len(self.items), len(self.total),
                len(self.indirect), self.n_endo, len(self.htmt), len(self.htmt))


def stat_vector(out: dict, layout: Layout, spec=None) -> np.ndarray:
    """Replicate statistics ``(b, k)``: paths, loadings, weights, total, indirect, R², HTMT,
    HTMT2."""
    def pick(arr, pairs):
        if not pairs:
            return np.zeros((arr.shape[0], 0))
        a, b = np.array(pairs).T
        return arr[:, a, b]
    Bm, T = out["B"], out["T"]
    return np.concatenate([pick(Bm, layout.paths), pick(out["L"], layout.items),
                           pick(out["W"], layout.items), pick(T, layout.total),
                           pick(T - Bm, layout.indirect), out["r2"],
                           _q.htmt_batch(out["S"], out["spec"]),
                           _q.htmt_batch(out["S"], out["spec"], geometric=True)], axis=1)


def _fit_stat(out, model):
    return _q.model_fit(out, out["spec"])[:, model, :]


def _first_order_plan(res):
    """A plan whose items are the fitted spec's indicators (for rotated data)."""
    from .model import Plan
    sp = res.spec
    blocks = {c: tuple(sp.indicators[k] for k in sp.block_of(j))
              for j, c in enumerate(sp.constructs)}
    paths = tuple((sp.constructs[k], sp.constructs[j]) for k, j in sp.paths)
    return Plan(blocks, dict(zip(sp.constructs, sp.modes)), (), {}, paths)


@dataclass(frozen=True)
class PLSResult:
    """Result of a PLS path model fit (``tm.fit(model, data, estimator="PLS" | "PLSc")``).

    Tidy views are computed on first access: ``params`` (paths ``~``, loadings ``=~``,
    weights ``<~``), ``paths``, ``loadings``, ``weights``, ``effects``, ``r2``, ``scores``,
    ``outer_weights``, ``outer_loadings``, ``path_coefficients``, ``total_effects``,
    ``indirect_effects``, ``f2``, ``vif_inner``, ``vif_outer``, ``reliability``, ``htmt``,
    ``fornell_larcker``, ``cross_loadings``; ``index()`` and ``ipma()`` give the 0-100 ACSI
    indices and the importance-performance map.
    """

    spec: object
    estimator: str
    scheme: str
    _est: dict = field(repr=False)
    _S: np.ndarray = field(repr=False)
    _Z: np.ndarray = field(repr=False)
    _rows: object = field(repr=False)        # index of the rows used
    _all_rows: object = field(repr=False)    # index of data
    _means: np.ndarray = field(repr=False)
    _sds: np.ndarray = field(repr=False)
    nobs: int = 0
    converged: bool = True
    n_iter: int = 0
    boot: np.ndarray | None = field(default=None, repr=False)
    n_boot_failed: int = 0
    level: float = 0.95
    options: dict = field(default_factory=dict)
    seed: object = None
    warnings: tuple = ()
    plan: object = field(default=None, repr=False)
    _raw: np.ndarray | None = field(default=None, repr=False)   # raw items, rows used
    missing_report: dict = field(default_factory=dict)
    _jack: np.ndarray | None = field(default=None, repr=False)

    # ---------------------------------------------------------------- matrices
    @property
    def _names(self):
        return list(self.spec.constructs), list(self.spec.indicators)

    @cached_property
    def outer_weights(self) -> pd.DataFrame:
        """Indicator x construct matrix of standardized outer weights (seminr's ``outer_weights``)."""
        return self._with_first_stage("W")

    @cached_property
    def outer_loadings(self) -> pd.DataFrame:
        """Indicator x construct loadings (corrected under PLSc; seminr's ``outer_loadings``).

        With two-stage higher-order constructs, the dimensions that only stage 1 estimates are
        appended with their stage-1 weights and loadings (seminr's
        ``combine_first_order_second_order_matrices``)."""
        return self._with_first_stage("L")

    def _with_first_stage(self, key) -> pd.DataFrame:
        c, i = self._names
        out = pd.DataFrame(self._est[key], index=i, columns=c)
        first = self._est.get("first")
        if first is None:
            return out
        fs = first["spec"]
        extra = [j for j, name in enumerate(fs.constructs) if name not in c]
        if not extra:
            return out
        rows = [k for k in range(len(fs.indicators)) if fs.block[k] in extra]
        add = pd.DataFrame(first[key][np.ix_(rows, extra)],
                           index=[fs.indicators[k] for k in rows],
                           columns=[fs.constructs[j] for j in extra])
        return pd.concat([out, add]).fillna(0.0)

    @cached_property
    def path_coefficients(self) -> pd.DataFrame:
        """Source (rows) x target (columns) path coefficients (seminr's ``path_coef``)."""
        c, _ = self._names
        return pd.DataFrame(self._est["B"], index=c, columns=c)

    @cached_property
    def total_effects(self) -> pd.DataFrame:
        """Source x target total effects."""
        c, _ = self._names
        return pd.DataFrame(self._est["T"], index=c, columns=c)

    @cached_property
    def indirect_effects(self) -> pd.DataFrame:
        """Source x target indirect effects (total minus direct)."""
        c, _ = self._names
        return pd.DataFrame(self._est["T"] - self._est["B"], index=c, columns=c)

    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        """Construct correlations (disattenuated by rho_A under PLSc)."""
        c, _ = self._names
        return pd.DataFrame(self._est["C"], index=c, columns=c)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Construct scores (unit variance, N - 1), aligned with the rows of data (NaN for
        rows dropped for missing values)."""
        c, _ = self._names
        sc = pd.DataFrame(self._est["scores"], index=self._rows, columns=c)
        return sc if len(self._rows) == len(self._all_rows) else sc.reindex(self._all_rows)

    # ---------------------------------------------------------------- tidy tables
    @cached_property
    def _inference(self):
        """(se, ci_lower, ci_upper) per bootstrapped statistic (NaN without bootstrap)."""
        k = sum(Layout.of(self.spec).sizes)
        if self.boot is None:
            nan = np.full(k, np.nan)
            return nan, nan, nan
        from .inference import summarize
        est = stat_vector({**{k: np.asarray(v)[None] for k, v in self._est.items()
                              if k in ("B", "L", "W", "T", "r2", "S")}, "spec": self.spec},
                          Layout.of(self.spec))[0]
        return summarize(self.boot, est, self.level, self._jack)

    def _frame(self, lhs, op, rhs, est, sl) -> pd.DataFrame:
        se, lo, hi = (x[sl] for x in self._inference)
        est = np.asarray(est, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est / se
        p = 2 * _st.norm.sf(np.abs(z))
        return pd.DataFrame({"lhs": lhs, "op": op, "rhs": rhs, "est": est, "se": se, "z": z,
                             "pvalue": p, "ci_lower": lo, "ci_upper": hi})

    def _slices(self):
        sizes = Layout.of(self.spec).sizes
        edges = np.cumsum((0,) + sizes)
        return [slice(edges[i], edges[i + 1]) for i in range(len(sizes))]

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Path coefficients as ``lhs ~ rhs`` rows (lhs the dependent construct)."""
        c = self.spec.constructs
        pairs = self.spec.paths
        return self._frame([c[j] for _, j in pairs], "~", [c[k] for k, _ in pairs],
                           [self._est["B"][k, j] for k, j in pairs], self._slices()[0])

    @cached_property
    def loadings(self) -> pd.DataFrame:
        """Outer loadings as ``construct =~ indicator`` rows."""
        sp = self.spec
        return self._frame([sp.constructs[b] for b in sp.block], "=~", list(sp.indicators),
                           self._est["L"][np.arange(len(sp.block)), sp.block], self._slices()[1])

    @cached_property
    def weights(self) -> pd.DataFrame:
        """Outer weights as ``construct <~ indicator`` rows (every block, Mode A included)."""
        sp = self.spec
        return self._frame([sp.constructs[b] for b in sp.block], "<~", list(sp.indicators),
                           self._est["W"][np.arange(len(sp.block)), sp.block], self._slices()[2])

    @cached_property
    def params(self) -> pd.DataFrame:
        """Paths (``~``), loadings (``=~``) and weights (``<~``) with bootstrap SE and CI."""
        parts = [self.paths, self.loadings, self.weights]
        return pd.concat(parts + ([self.defined] if len(self.defined) else []),
                         ignore_index=True)

    @cached_property
    def defined(self) -> pd.DataFrame:
        """``name := expression`` rows evaluated on the labelled paths, with bootstrap SE and
        percentile CI; see :mod:`trustmodel.pls.defined`."""
        from .defined import evaluate
        plan = self.plan
        rows = []
        if plan is None or not plan.defined:
            return pd.DataFrame({k: pd.Series(dtype=object if k in ("lhs", "op", "rhs")
                                              else float) for k in _COLS})
        c = list(self.spec.constructs)
        pos = {lab: (c.index(s), c.index(t)) for lab, (s, t) in plan.labels.items()}
        est = {lab: self._est["B"][k, j] for lab, (k, j) in pos.items()}
        boot = None
        if self.boot is not None:
            cols = list(self.spec.paths)
            boot = {lab: self.boot[:, cols.index(kj)] for lab, kj in pos.items()}
        a = (1 - self.level) / 2
        for name, expr in plan.defined:
            v = float(evaluate(expr, est))
            se = lo = hi = np.nan
            if boot is not None:
                b = np.asarray(evaluate(expr, boot), dtype=float)
                b = b[np.isfinite(b)]
                se, lo, hi = b.std(ddof=1), np.quantile(b, a), np.quantile(b, 1 - a)
            z = v / se if se and np.isfinite(se) and se > 0 else np.nan
            rows.append((name, ":=", expr, v, se, z, 2 * _st.norm.sf(abs(z)), lo, hi))
        return pd.DataFrame(rows, columns=_COLS)

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects (``lhs`` the affected construct) with bootstrap
        SE and percentile CI."""
        lay = Layout.of(self.spec)
        c = self.spec.constructs
        sl = self._slices()
        Bm, T = self._est["B"], self._est["T"]
        d = self.paths.assign(effect="direct")
        t = self._frame([c[j] for _, j in lay.total], "total", [c[k] for k, _ in lay.total],
                        [T[k, j] for k, j in lay.total], sl[3]).assign(effect="total")
        i = self._frame([c[j] for _, j in lay.indirect], "indirect",
                        [c[k] for k, _ in lay.indirect],
                        [T[k, j] - Bm[k, j] for k, j in lay.indirect], sl[4]
                        ).assign(effect="indirect")
        out = pd.concat([d, i, t], ignore_index=True).drop(columns="op")
        return out[["lhs", "rhs", "effect", "est", "se", "z", "pvalue", "ci_lower", "ci_upper"]]

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R² and adjusted R² per endogenous construct."""
        sp = self.spec
        r2 = np.asarray(self._est["r2"], dtype=float)
        k = np.array([len(sp.predecessors(j)) for j in sp.endogenous])
        adj = 1 - (1 - r2) * (self.nobs - 1) / (self.nobs - k - 1)
        se, lo, hi = (x[self._slices()[5]] for x in self._inference)
        return pd.DataFrame({"r2": r2, "r2_adj": adj, "se": se, "ci_lower": lo, "ci_upper": hi},
                            index=pd.Index([sp.constructs[j] for j in sp.endogenous],
                                           name="construct"))

    @cached_property
    def it_criteria(self) -> pd.DataFrame:
        """AIC and BIC of every endogenous construct's regression, ``n ln(SSE / n) + 2 (k + 1)``
        and ``n ln(SSE / n) + (k + 1) ln n`` with ``SSE = (1 - R²)(n - 1)`` on the
        standardized scores (Sharma et al. 2019, JAIS 20(4); seminr's
        ``calculate_itcriteria``), for choosing between models of the same data."""
        r2, n = self.r2["r2"], self.nobs
        k = np.array([len(self.spec.predecessors(j)) for j in self.spec.endogenous]) + 1
        fit = n * np.log((1 - r2) * (n - 1) / n)
        return pd.DataFrame({"AIC": fit + 2 * k, "BIC": fit + k * np.log(n)})

    @cached_property
    def f2(self) -> pd.DataFrame:
        """Cohen's f² of every path, ``(R²_incl - R²_excl) / (1 - R²_incl)``, with
        ``R²_excl`` from re-estimating the model without the path, as seminr's ``fSquared``
        (Hair et al. 2022, ch. 6); ``f2_same_scores`` keeps the full model's scores."""
        from dataclasses import replace

        from .pipeline import estimate_batch
        same = _as.f_squared(self.spec, self._est["C"]).set_index(["lhs", "rhs"])["f2"]
        c = self.spec.constructs
        kw = dict(consistent=self.estimator == "PLSc", scheme=self.scheme,
                  tol=self.options.get("tol", 1e-7), max_iter=self.options.get("max_iter", 300))
        cols = {nm: self._raw[None, :, k] for k, nm in enumerate(self.plan.raw_items)}
        r2 = dict(zip([c[j] for j in self.spec.endogenous], self._est["r2"]))
        rows = []
        for k, j in self.spec.paths:
            src, dst = c[k], c[j]
            paths = tuple(p for p in self.plan.paths if p != (src, dst))
            excl = 0.0
            if any(t == dst for _, t in paths):
                with np.errstate(all="ignore"):
                    out = estimate_batch(cols, replace(self.plan, paths=paths), kw)
                sp = out["spec"]
                excl = float(out["r2"][0][list(sp.endogenous).index(sp.constructs.index(dst))])
            rows.append((dst, src, (r2[dst] - excl) / (1 - r2[dst]), same[(dst, src)]))
        return pd.DataFrame(rows, columns=["lhs", "rhs", "f2", "f2_same_scores"])

    @cached_property
    def vif_inner(self) -> pd.DataFrame:
        """VIF of the predictors of every endogenous construct."""
        return _as.vif_inner(self.spec, self._est["C"])

    @cached_property
    def vif_outer(self) -> pd.DataFrame:
        """VIF of the indicators within each block."""
        return _as.vif_outer(self.spec, self._S)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha, rho_A, rho_C and AVE per construct."""
        return _as.reliability(self.spec, self._S, self._est["L"], self._est["rho"])

    @cached_property
    def hoc_reliability(self) -> pd.DataFrame:
        """Reliability and convergent validity of higher-order constructs (Sarstedt et al.
        2019): the HOC-LOC relations serve as loadings (stage-2 loadings on the LOC scores in
        the two-stage approach, the HOC -> LOC paths with repeated indicators); rho_C and AVE
        from them, Cronbach's alpha from the correlations of the LOC scores."""
        plan = self.plan
        rows = []
        c = list(self.spec.constructs)
        hocs = {h: plan.blocks[h] for h in plan.hocs} if plan.hocs else dict(plan.repeated)
        sc = self.scores
        for h, dims in hocs.items():
            if plan.hocs:
                lam = self.outer_loadings.loc[list(dims), h].to_numpy()
            else:
                lam = np.array([self._est["B"][c.index(h), c.index(d)]
                                if plan.modes[h] == "A" else self._est["B"][c.index(d), c.index(h)]
                                for d in dims])
            R = sc[list(dims)].corr().to_numpy() if all(d in sc for d in dims) else \
                self._est["first"]["C"][np.ix_(*[[self._est["first"]["spec"].constructs
                                                  .index(d) for d in dims]] * 2)]
            k = len(dims)
            alpha = k / (k - 1) * (1 - k / R.sum()) if k > 1 else 1.0
            rhoc = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum())
            rows.append((h, ", ".join(dims), alpha, rhoc, float(np.mean(lam ** 2))))
        return pd.DataFrame(rows, columns=["construct", "dimensions", "alpha", "rhoC", "AVE"]
                            ).set_index("construct")

    @cached_property
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios (construct x construct)."""
        return _as.htmt(self.spec, self._S)

    @cached_property
    def htmt_inference(self) -> pd.DataFrame:
        """HTMT and HTMT2 of every construct pair with bootstrap SE and CI (NaN without
        ``se="bootstrap"``); see :mod:`trustmodel.pls.quality`."""
        c = self.spec.constructs
        pairs = _q.htmt_pairs(self.spec)
        S = self._S[None]
        sl = self._slices()
        out = []
        for name, geo, part in (("HTMT", False, sl[6]), ("HTMT2", True, sl[7])):
            est = _q.htmt_batch(S, self.spec, geometric=geo)[0]
            se, lo, hi = (x[part] for x in self._inference)
            out.append(pd.DataFrame({"lhs": [c[i] for i, _ in pairs],
                                     "rhs": [c[j] for _, j in pairs], "statistic": name,
                                     "est": est, "se": se, "ci_lower": lo, "ci_upper": hi}))
        return pd.concat(out, ignore_index=True)

    def specific_effect(self, *path) -> pd.Series:
        """Specific indirect effect along ``path`` (construct names, from the first to the
        last): the product of its path coefficients, with bootstrap SE and percentile CI
        (seminr's ``specific_effect_significance``).

        Examples
        --------
        >>> import trustmodel as tm
        >>> mobi = tm.datasets.load("mobi")
        >>> syntax = ("Image =~ IMAG1 + IMAG2 + IMAG3\\nSatisfaction =~ CUSA1 + CUSA2 + CUSA3\\n"
        ...           "Loyalty =~ CUSL1 + CUSL2 + CUSL3\\nSatisfaction ~ Image\\n"
        ...           "Loyalty ~ Satisfaction + Image")
        >>> res = tm.fit(syntax, mobi, estimator="PLS", se="bootstrap", bootstrap=100, seed=1,
        ...              progress=False)
        >>> eff = res.specific_effect("Image", "Satisfaction", "Loyalty")
        >>> bool(eff["ci_lower"] < eff["est"] < eff["ci_upper"])
        True
        """
        from .._errors import OptionError
        c = self.spec.constructs
        if len(path) < 3:
            raise OptionError("specific_effect() needs at least three constructs (from, "
                              "through..., to); a direct effect is in res.paths.")
        bad = [p for p in path if p not in c]
        if bad:
            raise OptionError(f"{bad[0]!r} is not a construct of the model.")
        steps = [(c.index(a), c.index(b)) for a, b in zip(path[:-1], path[1:])]
        missing = [f"{c[k]} -> {c[j]}" for k, j in steps if (k, j) not in self.spec.paths]
        if missing:
            raise OptionError(f"The model has no path {missing[0]}.")
        est = float(np.prod([self._est["B"][k, j] for k, j in steps]))
        out = {"est": est, "se": np.nan, "ci_lower": np.nan, "ci_upper": np.nan}
        if self.boot is not None:
            cols = [list(self.spec.paths).index(s) for s in steps]
            b = np.prod(self.boot[:, cols], axis=1)
            b = b[np.isfinite(b)]
            a = (1 - self.level) / 2
            out.update(se=float(b.std(ddof=1)), ci_lower=float(np.quantile(b, a)),
                       ci_upper=float(np.quantile(b, 1 - a)))
        return pd.Series(out, name=" -> ".join(path))

    @cached_property
    def fit_measures(self) -> pd.DataFrame:
        """SRMR, d_ULS and d_G of the saturated and the estimated composite model (Dijkstra &
        Henseler 2015); see :mod:`trustmodel.pls.quality`."""
        out = {k: np.asarray(self._est[k])[None] for k in ("S", "W", "C", "B")}
        vals = _q.model_fit(out, self.spec)[0]
        return pd.DataFrame(vals, index=["saturated", "estimated"],
                            columns=["srmr", "d_uls", "d_g"])

    def exact_fit_test(self, B: int = 1000, seed=None, n_jobs: int = 1) -> pd.DataFrame:
        """Bootstrap test of exact fit (Dijkstra & Henseler 2015): each discrepancy with its
        bootstrap quantiles HI95 and HI99 under the model, the p-value and the number of
        failed resamples."""
        from functools import partial

        from .._errors import OptionError
        from .._parallel import spawn_seeds
        from .bootstrap import run_bootstrap
        if self.plan.hocs or self.plan.interactions:
            raise OptionError("The exact-fit test needs a first-order model without "
                              "interaction terms.")
        out = {k: np.asarray(self._est[k])[None] for k in ("S", "W", "C", "B")}
        Rm = _q.implied_construct_correlations(out["C"], out["B"], self.spec)
        Sig = [_q.implied_item_correlations(out["S"], out["W"], R, self.spec)[0]
               for R in (out["C"], Rm)]
        obs = self.fit_measures.to_numpy()
        kw = dict(consistent=self.estimator == "PLSc", scheme=self.scheme,
                  tol=self.options.get("tol", 1e-7), max_iter=self.options.get("max_iter", 300))
        rows = []
        for m, (name, s) in enumerate(zip(("saturated", "estimated"), spawn_seeds(seed, 2))):
            X = _q.exact_fit_data(self._Z, self._S, Sig[m])
            stats, failed = run_bootstrap(X, self.spec.indicators, _first_order_plan(self), kw,
                                          self._est["W"], partial(_fit_stat, model=m), B=B,
                                          seed=s, n_jobs=n_jobs)
            ok = stats[np.all(np.isfinite(stats), axis=1)]
            for k, stat in enumerate(("srmr", "d_uls", "d_g")):
                rows.append((name, stat, obs[m, k], np.quantile(ok[:, k], 0.95),
                             np.quantile(ok[:, k], 0.99),
                             (1 + (ok[:, k] >= obs[m, k]).sum()) / (len(ok) + 1), failed))
        return pd.DataFrame(rows, columns=["model", "statistic", "value", "HI95", "HI99",
                                           "pvalue", "failed"])

    @cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """Construct correlations with sqrt(AVE) on the diagonal."""
        return _as.fornell_larcker(self.spec, self._est["C"], self.reliability["AVE"].to_numpy())

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlation of every indicator with every construct score."""
        c, i = self._names
        return pd.DataFrame(self._S @ self._est["W"], index=i, columns=c)

    def q2(self, omission_distance: int = 7) -> pd.DataFrame:
        """Stone-Geisser Q² by blindfolding: SSO, SSE and ``q2`` (cross-validated
        redundancy) and ``q2_communality`` per endogenous Mode A construct; see
        :mod:`trustmodel.pls.blindfold`.

        Examples
        --------
        >>> import trustmodel as tm
        >>> res = tm.fit("Image =~ IMAG1 + IMAG2 + IMAG3\\nSat =~ CUSA1 + CUSA2 + CUSA3\\n"
        ...              "Sat ~ Image", tm.datasets.load("mobi"), estimator="PLS")
        >>> bool(res.q2().loc["Sat", "q2"] > 0)
        True
        """
        from .blindfold import blindfold
        return blindfold(self, omission_distance)

    # ---------------------------------------------------------------- prediction
    def predict(self, new_data, technique: str = "DA") -> pd.DataFrame:
        """Predicted items for ``new_data`` (seminr's ``predict(model, testData,
        technique = predict_DA | predict_EA)``); see :mod:`trustmodel.pls.predict`."""
        from .predict import predict_result
        return predict_result(self, new_data, technique)

    # ---------------------------------------------------------------- index models
    def index(self, lower=None, upper=None) -> pd.Series:
        """0-100 ACSI/ECSI index of every construct; see :func:`trustmodel.acsi_index`."""
        return _ix.acsi_index(self, lower=lower, upper=upper)

    def ipma(self, target: str = "Satisfaction", lower=None, upper=None) -> pd.DataFrame:
        """Importance-performance map data for ``target``; see :func:`trustmodel.pls.index.ipma`."""
        return _ix.ipma(self, target=target, lower=lower, upper=upper)

    def unstandardized_weights(self, lower=None, upper=None) -> pd.DataFrame:
        """Index weights (unstandardized, summing to one within each block)."""
        return _ix.unstandardized_weights(self, lower=lower, upper=upper)

    # ---------------------------------------------------------------- reporting
    def _header(self) -> list:
        scheme = {"path": "path weighting", "factorial": "factorial", "centroid": "centroid"}
        state = (f"ended normally after {self.n_iter} iterations" if self.converged
                 else f"did NOT converge in {self.n_iter} iterations")
        lines = [f"trustmodel {self.estimator} ({scheme[self.scheme]} scheme) {state}",
                 f"  Number of observations: {self.nobs}"]
        if self.boot is not None:
            lines.append(f"  Bootstrap: {self.boot.shape[0]} resamples "
                         f"({self.n_boot_failed} failed), "
                         f"{'BCa' if self._jack is not None else 'percentile'} CI at "
                         f"{self.level:.0%}")
        return lines

    def _notes(self) -> list:
        notes = [str(w) for w in self.warnings]
        if self.boot is None:
            notes.append("No standard errors: PLS inference needs se='bootstrap'.")
        return [f"[{i + 1}] {t}" for i, t in enumerate(notes)]

    def summary(self):
        """Summary: header, paths, R², measurement, reliability, HTMT, fit, notes; ``str``,
        ``_repr_html_``, ``to_markdown()``, ``to_latex()`` (see :mod:`trustmodel.pls.report`)."""
        from .report import PLSSummary
        return PLSSummary(self)

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def to_dict(self) -> dict:
        """JSON-safe dictionary under the ``trustmodel.fit/1`` schema (report/fit_schema.json)
        plus PLS sections; see :func:`trustmodel.pls.report.to_dict`."""
        from .report import to_dict
        return to_dict(self)

    def to_json(self, path=None, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (written to ``path`` too when given)."""
        from .report import to_json
        return to_json(self, path, indent=indent)

    def plot(self, **kwargs):
        """Path diagram (matplotlib): see :func:`trustmodel.pls.report.plot_pls`."""
        from .report import plot_pls
        return plot_pls(self, **kwargs)
