"""``fit_pls``: PLS path modelling and consistent PLS on lavaan-style syntax."""
from __future__ import annotations

from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from .._errors import DataError, OptionError
from .._validation import check_option
from . import algorithm as alg
from .bootstrap import run_bootstrap
from .groups import PLSGroupResult
from .prepare import estimate_single, plan_of, prepare_raw
from .result import Layout, PLSResult, stat_vector

MISSING = ("listwise", "mean")


def fit_pls(model, data: pd.DataFrame, *, estimator: Literal["PLS", "PLSc"] = "PLS",
            scheme: Literal["path", "factorial", "centroid"] = "path",
            se: Literal["standard", "bootstrap", "none"] = "none", bootstrap: int = 1000,
            seed=None, level: float = 0.95, n_jobs: int = 1, backend: str | None = None,
            progress=None, tol: float = 1e-7, max_iter: int = 300,
            missing: Literal["listwise", "mean"] = "listwise",
            interaction: str | None = None, hoc: str | None = None,
            boot_ci_type: str = "perc", group: str | None = None, missing_value=None,
            bootstrap_indices=None):
    """Fit a PLS path model (Mode A ``=~``, Mode B ``<~``, inner model ``~``).

    Parameters
    ----------
    model : str or theory builder
        lavaan-style syntax, or a builder with ``.syntax`` such as :class:`trustmodel.ECSI`.
        ``H =~ A + B`` over constructs declares a higher-order construct and ``y ~ A:B`` an
        interaction term (see :mod:`trustmodel.pls.model`).
    data : pandas.DataFrame
        Raw item data (never modified).
    estimator : {"PLS", "PLSc"}
        "PLSc" applies Dijkstra & Henseler's (2015) rho_A correction to the Mode A constructs.
    scheme : {"path", "factorial", "centroid"}
        Inner weighting scheme (seminr's default: path weighting).
    se : {"none", "standard", "bootstrap"}
        "bootstrap" gives bootstrap SEs and CIs; PLS has no analytic standard errors, so
        "standard" (``tm.fit``'s default) means none.
    bootstrap : int
        Number of bootstrap resamples.
    seed : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Replicate ``b`` uses ``np.random.SeedSequence(seed).spawn(bootstrap)[b]``, so the
        result does not depend on ``n_jobs``.
    level : float
        Confidence level of the intervals.
    n_jobs : int
        joblib workers for the bootstrap.
    backend : str, optional
        joblib backend ("loky", "threading", "dask" on a dask.distributed client).
    progress : bool, optional
        Show a tqdm progress bar during the bootstrap.
    tol, max_iter : float, int
        Stop when the summed absolute change of the outer weights is below ``tol``
        (seminr's stopCriterion = 7), at most ``max_iter`` iterations (seminr: 300).
    missing : {"listwise", "mean"}
        "listwise" drops rows with a missing item (with a :class:`DataWarning`); "mean"
        replaces a missing item value by the item's mean (seminr's ``mean_replacement``, its
        default); ``res.missing_report`` counts what was dropped or replaced.
    missing_value : number, optional
        A code that marks a missing answer in ``data`` (seminr's ``missing_value``, e.g. -99);
        such cells are treated as NaN.
    interaction : {"product_indicator", "orthogonal", "two_stage"}, optional
        How ``A:B`` terms are estimated (seminr's ``interaction_term(method=)``; default
        "product_indicator" as seminr's).
    hoc : {"two_stage", "repeated"}, optional
        Approach for higher-order constructs (default "two_stage", seminr's).
    boot_ci_type : {"perc", "bca"}
        Bootstrap intervals: percentile or BCa (jackknife acceleration).
    bootstrap_indices : int array, shape (B, n), optional
        With ``se="bootstrap"``: the resamples' rows (0-based positions in the estimation
        sample) instead of ``bootstrap=`` draws from ``seed=``, e.g. another program's
        draws to reproduce its bootstrap exactly.
    group : str, optional
        Column of ``data`` naming groups: one fit per group, returned as a
        :class:`~trustmodel.pls.groups.PLSGroupResult` with ``compare_groups()``.

    Returns
    -------
    PLSResult (or PLSGroupResult with ``group=``)

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
    doi:10.1016/j.csda.2004.03.005); see :mod:`trustmodel.pls.algorithm` and
    :mod:`trustmodel.pls.pipeline`.

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
    >>> float(round(res.path_coefficients.loc["Image", "Satisfaction"], 4))
    0.5841
    """
    estimator = check_option("estimator", estimator, ("PLS", "PLSc"), caller="fit_pls")
    scheme = check_option("scheme", scheme, alg.SCHEMES, caller="fit_pls")
    se = check_option("se", se, ("standard", "bootstrap", "none"), caller="fit_pls")
    missing = check_option("missing", missing, MISSING, caller="fit_pls")
    boot_ci_type = check_option("boot_ci_type", boot_ci_type, ("perc", "bca"), caller="fit_pls")
    if not 0 < level < 1:
        raise OptionError(f"level= must lie strictly between 0 and 1; got {level!r}.")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise OptionError(f"max_iter= must be a positive integer; got {max_iter!r}.")
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise OptionError(f"tol= must be a positive number; got {tol!r}.")
    if bootstrap_indices is not None:
        bootstrap = len(bootstrap_indices)
    opts = dict(estimator=estimator, scheme=scheme, se=se, bootstrap=bootstrap, level=level,
                n_jobs=n_jobs, tol=tol, max_iter=max_iter, missing=missing,
                interaction=interaction, hoc=hoc, boot_ci_type=boot_ci_type,
                missing_value=missing_value)
    if bootstrap_indices is not None and (se != "bootstrap" or group is not None):
        raise OptionError("bootstrap_indices= gives the resamples of se='bootstrap' for one "
                          "group; set se='bootstrap' (and no group=).")
    if group is not None:
        return fit_groups(model, data, group, opts, seed=seed, backend=backend,
                          progress=progress)
    from .._warnings import recorded_warnings
    with recorded_warnings() as caught:
        plan = plan_of(model, interaction=interaction, hoc=hoc)
        if estimator == "PLSc" and plan.hocs:
            raise OptionError("estimator='PLSc' with higher-order constructs is not supported; "
                              "use estimator='PLS'.")
        X, rows, report = prepare_raw(data, plan.raw_items, missing, missing_value)
        kw = dict(consistent=estimator == "PLSc", scheme=scheme, tol=tol, max_iter=max_iter)
        est = estimate_single(X, plan, kw, max_iter=max_iter, tol=tol)
        boot, failed, jack = None, 0, None
        if se == "bootstrap":
            layout = Layout.of(est["spec"])
            extract = partial(stat_vector, layout=layout)
            boot, failed = run_bootstrap(X, plan.raw_items, plan, kw, est["W"], extract,
                                         B=bootstrap, seed=seed, n_jobs=n_jobs,
                                         backend=backend, progress=progress,
                                         indices=bootstrap_indices)
            if boot_ci_type == "bca":
                from .inference import jackknife
                jack = jackknife(X, plan, kw, extract)
    return PLSResult(spec=est["spec"], estimator=estimator, scheme=scheme, _est=est,
                     _S=est["S"], _Z=est["Z"], _rows=rows, _all_rows=data.index,
                     _means=est["mean"], _sds=est["sd"], nobs=X.shape[0],
                     converged=bool(est["converged"]), n_iter=int(est["n_iter"]), boot=boot,
                     n_boot_failed=failed, level=level, options=opts, seed=seed,
                     warnings=tuple(caught), plan=plan, _raw=X, missing_report=report,
                     _jack=jack)


def fit_groups(model, data, group, opts, *, seed=None, backend=None, progress=None):
    """One PLS fit per level of ``data[group]`` (same model, algorithm and data treatment)."""
    if not isinstance(data, pd.DataFrame) or group not in data.columns:
        raise DataError(f"group={group!r} is not a column of data.")
    labels = [g for g in pd.unique(data[group]) if pd.notna(g)]
    if len(labels) < 2:
        raise DataError(f"Group column {group!r} has {len(labels)} distinct value(s); "
                        "multigroup PLS needs at least two.")
    kw = {k: v for k, v in opts.items() if k not in ("n_jobs",)}
    fits = {g: fit_pls(model, data[data[group] == g], seed=seed, backend=backend,
                       progress=progress, n_jobs=opts.get("n_jobs", 1), **kw) for g in labels}
    return PLSGroupResult(group=group, groups=fits, model=model, data=data, options=opts,
                          seed=seed)
