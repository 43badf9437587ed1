"""FitResult: immutable, built once by ``tm.fit``; tidy pandas views computed lazily."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats as sst

from ..data import SampleStats
from ..estimation.core.fitting import FitState
from ..estimation.core.linalg import se_from_variances
from ..estimation.fit_measures.assemble import fit_measures as assemble_fit_measures
from ..estimation.fit_measures.statistics import FitStatistics, fit_statistics, model_df
from ..estimation.inference.defined import Definitions
from ..syntax import ParameterTable
from ..model.standardized import standardize
from .._warnings import recorded_warnings

#: guards the one-time addition of lazily issued warnings to ``FitResult.warnings``
_LAZY = threading.Lock()

PARAM_COLUMNS = ["lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci_lower",
                 "ci_upper", "std_lv", "std_all"]


@dataclass(frozen=True)


class FitResult:
    """The result of :func:`trustmodel.fit`.

    Attributes
    ----------
    params : pandas.DataFrame
        One row per parameter in lavaan's order (defined parameters included): ``lhs op rhs
        group label est se z pvalue ci_lower ci_upper std_lv std_all``.
    fit_measures : pandas.Series
        lavaan's ``fitMeasures`` names with "." -> "_", a pure function of ``statistics``.
    statistics : FitStatistics
        The test statistics (standard, scaled, FIML-corrected) and the baseline model, computed
        once on first use (``estimation/fit_measures/statistics.py``).
    converged : bool
    n_iter : int
    warnings : tuple of RecordedWarning (category, message)
        Those of the fit and, once ``statistics`` / ``fit_measures`` is first read, those the
        test-statistic and baseline step issued (a baseline refit's, a pseudo-inverse's).
    options : dict
    seed : int or None
    table : ParameterTable
    """

    table: ParameterTable
    stats: SampleStats
    state: FitState
    vcov_free: np.ndarray
    warnings: tuple = ()
    options: dict = field(default_factory=dict)
    seed: int | np.random.SeedSequence | np.random.Generator | None = None
    se_kind: str = "standard"
    extra: dict = field(default_factory=dict)

    # ----- basic facts -------------------------------------------------------------------
    @property
    def converged(self) -> bool:
        return self.state.converged

    @property
    def n_iter(self) -> int:
        return int(self.state.optim.iterations)

    @property
    def estimator(self) -> str:
        return self.options.get("estimator", "ML")

    @property
    def nobs(self) -> int:
        return self.stats.ntotal

    @property
    def bootstrap(self):
        """The bootstrap draws (:class:`~trustmodel.estimation.inference.bootstrap.BootstrapResult`):
        ``draws``, ``defined``, ``failed``, ``chisq`` (Bollen-Stine); None without a bootstrap."""
        return self.extra.get("bootstrap")

    @property
    def x(self) -> np.ndarray:
        out = self.state.x.copy()
        out.flags.writeable = False
        return out

    # ----- parameter table -----------------------------------------------------------------
    @cached_property
    def _definitions(self) -> Definitions:
        return Definitions(self.table)

    @cached_property
    def _defined(self):
        d = self._definitions
        if not len(d):
            return np.zeros(0), np.zeros((0, 0))
        est = d.evaluate(self.state.values)
        J = d.jacobian(self.state.x, self.state.problem.values)
        return est, J @ self.vcov_free @ J.T

    @cached_property
    def _params(self) -> pd.DataFrame:
        rows = self.table.rows
        par_mask = (rows["op"] != ":=").to_numpy()
        n = len(rows)
        est = np.full(n, np.nan)
        se = np.zeros(n)
        est[par_mask] = self.state.values
        free = rows["free"].to_numpy().astype(int)
        fsel = free > 0
        sd_free = se_from_variances(np.diag(self.vcov_free))
        se[fsel] = sd_free[free[fsel] - 1]
        dest, dcov = self._defined
        if len(dest):
            est[~par_mask] = dest
            se[~par_mask] = se_from_variances(np.diag(dcov))
        if "se" in self.extra:  # bootstrap SDs (defined rows from their own draws, as lavaan)
            se = np.asarray(self.extra["se"], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        pval = 2 * sst.norm.sf(np.abs(z))
        level = self.options.get("level", 0.95)
        q = sst.norm.ppf(0.5 + level / 2)
        lo, hi = est - q * se, est + q * se
        std_lv, std_all = standardize(self.table, self.state.problem.model,
                                      np.concatenate([self.state.values, est[~par_mask]]),
                                      self._definitions)
        groups = rows["group"].to_numpy()
        glabels = [g.label for g in self.stats.groups]
        group_col: list | np.ndarray
        if self.table.ngroups > 1:
            group_col = [glabels[g - 1] if g > 0 else "" for g in groups]
        else:
            group_col = np.where(groups > 0, 1, 0)
        df = pd.DataFrame({"lhs": rows["lhs"], "op": rows["op"], "rhs": rows["rhs"],
                           "group": group_col, "label": rows["label"], "est": est, "se": se,
                           "z": z, "pvalue": pval, "ci_lower": lo, "ci_upper": hi,
                           "std_lv": std_lv, "std_all": std_all})
        if "ci" in self.extra:  # bootstrap or other interval source
            ci_lo, ci_hi = self.extra["ci"]
            df["ci_lower"], df["ci_upper"] = ci_lo, ci_hi
        return df

    @property
    def params(self) -> pd.DataFrame:
        """Parameter estimates (a fresh copy: the result itself never changes)."""
        return self._params.copy()

    @cached_property
    def _effects(self) -> pd.DataFrame:
        from .effects import effects_table
        return effects_table(self)

    @property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects among latent variables with delta-method SEs.

        Columns ``name kind from to via est se z pvalue ci_lower ci_upper``; the effects a
        theory builder names (e.g. ``PERF->DISC->SAT``) come first. See
        :func:`trustmodel.results.effects.effects_table`.
        """
        return self._effects.copy()

    # ----- test statistics and fit measures (estimation/fit_measures/) -----------------------
    @cached_property
    def statistics(self) -> FitStatistics:
        """The test-statistic and baseline step, computed once on first use; ``fit_measures``
        reads it. See :class:`~trustmodel.estimation.fit_measures.statistics.FitStatistics`."""
        with recorded_warnings() as caught:   # e.g. a baseline refit's: kept on res.warnings
            out = fit_statistics(self.table, self.stats, self.state, self.estimator,
                                 self.extra.get("fit_measures", {}))
        return self._keep_lazy("statistics", out, caught)

    def _keep_lazy(self, name: str, value, caught):
        """``value`` of the lazily computed ``name``, its warnings added to ``warnings`` once
        (when two threads compute it at the same time, the first one's result is kept)."""
        with _LAZY:
            done = self.__dict__.setdefault("_lazy_done", {})
            if name not in done:
                done[name] = value
                if caught:
                    object.__setattr__(self, "warnings", tuple(self.warnings) + tuple(caught))
            return done[name]

    @cached_property
    def _fit_measures(self) -> pd.Series:
        return assemble_fit_measures(self.statistics)

    @property
    def fit_measures(self) -> pd.Series:
        return self._fit_measures.copy()

    # ----- moments -----------------------------------------------------------------------------
    @cached_property
    def _implied(self):
        imps = self.state.problem.implied(self.state.x)
        names = self.table.names.ov
        out = []
        for imp in imps:
            d = {"cov": pd.DataFrame(imp.sigma, index=names, columns=names)}
            if self.state.problem.model.meanstructure:
                d["mean"] = pd.Series(imp.mu, index=names)
            out.append(d)
        return out

    @property
    def implied(self):
        """Model-implied moments: dict with 'cov' (and 'mean'); a list of them per group."""
        out = [{k: v.copy() for k, v in d.items()} for d in self._implied]
        return out[0] if len(out) == 1 else out

    @property
    def sample(self):
        """Sample moments used in the fit (N-divisor covariance, means)."""
        names = self.table.names.ov
        out = [{"cov": pd.DataFrame(g.cov, index=names, columns=names),
                "mean": pd.Series(g.mean, index=names), "nobs": g.nobs}
               for g in self.stats.groups]
        return out[0] if len(out) == 1 else out

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the free parameters, labelled ``lhs op rhs`` (first row)."""
        labels = self.table.free_names()
        return pd.DataFrame(self.vcov_free.copy(), index=labels, columns=labels)

    # ----- lavaan-style accessors (results/accessors.py) ---------------------------------------
    def parameter_estimates(self, level: float = 0.95, standardized=True, ci: bool = True,
                            rsquare: bool = False) -> pd.DataFrame:
        """lavaan's ``parameterEstimates``; see :func:`results.accessors.parameter_estimates`.

        ``level`` sets the confidence level now (bootstrap fits recompute their interval
        from the stored draws); ``standardized`` True adds ``std_lv std_all std_nox`` (or
        name some of them); ``rsquare`` appends ``op == "r2"`` rows.

        Examples
        --------
        >>> import trustmodel as tm
        >>> res = tm.fit("visual =~ x1 + x2 + x3", tm.datasets.load("holzinger_swineford"))
        >>> pe = res.parameter_estimates(level=0.90, rsquare=True)
        >>> list(pe.columns[-5:])
        ['ci_lower', 'ci_upper', 'std_lv', 'std_all', 'std_nox']
        """
        from .accessors import parameter_estimates
        return parameter_estimates(self, level=level, standardized=standardized, ci=ci,
                                   rsquare_rows=rsquare)

    def inspect(self, what: str):
        """lavaan's ``lavInspect``: "cov.lv", "cor.lv", "rsquare", "sampstat", "implied",
        "information", "coverage", "patterns", "converged", "iterations" (also "nobs",
        "npar", "group.label"); one value per group as ``{label: value}``. See
        :func:`results.accessors.inspect`.

        Examples
        --------
        >>> import trustmodel as tm
        >>> res = tm.fit("visual =~ x1 + x2 + x3", tm.datasets.load("holzinger_swineford"))
        >>> res.inspect("converged"), round(float(res.inspect("rsquare")["x1"]), 3)
        (True, 0.386)
        """
        from .accessors import inspect
        return inspect(self, what)

    # ----- post-fit diagnostics (diagnostics/, imported lazily) --------------------------------
    def factor_scores(self, method: str = "regression", index=None) -> pd.DataFrame:
        """Factor scores as lavaan's ``lavPredict``; see :func:`diagnostics.factor_scores`."""
        from ..diagnostics.factor_scores import factor_scores
        return factor_scores(self, method=method, index=index)

    def modification_indices(self, sort: bool = True, op=None, minimum=None) -> pd.DataFrame:
        """lavaan's ``modindices``; see :func:`diagnostics.modindices.modification_indices`."""
        from ..diagnostics.modindices import modification_indices
        return modification_indices(self, sort=sort, op=op, minimum=minimum)

    def residuals(self, type: str = "raw"):
        """lavaan's ``lavResiduals``/``residuals``; see :func:`diagnostics.residuals.residuals`."""
        from ..diagnostics.residuals import residuals
        return residuals(self, type=type)

    def largest_residuals(self, n: int = 10, type: str = "cor") -> pd.DataFrame:
        """The ``n`` largest residuals in absolute value (tidy, one row per pair)."""
        from ..diagnostics.residuals import largest_residuals
        return largest_residuals(self, n=n, type=type)

    @cached_property
    def reliability(self):
        """Alpha, composite reliability (omega), AVE per construct; see ``tm.reliability``."""
        from ..diagnostics.reliability import reliability
        return reliability(self)

    def drivers(self, outcome: str, predictors=None, **kwargs):
        """Key drivers of a (latent) outcome from the implied covariances; see ``tm.drivers``."""
        from ..practice.drivers import drivers
        return drivers(self, outcome=outcome, predictors=predictors, **kwargs)

    # ----- reports ---------------------------------------------------------------------------
    def summary(self):
        """A lavaan-like report (an object with text, HTML, LaTeX and Markdown forms)."""
        from ..report.summary import Summary
        return Summary(self)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def to_dict(self) -> dict:
        """JSON-safe dictionary (schema ``trustmodel.fit/1``); see :func:`report.to_dict`."""
        from ..report.serialize import to_dict
        return to_dict(self)

    def to_json(self, path=None, *, indent: int | None = 2) -> str:
        """JSON text of :meth:`to_dict` (written to ``path`` if given)."""
        from ..report.serialize import to_json
        return to_json(self, path, indent=indent)

    def plot(self, **kwargs):
        """Path diagram (matplotlib Figure); see :func:`trustmodel.plotting.plot_path`."""
        from ..plotting import plot_path
        return plot_path(self, **kwargs)

    def __repr__(self) -> str:
        status = "converged" if self.converged else "NOT converged"
        # constant time: the statistic is 2 N fmin for every estimator (FIML included), so the
        # test-statistic step (baselines, scaled tests) is not run for a repr
        chisq = 2 * self.nobs * self.state.fmin
        df = model_df(self.table, self.stats, self.state.problem.npar)
        return (f"<FitResult {self.estimator}, N={self.nobs}, {status} after {self.n_iter} "
                f"iterations, chisq={chisq:.3f}, df={df}>")
