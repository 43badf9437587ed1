"""CVPAT: the cross-validated predictive ability test (Liengaard et al. 2021; Sharma et al.
2023), as seminr's ``assess_overall_cvpat`` (R/feature_cvpat.R).

For every observation the loss is the mean squared out-of-sample prediction error over the
items of an endogenous construct (construct loss) or over all endogenous items (overall
loss), from :func:`trustmodel.plspredict` folds. The PLS model is compared with a benchmark
on the same rows: the indicator average ("IA", the training-fold item means), the linear
model ("LM", PLSpredict's benchmark), or a second PLS model (its predictions of the items the
two models share, with the same folds). With ``D = L_benchmark - L_PLS`` (positive: PLS
predicts better) the test reports the paired t statistic ``mean(D) / (sd(D) / sqrt(n))`` with
``n - 1`` df, and seminr's bootstrap version: ``mean(D)`` over the SD of ``B`` bootstrap means
of the centred differences, with its t p-value and the percentile p-value.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st

from .._errors import OptionError
from .studies import plspredict


def _losses(err: pd.DataFrame, item_construct: dict, items) -> pd.DataFrame:
    out = {}
    for c in dict.fromkeys(item_construct[i] for i in items):
        cols = [i for i in items if item_construct[i] == c]
        out[c] = (err[cols] ** 2).mean(axis=1)
    out["Overall"] = (err[list(items)] ** 2).mean(axis=1)
    return pd.DataFrame(out)


def _test(l_pls, l_bench, rng, B):
    D = np.asarray(l_bench - l_pls)
    n = len(D)
    if np.allclose(D, 0.0, atol=1e-14):     # identical predictions: nothing to test
        return dict(pls_loss=float(np.mean(l_pls)), benchmark_loss=float(np.mean(l_bench)),
                    diff=0.0, t=np.nan, pvalue=1.0, t_boot=np.nan, pvalue_boot=1.0,
                    pvalue_perc=1.0)
    dbar = D.mean()
    t = dbar / (D.std(ddof=1) / np.sqrt(n))
    centred = D - dbar
    boot = centred[rng.integers(0, n, (B, n))].mean(axis=1)
    t_boot = dbar / boot.std(ddof=1)
    return dict(pls_loss=float(np.mean(l_pls)), benchmark_loss=float(np.mean(l_bench)),
                diff=float(dbar), t=float(t), pvalue=float(2 * st.t.sf(abs(t), n - 1)),
                t_boot=float(t_boot), pvalue_boot=float(2 * st.t.sf(abs(t_boot), n - 1)),
                pvalue_perc=float(((boot > abs(dbar)).sum() + (boot <= -abs(dbar)).sum()) / B))


def cv_seed(seed):
    """An int seed for the folds (shared by both models) and the bootstrap Generator."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2 ** 63)), seed
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return int(ss.generate_state(1, np.uint64)[0]), np.random.default_rng(ss.spawn(1)[0])


def cvpat(model, data, *, benchmark="IA", folds: int | None = 10, repeats: int | None = 1,
          seed=None, B: int = 2000, technique: str = "EA", **fit_options) -> pd.DataFrame:
    """CVPAT of a PLS model against ``benchmark`` ("IA", "LM" or a second model's syntax).

    Returns
    -------
    pandas.DataFrame
        One row per endogenous construct and "Overall": PLS and benchmark average loss, their
        difference (benchmark minus PLS), paired t and p-value, bootstrap t and p-values.

    Examples
    --------
    >>> import trustmodel as tm
    >>> mobi = tm.datasets.load("mobi")
    >>> m = "Image =~ IMAG1 + IMAG2\\nSatisfaction =~ CUSA1 + CUSA2\\nSatisfaction ~ Image"
    >>> out = tm.cvpat(m, mobi, benchmark="IA", seed=1, B=500)
    >>> bool(out.loc["Overall", "diff"] > 0)
    True
    """
    s_cv, rng = cv_seed(seed)
    pp = plspredict(model, data, folds=folds, repeats=repeats, seed=s_cv, technique=technique,
                    **fit_options)
    err = pp.actuals - pp.pls_predictions
    items = list(pp.actuals.columns)
    if isinstance(benchmark, str) and benchmark.upper() in ("IA", "LM"):
        bench = pp.naive_predictions if benchmark.upper() == "IA" else pp.lm_predictions
        err2 = pp.actuals - bench
    else:
        pp2 = plspredict(benchmark, data, folds=folds, repeats=repeats, seed=s_cv,
                         technique=technique, **fit_options)
        items = [i for i in items if i in pp2.actuals.columns]
        if not items:
            raise OptionError("The two models predict no common endogenous item; CVPAT compares "
                              "losses on the same items.")
        if len(pp2.actuals) != len(pp.actuals):
            raise OptionError("The two models use different rows (missing values); give both "
                              "the same complete data.")
        err2 = pp2.actuals - pp2.pls_predictions
    L1 = _losses(err, pp.item_construct, items)
    L2 = _losses(err2, pp.item_construct, items)
    rows = {c: _test(L1[c].to_numpy(), L2[c].to_numpy(), rng, int(B)) for c in L1.columns}
    return pd.DataFrame(rows).T.rename_axis("construct")
