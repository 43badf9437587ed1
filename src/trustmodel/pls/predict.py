"""PLS predictions: ``res.predict(new_data)`` and PLSpredict cross-validation.

Follows seminr's ``predict.seminr_model`` and ``predict_pls`` (R/feature_plspredict.R):
new items are standardized with the estimation sample's means and SDs (interaction items
rebuilt with the estimation sample's moments, orthogonalizing regressions and stage-1
weights), scores are ``Z W``, the endogenous scores are predicted from

* ``"DA"`` (direct antecedents, seminr's ``predict_DA``): ``Y B``, exogenous scores kept;
* ``"EA"`` (earliest antecedents, ``predict_EA``): exogenous scores propagated through the
  inner model in causal order;

and items are ``Y_hat L'`` put back on their scales (Shmueli et al. 2016). PLSpredict
(Shmueli et al. 2019) shuffles the rows, cuts them into ``folds`` as R's ``cut(seq(n),
breaks = folds)`` does, predicts every fold from a model trained on the others, and averages
the predictions over ``repeats`` shuffles; the linear-model benchmark regresses each
endogenous construct's items on the items of its direct antecedents (DA) or of the exogenous
constructs (EA). ``Q2_predict = 1 - SSE_PLS / SSE_naive`` with the training-fold item mean as
the naive prediction.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import DataError, OptionError
from .._parallel import spawn_seeds
from .bootstrap import stack_columns
from .pipeline import estimate_batch, interaction_columns

TECHNIQUES = ("DA", "EA")


def _technique(Y, Bm, spec, technique):
    exo = [j for j in range(spec.n_constructs) if j not in spec.endogenous]
    if technique == "DA":
        out = Y @ Bm
        out[..., exo] = Y[..., exo]
        return out
    R = np.zeros_like(Y)
    R[..., exo] = Y[..., exo]
    done = set(exo)
    todo = list(spec.endogenous)
    while todo:
        for j in list(todo):
            if set(spec.predecessors(j)) <= done:
                R[..., j] = np.einsum("bnk,bk->bn", R, Bm[:, :, j])
                done.add(j)
                todo.remove(j)
    return R


def check_predictable(plan, estimator):
    if plan.hocs:
        raise OptionError("Prediction of higher-order-construct models has no published "
                          "solution (seminr refuses it too); predict from the first-order model.")
    if estimator != "PLS":
        raise OptionError("Prediction uses the composite (PLS) construct-score chain; refit with "
                          "estimator='PLS'.")


def predict_batch(out, plan, cols, technique="DA"):
    """Predicted items ``(B, m, p)`` (original units, spec order) and scores for the stacked
    estimates ``out`` applied to the stacked new data ``cols``."""
    cols = interaction_columns(cols, plan, out)
    spec = out["spec"]
    X = np.stack([cols[x] if x in cols else cols[x.split("@")[0]] for x in spec.indicators],
                 axis=-1)
    Z = (X - out["mean"][:, None, :]) / out["sd"][:, None, :]
    Y = Z @ out["W"]
    Yhat = _technique(Y, out["B"], spec, technique)
    Xhat = np.einsum("bnj,bpj->bnp", Yhat, out["L"])
    return Xhat * out["sd"][:, None, :] + out["mean"][:, None, :], Yhat


def item_positions(spec, plan, constructs=None):
    """Positions in ``spec.indicators`` of the items of ``constructs`` (default: all
    non-interaction constructs)."""
    keep = [j for j, c in enumerate(spec.constructs) if c not in plan.interactions
            and (constructs is None or j in constructs)]
    return [k for k in range(len(spec.indicators)) if spec.block[k] in keep]


def predict_result(res, new_data, technique="DA") -> pd.DataFrame:
    """Predicted items for ``new_data`` from a fitted :class:`PLSResult`."""
    technique = _check_technique(technique)
    check_predictable(res.plan, res.estimator)
    if not isinstance(new_data, pd.DataFrame):
        raise DataError(f"new_data= must be a pandas DataFrame; got {type(new_data).__name__}.")
    names = res.plan.raw_items
    absent = [c for c in names if c not in new_data.columns]
    if absent:
        raise DataError(f"new_data lacks the item(s) {', '.join(map(repr, absent))}.")
    X = new_data[list(names)].to_numpy(dtype=float)
    if not np.all(np.isfinite(X)):
        raise DataError("new_data has missing item values; predictions need complete rows "
                        "(impute them first).")
    out = res._est["_batch"]
    Xhat, _ = predict_batch(out, res.plan, {nm: X[None, :, k] for k, nm in enumerate(names)},
                            technique)
    spec = out["spec"]
    pos = item_positions(spec, res.plan)
    return pd.DataFrame(Xhat[0][:, pos], index=new_data.index,
                        columns=[spec.indicators[k] for k in pos])


def _check_technique(technique):
    t = str(technique).upper().replace("PREDICT_", "")
    if t not in TECHNIQUES:
        raise OptionError(f"technique= must be 'DA' or 'EA'; got {technique!r}.")
    return t


def r_cut_folds(n: int, k: int) -> np.ndarray:
    """Fold (0-based) of positions 1..n as R's ``cut(seq(1, n), breaks = k, labels = FALSE)``."""
    x = np.arange(1, n + 1, dtype=float)
    if k == 1:
        return np.zeros(n, dtype=int)
    dx = x[-1] - x[0]
    breaks = np.linspace(x[0], x[-1], k + 1)
    breaks[0], breaks[-1] = x[0] - dx / 1000, x[-1] + dx / 1000
    return np.searchsorted(breaks, x, side="left") - 1


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


def plspredict(model, data, *, folds: int | None = 10, repeats: int | None = 10, seed=None,
               technique: str = "DA", **fit_options) -> PLSPredictResult:
    """PLSpredict (Shmueli et al. 2016, 2019) with seminr's ``predict_pls`` conventions.

    Parameters
    ----------
    model : str or theory builder
    data : pandas.DataFrame
    folds : int or None
        Number of folds; None is leave-one-out (seminr's ``noFolds = NULL``).
    repeats : int or None
        Shuffles whose predictions are averaged (None: one).
    seed : int or Generator, optional
        Shuffle ``r`` uses ``SeedSequence(seed).spawn(repeats)[r]``.
    technique : {"DA", "EA"}
        Direct or earliest antecedents (seminr's ``predict_DA`` / ``predict_EA``).
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
    from ..api import fit
    technique = _check_technique(technique)
    res = fit(model, data, estimator=fit_options.pop("estimator", "PLS"), **fit_options)
    check_predictable(res.plan, res.estimator)
    X, plan, spec = res._raw, res.plan, res.spec
    names = plan.raw_items
    n = X.shape[0]
    k = n if folds is None else int(folds)
    if not 2 <= k <= n:
        raise OptionError(f"folds= must lie between 2 and the number of rows ({n}); got {folds!r}.")
    reps = 1 if repeats is None else int(repeats)
    if reps < 1:
        raise OptionError(f"repeats= must be a positive integer; got {repeats!r}.")
    kw = dict(consistent=False, scheme=res.scheme, tol=res.options["tol"],
              max_iter=res.options["max_iter"])
    endo_pos = item_positions(spec, plan, [j for j in spec.endogenous])
    endo_items = [spec.indicators[p] for p in endo_pos]
    pls = np.zeros((reps, n, len(endo_pos)))
    lm = np.zeros((reps, n, len(endo_pos)))
    naive = np.zeros((reps, n, len(endo_pos)))
    ins = np.zeros((2, reps, n, len(endo_pos)))          # in-sample sums: PLS, LM
    cnt = np.zeros((reps, n, 1))
    pos_fold = r_cut_folds(n, k)
    col = [names.index(x) for x in endo_items]
    # the LM benchmark regresses on the antecedents' items, interaction items included, taken
    # from the full-sample model as seminr's predict_pls takes them from model$data
    full = interaction_columns({nm: X[None, :, q] for q, nm in enumerate(names)}, plan,
                               res._est["_batch"])
    extra = [x for x in spec.indicators if x not in names]
    X_lm = np.column_stack([X] + [full[x][0] for x in extra]) if extra else X
    names_lm = tuple(names) + tuple(extra)
    for r, s in enumerate(spawn_seeds(seed, reps)):
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
                    Xhat, _ = predict_batch(out, plan, stack_columns(X, names, te), technique)
                    Xfit, _ = predict_batch(out, plan, stack_columns(X, names, tr), technique)
                    lmp, lmf = _lm_benchmark(X_lm, names_lm, spec, plan, tr, te, technique)
                for b, rows in enumerate(te):
                    pls[r, rows] = Xhat[b][:, endo_pos]
                    lm[r, rows] = np.column_stack([lmp[x][b] for x in endo_items])
                    naive[r, rows] = X[tr[b]][:, col].mean(axis=0)
                    ins[0, r, tr[b]] += Xfit[b][:, endo_pos]
                    ins[1, r, tr[b]] += np.column_stack([lmf[x][b] for x in endo_items])
                    cnt[r, tr[b]] += 1
    P, Lm, N = pls.mean(axis=0), lm.mean(axis=0), naive.mean(axis=0)
    P_in, L_in = (ins / cnt[None]).mean(axis=1)
    Y = X[:, col]
    e_p, e_l = Y - P, Y - Lm
    table = pd.DataFrame({"PLS_RMSE": np.sqrt((e_p ** 2).mean(axis=0)),
                          "PLS_MAE": np.abs(e_p).mean(axis=0),
                          "LM_RMSE": np.sqrt((e_l ** 2).mean(axis=0)),
                          "LM_MAE": np.abs(e_l).mean(axis=0),
                          "Q2_predict": 1 - (e_p ** 2).sum(axis=0) / ((Y - N) ** 2).sum(axis=0),
                          "PLS_RMSE_in": np.sqrt(((Y - P_in) ** 2).mean(axis=0)),
                          "PLS_MAE_in": np.abs(Y - P_in).mean(axis=0),
                          "LM_RMSE_in": np.sqrt(((Y - L_in) ** 2).mean(axis=0)),
                          "LM_MAE_in": np.abs(Y - L_in).mean(axis=0)},
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
