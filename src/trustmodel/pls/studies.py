"""Entry points that fit a PLS model and then study it: MICOM across groups
(Henseler, Ringle & Sarstedt 2016) and PLSpredict cross-validation (Shmueli et al. 2019);
the analysis pieces live in ``groups`` and ``predict``."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from .._warnings import warn
from .._errors import DataError, NumericalWarning, OptionError
from .._parallel import spawn_seeds
from .bootstrap import stack_columns
from .fit import fit_pls
from .groups import MICOMResult
from .pipeline import estimate_batch, interaction_columns
from .predict import (_check_technique, check_predictable, item_positions, predict_batch,
                      r_cut_folds)


def micom(model, data, group: str, *, B: int = 1000, seed=None, groups=None, n_jobs: int = 1,
          **options) -> MICOMResult:
    """MICOM for a PLS model and a group column: ``tm.micom(model, data, group="segment")``.

    Examples
    --------
    >>> import numpy as np, trustmodel as tm
    >>> mobi = tm.datasets.load("mobi").assign(g=np.arange(250) % 2)
    >>> m = tm.micom("A =~ IMAG1 + IMAG2\\nS =~ CUSA1 + CUSA2\\nS ~ A", mobi, group="g",
    ...              B=100, seed=1)
    >>> m.level in ("full", "partial", "none")
    True
    """
    res = fit_pls(model, data, estimator=options.pop("estimator", "PLS"), group=group, seed=seed,
              **options)
    return res.micom(B=B, seed=seed, groups=groups, n_jobs=n_jobs)


@dataclass(frozen=True)
class PLSPredictResult:
    """PLSpredict output: ``items`` (per endogenous item: PLS and LM out-of-sample RMSE and
    MAE, Q2_predict, and the in-sample ``*_in`` metrics of the predictions averaged over the
    folds each row trained in, as seminr's ``PLS_in_sample``) and the averaged out-of-sample
    predictions."""

    items: pd.DataFrame
    pls_predictions: pd.DataFrame
    lm_predictions: pd.DataFrame
    actuals: pd.DataFrame
    folds: int
    repeats: int
    technique: str
    naive_predictions: pd.DataFrame | None = None
    item_construct: dict | None = None     # endogenous item -> its construct

    def __str__(self) -> str:
        return (f"PLSpredict ({self.technique}, {self.folds} folds x {self.repeats} repeats)\n"
                + self.items.to_string(float_format=lambda v: f"{v:.4f}"))


def _lm_benchmark(X, names, spec, plan, train, test, technique):
    """OLS predictions of every endogenous item from its antecedents' items: (test, train)
    predictions, item -> (B, m) arrays."""
    preds, fitted = {}, {}
    exo = [j for j in range(spec.n_constructs) if j not in spec.endogenous]
    col = {nm: k for k, nm in enumerate(names)}
    for j in spec.endogenous:
        if spec.constructs[j] in plan.interactions:
            continue
        src = spec.predecessors(j) if technique == "DA" else exo
        xi = [col[spec.indicators[p]] for p in range(len(spec.indicators)) if spec.block[p] in src]
        yi = [col[spec.indicators[p]] for p in spec.block_of(j)]
        A = np.concatenate([np.ones(train.shape + (1,)), X[train][..., xi]], axis=-1)
        At = np.concatenate([np.ones(test.shape + (1,)), X[test][..., xi]], axis=-1)
        Y = X[train][..., yi]
        beta = np.linalg.solve(np.swapaxes(A, 1, 2) @ A, np.swapaxes(A, 1, 2) @ Y)
        for q, k in enumerate(yi):
            preds[names[k]] = (At @ beta)[..., q]
            fitted[names[k]] = (A @ beta)[..., q]
    return preds, fitted


def _warn_skipped(reasons, total):
    if len(reasons) == total:
        raise DataError(f"The PLSc solution is inadmissible in all {total} cross-validation "
                        f"folds (first: {reasons[0]}); there are no out-of-sample predictions. "
                        "Use estimator='PLS' or fewer folds.")
    warn(f"The PLSc solution is inadmissible in {len(reasons)} of {total} "
                  f"cross-validation folds ({reasons[0]}); their rows are left out of the PLS "
                  "and LM metrics alike, as seminr's predict_pls skips them.", NumericalWarning)


def _fold_labels(folds, n, reps):
    """Fold of every row (0..k-1) when ``folds`` is an array of labels, else None."""
    if folds is None or np.ndim(folds) == 0:
        return None
    labels = np.asarray(folds)
    if labels.ndim != 1 or len(labels) != n:
        raise OptionError(f"folds= as an array needs one fold label per estimation row ({n}); "
                          f"got shape {labels.shape}.")
    if reps != 1:
        raise OptionError("folds= as an array fixes the assignment; repeats= must be None or 1.")
    _, codes = np.unique(labels, return_inverse=True)
    return codes


def plspredict(model, data, *, folds: int | None = 10, repeats: int | None = 10, seed=None,
               technique: str = "DA", two_stage_items: str = "fold",
               **fit_options) -> PLSPredictResult:
    """PLSpredict (Shmueli et al. 2016, 2019) with seminr's ``predict_pls`` conventions.

    Parameters
    ----------
    model : str or theory builder
    data : pandas.DataFrame
    folds : int, None or array of fold labels
        Number of folds; None is leave-one-out (seminr's ``noFolds = NULL``); an array gives
        each row's fold (one label per estimation row, e.g. another program's assignment),
        used as it is (``repeats`` must then be None or 1).
    repeats : int or None
        Shuffles whose predictions are averaged (None: one).
    seed : int or Generator, optional
        Shuffle ``r`` uses ``SeedSequence(seed).spawn(repeats)[r]``.
    technique : {"DA", "EA"}
        Direct or earliest antecedents (seminr's ``predict_DA`` / ``predict_EA``).
    two_stage_items : {"fold", "full_sample"}
        The two-stage interaction item of the rows a fold model predicts. Every training
        fold rebuilds the item from its own stage-1 model and is estimated on it; with
        ``"fold"`` (default) the predicted rows' item is the product of their scores under
        that fold's stage-1 weights, so no held-out row informs its own prediction;
        ``"full_sample"`` takes their item from the full-sample model, as seminr's
        ``predict_pls`` does: its folds are cut from ``model$data``, which holds the
        full-sample ``A*B_intxn`` column, and ``two_stage_predict`` appends the fold's
        product after it, so ``augmented_data[, mmVariables]`` picks the full-sample one
        (R/feature_plspredict.R). The two differ by about 1e-4 in RMSE on seminr's
        corporate-reputation example.
    **fit_options
        Passed to :func:`trustmodel.fit` (``scheme=``, ``missing=``, ``interaction=``).

    Returns
    -------
    PLSPredictResult

    Examples
    --------
    >>> import trustmodel as tm
    >>> mobi = tm.datasets.load("mobi")
    >>> syntax = '''Image =~ IMAG1 + IMAG2 + IMAG3
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Satisfaction ~ Image'''
    >>> pp = tm.plspredict(syntax, mobi, folds=10, repeats=2, seed=1)
    >>> list(pp.items.index)
    ['CUSA1', 'CUSA2', 'CUSA3']
    """
    technique = _check_technique(technique)
    if two_stage_items not in ("fold", "full_sample"):
        raise OptionError("two_stage_items= must be 'fold' or 'full_sample'; got "
                          f"{two_stage_items!r}.")
    res = fit_pls(model, data, estimator=fit_options.pop("estimator", "PLS"), **fit_options)
    check_predictable(res.plan, res.estimator)
    X, plan, spec = res._raw, res.plan, res.spec
    names = plan.raw_items
    n = X.shape[0]
    reps = 1 if repeats is None else int(repeats)
    if reps < 1:
        raise OptionError(f"repeats= must be a positive integer; got {repeats!r}.")
    given_folds = _fold_labels(folds, n, reps)
    k = n if folds is None else (int(given_folds.max()) + 1 if given_folds is not None
                                 else int(folds))
    if not 2 <= k <= n:
        raise OptionError(f"folds= must lie between 2 and the number of rows ({n}); got {folds!r}.")
    kw = dict(consistent=res.estimator == "PLSc", scheme=res.scheme, tol=res.options["tol"],
              max_iter=res.options["max_iter"])
    skipped = []
    endo_pos = item_positions(spec, plan, [j for j in spec.endogenous])
    endo_items = [spec.indicators[p] for p in endo_pos]
    pls = np.zeros((reps, n, len(endo_pos)))
    lm = np.zeros((reps, n, len(endo_pos)))
    naive = np.zeros((reps, n, len(endo_pos)))
    ins = np.zeros((2, reps, n, len(endo_pos)))          # in-sample sums: PLS, LM
    cnt = np.zeros((reps, n, 1))
    pos_fold = r_cut_folds(n, k) if given_folds is None else None
    col = [names.index(x) for x in endo_items]
    # the LM benchmark regresses on the antecedents' items, interaction items included, taken
    # from the full-sample model as seminr's predict_pls takes them from model$data
    full = interaction_columns({nm: X[None, :, q] for q, nm in enumerate(names)}, plan,
                               res._est["_batch"])
    extra = [x for x in spec.indicators if x not in names]
    X_lm = np.column_stack([X] + [full[x][0] for x in extra]) if extra else X
    names_lm = tuple(names) + tuple(extra)
    given = two_stage_items == "full_sample" and plan.interaction == "two_stage"
    X_new, names_new = (X_lm, names_lm) if given else (X, names)
    for r, s in enumerate(spawn_seeds(seed, reps)):
        if given_folds is not None:
            fold = given_folds
        else:
            order = np.arange(n) if folds is None else np.random.default_rng(s).permutation(n)
            fold = np.empty(n, dtype=int)
            fold[order] = pos_fold
        for size in sorted({int((fold != f).sum()) for f in range(k)}):
            fs = [f for f in range(k) if int((fold != f).sum()) == size]
            train = np.stack([np.flatnonzero(fold != f) for f in fs])
            tests = [np.flatnonzero(fold == f) for f in fs]
            for t_size in sorted({len(t) for t in tests}):
                sel = [q for q, t in enumerate(tests) if len(t) == t_size]
                tr = train[sel]
                te = np.stack([tests[q] for q in sel])
                with np.errstate(all="ignore"):
                    out = estimate_batch(stack_columns(X, names, tr), plan, kw)
                    Xhat, _, why = predict_batch(out, plan,
                                                 stack_columns(X_new, names_new, te),
                                                 technique, given)
                    Xfit, _, _ = predict_batch(out, plan, stack_columns(X_new, names_new, tr),
                                               technique, given)
                    lmp, lmf = _lm_benchmark(X_lm, names_lm, spec, plan, tr, te, technique)
                for b, rows in enumerate(te):
                    if why[b]:      # inadmissible PLSc fold: no PLS and no LM for its rows
                        skipped.append(why[b])
                        pls[r, rows] = lm[r, rows] = naive[r, rows] = np.nan
                        continue
                    pls[r, rows] = Xhat[b][:, endo_pos]
                    lm[r, rows] = np.column_stack([lmp[x][b] for x in endo_items])
                    naive[r, rows] = X[tr[b]][:, col].mean(axis=0)
                    ins[0, r, tr[b]] += Xfit[b][:, endo_pos]
                    ins[1, r, tr[b]] += np.column_stack([lmf[x][b] for x in endo_items])
                    cnt[r, tr[b]] += 1
    if skipped:
        _warn_skipped(skipped, k * reps)
    with warnings.catch_warnings():           # rows of skipped folds are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        P, Lm, N = (np.nanmean(a, axis=0) for a in (pls, lm, naive))
        with np.errstate(invalid="ignore", divide="ignore"):
            P_in, L_in = np.nanmean(ins / cnt[None], axis=1)
    Y = X[:, col]
    e_p, e_l = Y - P, Y - Lm
    mean = partial(np.nanmean, axis=0)
    table = pd.DataFrame({"PLS_RMSE": np.sqrt(mean(e_p ** 2)),
                          "PLS_MAE": mean(np.abs(e_p)),
                          "LM_RMSE": np.sqrt(mean(e_l ** 2)),
                          "LM_MAE": mean(np.abs(e_l)),
                          "Q2_predict": 1 - np.nansum(e_p ** 2, axis=0)
                          / np.nansum((Y - N) ** 2, axis=0),
                          "PLS_RMSE_in": np.sqrt(mean((Y - P_in) ** 2)),
                          "PLS_MAE_in": mean(np.abs(Y - P_in)),
                          "LM_RMSE_in": np.sqrt(mean((Y - L_in) ** 2)),
                          "LM_MAE_in": mean(np.abs(Y - L_in))},
                         index=pd.Index(endo_items, name="item"))
    idx = res._rows
    return PLSPredictResult(items=table, pls_predictions=pd.DataFrame(P, index=idx,
                                                                      columns=endo_items),
                            lm_predictions=pd.DataFrame(Lm, index=idx, columns=endo_items),
                            actuals=pd.DataFrame(Y, index=idx, columns=endo_items),
                            folds=k, repeats=reps, technique=technique,
                            naive_predictions=pd.DataFrame(N, index=idx, columns=endo_items),
                            item_construct={spec.indicators[p]: spec.constructs[spec.block[p]]
                                            for p in endo_pos})
