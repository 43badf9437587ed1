"""PLSc prediction (trustmodel.pls.plsc_predict): the model-implied conditional expectation,
checked against a brute-force construction from the fit's public tables, against the true
conditional expectation on simulated data, and seminr's handling of inadmissible folds."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import trustmodel as tm

TWO = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation
"""
CHAIN = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Expectation ~ Image
Quality ~ Expectation
Satisfaction ~ Image + Expectation + Quality
"""
MIXED = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Value <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Value ~ Image
Satisfaction ~ Image + Value
"""


@pytest.fixture(scope="module")
def mobi():
    return tm.datasets.load("mobi")


def brute_force(res, train, test, technique):
    """de Rooij et al. (2023) written out from res.outer_loadings, construct_correlations and
    path_coefficients (seminr's plsc_implied_correlations / plsc_implied_predictions)."""
    L, C, B = res.outer_loadings, res.construct_correlations, res.path_coefficients
    cons = list(C.index)
    endo = [c for c in cons if (B[c] != 0).any()]
    exo = [c for c in cons if c not in endo]
    R = pd.DataFrame(0.0, index=cons, columns=cons)
    R.loc[exo, exo] = C.loc[exo, exo]
    done = list(exo)
    while len(done) < len(cons):
        for c in cons:
            pred = [p for p in cons if B.loc[p, c] != 0]
            if c in done or not set(pred) <= set(done):
                continue
            cov = B.loc[pred, c].to_numpy() @ R.loc[pred, done].to_numpy()
            R.loc[c, done] = cov
            R.loc[done, c] = cov
            R.loc[c, c] = 1.0
            done.append(c)
    items = list(L.index)
    Sig = L.to_numpy() @ R.loc[list(L.columns), list(L.columns)].to_numpy() @ L.to_numpy().T
    np.fill_diagonal(Sig, 1.0)
    Sig = pd.DataFrame(Sig, index=items, columns=items)
    block = {c: [i for i in items if L.loc[i, c] != 0] for c in cons}
    for c in cons:
        if res.spec.modes[cons.index(c)] == "B":
            Sig.loc[block[c], block[c]] = train[block[c]].corr()
    m, s = train[items].mean(), train[items].std()
    z = (test[items] - m) / s
    out = z.copy()
    for c in endo:
        src = [p for p in cons if B.loc[p, c] != 0] if technique == "DA" else exo
        x = [i for p in src for i in block[p]]
        beta = np.linalg.solve(Sig.loc[x, x], Sig.loc[x, block[c]])
        out[block[c]] = z[x].to_numpy() @ beta
    return out * s + m


@pytest.mark.parametrize("model, technique", [(TWO, "DA"), (CHAIN, "DA"), (CHAIN, "EA"),
                                              (MIXED, "DA"), (MIXED, "EA")])
def test_plsc_prediction_matches_brute_force(mobi, model, technique):
    train, test = mobi.iloc[:200], mobi.iloc[200:]
    res = tm.fit(model, train, estimator="PLSc")
    ours = res.predict(test, technique=technique)
    ref = brute_force(res, train, test, technique)
    assert np.abs(ours.to_numpy() - ref[ours.columns].to_numpy()).max() < 1e-10
    exo_items = [i for i in ours.columns if i.startswith("IMAG")]
    np.testing.assert_allclose(ours[exo_items], test[exo_items], atol=1e-12)  # as observed


def test_plsc_prediction_recovers_the_true_conditional_expectation():
    """Simulated two-factor -> factor model: the PLSc prediction of y's items converges to
    E[y | x] under the true item correlations (rms 0.0065 at n = 1e5, 0.018 at 2e4)."""
    rng = np.random.default_rng(11)
    n = 40000
    lam = 0.7
    phi = np.array([[1.0, 0.3], [0.3, 1.0]])
    beta = np.array([0.5, 0.3])
    r2 = beta @ phi @ beta
    xi = rng.multivariate_normal([0, 0], phi, size=n)
    eta = xi @ beta + np.sqrt(1 - r2) * rng.standard_normal(n)
    e = np.sqrt(1 - lam ** 2)
    cols = {}
    for name, f in (("a", xi[:, 0]), ("b", xi[:, 1]), ("y", eta)):
        for k in range(3):
            cols[f"{name}{k}"] = lam * f + e * rng.standard_normal(n)
    data = pd.DataFrame(cols)
    model = ("A =~ a0 + a1 + a2\nB =~ b0 + b1 + b2\nY =~ y0 + y1 + y2\nY ~ A + B")
    train, test = data.iloc[:30000], data.iloc[30000:]
    # true item correlations
    fac = np.zeros((3, 3))
    fac[:2, :2] = phi
    fac[2, :2] = fac[:2, 2] = phi @ beta
    fac[2, 2] = 1.0
    Lam = np.kron(np.eye(3), np.full((3, 1), lam))
    Sig = Lam @ fac @ Lam.T
    np.fill_diagonal(Sig, 1.0)
    x, y = list(range(6)), list(range(6, 9))
    truth = test.iloc[:, x].to_numpy() @ np.linalg.solve(Sig[np.ix_(x, x)], Sig[np.ix_(x, y)])
    plsc = tm.fit(model, train, estimator="PLSc").predict(test)[["y0", "y1", "y2"]]
    pred = plsc.to_numpy()
    assert np.sqrt(((pred - truth) ** 2).mean()) < 0.015            # items have unit variance
    assert (pred * truth).sum() / (truth ** 2).sum() == pytest.approx(1, abs=0.02)


def test_plspredict_plsc_skips_inadmissible_folds(mobi):
    """As seminr's predict_pls: folds whose PLSc solution is inadmissible are left out of
    the PLS and the LM metrics alike, with one warning."""
    with pytest.warns(tm.NumericalWarning, match="inadmissible in 1 of 5"):
        pp = tm.plspredict(CHAIN, mobi, folds=5, repeats=None, seed=1, estimator="PLSc")
    nan_pls = pp.pls_predictions.isna().any(axis=1)
    assert nan_pls.any() and not nan_pls.all()
    assert (nan_pls == pp.lm_predictions.isna().any(axis=1)).all()
    assert np.isfinite(pp.items.to_numpy()).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = tm.plspredict(CHAIN, mobi, folds=5, repeats=None, seed=0, estimator="PLSc")
    ea = tm.plspredict(CHAIN, mobi, folds=5, repeats=None, seed=0, estimator="PLSc",
                       technique="EA")
    assert not np.allclose(ok.items["PLS_RMSE"], ea.items["PLS_RMSE"])


def test_plsc_prediction_refusals(mobi):
    inter = tm.fit("Image =~ IMAG1 + IMAG2 + IMAG3\nExpectation =~ CUEX1 + CUEX2 + CUEX3\n"
                   "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
                   "Satisfaction ~ Image + Expectation + Image:Expectation", mobi,
                   estimator="PLSc")
    with pytest.raises(tm.OptionError, match="interaction terms"):
        inter.predict(mobi)
