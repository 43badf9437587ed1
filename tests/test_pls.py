"""PLS-PM and PLSc: independent checks (population models, simulation, a textbook loop)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.pls import algorithm as alg
from trustmodel.pls.model import spec_from_statements

ECSI_SYNTAX = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""
ECSI_PATHS = [("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
              ("Expectation", "Quality"), ("Expectation", "Value"),
              ("Expectation", "Satisfaction"), ("Quality", "Value"), ("Quality", "Satisfaction"),
              ("Value", "Satisfaction"), ("Satisfaction", "Complaints"),
              ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")]
BLOCKS = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
          "Quality": [f"PERQ{i}" for i in range(1, 8)], "Value": ["PERV1", "PERV2"],
          "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"], "Complaints": ["CUSCO"],
          "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]}


@pytest.fixture(scope="module")
def mobi():
    return tm.datasets.load("mobi")


@pytest.fixture(scope="module")
def res(mobi):
    return tm.fit(ECSI_SYNTAX, mobi, estimator="PLS")


# --------------------------------------------------------------------------- textbook loop
def textbook_pls(data, blocks, paths, scheme="path", tol=1e-7, max_iter=300):
    """Straightforward PLS-PM on raw data, written from Lohmöller (1989) / Tenenhaus et al.
    (2005) / seminr's simplePLS: loops over constructs, scores from data, no matrix tricks."""
    names = list(blocks)
    X = {c: data[blocks[c]].to_numpy(float) for c in names}
    X = {c: (x - x.mean(0)) / x.std(0, ddof=1) for c, x in X.items()}
    n = len(data)
    w = {c: np.ones(x.shape[1]) for c, x in X.items()}

    def std(v):
        return (v - v.mean()) / v.std(ddof=1)

    def cor(a, b):
        return float(np.corrcoef(a, b)[0, 1])

    for _ in range(max_iter):
        Y = {c: std(X[c] @ w[c]) for c in names}
        old = {c: w[c].copy() for c in names}
        for c in names:
            z = np.zeros(n)
            preds = [a for a, b in paths if b == c]
            follows = [b for a, b in paths if a == c]
            if scheme == "path" and preds:
                P = np.column_stack([Y[a] for a in preds])
                beta = np.linalg.lstsq(P, Y[c], rcond=None)[0]
                z += P @ beta
            for a in (preds if scheme != "path" else []) + follows:
                r = cor(Y[a], Y[c])
                z += (np.sign(r) if scheme == "centroid" else r) * Y[a]
            z = std(z)
            w[c] = X[c].T @ z / (n - 1)
            w[c] = w[c] / np.std(X[c] @ w[c], ddof=1)
        if sum(np.abs(w[c] - old[c]).sum() for c in names) < tol:
            break
    Y = {c: X[c] @ w[c] for c in names}
    B = {}
    for c in names:
        preds = [a for a, b in paths if b == c]
        if preds:
            P = np.column_stack([Y[a] for a in preds])
            beta = np.linalg.lstsq(P, Y[c], rcond=None)[0]
            B.update({(a, c): b for a, b in zip(preds, beta)})
    return w, B, Y


@pytest.mark.parametrize("scheme", ["path", "factorial", "centroid"])
def test_mobi_matches_textbook_loop(mobi, scheme):
    w, B, Y = textbook_pls(mobi, BLOCKS, ECSI_PATHS, scheme=scheme)
    r = tm.fit(ECSI_SYNTAX, mobi, estimator="PLS", scheme=scheme)
    assert r.converged
    for (a, c), b in B.items():
        assert_allclose(r.path_coefficients.loc[a, c], b, atol=1e-6)
    for c, ww in w.items():
        assert_allclose(r.outer_weights.loc[BLOCKS[c], c].to_numpy(), ww, atol=1e-6)
    for c in BLOCKS:
        assert_allclose(r.scores[c].to_numpy(), Y[c], atol=1e-5)


def test_mobi_ecsi_reference_shape(res):
    assert res.converged and 3 <= res.n_iter <= 20
    assert set(res.params.op) == {"~", "=~", "<~"}
    assert len(res.paths) == 12 and len(res.loadings) == 24 and len(res.weights) == 24
    assert_allclose(res.scores.std(ddof=1).to_numpy(), 1.0, atol=1e-12)
    assert_allclose(res.scores.mean().to_numpy(), 0.0, atol=1e-12)
    # R² equals the squared correlation of the score with its OLS fit
    r2 = res.r2["r2"]
    sc = res.scores
    P = sc[["Image", "Satisfaction", "Complaints"]].to_numpy()
    fitted = P @ np.linalg.lstsq(P, sc["Loyalty"].to_numpy(), rcond=None)[0]
    assert_allclose(r2["Loyalty"], np.corrcoef(fitted, sc["Loyalty"])[0, 1] ** 2, atol=1e-10)
    k, n = 3, 250
    assert_allclose(res.r2.loc["Loyalty", "r2_adj"], 1 - (1 - r2["Loyalty"]) * (n - 1) / (n - k - 1))


def test_loadings_crossloadings_and_effects(res):
    sc = res.scores
    mobi = tm.datasets.load("mobi")
    assert_allclose(res.cross_loadings.loc["CUSA1", "Loyalty"],
                    np.corrcoef(mobi["CUSA1"], sc["Loyalty"])[0, 1], atol=1e-12)
    assert_allclose(res.outer_loadings.loc["IMAG3", "Image"],
                    np.corrcoef(mobi["IMAG3"], sc["Image"])[0, 1], atol=1e-12)
    B = res.path_coefficients
    # Image -> Loyalty total = direct + via Satisfaction (+ via Complaints) ...
    ind = res.indirect_effects.loc["Value", "Loyalty"]
    expected = B.loc["Value", "Satisfaction"] * (B.loc["Satisfaction", "Loyalty"]
                                                 + B.loc["Satisfaction", "Complaints"]
                                                 * B.loc["Complaints", "Loyalty"])
    assert_allclose(ind, expected, atol=1e-12)
    eff = res.effects.set_index(["lhs", "rhs", "effect"])["est"]
    assert_allclose(eff["Loyalty", "Image", "total"],
                    eff["Loyalty", "Image", "direct"] + eff["Loyalty", "Image", "indirect"])


def test_f2_vif(res):
    sc = res.scores
    y = sc["Satisfaction"].to_numpy()

    def r2(cols):
        P = sc[cols].to_numpy()
        f = P @ np.linalg.lstsq(P, y, rcond=None)[0]
        return 1 - ((y - f) ** 2).sum() / (y ** 2).sum()
    full = r2(["Image", "Expectation", "Quality", "Value"])
    excl = r2(["Image", "Expectation", "Value"])
    f2 = res.f2.set_index(["lhs", "rhs"])
    assert_allclose(f2.loc[("Satisfaction", "Quality"), "f2_same_scores"],
                    (full - excl) / (1 - full), atol=1e-10)
    # seminr's fSquared re-estimates the model without the path
    reduced = tm.fit(ECSI_SYNTAX.replace("Satisfaction ~ Image + Expectation + Quality + Value",
                                         "Satisfaction ~ Image + Expectation + Value"),
                     tm.datasets.load("mobi"), estimator="PLS")
    r2x = reduced.r2.loc["Satisfaction", "r2"]
    assert_allclose(f2.loc[("Satisfaction", "Quality"), "f2"], (full - r2x) / (1 - full),
                    atol=1e-10)
    vif = res.vif_inner.set_index(["lhs", "rhs"])["vif"]
    assert_allclose(vif["Satisfaction", "Quality"], 1 / (1 - r2_of(sc, "Quality", ["Image", "Expectation", "Value"])), atol=1e-8)
    vo = res.vif_outer.set_index("indicator")["vif"]
    assert vo["CUSCO"] == 1.0 and (vo > 1).sum() == 23


def r2_of(sc, y, xs):
    v = sc[y].to_numpy()
    P = sc[xs].to_numpy()
    f = P @ np.linalg.lstsq(P, v, rcond=None)[0]
    return 1 - ((v - f) ** 2).sum() / (v ** 2).sum()


def test_reliability_and_validity(res, mobi):
    rel = res.reliability
    items = BLOCKS["Quality"]
    R = mobi[items].corr().to_numpy()
    k = len(items)
    assert_allclose(rel.loc["Quality", "alpha"], k / (k - 1) * (1 - k / R.sum()), atol=1e-12)
    lam = res.outer_loadings.loc[items, "Quality"].to_numpy()
    assert_allclose(rel.loc["Quality", "AVE"], np.mean(lam ** 2))
    assert_allclose(rel.loc["Quality", "rhoC"],
                    lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum()))
    # rho_A from Dijkstra & Henseler (2015), eq. with S - diag(S), written out in full
    w = res.outer_weights.loc[items, "Quality"].to_numpy()
    S = R
    num = w @ (S - np.diag(np.diag(S))) @ w
    den = w @ (np.outer(w, w) - np.diag(np.diag(np.outer(w, w)))) @ w
    assert_allclose(rel.loc["Quality", "rhoA"], (w @ w) ** 2 * num / den, rtol=1e-10)
    assert (rel.loc["Complaints"] == 1).all()
    # HTMT (Henseler et al. 2015)
    C = mobi.corr()
    het = C.loc[BLOCKS["Value"], BLOCKS["Satisfaction"]].to_numpy().mean()
    mv = C.loc[BLOCKS["Value"], BLOCKS["Value"]].to_numpy()[0, 1]
    ms = C.loc[BLOCKS["Satisfaction"], BLOCKS["Satisfaction"]].to_numpy()
    ms = ms[np.triu_indices(3, 1)].mean()
    assert_allclose(res.htmt.loc["Value", "Satisfaction"], het / np.sqrt(mv * ms))
    fl = res.fornell_larcker
    assert_allclose(np.diag(fl), np.sqrt(rel["AVE"]))
    assert_allclose(fl.loc["Image", "Loyalty"], res.scores.corr().loc["Image", "Loyalty"])


# --------------------------------------------------------------------------- populations
def _composite_population():
    """Composite model (Dijkstra 2017): Sigma_ij = Sigma_ii w_i r_ij w_j' Sigma_jj."""
    rng_blocks = {
        "A": np.array([[1, .5, .3], [.5, 1, .4], [.3, .4, 1]]),
        "B": np.array([[1, .3, .2], [.3, 1, .5], [.2, .5, 1]]),
        "C": np.array([[1, .4, .4], [.4, 1, .2], [.4, .2, 1]]),
    }
    w_raw = {"A": np.array([.6, .3, .4]), "B": np.array([.2, .5, .6]), "C": np.array([.5, .5, .2])}
    w = {c: v / np.sqrt(v @ rng_blocks[c] @ v) for c, v in w_raw.items()}
    b_ab, b_ac, b_bc = 0.5, 0.3, 0.4
    r = {("A", "B"): b_ab, ("A", "C"): b_ac + b_bc * b_ab, ("B", "C"): b_bc + b_ac * b_ab}
    names = list(rng_blocks)
    S = np.zeros((9, 9))
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            sl_a, sl_b = slice(3 * i, 3 * i + 3), slice(3 * j, 3 * j + 3)
            if a == b:
                S[sl_a, sl_b] = rng_blocks[a]
            else:
                rr = r.get((a, b), r.get((b, a)))
                S[sl_a, sl_b] = rr * np.outer(rng_blocks[a] @ w[a], rng_blocks[b] @ w[b])
    syntax = ("A <~ a1 + a2 + a3\nB <~ b1 + b2 + b3\nC <~ c1 + c2 + c3\n"
              "B ~ A\nC ~ A + B\n")
    return S, w, {("A", "B"): b_ab, ("A", "C"): b_ac, ("B", "C"): b_bc}, syntax


def test_composite_population_recovered_exactly():
    S, w, paths, syntax = _composite_population()
    spec = spec_from_statements(tm.parse_model(syntax))
    out = alg.estimate(S[None], spec)
    assert out["converged"][0]
    W = out["W"][0]
    for j, c in enumerate("ABC"):
        assert_allclose(W[3 * j:3 * j + 3, j], w[c], atol=1e-6)
    for (a, b), v in paths.items():
        assert_allclose(out["B"][0]["ABC".index(a), "ABC".index(b)], v, atol=1e-6)


def test_composite_simulation_recovers_weights_and_paths():
    S, w, paths, syntax = _composite_population()
    rng = np.random.default_rng(2024)
    n = 20000
    X = rng.multivariate_normal(np.zeros(9), S, size=n)
    cols = [f"{c}{i}" for c in "abc" for i in (1, 2, 3)]
    df = pd.DataFrame(X, columns=cols)
    r = tm.fit(syntax, df, estimator="PLS")
    for c in "ABC":
        assert_allclose(r.outer_weights.loc[[f"{c.lower()}{i}" for i in (1, 2, 3)], c], w[c],
                        atol=0.03)
    for (a, b), v in paths.items():
        assert_allclose(r.path_coefficients.loc[a, b], v, atol=0.02)


def _factor_population():
    lam = {"F1": [.8, .7, .6], "F2": [.7, .7, .8, .6], "F3": [.9, .6, .7]}
    b12, b13, b23 = 0.5, 0.2, 0.4
    Phi = np.eye(3)
    Phi[0, 1] = Phi[1, 0] = b12
    Phi[0, 2] = Phi[2, 0] = b13 + b23 * b12
    Phi[1, 2] = Phi[2, 1] = b23 + b13 * b12
    L = np.zeros((10, 3))
    L[0:3, 0], L[3:7, 1], L[7:10, 2] = lam["F1"], lam["F2"], lam["F3"]
    S = L @ Phi @ L.T
    np.fill_diagonal(S, 1.0)
    syntax = ("F1 =~ x1 + x2 + x3\nF2 =~ x4 + x5 + x6 + x7\nF3 =~ x8 + x9 + x10\n"
              "F2 ~ F1\nF3 ~ F1 + F2\n")
    return S, L, {("F1", "F2"): b12, ("F1", "F3"): b13, ("F2", "F3"): b23}, syntax


def test_plsc_exact_on_factor_population():
    S, L, paths, syntax = _factor_population()
    spec = spec_from_statements(tm.parse_model(syntax))
    out = alg.estimate(S[None], spec, consistent=True)
    plain = alg.estimate(S[None], spec)
    for (a, b), v in paths.items():
        i, j = int(a[1]) - 1, int(b[1]) - 1
        assert_allclose(out["B"][0][i, j], v, atol=1e-6)
    assert_allclose(out["L"][0][spec.mask.astype(bool)], L[L != 0], atol=1e-6)
    # plain PLS is attenuated on a factor model: the F1 -> F2 path is too small
    assert plain["B"][0][0, 1] < 0.5 - 0.05


@pytest.mark.slow
def test_plsc_factor_simulation_bias():
    S, L, paths, syntax = _factor_population()
    rng = np.random.default_rng(7)
    est = []
    for _ in range(20):
        X = rng.multivariate_normal(np.zeros(10), S, size=5000)
        df = pd.DataFrame(X, columns=[f"x{i}" for i in range(1, 11)])
        r = tm.fit(syntax, df, estimator="PLSc")
        est.append([r.path_coefficients.loc[a, b] for a, b in paths])
    bias = np.mean(est, axis=0) - np.array(list(paths.values()))
    assert np.all(np.abs(bias) < 0.02), bias


def test_plsc_mobi_corrections(mobi):
    r = tm.fit(ECSI_SYNTAX, mobi, estimator="PLSc")
    p = tm.fit(ECSI_SYNTAX, mobi, estimator="PLS")
    rho = r.reliability["rhoA"]
    assert_allclose(r.outer_weights, p.outer_weights)           # same weights
    C = p.scores.corr()
    Cc = C / np.sqrt(np.outer(rho, rho))
    Cc = Cc.where(~np.eye(7, dtype=bool), 1.0)
    preds = ["Image", "Satisfaction", "Complaints"]
    beta = np.linalg.solve(Cc.loc[preds, preds], Cc.loc[preds, "Loyalty"])
    assert_allclose(r.path_coefficients.loc[preds, "Loyalty"], beta, atol=1e-10)
    w = p.outer_weights.loc[BLOCKS["Value"], "Value"].to_numpy()
    assert_allclose(r.outer_loadings.loc[BLOCKS["Value"], "Value"],
                    w * np.sqrt(rho["Value"]) / (w @ w), atol=1e-12)


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_reproducible_across_n_jobs(mobi):
    a = tm.fit(ECSI_SYNTAX, mobi, estimator="PLS", se="bootstrap", bootstrap=120, seed=11,
               progress=False)
    b = tm.fit(ECSI_SYNTAX, mobi, estimator="PLS", se="bootstrap", bootstrap=120, seed=11,
               n_jobs=2, progress=False)
    c = tm.fit(ECSI_SYNTAX, mobi, estimator="PLS", se="bootstrap", bootstrap=120, seed=12,
               progress=False)
    assert np.array_equal(a.boot, b.boot)
    pd.testing.assert_frame_equal(a.params, b.params)
    assert not np.array_equal(a.boot, c.boot)
    pr = a.params.set_index(["lhs", "op", "rhs"])
    row = pr.loc[("Satisfaction", "~", "Quality")]
    assert 0.03 < row["se"] < 0.2 and row["ci_lower"] < row["est"] < row["ci_upper"]
    # replicate 0 redone by hand from SeedSequence(seed).spawn(B)[0]
    child = np.random.SeedSequence(11).spawn(120)[0]
    idx = np.random.default_rng(child).integers(0, 250, 250)
    r0 = tm.fit(ECSI_SYNTAX, mobi.iloc[idx].reset_index(drop=True), estimator="PLS")
    k = list(zip(a.paths.rhs, a.paths.lhs)).index(("Quality", "Satisfaction"))
    assert_allclose(a.boot[0, k], r0.path_coefficients.loc["Quality", "Satisfaction"],
                    atol=1e-6)
    eff = a.effects.set_index(["lhs", "rhs", "effect"])
    assert np.isfinite(eff.loc[("Loyalty", "Image", "indirect"), "se"])


def test_bootstrap_plsc_runs(mobi):
    r = tm.fit(ECSI_SYNTAX, mobi, estimator="PLSc", se="bootstrap", bootstrap=60, seed=3,
               progress=False)
    assert r.boot.shape[0] == 60 and np.isfinite(r.paths["se"]).all()


# --------------------------------------------------------------------------- API contract
def test_input_not_mutated_and_missing_rows(mobi):
    df = mobi.copy()
    df.loc[5, "CUSA1"] = np.nan
    before = df.copy()
    with pytest.warns(tm.DataWarning, match="1 row"):
        r = tm.fit(ECSI_SYNTAX, df, estimator="PLS")
    pd.testing.assert_frame_equal(df, before)
    assert r.nobs == 249 and len(r.scores) == 250 and r.scores.loc[5].isna().all()
    assert len(r.warnings) == 1


def test_summary_and_dict(res):
    text = str(res)
    assert "ended normally after" in text and "Satisfaction" in text
    assert "<table" in res._repr_html_()
    d = res.to_dict()
    json.dumps(d)
    assert d["estimator"] == "PLS" and len(d["params"]) == 36 and len(d["weights"]) == 24
    import jsonschema
    from trustmodel.report.serialize import fit_schema
    jsonschema.validate(json.loads(res.to_json()), fit_schema())
    md = res.summary().to_markdown()
    assert "| Satisfaction | ~ | Quality |" in md and "**HTMT**" in md
    assert r"\begin{tabular}" in res.summary().to_latex()


@pytest.mark.parametrize("syntax, err, match", [
    ("A =~ x1 + x2\nB =~ x3\nB ~~ A", tm.ModelSyntaxError, "no meaning"),
    ("A =~ x1 + x2\nB <~ x3 + x4", tm.ModelSyntaxError, "inner model"),
    ("A =~ x1 + x2\nB =~ x3\nB ~ C", tm.ModelSyntaxError, "not a construct"),
    ("A =~ x1 + x2\nB =~ x2\nB ~ A", tm.ModelSyntaxError, "both"),
    ("A =~ x1 + x2\nB =~ x3\nC =~ x4\nB ~ A\nA ~ B\nC ~ A", tm.ModelSyntaxError, "recursive"),
])
def test_bad_syntax(syntax, err, match):
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 4)),
                      columns=["x1", "x2", "x3", "x4"])
    with pytest.raises(err, match=match):
        tm.fit(syntax, df, estimator="PLS")


def test_bad_options(mobi):
    with pytest.raises(tm.DataError, match="missing from data"):
        tm.fit("A =~ IMAG1 + IMAGX\nB =~ CUSA1\nB ~ A", mobi, estimator="PLS")
    with pytest.raises(tm.OptionError, match="scheme"):
        tm.fit(ECSI_SYNTAX, mobi, estimator="PLS", scheme="pathh")
    with pytest.raises(tm.OptionError, match="Unknown option"):
        tm.fit(ECSI_SYNTAX, mobi, estimator="PLS", schema="path")


def test_nonconvergence_warns(mobi):
    with pytest.warns(tm.NonConvergenceWarning, match="did not converge"):
        r = tm.fit(ECSI_SYNTAX, mobi, estimator="PLS", max_iter=2)
    assert not r.converged and r.n_iter == 2


def test_mode_b_block(mobi):
    syntax = ECSI_SYNTAX.replace("Image =~", "Image <~")
    r = tm.fit(syntax, mobi, estimator="PLS")
    items = BLOCKS["Image"]
    # Mode B weights are the OLS coefficients of the inner proxy on the block
    sc = r.scores
    B = r.path_coefficients
    proxy = sc["Expectation"] * np.corrcoef(sc["Image"], sc["Expectation"])[0, 1] \
        + sc["Satisfaction"] * np.corrcoef(sc["Image"], sc["Satisfaction"])[0, 1] \
        + sc["Loyalty"] * np.corrcoef(sc["Image"], sc["Loyalty"])[0, 1]
    Z = (mobi[items] - mobi[items].mean()) / mobi[items].std()
    beta = np.linalg.lstsq(Z.to_numpy(), proxy.to_numpy(), rcond=None)[0]
    w = r.outer_weights.loc[items, "Image"].to_numpy()
    assert_allclose(w / np.linalg.norm(w), beta / np.linalg.norm(beta), atol=1e-5)
    assert B.loc["Image", "Expectation"] > 0.4
