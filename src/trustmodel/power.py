"""Monte Carlo power analysis: simulate, fit, test, many times per sample size.

:func:`power` repeats "draw from the population model (:mod:`trustmodel.simulate`), fit the
analysis model, test the effects of interest" and reports how often each effect is
significant, with a Monte Carlo interval. Without Likert cutting, each replication draws its
covariance matrix straight from the Wishart distribution and refits warm from the population
solution, so a thousand replications take seconds.
"""
from __future__ import annotations

import ast
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sstats

from ._errors import OptionError
from ._parallel import (
    BACKENDS,
    effective_jobs,
    parallel_map,
    resolve_progress,
    spawn_seeds,
)
from ._validation import check_option, did_you_mean
from .data import GroupStats, SampleStats
from .estimation.core.fitting import build_problem
from .estimation.core.numdiff import jacobian
from .estimation.core.optimize import minimize
from .estimation.inference.defined import Definitions
from .model.population import parse_key as _parse_key
from .simulate import (
    _check_likert,
    _check_n,
    _discretize,
    _draw,
    _thresholds,
    population_model,
)
from .syntax import ParameterTable, build_table
from .syntax.statements import statements_of

__all__ = ["PowerTable", "power"]


def _free_statements(statements):
    """The analysis model of a population syntax: fixed values freed, labels kept."""
    out = []
    for s in statements:
        if s.op in (":=", "==", "<", ">") or not s.modifier.fixed:
            out.append(s)
            continue
        out.append(replace(s, modifier=replace(s.modifier, fixed=(), free=())))
    return out


@dataclass(frozen=True)
class _Effect:
    name: str
    kind: str              # "free" or "defined"
    index: int             # free index, or position among the definitions


def _resolve_effects(table, effect) -> list[_Effect]:
    rows = table.rows
    par = rows[rows["op"] != ":="]
    defined = rows.loc[rows["op"] == ":=", "lhs"].to_list()

    def row_effect(r) -> _Effect:
        name = f"{r.lhs} {r.op} {r.rhs}" if r.op != "~1" else f"{r.lhs} ~1"
        if not r.free:
            raise OptionError(f"effect= {name!r} is fixed in the analysis model; only free or "
                              "defined parameters can be tested.")
        return _Effect(name, "free", int(r.free) - 1)

    if effect is None:
        out = [_Effect(d, "defined", j) for j, d in enumerate(defined)]
        out += [row_effect(r) for r in par.itertuples(index=False) if r.op == "~"]
        if not out:
            raise OptionError("The model has no regression paths or defined (:=) effects; name "
                              "the parameters to test with effect=.")
        return out
    wanted = [effect] if isinstance(effect, (str, tuple)) else list(effect)
    out = []
    for w in wanted:
        key = _parse_key(w) if isinstance(w, str) else tuple(w)
        if isinstance(key, str) and key in defined:
            out.append(_Effect(key, "defined", defined.index(key)))
            continue
        hit = None
        for r in par.itertuples(index=False):
            if (isinstance(key, str) and r.label == key) or (
                    isinstance(key, tuple) and ((r.lhs, r.op, r.rhs) == key
                                                or (r.op == "~~" and (r.rhs, r.op, r.lhs) == key))):
                hit = r
                break
        if hit is None:
            known = defined + [l for l in par["label"] if l] + \
                [f"{a} ~ {b}" for a, o, b in zip(par["lhs"], par["op"], par["rhs"]) if o == "~"]
            raise OptionError(f"effect= {w!r} is neither a defined (:=) parameter, a label nor a "
                              "parameter 'lhs op rhs' of the analysis model."
                              + did_you_mean([str(w)], known))
        e = row_effect(hit)
        out.append(_Effect(str(w) if isinstance(key, str) else e.name, e.kind, e.index))
    return out


def _referenced_free(table, defs: Definitions) -> np.ndarray:
    """Free-parameter indices the definitions can depend on (their Jacobian columns)."""
    names = set()
    for r in table.rows.itertuples(index=False):
        if r.op == ":=":
            names |= {n.id for n in ast.walk(ast.parse(r.rhs.replace("^", "**"), mode="eval"))
                      if isinstance(n, ast.Name)}
    free = table.rows.loc[table.rows["op"] != ":=", "free"].to_numpy()
    idx = {int(free[k]) - 1 for name, k in defs.lookup.items() if name in names and free[k] > 0}
    return np.asarray(sorted(idx), dtype=int)


@dataclass
class _Study:
    """Everything a worker needs to fit one replicate (picklable; caches built lazily)."""

    table: ParameterTable
    estimator: str
    sigma: np.ndarray
    mu: np.ndarray
    x0: np.ndarray
    effects: list
    likert: int | None
    cuts: np.ndarray | None

    def __getstate__(self):
        state = dict(self.__dict__)
        for k in ("_problem", "_defs", "_chol", "_dref"):
            state.pop(k, None)
        return state

    def _setup(self):
        if "_problem" in self.__dict__:
            return
        stats = SampleStats(names=list(self.table.names.ov),
                            groups=[GroupStats(label=None, nobs=1000, cov=self.sigma,
                                               mean=self.mu)])
        self._problem, _ = build_problem(self.table, stats, self.estimator)
        self._defs = Definitions(self.table)
        self._dref = _referenced_free(self.table, self._defs) if len(self._defs) else None
        self._chol = np.linalg.cholesky(self.sigma)

    def moments(self, rng, n):
        """Sample covariance (estimator's divisor) and means of one replicate."""
        p = len(self.mu)
        if self.likert is None:
            # Bartlett decomposition: W = L A A' L' ~ Wishart(n - 1, Sigma)
            A = np.tril(rng.standard_normal((p, p)), -1)
            A[np.diag_indices(p)] = np.sqrt(rng.chisquare(n - 1 - np.arange(p)))
            LA = self._chol @ A
            W = LA @ LA.T
            mean = self.mu + self._chol @ rng.standard_normal(p) / np.sqrt(n)
        else:
            x = _draw(rng, self.sigma, self.mu, n, False)
            x = _discretize(x, self.mu, np.sqrt(np.diag(self.sigma)), self.cuts).astype(float)
            mean = x.mean(axis=0)
            xc = x - mean
            W = xc.T @ xc
        div = n if self.estimator == "ML" else n - 1
        return W / div, mean

    def fit_one(self, rng, n):
        self._setup()
        m = len(self.effects)
        est, se = np.full(m, np.nan), np.full(m, np.nan)
        S, mean = self.moments(rng, n)
        if np.any(np.diag(S) <= 0):
            return est, se, False
        try:
            prob = self._problem.with_moments([S], [mean], [n])
        except np.linalg.LinAlgError:
            return est, se, False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = minimize(prob, self.x0)
            if not res.converged or res.info is None:
                return est, se, False
            try:
                vcov = np.linalg.inv(res.info) / n
            except np.linalg.LinAlgError:
                return est, se, False
            dvals = dgrad = None
            for j, e in enumerate(self.effects):
                if e.kind == "free":
                    est[j], se[j] = res.x[e.index], np.sqrt(max(vcov[e.index, e.index], 0.0))
                    continue
                if dvals is None:
                    dvals, dgrad = self._defined(prob, res.x)
                g = dgrad[e.index]
                est[j] = dvals[e.index]
                se[j] = np.sqrt(max(g @ vcov[np.ix_(self._dref, self._dref)] @ g, 0.0))
        return est, se, True

    def _defined(self, prob, x):
        vals = self._defs.evaluate(prob.values(x))
        J = jacobian(lambda z: self._defs.evaluate(prob.values(z)), x, columns=self._dref)
        return vals, J

    def run(self, tasks) -> list:
        """Fit a chunk of (n, seed) replicates: one (est, se, converged) per replicate."""
        return [self.fit_one(np.random.default_rng(ss), n) for n, ss in tasks]


def _wilson(k: np.ndarray, m: np.ndarray, level: float = 0.95):
    z = sstats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        den = 1 + z ** 2 / m
        centre = (p + z ** 2 / (2 * m)) / den
        half = z * np.sqrt(p * (1 - p) / m + z ** 2 / (4 * m ** 2)) / den
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


class PowerTable(pd.DataFrame):
    """The tidy result of :func:`power`: a DataFrame with a readable ``__str__``.

    Columns ``n effect power mc_ci_lower mc_ci_upper n_converged reps population mean_est
    mean_se sd_est``; the settings (reps, alpha, estimator, seed, seconds) are in ``attrs``.
    Derived frames (slices, ``query``) are plain DataFrames.
    """

    @property
    def _constructor(self):
        return pd.DataFrame

    def __str__(self) -> str:
        a = self.attrs
        head = (f"Monte Carlo power analysis: {a.get('reps')} replications per N, "
                f"alpha = {a.get('alpha')}, estimator {a.get('estimator')}, seed {a.get('seed')}"
                + (f", Likert {a['likert']}" if a.get("likert") else "")
                + f" ({a.get('seconds', float('nan')):.1f} s)")
        show = pd.DataFrame(self).copy()
        body = show.to_string(index=False, float_format=lambda v: f"{v:.3f}")
        notes = ["Notes:",
                 "[1] power: share of converged replications whose two-sided Wald test "
                 "rejects 0 at alpha.",
                 "[2] mc_ci_*: 95% Wilson interval for the Monte Carlo error of power.",
                 "[3] population: the value the estimates target (analysis-model metric)."]
        return "\n".join([head, "", body, "", *notes])


def power(model, n: int | Iterable[int] = (100, 200, 300, 500), effect=None, reps: int = 1000,
          alpha: float = 0.05, seed=None, n_jobs: int = 1, progress: bool | None = None,
          estimator: Literal["ML", "GLS", "ULS"] = "ML", *, population: dict | None = None,
          analysis=None, likert: int | None = None, standardized: bool | None = None,
          backend: str = "threads") -> PowerTable:
    """Monte Carlo power analysis: how often is each effect significant at each sample size?

    For every N, ``reps`` samples are drawn from the population model, the analysis model is
    fitted to each, and an effect counts as detected when its two-sided Wald test has p <
    ``alpha`` (delta-method standard errors for defined ``:=`` effects), as simsem's ``sim``
    or Muthén & Muthén's (2002) Mplus Monte Carlo approach. Normal data need no raw rows: the
    sample covariance matrix is drawn from its Wishart distribution (Bartlett decomposition)
    and the means from their normal distribution, and each fit starts from the population
    solution, which makes 1000 replications take seconds.

    Parameters
    ----------
    model : str, ParameterTable or theory builder
        Population model as in :func:`simulate`.
    n : int or sequence of int
        Sample sizes.
    effect : str or sequence, optional
        Effects to report: a defined parameter (``"exp_disc_sat"``), a label (``"a"``) or
        ``"lhs op rhs"`` (``"SAT ~ DISC"``). Default: every defined effect and every regression.
    reps : int
        Replications per sample size.
    alpha : float
        Significance level of the two-sided test.
    seed : int or numpy.random.Generator, optional
        Every replicate gets its own generator spawned from it (``SeedSequence.spawn``), so
        results do not depend on ``n_jobs`` or the backend.
    n_jobs : int
        Worker processes (joblib; -1 all cores).
    progress : bool, optional
        Show a tqdm progress bar (default: when stderr is a terminal).
    estimator : {"ML", "GLS", "ULS", "WLSMV", "DWLS", "WLS", "ULSMV", "WLSM"}
        An ordinal estimator (with ``likert=``) analyses each replicate's Likert items as
        ordinal, in lavaan's three stages (one raw-data fit per replicate: slower);
        ``analysis="WLSMV"`` says the same. See :mod:`trustmodel.power_ordinal`.
    population : dict, optional
        Population values overriding the model's (see :func:`simulate`).
    analysis : str, ParameterTable or builder, optional
        The model fitted to each sample. Default: the builder's syntax, or the population
        syntax with its fixed values freed (lavaan's default identification: first loading 1).
    likert : int, optional
        Cut the data into ``1..likert`` categories (raw rows are drawn; slower).
    standardized : bool, optional
        As in :func:`simulate`.
    backend : {"threads", "loky", "threading", "sequential", "dask"}
        Backend for ``n_jobs != 1``: "threads" (default, no process start-up), "loky"
        processes, or "dask" (replications as tasks on the active dask client).

    Returns
    -------
    PowerTable
        A DataFrame, one row per N and effect: ``n effect power mc_ci_lower mc_ci_upper
        n_converged reps population mean_est mean_se sd_est``.

    References
    ----------
    Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to decide on sample
    size and determine power. Structural Equation Modeling, 9(4), 599-620.
    https://doi.org/10.1207/S15328007SEM0904_8

    Examples
    --------
    >>> import trustmodel as tm
    >>> pop = "f =~ 0.8*x1 + 0.7*x2 + 0.7*x3\\ny ~ 0.3*f"
    >>> res = tm.power(pop, n=[100, 300], reps=200, seed=1, standardized=True)
    >>> res[["n", "effect", "power"]].round(2).values.tolist()
    [[100, 'y ~ f', 0.76], [300, 'y ~ f', 1.0]]
    """
    if isinstance(analysis, str) and analysis in _ORDINAL:   # analysis="WLSMV" etc.
        estimator, analysis = analysis, None
    ordinal = estimator in _ORDINAL
    ns, reps, checked, likert = _check_options(n, reps, alpha, "ML" if ordinal else estimator,
                                               likert, backend)
    if ordinal and not likert:
        raise OptionError(f"estimator={estimator!r} analyses ordinal data; give likert= (the "
                          "number of categories to cut the simulated data into).")
    estimator = estimator if ordinal else checked
    t0 = time.perf_counter()
    *per_n, extra = spawn_seeds(seed, len(ns) + 1)   # replicate r of the k-th N: per_n[k][r]

    pop = population_model(model, population, standardized=standardized)
    table = _analysis_table(model, analysis)
    sigma, mu = _analysis_moments(table, pop)
    effects = _resolve_effects(table, effect)
    cuts = _thresholds(likert, "symmetric") if likert else None
    if ordinal:   # Likert samples analysed by WLSMV & co. (power_ordinal.py)
        parts, effects, truth = _ordinal_parts(table, sigma, mu, cuts, ns, reps, per_n, extra,
                                               effect, estimator, likert)
        return _power_table(parts, ns, reps, effects, truth, alpha, seed, estimator, likert,
                            n_jobs, t0)
    study = _Study(table=table, estimator=estimator, sigma=sigma, mu=mu, x0=np.zeros(0),
                   effects=effects, likert=likert, cuts=cuts)
    study._setup()
    if likert:   # the estimates target the moments of the discretized data
        sigma, mu = _likert_moments(np.random.default_rng(extra), sigma, mu, cuts)
    study.x0, truth = _population_solution(study, sigma, mu, max(ns))
    tasks = [(nn, ss) for nn, child in zip(ns, per_n) for ss in spawn_seeds(child, reps)]
    jobs = effective_jobs(n_jobs)
    chunk = None
    if jobs == 1:   # in-process: one chunk, or about 50 for a responsive progress bar
        chunk = max(1, len(tasks) // 50) if resolve_progress(progress) else len(tasks)
    parts = parallel_map(study.run, tasks, n_jobs=jobs, backend=backend, progress=progress,
                         chunk_size=chunk, desc="replications")
    return _power_table(parts, ns, reps, effects, truth, alpha, seed, estimator, likert, n_jobs,
                        t0)


def _power_table(parts, ns, reps, effects, truth, alpha, seed, estimator, likert, n_jobs,
                 t0) -> PowerTable:
    result = PowerTable(_power_rows(parts, ns, reps, effects, truth, alpha))
    result.attrs.update(reps=reps, alpha=alpha, estimator=estimator,
                        seed=seed if isinstance(seed, (int, np.integer, type(None))) else "rng",
                        likert=likert, n_jobs=n_jobs, seconds=time.perf_counter() - t0)
    return result


_ORDINAL = ("WLSMV", "DWLS", "WLS", "ULSMV", "WLSM")   # "ULS" stays the continuous one


def _ordinal_parts(table, sigma, mu, cuts, ns, reps, per_n, extra, effect, estimator, likert):
    """Replicates of the ordinal analysis: ((est, se, converged) per replicate, effects,
    population values)."""
    from .estimation.categorical.model import ordinal_table
    from .power_ordinal import ordinal_replicates
    from .simulate import _discretize, _draw
    otable = ordinal_table(table.statements, {v: likert - 1 for v in table.names.ov})
    effects = _resolve_effects(otable, effect)
    tasks = [(nn, ss) for nn, child in zip(ns, per_n) for ss in spawn_seeds(child, reps)]
    truth, est, se, ok = ordinal_replicates(tuple(table.statements), list(table.names.ov),
                                            sigma, mu, cuts, tasks, effects, estimator, _draw,
                                            _discretize, seed_pop=extra)
    return list(zip(est, se, ok)), effects, truth


def _check_options(n, reps, alpha, estimator, likert, backend):
    """Validated ``(sample sizes, reps, estimator, likert)`` of :func:`power`."""
    ns = [n] if isinstance(n, (int, np.integer)) else list(n)
    if not ns:
        raise OptionError("n= must name at least one sample size.")
    ns = [_check_n(v) for v in ns]
    if isinstance(reps, (bool, np.bool_)) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise OptionError(f"reps= must be a positive integer; got {reps!r}.")
    if not 0 < alpha < 1:
        raise OptionError(f"alpha= must lie strictly between 0 and 1; got {alpha!r}.")
    estimator = check_option("estimator", estimator, ("ML", "GLS", "ULS"), "power")
    likert = _check_likert(likert)
    if backend not in BACKENDS:
        raise OptionError(f"backend= must be one of {', '.join(map(repr, BACKENDS))}; "
                          f"got {backend!r}.")
    return ns, reps, estimator, likert


def _analysis_table(model, analysis) -> ParameterTable:
    """The model fitted to every sample: ``analysis``, the builder's syntax, or the population
    syntax with its fixed values freed."""
    if analysis is None:
        builder = getattr(model, "population_values", None) is not None \
            and not isinstance(model, (str, ParameterTable))
        statements = statements_of(model) if builder else _free_statements(statements_of(model))
    else:
        statements = statements_of(analysis)
    return build_table(statements)


def _analysis_moments(table, pop):
    """The population covariance and means of the analysis model's observed variables."""
    missing = [v for v in table.names.ov if v not in pop.observed]
    if missing:
        raise OptionError(f"The analysis model uses variable{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(map(repr, missing))} that the population model does not "
                          "generate.")
    idx = [pop.observed.index(v) for v in table.names.ov]
    sigma, mu = pop._moments[0], pop._moments[1]
    return sigma[np.ix_(idx, idx)], mu[idx]


def _population_solution(study, sigma, mu, nobs):
    """The analysis model fitted to the population moments: its estimates (every replicate's
    start) and the values the effects' estimates target."""
    stats = SampleStats(names=list(study.table.names.ov),
                        groups=[GroupStats(label=None, nobs=nobs, cov=sigma, mean=mu)])
    problem, start = build_problem(study.table, stats, study.estimator)
    first = minimize(problem, start)
    if not first.converged:
        raise OptionError("The analysis model cannot be fitted to the population moments (the "
                          "fit did not converge); check that the analysis model is identified.")
    truth = np.empty(len(study.effects))
    dvals = study._defs.evaluate(problem.values(first.x)) if len(study._defs) else None
    for j, e in enumerate(study.effects):
        truth[j] = first.x[e.index] if e.kind == "free" else dvals[e.index]
    return first.x, truth


def _power_rows(parts, ns, reps, effects, truth, alpha) -> list:
    """One row per N and effect from the replicates' (est, se, converged)."""
    est = np.array([p[0] for p in parts])
    se = np.array([p[1] for p in parts])
    ok = np.array([p[2] for p in parts], dtype=bool)
    zcrit = sstats.norm.ppf(1 - alpha / 2)
    out = []
    for i, nn in enumerate(ns):
        sl = slice(i * reps, (i + 1) * reps)
        e, s, good = est[sl][ok[sl]], se[sl][ok[sl]], ok[sl]
        m = int(good.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            sig = np.abs(e / s) > zcrit
        k = sig.sum(axis=0).astype(float)
        lo, hi = _wilson(k, np.full_like(k, m)) if m else (np.full_like(k, np.nan),) * 2
        for j, eff in enumerate(effects):
            out.append({"n": nn, "effect": eff.name, "power": k[j] / m if m else np.nan,
                        "mc_ci_lower": lo[j], "mc_ci_upper": hi[j], "n_converged": m,
                        "reps": reps, "population": truth[j],
                        "mean_est": float(np.mean(e[:, j])) if m else np.nan,
                        "mean_se": float(np.mean(s[:, j])) if m else np.nan,
                        "sd_est": float(np.std(e[:, j], ddof=1)) if m > 1 else np.nan})
    return out


def _likert_moments(rng, sigma, mu, cuts, size: int = 200_000):
    """Covariance (N divisor) and means of the discretized population, from a large sample."""
    x = _discretize(_draw(rng, sigma, mu, size, False), mu, np.sqrt(np.diag(sigma)),
                    cuts).astype(float)
    mean = x.mean(axis=0)
    xc = x - mean
    return xc.T @ xc / size, mean
