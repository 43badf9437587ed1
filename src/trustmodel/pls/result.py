"""``PLSResult``: an immutable PLS / PLSc fit with lazy tidy views."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats as _st

from . import assessment as _as
from . import index as _ix

_COLS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci_lower", "ci_upper"]


@dataclass(frozen=True)
class Layout:
    """Where each bootstrapped statistic sits in the replicate vector."""

    paths: tuple          # (k, j)
    items: tuple          # (i, block)
    total: tuple          # (k, j) pairs with a possible total effect
    indirect: tuple       # (k, j) pairs with a possible indirect effect
    n_endo: int

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
        return cls(tuple(spec.paths), items, total, indirect, len(spec.endogenous))

    @property
    def sizes(self):
        return (len(self.paths), len(self.items), len(self.items), len(self.total),
                len(self.indirect), self.n_endo)


def stat_vector(out: dict, layout: Layout) -> np.ndarray:
    """Replicate statistics ``(b, k)``: paths, loadings, weights, total, indirect, R²."""
    def pick(arr, pairs):
        if not pairs:
            return np.zeros((arr.shape[0], 0))
        a, b = np.array(pairs).T
        return arr[:, a, b]
    Bm, T = out["B"], out["T"]
    return np.concatenate([pick(Bm, layout.paths), pick(out["L"], layout.items),
                           pick(out["W"], layout.items), pick(T, layout.total),
                           pick(T - Bm, layout.indirect), out["r2"]], axis=1)


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

    # ---------------------------------------------------------------- matrices
    @property
    def _names(self):
        return list(self.spec.constructs), list(self.spec.indicators)

    @cached_property
    def outer_weights(self) -> pd.DataFrame:
        """Indicator x construct matrix of standardized outer weights (seminr's ``outer_weights``)."""
        c, i = self._names
        return pd.DataFrame(self._est["W"], index=i, columns=c)

    @cached_property
    def outer_loadings(self) -> pd.DataFrame:
        """Indicator x construct loadings (corrected under PLSc; seminr's ``outer_loadings``)."""
        c, i = self._names
        return pd.DataFrame(self._est["L"], index=i, columns=c)

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
        sc = pd.DataFrame(self._Z @ self._est["W"], index=self._rows, columns=c)
        return sc if len(self._rows) == len(self._all_rows) else sc.reindex(self._all_rows)

    # ---------------------------------------------------------------- tidy tables
    @cached_property
    def _inference(self):
        """(se, ci_lower, ci_upper) per bootstrapped statistic (NaN without bootstrap)."""
        k = sum(Layout.of(self.spec).sizes)
        if self.boot is None:
            nan = np.full(k, np.nan)
            return nan, nan, nan
        b = self.boot[np.all(np.isfinite(self.boot), axis=1)]
        a = (1 - self.level) / 2
        se = b.std(axis=0, ddof=1)
        lo, hi = np.quantile(b, [a, 1 - a], axis=0)
        return se, lo, hi

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
        return pd.concat([self.paths, self.loadings, self.weights], ignore_index=True)

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
    def f2(self) -> pd.DataFrame:
        """Cohen's f² of every path (effect of leaving ``rhs`` out of the equation of ``lhs``)."""
        return _as.f_squared(self.spec, self._est["C"])

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
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios (construct x construct)."""
        return _as.htmt(self.spec, self._S)

    @cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """Construct correlations with sqrt(AVE) on the diagonal."""
        return _as.fornell_larcker(self.spec, self._est["C"], self.reliability["AVE"].to_numpy())

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlation of every indicator with every construct score."""
        c, i = self._names
        return pd.DataFrame(self._S @ self._est["W"], index=i, columns=c)

    # ---------------------------------------------------------------- index models
    def index(self, lower=1, upper=10) -> pd.Series:
        """0-100 ACSI/ECSI index of every construct; see :func:`trustmodel.acsi_index`."""
        return _ix.acsi_index(self, lower=lower, upper=upper)

    def ipma(self, target: str = "Satisfaction", lower=1, upper=10) -> pd.DataFrame:
        """Importance-performance map data for ``target``; see :func:`trustmodel.pls.index.ipma`."""
        return _ix.ipma(self, target=target, lower=lower, upper=upper)

    def unstandardized_weights(self, lower=1, upper=10) -> pd.DataFrame:
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
                         f"({self.n_boot_failed} failed), percentile CI at {self.level:.0%}")
        return lines

    def _notes(self) -> list:
        notes = [str(w) for w in self.warnings]
        if self.boot is None:
            notes.append("No standard errors: PLS inference needs se='bootstrap'.")
        return [f"[{i + 1}] {t}" for i, t in enumerate(notes)]

    def summary(self) -> "PLSSummary":
        """Text / HTML summary: header, paths, R², reliability, notes."""
        return PLSSummary(self)

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def to_dict(self) -> dict:
        """JSON-safe dictionary: options, convergence, params, effects, r2, reliability."""
        def recs(df):
            return [{k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                     for k, v in r.items()} for r in df.to_dict(orient="records")]
        import numpy as _np
        from .._version import __version__
        return {"estimator": self.estimator, "scheme": self.scheme, "nobs": int(self.nobs),
                "converged": bool(self.converged), "n_iter": int(self.n_iter),
                "params": recs(self.params), "effects": recs(self.effects),
                "r2": recs(self.r2.reset_index()), "reliability": recs(self.reliability.reset_index()),
                "bootstrap": None if self.boot is None else int(self.boot.shape[0]),
                "bootstrap_failed": int(self.n_boot_failed),
                "warnings": [str(w) for w in self.warnings],
                "options": {k: v for k, v in self.options.items()
                            if isinstance(v, (str, int, float, bool, type(None)))},
                "seed": self.seed if isinstance(self.seed, (int, type(None))) else str(self.seed),
                "versions": {"trustmodel": __version__, "numpy": _np.__version__}}


class PLSSummary:
    """Summary of a :class:`PLSResult` (``str`` and ``_repr_html_``)."""

    def __init__(self, res: PLSResult):
        self.res = res

    def _tables(self):
        r = self.res
        show = ["est", "se", "ci_lower", "ci_upper"] if r.boot is not None else ["est"]
        paths = r.paths.set_index(["lhs", "op", "rhs"])[show]
        meas = r.params[r.params.op != "~"].set_index(["lhs", "op", "rhs"])[show]
        return [("Paths", paths), ("R-squared", r.r2[["r2", "r2_adj"]]),
                ("Measurement", meas), ("Reliability", r.reliability)]

    def __str__(self) -> str:
        out = list(self.res._header())
        for title, df in self._tables():
            out += ["", f"{title}:", df.to_string(float_format=lambda v: f"{v:.3f}")]
        notes = self.res._notes()
        if notes:
            out += ["", "Notes:"] + notes
        return "\n".join(out)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = ["<div>", "<br>".join(self.res._header())]
        for title, df in self._tables():
            parts += [f"<h4>{title}</h4>", df.to_html(float_format=lambda v: f"{v:.3f}")]
        notes = self.res._notes()
        if notes:
            parts += ["<h4>Notes</h4>", "<br>".join(notes)]
        return "\n".join(parts + ["</div>"])
