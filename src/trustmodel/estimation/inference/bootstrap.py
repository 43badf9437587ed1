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

Speed: the replicates work on sufficient statistics, never on pandas (:mod:`.replicates`);
chunks of replicates run in parallel (joblib/dask, :mod:`trustmodel._parallel`) and every
  replicate draws from its own child of ``SeedSequence(seed)``, so results never depend on
  ``n_jobs``, the backend or the chunking.

Intervals (``boot_ci_type``): ``"perc"`` percentile, ``"bca"`` bias-corrected and accelerated
(Efron 1987; acceleration from the jackknife, leave-one-row-out fits), ``"bca_simple"``
(lavaan's ``bca.simple``: bias correction only), ``"norm"`` (``boot::norm.ci``:
bias-corrected normal interval). Quantiles interpolate on the normal scale as ``boot``'s
``norm.inter``, which lavaan's ``parameterEstimates`` copies.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..._errors import BootstrapFailureWarning, OptionError
from ..._parallel import parallel_map, spawn_seeds
from .defined import Definitions
from .intervals import CI_TYPES, interval
from .replicates import (
    _CHUNK,
    _CHUNK_FIML,
    _collect,
    _context,
    _fiml_context,
    _is_fiml,
    _run_chunk,
    _run_chunk_fiml,
    inadmissible_draws,
)
from ..._warnings import warn


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
        return len(self.failed)

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
            warn(_failure_message(len(failed), B, reasons, "resamples",
                                  int(inadm.sum())),
                 BootstrapFailureWarning)
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
            warn(_failure_message(len(chisq_failed), B, bs_reasons,
                                  "Bollen-Stine resamples"),
                 BootstrapFailureWarning)
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
