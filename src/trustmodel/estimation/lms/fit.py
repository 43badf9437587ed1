"""Fit an LMS model: start from the linear model, maximise the marginal likelihood (BFGS with
the analytic mixture gradient), observed-information standard errors."""
from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from scipy import optimize, stats

from ..._errors import DataError, DataWarning, NonConvergenceWarning, OptionError
from ..._warnings import RecordedWarning
from ...data import SampleStats
from ...syntax import build_table
from ..core.fitting import estimate, expected_vcov
from .likelihood import Quadrature, loglik, loglik_grad
from .result import LMSResult
from .spec import LmsSpec, UnsupportedFeatureError, as_frame, lms_table
from ..._warnings import warn


def fit_lms(statements, data, *, nodes: int = 10, level: float = 0.95, se: str = "standard",
            max_iter: int = 2000, adapt: int = 4) -> LMSResult:
    """Latent moderated structural equations (Klein & Moosbrugger 2000) by direct ML.

    Parameters
    ----------
    statements : sequence of Statement
        The model, with product terms ``Y ~ X:Z`` between exogenous latents.
    data : pandas.DataFrame
        Raw data; rows with a missing indicator are dropped (listwise).
    nodes : int
        Adaptive Gauss-Hermite nodes per integrated dimension (Mplus uses 15 adaptive
        points; with nodes centred on each observation's posterior 8 already reproduce its
        log-likelihood to 1e-9 on the modsem ``oneInt`` data).
    level : float
        Confidence level of the Wald intervals.
    se : {"standard", "none"}
        Observed-information standard errors (the negative Hessian of the log-likelihood,
        by central differences of the analytic gradient), or none.
    adapt : int
        Rounds of adaptive quadrature: after each optimisation the nodes of every observation
        move to its posterior mean and spread of the integrated latents, and the optimisation
        continues, until the log-likelihood changes by less than 1e-6 (relative).

    Notes
    -----
    The node moments are exactly quadratic in the integrated standard-normal dimensions, so
    they are built from three design points per dimension and the per-observation adaptive
    nodes cost no more than fixed ones. The gradient is analytic in the node moments (the
    mixture score), their parameter derivatives are central differences.

    Returns
    -------
    LMSResult

    References
    ----------
    Klein, A., & Moosbrugger, H. (2000). Maximum likelihood estimation of latent interaction
    effects with the LMS method. Psychometrika, 65(4), 457-474. doi:10.1007/BF02296338

    Examples
    --------
    >>> import trustmodel as tm
    >>> from trustmodel.estimation.lms.simulate import simulate_interaction
    >>> data = simulate_interaction(500, omega=0.3, seed=1)
    >>> model = "X =~ x1 + x2 + x3\\nZ =~ z1 + z2 + z3\\nY =~ y1 + y2 + y3\\nY ~ X + Z + X:Z"
    >>> res = tm.fit(model, data, interaction="lms")   # modsem(model, data, method = "lms")
    >>> p = res.params.set_index(["lhs", "op", "rhs"])
    >>> bool(abs(p.loc[("Y", "~", "X:Z"), "est"] - 0.3) < 0.1), res.fit_measures["lr_df"]
    (True, 1.0)
    """
    with _one_blas_thread():
        return _fit(tuple(statements), data, int(nodes), level, se, max_iter, adapt)


def _one_blas_thread():
    """The per-observation work is many small matrix products: a multi-threaded BLAS only
    contends (on a loaded machine, 100x slower). threadpoolctl is used when installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return nullcontext()
    return threadpool_limits(1, user_api="blas")


def _fit(statements, data, nodes, level, se, max_iter, adapt):
    table = lms_table(statements)
    spec = LmsSpec.from_table(table)
    if not spec.products:
        raise OptionError("interaction='lms' needs a product term between latent variables, "
                          "such as 'Y ~ X + Z + X:Z'.")
    missing = [v for v in spec.ov if v not in data.columns]
    if missing:
        raise DataError(f"Columns {', '.join(map(repr, missing))} named in the model are "
                        "missing from data.")
    Y, dropped = as_frame(spec, data)
    if len(Y) <= len(spec.ov):
        raise DataError(f"LMS needs more complete rows than indicators; got {len(Y)}.")
    caught = []
    if dropped:
        msg = (f"{dropped} row(s) with missing indicator values were dropped (listwise "
               f"deletion); {len(Y)} remain. interaction='lms' has no FIML; "
               "interaction='dblcent' with missing='fiml' keeps them.")
        warn(msg, DataWarning)
        caught.append(RecordedWarning(DataWarning, msg))
        data = data.loc[np.all(np.isfinite(data[spec.ov].to_numpy(dtype=float)), axis=1)]
    quad = Quadrature(spec.m, int(nodes), len(Y), spec.degree)
    c = table.cols
    par = np.flatnonzero(c.op != ":=")
    base = np.where(np.isnan(c.ustart[par].astype(float)), 0.0, c.ustart[par].astype(float))
    free = c.free[par].astype(int)
    free_pos = np.flatnonzero(free > 0)
    free_of = free[free_pos] - 1

    def to_rows(x):
        v = base.copy()
        v[free_pos] = x[free_of]
        return v

    x, h0_logl, hinv = _start(statements, table, data, spec, free_pos, free_of, to_rows, Y,
                              quad)
    n = len(Y)
    for _ in range(2 if spec.m else 0):     # move the nodes to the posterior at the start
        r = loglik(spec, Y, to_rows(x), quad, posterior=True)[1]
        if r is None:
            break
        quad.adapt(r)

    def fun(x):
        ll, g = loglik_grad(spec, Y, x, to_rows, quad)
        if not np.isfinite(ll):
            return 1e10, np.zeros_like(x)
        return -ll / n, -g / n

    n_iter, last = 0, -np.inf
    for k in range(max(int(adapt), 0) + 1):
        opt = optimize.minimize(fun, x, jac=True, method="BFGS",
                                options={"gtol": 1e-7, "maxiter": max_iter,
                                         "hess_inv0": hinv})
        x, n_iter, hinv = opt.x, n_iter + int(opt.nit), _spd_or(opt.hess_inv, hinv)
        if k == adapt or not spec.m:
            break
        ll, r = loglik(spec, Y, to_rows(x), quad, posterior=True)
        if r is None or abs(ll - last) < 1e-7 * abs(ll):
            break
        last = ll
        quad.adapt(r)
    ll, g = loglik_grad(spec, Y, x, to_rows, quad)
    converged = bool(np.isfinite(ll) and np.max(np.abs(g / n)) < 1e-4)
    if not converged:
        msg = (f"The LMS optimisation did not converge ({opt.message}; max |gradient| "
               f"{np.max(np.abs(g / n)):.2g}); check res.params and try other nodes=.")
        warn(msg, NonConvergenceWarning)
        caught.append(RecordedWarning(NonConvergenceWarning, msg))
    vcov = _observed_vcov(spec, Y, x, to_rows, quad, g) if se != "none" else \
        np.zeros((len(x), len(x)))
    return LMSResult(table=table, spec=spec, x=x, vcov_free=vcov, logl=ll, h0_logl=h0_logl,
                     nobs=n, n_dropped=dropped, converged=converged, n_iter=n_iter,
                     nodes=int(nodes), level=level, se_kind=se, quad=quad,
                     base=base, free_pos=free_pos, free_of=free_of, warnings=tuple(caught))


def _spd_or(H, fallback):
    H = np.asarray(H, dtype=float)
    try:
        np.linalg.cholesky(0.5 * (H + H.T))
        return 0.5 * (H + H.T)
    except np.linalg.LinAlgError:
        return fallback


def _start(statements, table, data, spec, free_pos, free_of, to_rows, Y, quad):
    """Start at the ML fit of the model without product terms (products at 0); that fit's
    log-likelihood is the H0 of the likelihood-ratio test of the interaction. Its expected
    information (times N) starts BFGS's inverse Hessian of -loglik/N."""
    linear = tuple(s for s in statements if not (s.op == "~" and ":" in s.rhs)
                   and s.op not in (":=", "==", "<", ">"))
    lin_table = build_table(linear, meanstructure=True, fixed_x=True)
    sample = SampleStats.from_frame(data, lin_table.observed, missing="listwise")
    state = estimate(lin_table, sample, "ML")
    lc = lin_table.cols
    key = {(a, o, b): k for k, (a, o, b) in enumerate(zip(lc.lhs, lc.op, lc.rhs)) if o != ":="}
    c = table.cols
    v = np.zeros(table.npar)
    src_free = np.full(table.npar, -1)
    for pos, k in zip(free_pos, free_of):
        src = key.get((c.lhs[pos], c.op[pos], c.rhs[pos]))
        if src is not None:
            v[k] = state.values[src]
            src_free[k] = int(lc.free[src]) - 1
        elif c.op[pos] == "~~" and c.lhs[pos] == c.rhs[pos]:
            v[k] = 0.5
    x0 = v
    imp = state.problem.model.implied(state.values, 0)
    Yl = Y[:, [spec.ov.index(v) for v in lin_table.observed]]
    h0 = float(stats.multivariate_normal(imp.mu, imp.sigma, allow_singular=False)
               .logpdf(Yl).sum())
    V = expected_vcov(state) * len(Y)
    known = np.flatnonzero(src_free >= 0)
    hinv = np.eye(table.npar) * (np.max(np.diag(V)) if V.size else 1.0)
    hinv[np.ix_(known, known)] = V[np.ix_(src_free[known], src_free[known])]
    return x0, h0, _spd_or(hinv, np.eye(table.npar))


def _observed_vcov(spec, Y, x, to_rows, quad, g0) -> np.ndarray:
    """Inverse of the negative Hessian of the log-likelihood (observed information); ``g0``
    is the gradient at ``x``."""
    k = len(x)
    H = np.zeros((k, k))
    for j in range(k):           # forward differences of the analytic gradient
        h = 1e-5 * max(1.0, abs(x[j]))
        e = np.zeros(k)
        e[j] = h
        H[:, j] = (loglik_grad(spec, Y, x + e, to_rows, quad)[1] - g0) / h
    H = 0.5 * (H + H.T)
    try:
        return np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(-H)


__all__ = ["UnsupportedFeatureError", "fit_lms"]
