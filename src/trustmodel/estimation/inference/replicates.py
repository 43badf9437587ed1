"""Bootstrap replicates: resampled moments, warm refits, Bollen-Stine transform, FIML rows.

A replicate is a vector of counts ``c`` (how often each row was drawn), so its moments are
weighted moments: ``mean = c X / n`` and ``cov = c (X x X) / n - mean mean'``, computed for a
whole chunk of replicates with one matrix product. Each refit starts at the full-sample
estimate with BFGS whose initial inverse Hessian is the full-sample Hessian of ``fmin``; under
ML a chunk is refitted in lockstep (:func:`..core.batched.bfgs_refit`), a refit that does not
converge falls back to the regular optimizer (Fisher scoring, then BFGS). For Bollen-Stine
the rows are first transformed so that the model holds exactly,
``Z = (X - xbar) S^-1/2 Sigma_hat^1/2 (+ mu_hat)`` (Bollen & Stine 1992; lavaan's
``lav_bootstrap_internal``, ``R/lav_bootstrap.R``). Under general constraints every
replicate is refitted with them (:func:`..core.constraints.constrained_minimize`, one at a
time).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..._errors import OptionError
from ..core.batched import bfgs_refit
from ..core.constraints import constrained_minimize
from ..core.optimize import minimize
from ..core.problem import Problem
from ..fiml.patterns import Patterns
from ..fiml.problem import FimlProblem
from .robust import observed_information


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
    con: object = None      # the fit's general constraints (core.constraints.Constraints)

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
        ok = False
        nev = 0
        if prob.estimator == "ML" and self.con is None:  # a batch of one
            X, fs, conv, it = bfgs_refit(prob, [S[None] for S in covs], [m[None] for m in means],
                                         self.x0, self.h_inv, base[None])
            x, f, ok, nev = X[0], float(fs[0]), bool(conv[0]), int(it[0])
        if not ok:
            res = _minimize(prob, self.x0, self.con)
            nev += res.iterations
            if not res.converged:
                return None, np.nan, nev, "optimizer did not converge"
            x, f = res.x, res.fmin
        return x, f, nev, ""


def _minimize(problem, x0, con):
    """A replicate's refit: under the fit's general constraints when it has any (lavaan's
    bootstrap refits the model with its constraints, ``lav_bootstrap_internal``)."""
    if con is None:
        return minimize(problem, x0)
    return constrained_minimize(problem, x0, con)[0]


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
    if ctx.problem.estimator == "ML" and K and ctx.con is None:
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
                    _exo_rows(table, problem.model), con=_constraints(state))


def _constraints(state):
    cs = getattr(state.problem, "constraint_set", None)
    return None if cs is None else cs[0]


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
    rows = np.flatnonzero(np.all(np.isfinite(draws), axis=1)) if len(draws) else []
    if not len(rows):
        return out
    values = [problem.values(draws[b]) for b in rows]
    for g in range(model.ngroups):   # one batched eigen-decomposition per block and group
        S = np.stack([model.matrices(v, g)[1] for v in values])
        bad = np.any(np.diagonal(S, axis1=1, axis2=2) < 0, axis=1)
        if model.lv and S.shape[1] > p:
            bad |= np.linalg.eigvalsh(S[:, p:, p:])[:, 0] < -1e-10
        bad |= np.linalg.eigvalsh(S[:, :p, :p])[:, 0] < -1e-10
        out[rows[bad]] = True
    return out


@dataclass
class _FimlContext:
    """Replicates of a FIML fit: resampled rows keep their NaNs and are refitted by FIML.

    lavaan's ``bootstrapLavaan`` with ``missing = "ml"`` resamples rows of the raw data and
    refits the model with the same options (``lav_bootstrap_internal``,
    ``R/lav_bootstrap.R``). Each replicate here builds its missing-data patterns
    (:class:`..fiml.patterns.Patterns`) and minimizes the casewise likelihood from the full-sample
    estimate (Fisher scoring on the pattern-weighted expected information). The h1 model is
    not refitted: it only shifts ``fmin`` by a constant (so a replicate's ``fmin`` here is
    ``-log L / N``) and is needed for test statistics, not for the estimates.
    """

    problem: object          # FimlProblem of the full sample
    data: list               # per group: (n_g, p) rows with NaN
    x0: np.ndarray
    exo: list                # per group: list of (row position, kind, i, j) of fixed-x rows
    con: object = None       # the fit's general constraints

    def refit(self, rows):
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
                       logl_h1=[0.0] * len(rows), baseline_moments=[],
                       pairwise_moments=[], _cache={})
        res = _minimize(prob, self.x0, self.con)
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
                        _exo_rows(table, state.problem.model), con=_constraints(state))


def _is_fiml(state) -> bool:
    return isinstance(state.problem, FimlProblem)


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
