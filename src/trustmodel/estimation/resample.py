"""Bootstrap: ordinary nonparametric and Bollen-Stine resampling, bootstrap intervals.

Follows lavaan's ``R/lav_bootstrap.R`` (``lav_bootstrap_internal``): rows are resampled with
replacement *within each group* (group sizes stay fixed); for Bollen-Stine the data of each
group are first transformed so that the model fits exactly,
``Z = (X - xbar) S^-1/2 Sigma_hat^1/2 (+ mu_hat)`` (Bollen & Stine 1992), and the bootstrap
p-value is the share of resampled test statistics larger than the observed one
(lavaan ``R/lav_test.R``: ``sum(T.boot > T.orig) / length(T.boot)``). Bootstrap SEs are the
standard deviations of the draws with divisor B (lavaan ``R/lav_model_vcov.R``:
``cov(BOOT) * (nboot - 1) / nboot``); defined parameters are evaluated on every draw, as
lavaan's ``lav_model_vcov_se`` does when ``BOOT`` is given.

Speed (work on sufficient statistics, never on pandas):

- a replicate is a vector of counts ``c`` (how often each row was drawn), so its moments are
  weighted moments: ``mean = c X / n`` and ``cov = c (X x X) / n - mean mean'``, computed for a
  whole chunk of replicates with one matrix product;
- each refit starts at the full-sample estimate with BFGS whose initial inverse Hessian is the
  full-sample Hessian of ``fmin`` (a draw's Hessian differs by O(n^-1/2)); under ML a chunk
  of replicates is refitted in lockstep with batched numpy (:mod:`.batched`); a refit that
  does not converge falls back to the regular optimizer (Fisher scoring, then BFGS) before it
  is counted as failed;
- chunks of replicates run in parallel (joblib/dask, :mod:`trustmodel._parallel`) and every
  replicate draws from its own child of ``SeedSequence(seed)``, so results never depend on
  ``n_jobs``, the backend or the chunking.

Intervals (``boot_ci_type``): ``"perc"`` percentile, ``"bca"`` bias-corrected and accelerated
(Efron 1987; acceleration from the jackknife, leave-one-row-out fits), ``"bca_simple"``
(lavaan's ``bca.simple``: bias correction only), ``"norm"`` (``boot::norm.ci``:
bias-corrected normal interval). Quantiles interpolate on the normal scale as ``boot``'s
``norm.inter``, which lavaan's ``parameterEstimates`` copies.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .._errors import BootstrapFailureWarning, OptionError
from .._parallel import parallel_map, spawn_seeds
from .defined import Definitions
from .batched import bfgs_refit
from .optimize import minimize
from .robust import observed_information
from .problem import Problem
from .boot_intervals import CI_TYPES, interval, norm_inter  # noqa: F401 (re-exported)



@dataclass(frozen=True)
class BootstrapResult:
    """Draws of a bootstrap, kept on ``FitResult.bootstrap``.

    Attributes
    ----------
    draws : numpy.ndarray
        (B, npar) free-parameter estimates per replicate; rows of failed replicates are NaN.
    defined : numpy.ndarray
        (B, n_defined) values of the ``:=`` parameters per replicate.
    failed : numpy.ndarray
        Indices of the replicates that failed.
    reasons : tuple of str
        Why each failed replicate failed (aligned with ``failed``).
    names : list of str
        Column names of ``draws`` then ``defined``.
    chisq : numpy.ndarray or None
        Bollen-Stine test statistics (NaN where failed), when asked.
    chisq_failed : numpy.ndarray or None
    bollen_stine_pvalue : float or None
    iterations : numpy.ndarray
        Gradient evaluations per ordinary replicate.
    ci_type : str
        The interval type the fit's parameter table uses (``boot_ci_type``); set by
        :func:`summarize`, so that derived quantities (``res.effects``) use the same one.
    jackknife : numpy.ndarray or None
        Leave-one-row-out estimates (free then defined) when ``ci_type="bca"``.
    inadmissible : numpy.ndarray
        (B,) mask of the successful replicates whose solution is not admissible: a negative
        variance, or a latent (Psi) or residual (Theta) covariance matrix that is not positive
        semi-definite (lavaan's ``lavInspect(fit, "post.check")``). As lavaan
        (``lav_bootstrap_internal``, ``R/lav_bootstrap.R``: ``attr(t.star, "nonadmissible")``,
        which ``lav_model_vcov`` does not drop) they are flagged but *kept* in the SEs and
        intervals; drop them yourself with ``draws[~inadmissible]`` if you prefer.
    """

    draws: np.ndarray
    defined: np.ndarray
    failed: np.ndarray
    reasons: tuple
    names: list
    chisq: np.ndarray | None = None
    chisq_failed: np.ndarray | None = None
    bollen_stine_pvalue: float | None = None
    iterations: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    ci_type: str = "perc"
    jackknife: np.ndarray | None = None   # leave-one-out estimates for BCa (see jackknife())
    inadmissible: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def B(self) -> int:
        return int(self.draws.shape[0])

    @property
    def n_failed(self) -> int:
        return int(len(self.failed))

    @property
    def n_inadmissible(self) -> int:
        return int(self.inadmissible.sum())

    @property
    def note(self) -> str:
        """One line on failed and inadmissible replicates ("" when there are none)."""
        parts = []
        if self.n_failed:
            parts.append(f"{self.n_failed} of {self.B} resamples failed (excluded)")
        if self.n_inadmissible:
            parts.append(f"{self.n_inadmissible} of {self.B} resamples have an inadmissible "
                         "solution (negative variance or non-positive-definite covariance "
                         "matrix; kept, as lavaan does; mask res.bootstrap.inadmissible)")
        return "; ".join(parts) + ("." if parts else "")

    @property
    def ok(self) -> np.ndarray:
        """Mask of the successful replicates."""
        m = np.ones(self.B, dtype=bool)
        m[self.failed] = False
        return m

    def to_frame(self):
        """The draws as a DataFrame (free parameters then defined ones), failed rows NaN."""
        import pandas as pd
        return pd.DataFrame(np.hstack([self.draws, self.defined]), columns=self.names)


# ------------------------------------------------------------------------------------------
# set-up shared by every replicate (picklable: plain arrays and the Problem)
@dataclass
class _Context:
    problem: Problem
    data: list              # per group: (n_g, p) rows (centred at `center`)
    center: list            # per group: the column means removed from `data`
    x0: np.ndarray
    h_inv: np.ndarray       # initial inverse Hessian of fmin
    exo: list               # per group: list of (row position, kind, i, j) of fixed-x rows
    chisq: bool = False

    def moments(self, counts_by_group):
        """Weighted means and N-divisor covariances of a chunk: lists [g] of (k, p), (k, p, p)."""
        out = []
        for X, c, ctr in zip(self.data, counts_by_group, self.center):
            n, p = X.shape
            W = c / n
            m = W @ X
            XX = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
            M2 = (W @ XX).reshape(-1, p, p)
            cov = M2 - m[:, :, None] * m[:, None, :]
            out.append((m + ctr, cov))
        return out

    def refit(self, covs, means):
        """(x, fmin, evaluations, reason) for one replicate's moments."""
        for S in covs:
            if np.linalg.slogdet(S)[0] <= 0 or np.linalg.eigvalsh(S)[0] <= 1e-12:
                return None, np.nan, 0, "resampled covariance matrix not positive definite"
        base = self.problem.base
        if any(self.exo):
            base = base.copy()
            for g, rows in enumerate(self.exo):
                for pos, kind, i, j in rows:
                    base[pos] = covs[g][i, j] if kind == 0 else means[g][i]
        prob = Problem(self.problem.model, covs, means, self.problem.nobs,
                       self.problem.estimator, base, self.problem.free_pos,
                       self.problem.free_of)
        fast = FastML(prob, covs, means) if prob.estimator == "ML" else prob
        x, f, nev, ok = bfgs_warm(fast, self.x0, self.h_inv)
        if not ok:
            res = minimize(prob, self.x0)
            nev += res.iterations
            if not res.converged:
                return None, np.nan, nev, "optimizer did not converge"
            x, f = res.x, res.fmin
        return x, f, nev, ""


class FastML:
    """ML ``fmin`` and its gradient without the (npar x p x p) derivative stack.

    With ``M = Sigma^-1 (Sigma - W) Sigma^-1`` the gradient ``1/2 tr(M dSigma)`` of a RAM
    entry is an element of a small matrix: ``(G' M H)[i, j]`` for ``A[i, j]`` (``H = G S E'``)
    and ``(G' M G)[i, j]`` (halved on the diagonal) for ``S[i, j]``; the mean part subtracts
    ``u_i (E m)_j`` and ``u_i`` with ``u = G' Sigma^-1 (ybar - mu)``. Same numbers as
    :meth:`Problem.evaluate` (``info=False``) at a fraction of the cost, which is what a
    bootstrap refit spends its time on.
    """

    def __init__(self, problem: Problem, covs, means):
        self.problem = problem
        self.model = problem.model
        self.covs, self.means = covs, means
        self.logdet_s = [np.linalg.slogdet(S)[1] for S in covs]
        self.weights = [n / float(sum(problem.nobs)) for n in problem.nobs]
        self.pats = []
        for pat in self.model.patterns:
            fr = pat.free > 0
            k, i, j, f = pat.kind[fr], pat.i[fr], pat.j[fr], pat.free[fr] - 1
            self.pats.append((k == 0, k == 1, k == 2, i, j, f))

    def evaluate(self, x, info=False):
        v = self.problem.values(x)
        model = self.model
        p, n, q = model.p, model.n, model.npar
        ms = model.meanstructure
        total, grad = 0.0, np.zeros(q)
        eye = np.eye(n)
        for g in range(model.ngroups):
            A, S, m = model.matrices(v, g)
            try:
                E = np.linalg.inv(eye - A)
            except np.linalg.LinAlgError:
                return np.inf, None, None
            G = E[:p]
            GS = G @ S
            sigma = GS @ G.T
            sigma = 0.5 * (sigma + sigma.T)
            try:
                L = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:
                return np.inf, None, None
            inv = np.linalg.inv(sigma)
            logdet = 2.0 * np.sum(np.log(np.diag(L)))
            W = self.covs[g]
            if ms:
                d = self.means[g] - G @ m
                W = W + np.outer(d, d)
            f = 0.5 * (logdet + np.sum(W * inv) - self.logdet_s[g] - p)
            M = inv @ (sigma - W) @ inv
            GM = G.T @ M
            GMH = GM @ (GS @ E.T)
            GMG = GM @ G
            a, s_, mm, i, j, fi = self.pats[g]
            contrib = np.zeros(len(fi))
            contrib[a] = GMH[i[a], j[a]]
            contrib[s_] = GMG[i[s_], j[s_]] * np.where(i[s_] == j[s_], 0.5, 1.0)
            if ms:
                u = G.T @ (inv @ d)
                Em = E @ m
                contrib[a] -= u[i[a]] * Em[j[a]]
                contrib[mm] -= u[i[mm]]
            w = self.weights[g]
            total += w * f
            grad += w * np.bincount(fi, weights=contrib, minlength=q)
        return total, grad, None


def bfgs_warm(problem, x0, h_inv, *, max_iter: int = 60, tol: float = 1e-6):
    """BFGS from ``x0`` with initial inverse Hessian ``h_inv`` (unit steps, Armijo backtracking).

    Returns ``(x, fmin, evaluations, converged)``; converged when the largest step falls below
    ``tol`` (relative to max(1, |x|)) and the gradient is small.
    """
    x = np.array(x0, dtype=float)
    f, g, _ = problem.evaluate(x, info=False)
    nev = 1
    if not np.isfinite(f):
        return x, f, nev, False
    H = h_inv.copy()
    q = len(x)
    eye = np.eye(q)
    for _ in range(max_iter):
        step = -H @ g
        slope = g @ step
        if slope >= 0:
            H = h_inv.copy()
            step = -H @ g
            slope = g @ step
        t = 1.0
        while True:
            xn = x + t * step
            fn, gn, _ = problem.evaluate(xn, info=False)
            nev += 1
            if np.isfinite(fn) and fn <= f + 1e-4 * t * slope + 1e-14 * abs(f):
                break
            t *= 0.5
            if t < 1e-8:
                return x, f, nev, False
        s = xn - x
        y = gn - g
        x, f, g = xn, fn, gn
        if np.max(np.abs(s) / np.maximum(1.0, np.abs(x))) < tol and np.max(np.abs(g)) < 1e-5:
            return x, f, nev, True
        sy = s @ y
        if sy > 1e-12:
            rho = 1.0 / sy
            V = eye - rho * np.outer(s, y)
            H = V @ H @ V.T + rho * np.outer(s, s)
    return x, f, nev, False


_CHUNK = 100  # replicates per batched task: fixed, so results never depend on n_jobs
_CHUNK_FIML = 10  # FIML refits are one at a time and slower: smaller tasks


def _counts(rng, sizes):
    """Row counts of one replicate per group (``sample.int(n, replace=TRUE)`` as lavaan)."""
    return [np.bincount(rng.integers(0, n, n), minlength=n) for n in sizes]


def _run_chunk(ctx: _Context, seeds) -> list:
    """Refit the replicates of one chunk: list of (x, fmin, evaluations, reason).

    ML replicates are refitted together by the batched chord iteration
    (:func:`.batched.bfgs_refit`); any that it cannot finish are refitted one at a time.
    """
    sizes = [len(X) for X in ctx.data]
    per_rep = [_counts(np.random.default_rng(s), sizes) for s in seeds]
    by_group = [np.array([c[g] for c in per_rep], dtype=float) for g in range(len(sizes))]
    moments = ctx.moments(by_group)
    K = len(seeds)
    covs_k = [0.5 * (mom[1] + np.swapaxes(mom[1], 1, 2)) for mom in moments]
    means_k = [mom[0] for mom in moments]
    done = [None] * K
    if ctx.problem.estimator == "ML" and K:
        bases = None
        if any(ctx.exo):
            bases = np.tile(ctx.problem.base, (K, 1))
            for g, rows in enumerate(ctx.exo):
                for pos, kind, i, j in rows:
                    bases[:, pos] = covs_k[g][:, i, j] if kind == 0 else means_k[g][:, i]
        pd_ok = np.ones(K, dtype=bool)
        for S in covs_k:
            pd_ok &= np.linalg.eigvalsh(S)[:, 0] > 1e-12
        X, f, ok, it = bfgs_refit(ctx.problem, covs_k, means_k, ctx.x0, ctx.h_inv, bases)
        for k in np.flatnonzero(ok & pd_ok):
            done[k] = (X[k], float(f[k]), int(it[k]), "")
    out = []
    for k in range(K):
        if done[k] is not None:
            out.append(done[k])
            continue
        means = [means_k[g][k] for g in range(len(sizes))]
        covs = [covs_k[g][k] for g in range(len(sizes))]
        out.append(ctx.refit(covs, means))
    return out


def _initial_inverse(state):
    problem = state.problem
    H = observed_information(problem, state.x)
    if H is not None and np.all(np.isfinite(H)) and np.linalg.eigvalsh(H)[0] > 0:
        return np.linalg.inv(H)
    info = state.optim.info
    if info is None:
        info = problem.evaluate(state.x)[2]
    return np.linalg.pinv(info)


def _exo_rows(table, model):
    rows = table.rows
    ov = list(model.ov)
    out = []
    for g in range(1, table.ngroups + 1):
        sel = []
        for pos in np.flatnonzero(((rows["group"] == g) & (rows["exo"] == 1)
                                   & (rows["free"] == 0)).to_numpy()):
            op, lhs, rhs = rows.at[pos, "op"], rows.at[pos, "lhs"], rows.at[pos, "rhs"]
            if op == "~~" and lhs in ov and rhs in ov:
                sel.append((int(pos), 0, ov.index(lhs), ov.index(rhs)))
            elif op == "~1" and lhs in ov:
                sel.append((int(pos), 1, ov.index(lhs), 0))
        out.append(sel)
    return out


def _context(table, stats, state, transform=False):
    problem = state.problem
    data, center = [], []
    imps = problem.implied(state.x) if transform else None
    for g, gs in enumerate(stats.groups):
        if gs.data is None:
            raise OptionError("se='bootstrap' needs raw data (data=), not sample_cov=.")
        X = np.asarray(gs.data, dtype=float)
        if np.isnan(X).any():
            raise OptionError("The bootstrap needs complete rows (missing='listwise').")
        xbar = X.mean(axis=0)
        Xc = X - xbar
        if transform:  # Bollen-Stine: make the model hold exactly in the resampling population
            S = Xc.T @ Xc / len(X)
            Xc = Xc @ _sym_power(S, -0.5) @ _sym_power(imps[g].sigma, 0.5)
            ctr = imps[g].mu if problem.model.meanstructure else xbar
        else:
            ctr = xbar
        data.append(Xc)
        center.append(np.asarray(ctr, dtype=float))
    return _Context(problem, data, center, state.x.copy(), _initial_inverse(state),
                    _exo_rows(table, problem.model))


def _sym_power(M, power):
    w, V = np.linalg.eigh(M)
    return (V * w ** power) @ V.T


def inadmissible_draws(problem, draws) -> np.ndarray:
    """Mask of the draws (rows of free parameters; NaN rows are failed ones, False here)
    whose solution is not admissible in lavaan's ``post.check`` sense
    (``lav_object_post_check``, ``R/lav_object_post_check.R``): a negative (residual) variance
    of an observed or latent variable, or a latent (Psi) or residual (Theta) covariance block
    that is not positive semi-definite (smallest eigenvalue below -1e-10)."""
    model = problem.model
    p = model.p
    out = np.zeros(len(draws), dtype=bool)
    for b, x in enumerate(draws):
        if not np.all(np.isfinite(x)):
            continue
        v = problem.values(x)
        for g in range(model.ngroups):
            S = model.matrices(v, g)[1]
            bad = np.any(np.diag(S) < 0)
            if not bad and model.lv and len(S) > p:
                bad = np.linalg.eigvalsh(S[p:, p:])[0] < -1e-10
            if not bad:
                bad = np.linalg.eigvalsh(S[:p, :p])[0] < -1e-10
            if bad:
                out[b] = True
                break
    return out


@dataclass
class _FimlContext:
    """Replicates of a FIML fit: resampled rows keep their NaNs and are refitted by FIML.

    lavaan's ``bootstrapLavaan`` with ``missing = "ml"`` resamples rows of the raw data and
    refits the model with the same options (``lav_bootstrap_internal``,
    ``R/lav_bootstrap.R``). Each replicate here builds its missing-data patterns
    (:class:`.fiml.Patterns`) and minimizes the casewise likelihood from the full-sample
    estimate (Fisher scoring on the pattern-weighted expected information). The h1 model is
    not refitted: it only shifts ``fmin`` by a constant (so a replicate's ``fmin`` here is
    ``-log L / N``) and is needed for test statistics, not for the estimates.
    """

    problem: object          # FimlProblem of the full sample
    data: list               # per group: (n_g, p) rows with NaN
    x0: np.ndarray
    exo: list                # per group: list of (row position, kind, i, j) of fixed-x rows

    def refit(self, rows):
        from dataclasses import replace

        from .fiml import Patterns
        for Y in rows:
            seen = (~np.isnan(Y)).sum(axis=0)
            if np.any(seen < 2):
                return None, np.nan, 0, "a variable has fewer than 2 observed values in the resample"
        base = self.problem.base
        if any(self.exo):
            base = base.copy()
            for g, sel in enumerate(self.exo):  # fixed-x moments of this resample (complete x)
                Y = rows[g]
                for pos, kind, i, j in sel:
                    if kind == 0:
                        base[pos] = np.mean((Y[:, i] - Y[:, i].mean()) * (Y[:, j] - Y[:, j].mean()))
                    else:
                        base[pos] = Y[:, i].mean()
        prob = replace(self.problem, base=base, patterns=[Patterns.from_data(Y) for Y in rows],
                       logl_h1=[0.0] * len(rows), baseline=None, baseline_moments=[],
                       pairwise_moments=[], _cache={})
        res = minimize(prob, self.x0)
        if not res.converged or not np.all(np.isfinite(res.x)):
            return None, np.nan, int(res.iterations), "optimizer did not converge"
        return res.x, float(res.fmin), int(res.iterations), ""


def _run_chunk_fiml(ctx: _FimlContext, seeds) -> list:
    """Refit the replicates of one chunk by FIML (one at a time)."""
    sizes = [len(X) for X in ctx.data]
    out = []
    for s in seeds:
        counts = _counts(np.random.default_rng(s), sizes)
        out.append(ctx.refit([np.repeat(X, c, axis=0) for X, c in zip(ctx.data, counts)]))
    return out


def _fiml_context(table, stats, state) -> _FimlContext:
    data = []
    for gs in stats.groups:
        if gs.data is None:
            raise OptionError("se='bootstrap' needs raw data (data=), not sample_cov=.")
        data.append(np.asarray(gs.data, dtype=float))
    return _FimlContext(state.problem, data, state.x.copy(),
                        _exo_rows(table, state.problem.model))


def _is_fiml(state) -> bool:
    return hasattr(state.problem, "patterns")


def _collect(results, q):
    B = len(results)
    X = np.full((B, q), np.nan)
    f = np.full(B, np.nan)
    nev = np.zeros(B, dtype=int)
    failed, reasons = [], []
    for b, (x, fb, ne, why) in enumerate(results):
        nev[b] = ne
        if x is None or not np.all(np.isfinite(x)):
            failed.append(b)
            reasons.append(why or "non-finite estimates")
        else:
            X[b] = x
            f[b] = fb
    return X, f, nev, np.asarray(failed, dtype=int), tuple(reasons)


def run_bootstrap(table, stats, state, B: int = 1000, *, seed=None, n_jobs=1,
                  backend: str = "threads", progress=None, ordinary: bool = True,
                  bollen_stine: bool = False) -> BootstrapResult:
    """Resample, refit, and return the draws (see the module docstring).

    Parameters
    ----------
    table, stats, state
        The parameter table, sample statistics and full-sample fit (``FitState``).
    B : int
        Number of replicates.
    seed : int, SeedSequence or Generator, optional
        Replicate ``b`` of the ordinary bootstrap uses child ``b`` of the seed; the
        Bollen-Stine replicates use the next ``B`` children.
    n_jobs, backend, progress
        See :func:`trustmodel._parallel.parallel_map`.
    ordinary, bollen_stine : bool
        Which bootstraps to run.

    Warns
    -----
    BootstrapFailureWarning
        When replicates fail; they are counted and listed, never silently dropped.
    """
    if not isinstance(B, (int, np.integer)) or B < 2:
        raise OptionError(f"bootstrap= must be an int of at least 2; got {B!r}.")
    B = int(B)
    q = state.problem.npar
    seeds = spawn_seeds(seed, 2 * B)
    defs = Definitions(table)
    names = table.free_names() + list(defs.names)
    X = np.full((B, q), np.nan)
    D = np.full((B, len(defs)), np.nan)
    failed, reasons, nev = np.zeros(0, dtype=int), (), np.zeros(0, dtype=int)
    fiml = _is_fiml(state)
    if fiml and bollen_stine:
        raise OptionError("bollen_stine=True needs complete data (missing='listwise'); with "
                          "missing='fiml' only the ordinary bootstrap (se='bootstrap') is "
                          "available.")
    inadm = np.zeros(B, dtype=bool)
    if ordinary:
        if fiml:
            ctx = _fiml_context(table, stats, state)
            runner, chunk = partial(_run_chunk_fiml, ctx), _CHUNK_FIML
        else:
            ctx = _context(table, stats, state)
            runner, chunk = partial(_run_chunk, ctx), _CHUNK
        res = parallel_map(runner, seeds[:B], n_jobs=n_jobs, backend=backend,
                           progress=progress, desc="bootstrap", chunk_size=chunk)
        X, _, nev, failed, reasons = _collect(res, q)
        if len(defs):
            vals = state.problem.values
            for b in np.flatnonzero(np.isfinite(X[:, 0]) if q else np.ones(B, bool)):
                D[b] = defs.evaluate(vals(X[b]))
        inadm = inadmissible_draws(state.problem, X)
        if len(failed):
            warnings.warn(_failure_message(len(failed), B, reasons, "resamples",
                                           int(inadm.sum())),
                          BootstrapFailureWarning, stacklevel=3)
    chisq = chisq_failed = pval = None
    if bollen_stine:
        ctx = _context(table, stats, state, transform=True)
        res = parallel_map(partial(_run_chunk, ctx), seeds[B:], n_jobs=n_jobs, backend=backend,
                           progress=progress, desc="Bollen-Stine", chunk_size=_CHUNK)
        _, fb, _, chisq_failed, bs_reasons = _collect(res, q)
        ntot = state.problem.ntotal
        chisq = 2 * ntot * fb
        t_obs = 2 * ntot * state.fmin
        good = np.isfinite(chisq)
        pval = float(np.mean(chisq[good] > t_obs)) if good.any() else np.nan
        if len(chisq_failed):
            warnings.warn(_failure_message(len(chisq_failed), B, bs_reasons,
                                           "Bollen-Stine resamples"),
                          BootstrapFailureWarning, stacklevel=3)
    return BootstrapResult(draws=X, defined=D, failed=failed, reasons=reasons, names=names,
                           chisq=chisq, chisq_failed=chisq_failed, bollen_stine_pvalue=pval,
                           iterations=nev, inadmissible=inadm)


def _failure_message(k, B, reasons, what, n_inadmissible=0):
    kinds = {}
    for r in reasons:
        kinds[r] = kinds.get(r, 0) + 1
    why = "; ".join(f"{n} x {r}" for r, n in sorted(kinds.items(), key=lambda t: -t[1]))
    msg = (f"{k} of {B} {what} failed ({why}); they are excluded from the bootstrap SEs and "
           "intervals and listed in res.bootstrap.failed.")
    if n_inadmissible:
        msg += (f" {n_inadmissible} further {what} have an inadmissible solution (negative "
                "variance or non-positive-definite covariance matrix); they are kept, as "
                "lavaan does (mask res.bootstrap.inadmissible).")
    return msg


def jackknife(table, stats, state) -> np.ndarray:
    """Leave-one-row-out estimates (n, npar + n_defined) for the BCa acceleration.

    Leave-one-out moments come from the full-sample ones in closed form
    (``mean_-i = (n mean - x_i) / (n - 1)``, likewise the second moments), so the jackknife
    costs one warm refit per row.
    """
    defs = Definitions(table)

    def row(x):
        if x is None:
            return np.full(state.problem.npar + len(defs), np.nan)
        d = defs.evaluate(state.problem.values(x)) if len(defs) else np.zeros(0)
        return np.concatenate([x, d])

    if _is_fiml(state):  # leave one row out and refit by FIML
        fctx = _fiml_context(table, stats, state)
        rows = []
        for g, X in enumerate(fctx.data):
            for i in range(len(X)):
                data = [np.delete(Y, i, axis=0) if h == g else Y
                        for h, Y in enumerate(fctx.data)]
                rows.append(row(fctx.refit(data)[0]))
        return np.asarray(rows)
    ctx = _context(table, stats, state)
    full = [(X.mean(axis=0), X.T @ X / len(X)) for X in ctx.data]
    rows = []
    for g, X in enumerate(ctx.data):
        n = len(X)
        for i in range(n):
            covs, means = [], []
            for h, (m, M2) in enumerate(full):
                if h == g:
                    m = (n * m - X[i]) / (n - 1)
                    M2 = (n * M2 - np.outer(X[i], X[i])) / (n - 1)
                S = M2 - np.outer(m, m)
                covs.append(0.5 * (S + S.T))
                means.append(m + ctx.center[h])
            rows.append(row(ctx.refit(covs, means)[0]))
    return np.asarray(rows)


def summarize(table, state, boot: BootstrapResult, *, level: float = 0.95,
              ci_type: str = "perc", jack: np.ndarray | None = None):
    """Row-aligned (se, ci_lower, ci_upper) for every table row, and the free-parameter vcov.

    Fixed rows get SE 0 and the interval (est, est); defined rows use their own draws.
    """
    if ci_type not in CI_TYPES:
        raise OptionError(f"boot_ci_type= must be one of {', '.join(map(repr, CI_TYPES))}; "
                          f"got {ci_type!r}.")
    ok = boot.ok
    X = boot.draws[ok]
    D = boot.defined[ok]
    nb = max(len(X), 1)
    if len(X) > 1:
        Xm = X - X.mean(axis=0)
        vcov = Xm.T @ Xm / nb
    else:
        vcov = np.full((X.shape[1], X.shape[1]), np.nan)
    rows = table.rows
    par = (rows["op"] != ":=").to_numpy()
    free = rows["free"].to_numpy().astype(int)
    values = state.values
    n = len(rows)
    se = np.zeros(n)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    est = np.full(n, np.nan)
    est[par] = values
    defs = Definitions(table)
    if len(defs):
        est[~par] = defs.evaluate(values)
    q = X.shape[1]
    col_ci = {}
    for k in range(q):
        jk = jack[:, k] if jack is not None else None
        col_ci[k] = interval(X[:, k], state.x[k], level, ci_type, jk)
    def_pos = np.flatnonzero(~par)
    for r in range(n):
        if par[r]:
            if free[r] > 0:
                k = free[r] - 1
                se[r] = np.sqrt(max(vcov[k, k], 0.0)) if np.isfinite(vcov[k, k]) else np.nan
                lo[r], hi[r] = col_ci[k]
            else:
                lo[r] = hi[r] = est[r]
    for m, r in enumerate(def_pos):
        t = D[:, m]
        se[r] = np.sqrt(np.mean((t - t.mean()) ** 2)) if len(t) > 1 else np.nan
        jk = jack[:, q + m] if jack is not None else None
        lo[r], hi[r] = interval(t, est[r], level, ci_type, jk)
    return se, lo, hi, vcov
