"""``tm.fit``: the numbered pipeline (lavaan's ``xxx_lavaan.R`` step list).

1 syntax/theory -> ParameterTable, 2 sample statistics, 3 estimation, 4 inference,
5 admissibility checks, 6 FitResult. Each step lives in its own layer.
"""
from __future__ import annotations

import inspect
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import numpy as np
import pandas as pd

from ._errors import (
    ConvergenceError,
    DataError,
    OptionError,
    TrustModelError,
    UnsupportedFeatureError,
)
from ._readonly import (
    ReadOnlyDict,
    freeze_arrays,
    freeze_fields,
    freeze_table,
    readonly,
)
from ._validation import check_fit_options, check_ignored, check_option, did_you_mean
from ._warnings import RecordedWarning, recorded_warnings  # noqa: F401 (re-exported)
from .data import SampleStats, check_columns
from .distributed import (
    check_dask_options,
    dask_ngroups,
    is_dask_frame,
    sample_stats_from_dask,
)
from .diagnostics import checks
from .estimation.core.fitting import estimate, expected_vcov
from .estimation.fiml.driver import fiml_fit
from .estimation.inference.defined import Definitions
from .estimation.inference.robust import robust_vcov
from .interaction.products import expand_interactions, product_terms
from .moments import one_blas_thread
from .results.result import FitResult
from .syntax import ParameterTable, build_table
from .syntax.statements import statements_of

if TYPE_CHECKING:
    from .estimation.lms.result import LMSResult
    from .pls.result import PLSResult

ESTIMATORS = ("ML", "MLR", "MLM", "GLS", "ULS", "PLS", "PLSc")
ORDINAL_ESTIMATORS = ("WLSMV", "DWLS", "WLS", "ULSMV", "ULS", "WLSM")
MISSING = ("listwise", "fiml", "ml")
SE = ("standard", "robust", "bootstrap", "none")
INTERACTIONS = ("dblcent", "mean", "residual", "lms", "qml")
_CENTERING = {"dblcent": "double", "mean": "mean", "residual": "residual"}


@overload
def fit(model: Any, data: pd.DataFrame | None = ..., *, estimator: Literal["PLS", "PLSc"],
        **options: Any) -> PLSResult: ...
@overload
def fit(model: Any, data: pd.DataFrame | None = ..., *,
        estimator: Literal["ML", "MLR", "MLM", "GLS", "ULS"] = ...,
        interaction: Literal["lms", "qml"], **options: Any) -> LMSResult: ...
@overload
def fit(model: Any, data: pd.DataFrame | None = ..., *,
        estimator: Literal["ML", "MLR", "MLM", "GLS", "ULS"] = ...,
        **options: Any) -> FitResult: ...


@one_blas_thread
def fit(model, data: pd.DataFrame | None = None, *,
        estimator: Literal["ML", "MLR", "MLM", "GLS", "ULS", "PLS", "PLSc", "WLSMV", "DWLS",
                           "WLS", "ULSMV", "WLSM"] | None = None,
        missing: Literal["listwise", "fiml", "ml", "mean", "pairwise"] = "listwise",
        group: str | None = None, group_equal=(), group_partial=(),
        std_lv: bool = False, meanstructure: bool | None = None, fixed_x: bool | None = None,
        se: Literal["standard", "robust", "bootstrap", "none"] = "standard",
        bootstrap: int = 1000, seed=None, level: float = 0.95,
        boot_ci_type: Literal["perc", "bca", "bca_simple", "norm"] = "perc",
        bollen_stine: bool = False, n_jobs: int | None = 1, backend: str = "threads",
        progress: bool | None = None,
        sample_cov=None, nobs=None, sample_mean=None, ordered=None,
        parameterization: Literal["delta", "theta"] = "delta",
        interaction: Literal["dblcent", "mean", "residual", "lms", "qml", "product_indicator",
                             "orthogonal", "two_stage"] | None = None,
        interaction_pairs: Literal["matched", "all"] = "matched",
        ci: Literal["standard", "montecarlo"] = "standard", draws: int = 20000,
        **options) -> FitResult | PLSResult | LMSResult:
    """Fit a structural equation model.

    Parameters
    ----------
    model : str, ParameterTable or theory builder
        lavaan model syntax, a parameter table, or a builder such as
        :class:`trustmodel.ExpectationDisconfirmation`.
    data : pandas.DataFrame, optional
        Raw data (never modified). Alternatively ``sample_cov`` and ``nobs``.
    estimator : {"ML", "MLR", "MLM", "GLS", "ULS", "PLS", "PLSc", "WLSMV", "DWLS", "WLS", \
"ULSMV", "WLSM"}, optional
        Discrepancy function; default "ML", or "WLSMV" with ordinal indicators (as lavaan).
        "ML" is maximum likelihood with expected-information SEs;
        "MLR" robust ML as lavaan (Huber-White SEs with observed information, Yuan-Bentler
        Mplus scaled test, ``*_scaled``/``*_robust`` fit measures); "MLM" Satorra-Bentler
        (robust.sem SEs, expected information). See :mod:`trustmodel.estimation.inference.robust`.
    missing : {"listwise", "fiml"}
        Missing-data policy ("ml" is an alias of "fiml"). "fiml" is casewise ML grouped by
        missing-data pattern, with the mean structure switched on, observed-information SEs
        and the h1 model for chisq (lavaan's ``missing = "ml"``); with ``fixed_x`` rows missing
        an exogenous covariate are dropped. See :mod:`trustmodel.estimation.fiml`. With
        ``estimator="PLS"``: "listwise" or "mean" (seminr's mean replacement).
    group : str, optional
        Column defining groups for a multi-group model.
    group_equal : sequence of str
        Parameter types held equal across groups (lavaan's ``group.equal``).
    group_partial : sequence of str
        Parameters exempt from ``group_equal`` ("f =~ x2").
    std_lv : bool
        Identify latents by fixing their (residual) variances to 1.
    meanstructure : bool, optional
        Model means and intercepts (default: only if the syntax has ``~ 1`` or groups).
    fixed_x : bool, optional
        Treat exogenous observed covariates as fixed. Default: lavaan's default for the
        estimator (``lav_options``): True for the ML family (ML, MLR, MLM), False for GLS and
        ULS, which estimate the covariates' (co)variances.
    se : {"standard", "robust", "bootstrap", "none"}
        Standard errors.
    bootstrap : int
        Number of bootstrap draws when ``se="bootstrap"``.
    seed : int or numpy.random.Generator, optional
        Seed for everything random.
    level : float
        Confidence level of ``ci_lower``/``ci_upper``.
    boot_ci_type : {"perc", "bca", "bca_simple", "norm"}
        With ``se="bootstrap"``: percentile (default, as lavaan's ``boot.ci.type="perc"``),
        BCa with jackknife acceleration, lavaan's ``"bca.simple"`` (bias correction only), or
        the bias-corrected normal interval.
    bollen_stine : bool
        Also run the Bollen-Stine bootstrap of the test statistic (lavaan's
        ``test="bollen.stine"``) with ``bootstrap`` draws; adds ``bollen_stine_pvalue`` to
        ``fit_measures``.
    n_jobs : int, optional
        Workers for the bootstrap (joblib's convention, -1 all cores). Same numbers for any value.
    backend : {"threads", "loky", "threading", "sequential", "dask"}
        Backend of the bootstrap: "threads" (default; no worker start-up, numpy releases the
        GIL), "loky" processes, or "dask" on the active ``dask.distributed`` client.
    progress : bool, optional
        tqdm progress bar for the bootstrap (default: only when interactive).
    sample_cov : pandas.DataFrame, optional
        Published covariance matrix (unbiased, N - 1); rescaled by (N - 1)/N as lavaan.
    nobs : int, optional
        Sample size belonging to ``sample_cov``.
    sample_mean : pandas.Series, optional
    interaction : {"dblcent", "mean", "residual", "lms", "qml"}, optional
        How product terms ``y ~ X + Z + X:Z`` between latent variables are estimated
        (default "dblcent"): product indicators with double-mean centring, mean centring or
        residual centring (:func:`trustmodel.product_indicators`), or latent moderated
        structural equations (:mod:`trustmodel.estimation.lms`; "qml" is refused). A product of
        two observed variables is their raw product column, as in lavaan. With
        ``estimator="PLS"``: "product_indicator", "orthogonal" or "two_stage" (seminr's
        ``interaction_term``; see :mod:`trustmodel.pls`).
    interaction_pairs : {"matched", "all"}
        Product indicators from matched pairs when both constructs have equally many
        indicators (semTools' default), else from all pairs; "all" always uses all pairs.
    ci : {"standard", "montecarlo"}
        "montecarlo" replaces the Wald intervals of the ``:=`` parameters by Monte Carlo
        percentile intervals (``draws`` draws from the estimates' asymptotic normal
        distribution, ``seed``; Preacher & Selig 2012; :func:`trustmodel.montecarlo_ci`).
    draws : int
        Monte Carlo draws for ``ci="montecarlo"``.
    ordered : list of str or True, optional
        Ordinal indicators (``True``: every observed variable), as lavaan's ``ordered=``;
        ordered pandas Categorical columns and variables with ``|`` thresholds in the syntax
        are ordinal anyway. The model is then fitted in lavaan's three stages (thresholds,
        polychoric correlations and their NACOV, then "WLSMV", "DWLS", "WLS", "ULSMV", "ULS"
        or "WLSM"); ``missing`` may be "listwise" or "pairwise". See
        :mod:`trustmodel.estimation.categorical`.
    parameterization : {"delta", "theta"}
        Scaling of the latent responses of ordinal indicators (lavaan's default "delta").

    Returns
    -------
    FitResult, PLSResult or LMSResult
        :class:`FitResult` for the covariance-based estimators, ``PLSResult`` for "PLS" and
        "PLSc", :class:`~trustmodel.estimation.lms.LMSResult` with ``interaction="lms"``
        (``params``, ``fit_measures`` with the log-likelihood and the test against the model
        without the interaction, ``vcov``, ``summary()``); the overloads of ``fit`` tell a
        type checker which.

    Raises
    ------
    ModelSyntaxError, DataError, OptionError

    Warns
    -----
    NonConvergenceWarning, HeywoodCaseWarning, NotPositiveDefiniteWarning, IdentificationWarning

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> # lavaan: cfa(model, data = HolzingerSwineford1939)
    >>> round(res.fit_measures["chisq"], 3)
    85.306
    """
    if _is_ordinal(model, data, ordered, estimator):
        if interaction is not None:
            from .results.ordinal import LATENT_PRODUCT_REFUSAL
            raise UnsupportedFeatureError(f"interaction={interaction!r}: "
                                          + LATENT_PRODUCT_REFUSAL)
        if ci != "standard":
            raise UnsupportedFeatureError("ci='montecarlo' is not available with ordinal "
                                          "indicators (ordered=) yet.")
        return _fit_ordinal(model, data, ordered=ordered, estimator=estimator, missing=missing,
                            group=group, group_equal=group_equal, group_partial=group_partial,
                            std_lv=std_lv, se=se, level=level, seed=seed,
                            parameterization=parameterization, sample_cov=sample_cov,
                            bollen_stine=bollen_stine, options=options, bootstrap=bootstrap,
                            boot_ci_type=boot_ci_type)
    estimator = "ML" if estimator is None else estimator
    if parameterization != "delta":
        raise OptionError("parameterization= applies to ordinal indicators (ordered=).")
    pls = str(estimator).upper() in ("PLS", "PLSC")
    if missing == "mean" and not pls:
        raise OptionError("missing='mean' (mean replacement) is for estimator='PLS'/'PLSc'; "
                          "CB-SEM offers 'listwise' or 'fiml'.")
    given = {k: v for k, v in locals().items() if k in _DEFAULTS}
    given = check_fit_options(given, _allowed())                       # 0 strict options
    (estimator, missing, group, group_equal, group_partial, std_lv, meanstructure, fixed_x, se,
     bootstrap, seed, level, boot_ci_type, bollen_stine, n_jobs, backend, progress, sample_cov,
     nobs, sample_mean) = (given[k] for k in (
        "estimator", "missing", "group", "group_equal", "group_partial", "std_lv",
        "meanstructure", "fixed_x", "se", "bootstrap", "seed", "level", "boot_ci_type",
        "bollen_stine", "n_jobs", "backend", "progress", "sample_cov", "nobs", "sample_mean"))
    pls_opts = {k: options.pop(k) for k in _PLS_OPTIONS if k in options} \
        if estimator in ("PLS", "PLSc") else {}
    if options:
        unknown = sorted(options)
        raise OptionError(f"Unknown option{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(map(repr, unknown))} of fit()."
                          + did_you_mean(unknown, _KNOWN_OPTIONS))
    if estimator in ("PLS", "PLSc"):
        return _fit_pls(model, data, given, pls_opts)
    robust = estimator in ("MLR", "MLM") or se == "robust"
    if se == "robust" and estimator not in ("ML", "MLR", "MLM"):
        raise OptionError(f"se='robust' needs estimator 'ML', 'MLR' or 'MLM'; got {estimator!r}.")
    fiml = missing in ("fiml", "ml")
    if fiml and estimator not in ("ML", "MLR"):
        raise OptionError(f"missing='fiml' needs estimator 'ML' or 'MLR'; got {estimator!r}.")
    if fiml and sample_cov is not None:
        raise OptionError("missing='fiml' needs the raw data (data=), not sample_cov=.")
    rng_seed = seed
    fixed_x = estimator in ("ML", "MLR", "MLM") if fixed_x is None else bool(fixed_x)
    if is_dask_frame(data):
        check_dask_options(missing=missing, group=group, se=se, bollen_stine=bollen_stine,
                           estimator=estimator)
        if product_terms(statements_of(model)):
            raise OptionError("Product terms (X:Z) need an in-memory pandas DataFrame; compute "
                              "the dask DataFrame first (ddf.compute()).")
    interaction, interaction_pairs = _check_interaction(model, data, interaction,
                                                        interaction_pairs)
    ci = check_option("ci", ci, ("standard", "montecarlo"))
    if ci == "montecarlo" and (se in ("bootstrap", "none") or interaction in ("lms", "qml")):
        raise OptionError(f"ci='montecarlo' draws from the asymptotic distribution of a "
                          f"se='standard' or 'robust' fit; got se={se!r}"
                          + (f", interaction={interaction!r} (use tm.montecarlo_ci(res))"
                             if interaction in ("lms", "qml") else "") + ".")
    if interaction in ("lms", "qml"):
        unused = [k for k, v in (("group_equal", tuple(group_equal)),
                                 ("group_partial", tuple(group_partial)),
                                 ("bollen_stine", bollen_stine), ("fixed_x", not fixed_x),
                                 ("meanstructure", meanstructure is False),
                                 ("sample_mean", sample_mean is not None)) if v]
        if unused:
            raise OptionError(f"interaction={interaction!r} does not use "
                              f"{', '.join(map(repr, unused))}; drop the option(s).")
        from .estimation.lms import fit_lms_model
        return fit_lms_model(model, data, statements_of(model), method=interaction,
                             estimator=estimator, missing=missing, group=group, se=se,
                             level=level, sample_cov=sample_cov, std_lv=std_lv)
    with recorded_warnings() as caught:
        theory = _theory_of(model, data)                                    # 1 syntax / theory
        statements, data = expand_interactions(statements_of(model, data),
                                               cast(pd.DataFrame, data),
                                               centering=_CENTERING[interaction or "dblcent"],
                                               pairs=interaction_pairs)
        statements = tuple(statements)
        ngroups = _ngroups(data, group, sample_cov)
        ms = bool(meanstructure) or ngroups > 1 or sample_mean is not None or fiml
        table = _table(statements, ngroups, ms, bool(std_lv), bool(fixed_x),
                       tuple(group_equal), tuple(group_partial))
        checks.check_variables(table, data, sample_cov)
        stats = _sample_stats(table, data, group, missing, sample_cov, nobs, sample_mean)  # 2
        checks.check_identification(table, stats)
        with _numerical_failure():                                          # 3-4
            state, stats, vcov, extra = _estimate(table, stats, estimator, se, fiml, robust)
        boot_extra = {}
        if se == "bootstrap" or bollen_stine:                               # 4b resampling
            boot_extra, boot_vcov = _bootstrap(table, stats, state, se, bootstrap, seed, level,
                                               boot_ci_type, bollen_stine, n_jobs, backend,
                                               progress)
            vcov = vcov if boot_vcov is None else boot_vcov
        _check_finite_estimates(table, state)
        checks.admissibility(table, state, vcov)                            # 5
        if (table.cols.op == ":=").any():
            Definitions(table).warn_not_finite(state.values)
    opts = {"estimator": estimator, "missing": missing, "group": group,
            "group_equal": tuple(group_equal), "group_partial": tuple(group_partial),
            "std_lv": std_lv, "meanstructure": ms, "fixed_x": fixed_x, "se": se, "level": level}
    state = replace(state, x=readonly(state.x), values=readonly(state.values),
                    optim=freeze_fields(state.optim))
    freeze_arrays(state.problem)  # the fitted problem and the model shared by the table
    if interaction is not None:
        opts.update(interaction=interaction, interaction_pairs=interaction_pairs)
    res = FitResult(table=table, stats=stats, state=state, vcov_free=readonly(vcov),  # 6
                    warnings=tuple(caught), options=ReadOnlyDict(opts), seed=rng_seed,
                    se_kind=se, extra=readonly({**_merge_extra(extra, boot_extra), **theory}))
    return res if ci == "standard" else _with_montecarlo(res, draws, seed, level)



def _with_montecarlo(res: FitResult, draws, seed, level) -> FitResult:
    """The fit with Monte Carlo intervals for its ``:=`` rows (Wald for the others)."""
    from .interaction.conditional import montecarlo_ci
    mc = montecarlo_ci(res, draws=draws, seed=seed, level=level)
    p = res.params
    lo, hi = p["ci_lower"].to_numpy().copy(), p["ci_upper"].to_numpy().copy()
    rows = np.flatnonzero((p["op"] == ":=").to_numpy())
    lo[rows], hi[rows] = mc["ci_lower"].to_numpy(), mc["ci_upper"].to_numpy()
    opts = {**res.options, "ci": "montecarlo", "draws": int(draws)}
    return replace(res, options=opts, extra={**res.extra, "ci": (lo, hi)})


def _check_interaction(model, data, interaction, pairs):
    """Validate interaction= / interaction_pairs= (an option without product terms is an error)."""
    pairs = check_option("interaction_pairs", pairs, ("matched", "all"))
    terms = product_terms(statements_of(model, data))
    if interaction is None:
        return ("dblcent" if terms else None), pairs
    interaction = check_option("interaction", interaction, INTERACTIONS)
    if not terms:
        raise OptionError(f"interaction={interaction!r} needs a product term in the model, "
                          "such as 'LOY ~ SAT + SWC + SAT:SWC'; the model has none.")
    return interaction, pairs


def _is_ordinal(model, data, ordered, estimator) -> bool:
    """Ordinal pipeline: ordered= given, ``|`` in the syntax, an ordinal estimator, or an
    ordered Categorical column the model uses."""
    if ordered not in (None, False, (), []) or estimator in ("WLSMV", "DWLS", "WLS", "ULSMV",
                                                              "WLSM"):
        return True
    try:
        statements = statements_of(model)
    except Exception:  # noqa: BLE001 - the regular path reports bad models
        return False
    if any(s.op in ("|", "~*~") for s in statements):
        return True
    if isinstance(data, pd.DataFrame):
        dtypes = data.dtypes.tolist()   # the column labels only when an ordered one exists
        ordered_at = [k for k, dt in enumerate(dtypes)
                      if isinstance(dt, pd.CategoricalDtype) and dt.ordered]
        if not ordered_at:
            return False
        used = {s.lhs for s in statements} | {s.rhs for s in statements}
        return any(data.columns[k] in used for k in ordered_at)
    return False


def _fit_ordinal(model, data, *, ordered, estimator, missing, se, sample_cov, bollen_stine,
                 options, bootstrap, boot_ci_type, **kw) -> FitResult:
    """Step list of the categorical pipeline (thresholds, polychorics, WLS fit)."""
    from .results.ordinal import fit_ordinal, observed_products
    estimator = check_option("estimator", "WLSMV" if estimator is None else estimator,
                             ORDINAL_ESTIMATORS)
    missing = check_option("missing", missing, ("listwise", "pairwise"))
    if options:
        raise OptionError(f"Unknown option(s) {', '.join(map(repr, sorted(options)))} of fit().")
    if sample_cov is not None or data is None:
        raise DataError("Ordinal indicators need the raw data (data=), not sample_cov=.")
    if bollen_stine:
        from ._errors import UnsupportedFeatureError
        raise UnsupportedFeatureError(
            "The Bollen-Stine bootstrap is not available for ordinal indicators: it rotates "
            "the data to fit the model exactly, which has no meaning for categories "
            "(lavaan 0.6-14 refuses too: 'bollen.stine/yuan bootstrap not available for "
            "categorical/ordinal data'); use the scaled test statistics (chisq_scaled).")
    se = None if se == "standard" else se   # "standard" = the estimator's lavaan default
    with recorded_warnings() as caught:
        theory = _theory_of(model, data)
        statements = tuple(statements_of(model))
        data = observed_products(statements, data, ordered)     # lavaan's x:z columns
        res = fit_ordinal(statements, data, ordered=ordered, estimator=estimator,
                          missing=missing, se=se, bootstrap=bootstrap, boot_ci_type=boot_ci_type,
                          options={"missing": missing, "group": kw["group"],
                                   "group_equal": tuple(kw["group_equal"]),
                                   "group_partial": tuple(kw["group_partial"]),
                                   "std_lv": kw["std_lv"], "meanstructure": True},
                          extra=theory,
                          **{k: (tuple(v) if k.startswith("group_") else v)
                             for k, v in kw.items()})
    return replace(res, warnings=tuple(caught))


def _estimate(table, stats, estimator, se, fiml, robust):
    """Steps 3-4: optimise and the standard errors (FIML, or ML/GLS/ULS with robust parts)."""
    extra = {}
    if fiml:
        state, stats, vcov = fiml_fit(table, stats, estimator=estimator, se=se)
    else:
        state = estimate(table, stats, "ML" if robust else estimator)
        vcov = expected_vcov(state) if se != "none" else np.zeros((table.npar, table.npar))
    if robust and not fiml and state.admissible:                        # 4 robust SEs
        rvcov = robust_vcov(table, stats, state, estimator=estimator, se=se)
        vcov = rvcov if rvcov is not None else vcov
    return state, stats, vcov, extra


@contextmanager
def _numerical_failure():
    """A singular matrix where no estimate exists is a ConvergenceError, not a LinAlgError."""
    try:
        yield
    except np.linalg.LinAlgError as exc:
        raise ConvergenceError(
            f"Estimation stopped on a singular matrix ({exc}): the model-implied covariance "
            "matrix is not invertible at the current estimates. Check the variables' scales "
            "(rescale very large or very small ones), give start values, or simplify the "
            "model.") from None


def _check_finite_estimates(table, state) -> None:
    """Fitting truly cannot continue when the optimizer has no finite estimate at all (lavaan
    stops with an error there too); a finite but unconverged one is a warning (checks)."""
    if np.isfinite(state.x).all():
        return   # an inadmissible point (fmin not finite): lavaan returns it with a warning
    bad = [n for n, v in zip(table.free_names(readable=True), state.x) if not np.isfinite(v)]
    raise ConvergenceError(
        "The optimizer found no finite estimates"
        + (f" (not finite: {', '.join(bad[:5])}{', ...' if len(bad) > 5 else ''})" if bad else
           " (the discrepancy function is not finite at the estimates)")
        + "; check the variables' scales (rescale very large or very small ones), give start "
          "values, or simplify the model.")


def _merge_extra(*parts) -> dict:
    """Join the ``extra`` dicts of the pipeline steps (their ``fit_measures`` merged)."""
    out, fmx = {}, {}
    for part in parts:
        for k, v in part.items():
            if k == "fit_measures":
                fmx.update(v)
            else:
                out[k] = v
    if fmx:
        out["fit_measures"] = fmx
    return out


def _bootstrap(table, stats, state, se, B, seed, level, ci_type, bollen_stine, n_jobs,
               backend, progress):
    """Step 4b: bootstrap draws -> (extra for FitResult, vcov of the free parameters)."""
    from .estimation.inference import bootstrap as resample
    from .estimation.inference.jackknife import jackknife
    boot = resample.run_bootstrap(table, stats, state, B, seed=seed, n_jobs=n_jobs,
                                  backend=backend, progress=progress,
                                  ordinary=se == "bootstrap", bollen_stine=bollen_stine)
    vcov = None
    if se == "bootstrap":
        jack = jackknife(table, stats, state) if ci_type == "bca" else None
        boot = replace(boot, ci_type=ci_type, jackknife=jack)  # res.effects uses the same
        se_rows, lo, hi, vcov = resample.summarize(table, state, boot, level=level,
                                                   ci_type=ci_type, jack=jack)
    extra = {"bootstrap": boot}
    if se == "bootstrap":
        extra.update(se=se_rows, ci=(lo, hi))
    if bollen_stine:
        extra["fit_measures"] = {"bollen_stine_pvalue": boot.bollen_stine_pvalue,
                                 "bootstrap_failed": boot.n_failed}
    return extra, vcov


def _theory_of(model, data) -> dict:
    """A theory builder checks the data (warnings recorded) and rides along on the result."""
    if isinstance(model, (str, ParameterTable)) or not isinstance(getattr(model, "syntax", None),
                                                                  str):
        return {}
    check = getattr(model, "validate_data", None)
    if callable(check):
        check(data)
    return {"theory": model}


_PLS_OPTIONS = ("scheme", "tol", "max_iter", "interaction", "hoc", "missing_value",
                "bootstrap_indices")
_KNOWN_OPTIONS = tuple(p for p in inspect.signature(fit).parameters
                       if p not in ("model", "data", "options"))   # for "did you mean"
_DEFAULTS = {p: inspect.signature(fit).parameters[p].default for p in _KNOWN_OPTIONS}


def _allowed() -> dict:
    from ._parallel import BACKENDS
    from .estimation.inference.intervals import CI_TYPES
    return {"estimator": ESTIMATORS, "missing": MISSING, "se": SE, "boot_ci_type": CI_TYPES,
            "backend": BACKENDS}


def _fit_pls(model, data, given: dict, pls_opts: dict):
    """PLS path: the options ``fit_pls`` takes are passed on; any other option given with a
    value other than its default is an error (it would be ignored)."""
    from .pls import fit_pls  # leaf module, imported only when asked
    estimator, missing = given["estimator"], given["missing"]
    if missing not in ("listwise", "mean"):
        raise OptionError(f"missing={missing!r} is not available for estimator={estimator!r}; "
                          "use 'mean' (seminr's mean replacement) or 'listwise'.")
    accepted = set(inspect.signature(fit_pls).parameters) - {"model", "data"}
    check_ignored(given, accepted, _DEFAULTS, f"estimator={given['estimator']!r}")
    kwargs = {k: v for k, v in given.items() if k in accepted}
    if kwargs.get("backend") == "threads":   # joblib's name for the thread backend
        kwargs["backend"] = "threading"
    try:
        names = {n for st in statements_of(model, data) for n in (st.lhs, st.rhs)}
    except TrustModelError:
        names = set()  # the PLS fit reports its own syntax errors
    check_columns(data, names)
    return freeze_fields(fit_pls(model, data, **kwargs, **pls_opts))


@lru_cache(maxsize=64)
def _table(statements, ngroups, meanstructure, std_lv, fixed_x, group_equal, group_partial):
    """build_table, memoised: statements and tables are immutable (the table's rows and
    options are frozen, so no result can corrupt the memo), and refits of one model
    (simulation studies, notebooks) should not pay for the same table twice."""
    return freeze_table(build_table(statements, ngroups=ngroups, meanstructure=meanstructure,
                                    std_lv=std_lv, fixed_x=fixed_x, group_equal=group_equal,
                                    group_partial=group_partial))


def _ngroups(data, group, sample_cov) -> int:
    if group is not None and is_dask_frame(data):
        n = dask_ngroups(data, group)
    elif group is not None:
        if not isinstance(data, pd.DataFrame):
            raise DataError("group= needs data= as a DataFrame holding the group column.")
        if group not in data.columns:
            raise DataError(f"group={group!r} is not a column of data."
                            + did_you_mean([group], map(str, data.columns)))
        n = data[group].nunique(dropna=True)
    if group is not None:
        if n < 2:
            raise DataError(f"Group column {group!r} has only {n} distinct value(s); a "
                            "multi-group model needs at least two.")
        return int(n)
    if isinstance(sample_cov, (list, tuple)):
        return len(sample_cov)
    return 1


def _sample_stats(table, data, group, missing, sample_cov, nobs, sample_mean) -> SampleStats:
    names = table.observed
    if data is not None and sample_cov is not None:
        raise OptionError("Give either data= or sample_cov= (with nobs=), not both.")
    if data is None:
        if sample_cov is None:
            raise DataError("fit() needs data= (a DataFrame) or sample_cov= with nobs=.")
        if nobs is None:
            raise DataError("sample_cov= needs nobs= (the sample size).")
        return SampleStats.from_moments(sample_cov, nobs, names, sample_mean=sample_mean)
    if is_dask_frame(data):
        return sample_stats_from_dask(data, names, missing=missing, group=group,
                                      min_rows=len(names) + 1 if missing == "listwise" else 2)
    return SampleStats.from_frame(data, names, missing=missing, group=group,
                                  min_rows=len(names) + 1 if missing == "listwise" else 2)


def lower_to_cov(text: str, names) -> pd.DataFrame:
    """A full symmetric covariance DataFrame from a lower triangle (lavaan's ``getCov``).

    Examples
    --------
    >>> lower_to_cov("1\\n.5 1", ["a", "b"]).loc["a", "b"]
    0.5
    """
    vals = np.array([float(t) for t in text.replace(",", " ").split()])
    names = list(names)
    p = len(names)
    if len(vals) != p * (p + 1) // 2:
        raise DataError(f"A lower triangle for {p} variables needs {p * (p + 1) // 2} numbers; "
                        f"got {len(vals)}.")
    M = np.zeros((p, p))
    M[np.tril_indices(p)] = vals
    M = M + M.T - np.diag(np.diag(M))
    return pd.DataFrame(M, index=names, columns=names)
