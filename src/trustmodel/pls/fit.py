"""``fit_pls``: PLS path modelling and consistent PLS on lavaan-style syntax."""
from __future__ import annotations

import warnings
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from .._errors import DataError, DataWarning, NonConvergenceWarning, OptionError
from .._validation import check_option, did_you_mean
from . import algorithm as alg
from .bootstrap import run_bootstrap
from .result import Layout, PLSResult, stat_vector
from .spec import spec_from_statements


def fit_pls(model, data: pd.DataFrame, *, estimator: Literal["PLS", "PLSc"] = "PLS",
            scheme: Literal["path", "factorial", "centroid"] = "path",
            se: Literal["standard", "bootstrap", "none"] = "none", bootstrap: int = 1000,
            seed=None, level: float = 0.95, n_jobs: int = 1, backend: str | None = None,
            progress=None, tol: float = 1e-7, max_iter: int = 300) -> PLSResult:
    """Fit a PLS path model (Mode A ``=~``, Mode B ``<~``, inner model ``~``).

    Parameters
    ----------
    model : str or theory builder
        lavaan-style syntax, or a builder with ``.syntax`` such as :class:`trustmodel.ECSI`.
    data : pandas.DataFrame
        Raw item data (never modified). Rows with missing items are dropped (with a warning).
    estimator : {"PLS", "PLSc"}
        "PLSc" applies Dijkstra & Henseler's (2015) rho_A correction to the Mode A constructs.
    scheme : {"path", "factorial", "centroid"}
        Inner weighting scheme (seminr's default: path weighting).
    se : {"none", "standard", "bootstrap"}
        "bootstrap" gives bootstrap SEs and percentile CIs; PLS has no analytic standard
        errors, so "standard" (``tm.fit``'s default) means none.
    bootstrap : int
        Number of bootstrap resamples.
    seed : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Replicate ``b`` uses ``np.random.SeedSequence(seed).spawn(bootstrap)[b]``, so the
        result does not depend on ``n_jobs``.
    level : float
        Confidence level of the percentile intervals.
    n_jobs : int
        joblib workers for the bootstrap.
    backend : str, optional
        joblib backend ("loky", "threading", "dask" on a dask.distributed client).
    progress : bool, optional
        Show a tqdm progress bar during the bootstrap.
    tol, max_iter : float, int
        Stop when the summed absolute change of the outer weights is below ``tol``
        (seminr's stopCriterion = 7), at most ``max_iter`` iterations (seminr: 300).

    Returns
    -------
    PLSResult

    Raises
    ------
    ModelSyntaxError, DataError, OptionError

    Warns
    -----
    NonConvergenceWarning, BootstrapFailureWarning, DataWarning

    Notes
    -----
    Indicators are standardized with the N - 1 SD (R's ``scale()``), outer weights start at 1
    and construct scores have unit variance, as in seminr's ``estimate_pls``. The algorithm
    runs on the indicator correlation matrix (Lohmöller 1989; Tenenhaus et al. 2005,
    doi:10.1016/j.csda.2004.03.005); see :mod:`trustmodel.pls.algorithm`.

    Examples
    --------
    >>> import trustmodel as tm
    >>> mobi = tm.datasets.load("mobi")
    >>> model = '''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Expectation ~ Image
    ... Satisfaction ~ Image + Expectation
    ... '''
    >>> res = tm.fit(model, mobi, estimator="PLS")
    >>> # seminr: estimate_pls(mobi, constructs(composite("Image", multi_items("IMAG", 1:5)), ...),
    >>> #                      relationships(paths(from = "Image", to = ...), ...))
    >>> float(round(res.path_coefficients.loc["Image", "Satisfaction"], 4))
    0.5841
    """
    from .._warnings import recorded_warnings
    from ..syntax.statements import statements_of
    estimator = check_option("estimator", estimator, ("PLS", "PLSc"), caller="fit_pls")
    scheme = check_option("scheme", scheme, alg.SCHEMES, caller="fit_pls")
    se = check_option("se", se, ("standard", "bootstrap", "none"), caller="fit_pls")
    if not 0 < level < 1:
        raise OptionError(f"level= must lie strictly between 0 and 1; got {level!r}.")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise OptionError(f"max_iter= must be a positive integer; got {max_iter!r}.")
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise OptionError(f"tol= must be a positive number; got {tol!r}.")
    with recorded_warnings() as caught:
        spec = spec_from_statements(statements_of(model))
        Z, rows, means, sds = _prepare(data, spec)
        n = Z.shape[0]
        S = (Z.T @ Z) / (n - 1)
        kw = dict(consistent=estimator == "PLSc", scheme=scheme, tol=tol, max_iter=max_iter)
        out = alg.estimate(S[None], spec, **kw)
        est = {k: v[0] for k, v in out.items()}
        if not est["converged"]:
            if not np.all(np.isfinite(est["B"])):
                bad = [c for c, r in zip(spec.constructs, est["rho"]) if not r > 0]
                raise DataError("PLSc cannot correct this model: rho_A is not positive for "
                                f"{', '.join(map(repr, bad))}; estimate them as composites "
                                "(estimator='PLS') or check the items' signs.")
            warnings.warn(f"PLS did not converge in {max_iter} iterations (outer weight change "
                          f"still above tol={tol:g}); raise max_iter= or try scheme='factorial'.",
                          NonConvergenceWarning, stacklevel=3)
        boot, failed = None, 0
        if se == "bootstrap":
            layout = Layout.of(spec)
            boot, failed = run_bootstrap(Z, spec, kw, est["W"], partial(stat_vector, layout=layout),
                                         B=bootstrap, seed=seed, n_jobs=n_jobs, backend=backend,
                                         progress=progress)
    opts = dict(estimator=estimator, scheme=scheme, se=se, bootstrap=bootstrap, level=level,
                n_jobs=n_jobs, tol=tol, max_iter=max_iter)
    return PLSResult(spec=spec, estimator=estimator, scheme=scheme, _est=est, _S=S, _Z=Z,
                     _rows=rows, _all_rows=data.index, _means=means, _sds=sds, nobs=n,
                     converged=bool(est["converged"]), n_iter=int(est["n_iter"]), boot=boot,
                     n_boot_failed=failed, level=level, options=opts, seed=seed,
                     warnings=tuple(caught))


def _prepare(data, spec):
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data= must be a pandas DataFrame; got {type(data).__name__}.")
    names = list(spec.indicators)
    missing = [c for c in names if c not in data.columns]
    if missing:
        raise DataError(f"Column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                        "named in the model "
                        f"{'are' if len(missing) > 1 else 'is'} missing from data."
                        + did_you_mean(missing, map(str, data.columns)))
    try:
        X = data[names].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"The indicators must be numeric: {exc}.") from None
    rows = data.index
    ok = np.all(np.isfinite(X), axis=1)
    if not ok.all():
        warnings.warn(f"{int((~ok).sum())} row(s) with missing indicator values were dropped "
                      "(listwise).", DataWarning, stacklevel=4)
        X, rows = X[ok], rows[ok]
    n = X.shape[0]
    if n < 3:
        raise DataError(f"Found {n} complete row(s); PLS needs more observations.")
    means = X.mean(axis=0)
    sds = X.std(axis=0, ddof=1)
    const = [c for c, s in zip(names, sds) if not s > 0]
    if const:
        raise DataError(f"Indicator(s) {', '.join(map(repr, const))} are constant; drop them "
                        "from the model.")
    return (X - means) / sds, rows, means, sds
