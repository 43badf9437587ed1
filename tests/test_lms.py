"""LMS (latent moderated structural equations): a published Mplus XWITH analysis, recovery on
simulated data, the likelihood's gradient and quadrature, refusals."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import trustmodel as tm
from trustmodel.estimation.lms.likelihood import Quadrature, loglik, loglik_grad
from trustmodel.estimation.lms.simulate import simulate_interaction

REFS = Path(__file__).parent / "refs" / "interaction"
MODEL3 = "X =~ x1 + x2 + x3\nZ =~ z1 + z2 + z3\nY =~ y1 + y2 + y3\nY ~ X + Z + X:Z"


@pytest.fixture(scope="module")
def mplus():
    ref = json.loads((REFS / "mplus_lms_oneint.json").read_text())
    data = pd.read_csv(REFS / "mplus810_oneInt_v2024-02_2ind_xwith.csv")
    return ref, data, tm.fit(ref["model"], data, interaction="lms")


def test_lms_agrees_with_mplus_xwith_on_oneint(mplus):
    """Mplus 8.10 (printed to 3 decimals, in modsem's tests). Standard errors and the
    log-likelihood agree to the printed decimals; estimates within 0.003, because Mplus stops
    its EM at a log-likelihood change of 1e-3 and a relative change of 1e-6 (~0.015 here):
    our maximum is higher than Mplus's (test below)."""
    ref, data, res = mplus
    assert res.converged
    p = res.params.set_index(["lhs", "op", "rhs"])
    for lhs, op, rhs, est, se in ref["params"]:
        assert_allclose(p.loc[(lhs, op, rhs), "est"], est, atol=3e-3, err_msg=f"{lhs}{op}{rhs}")
        assert_allclose(p.loc[(lhs, op, rhs), "se"], se, atol=6e-4, err_msg=f"{lhs}{op}{rhs}")
    fm = res.fit_measures
    assert fm["npar"] == ref["npar"]
    assert_allclose(fm["logl"], ref["logl"], atol=5e-3)
    assert_allclose([fm["aic"], fm["bic"]], [ref["aic"], ref["bic"]], atol=1e-2)


def test_lms_maximum_is_above_mplus_printed_solution(mplus):
    ref, data, res = mplus
    x = res.x.copy()
    c = res.table.cols
    for lhs, op, rhs, est, _ in ref["params"]:
        k = np.flatnonzero((c.lhs == lhs) & (c.op == op) & (c.rhs == rhs))[0]
        x[c.free[k] - 1] = est
    Y = data[res.spec.ov].to_numpy()
    assert loglik(res.spec, Y, res.row_values(x), res.quad) < res.fit_measures["logl"]


def test_h0_is_the_linear_model_and_the_lr_test(mplus):
    ref, data, res = mplus
    lin = tm.fit("X =~ x1 + x2\nZ =~ z1 + z2\nY =~ y1 + y2\nY ~ X + Z", data,
                 meanstructure=True)
    fm = res.fit_measures
    assert_allclose(fm["h0_logl"], lin.fit_measures["logl"], rtol=1e-9)
    assert_allclose(fm["lr_chisq"], 2 * (fm["logl"] - fm["h0_logl"]))
    assert fm["lr_df"] == 1 and fm["lr_pvalue"] < 1e-10


def test_adaptive_quadrature_is_insensitive_to_the_number_of_nodes(mplus):
    ref, data, res = mplus
    other = tm.fit(ref["model"], data, interaction="lms", se="none")
    from trustmodel.estimation.lms import fit_lms
    from trustmodel.syntax import parse_model
    more = fit_lms(parse_model(ref["model"]), data, nodes=20, se="none")
    assert_allclose(more.fit_measures["logl"], other.fit_measures["logl"], atol=1e-6)
    assert_allclose(more.x, other.x, atol=2e-5)


def test_gradient_matches_finite_differences(mplus):
    ref, data, res = mplus
    Y = data[res.spec.ov].to_numpy()
    quad = Quadrature(res.spec.m, 8, len(Y))
    x = res.x + 0.01
    ll, g = loglik_grad(res.spec, Y, x, res.row_values, quad)
    num = np.zeros_like(x)
    for j in range(len(x)):
        e = np.zeros_like(x)
        e[j] = 1e-5
        num[j] = (loglik(res.spec, Y, res.row_values(x + e), quad)
                  - loglik(res.spec, Y, res.row_values(x - e), quad)) / 2e-5
    assert_allclose(g, num, rtol=1e-4, atol=1e-3)


def test_lms_recovers_a_known_interaction():
    data = simulate_interaction(2000, gamma=(0.4, 0.3), omega=0.25, seed=11)
    res = tm.fit(MODEL3, data, interaction="lms")
    p = res.params.set_index(["lhs", "op", "rhs"])
    for rhs, true in (("X", 0.4), ("Z", 0.3), ("X:Z", 0.25)):
        est, se = p.loc[("Y", "~", rhs), ["est", "se"]]
        assert abs(est - true) < 3 * se, rhs


def test_probing_an_lms_fit():
    data = simulate_interaction(1000, seed=3)
    res = tm.fit(MODEL3, data, interaction="lms")
    p = res.params.set_index(["lhs", "op", "rhs"])["est"]
    sd = np.sqrt(p[("X", "~~", "X")]), np.sqrt(p[("Z", "~~", "Z")])
    tab = tm.simple_slopes(res, x="X", z="Z", y="Y")
    b1, b3 = p[("Y", "~", "X")], p[("Y", "~", "X:Z")]
    assert_allclose(tab.slope, [b1 - b3 * sd[1], b1, b1 + b3 * sd[1]], rtol=1e-8)
    # Var(Y) of the LMS mixture: g' Phi g + omega^2 (phi_xx phi_zz + phi_xz^2) + psi
    phi = np.array([[p[("X", "~~", "X")], p[("X", "~~", "Z")]],
                    [p[("X", "~~", "Z")], p[("Z", "~~", "Z")]]])
    g = np.array([b1, p[("Y", "~", "Z")]])
    vy = g @ phi @ g + b3 ** 2 * (phi[0, 0] * phi[1, 1] + phi[0, 1] ** 2) + p[("Y", "~~", "Y")]
    assert_allclose(res.moments("Y")[1], vy, rtol=1e-6)
    assert_allclose(tm.standardized_interaction(res, "X", "Z", "Y"),
                    b3 * sd[0] * sd[1] / np.sqrt(vy), rtol=1e-6)


def test_lms_refusals():
    data = simulate_interaction(200, seed=1)
    with pytest.raises(NotImplementedError, match="qml"):
        tm.fit(MODEL3, data, interaction="qml")
    with pytest.raises(NotImplementedError, match="recursive"):
        tm.fit(MODEL3 + "\nY ~ X:Y", data, interaction="lms")
    with pytest.raises(NotImplementedError, match="both latents"):
        tm.fit("X =~ x1 + x2 + x3\nZ =~ z1 + z2 + z3\nY =~ y1 + y2 + y3\nZ ~ X\n"
               "Y ~ Z + Z:Z", data, interaction="lms")
    with pytest.raises(tm.OptionError, match="se='standard'"):
        tm.fit(MODEL3, data, interaction="lms", se="bootstrap")
    with pytest.raises(tm.OptionError, match="estimator='ML'"):
        tm.fit(MODEL3, data, interaction="lms", estimator="MLR")


@pytest.mark.slow
def test_lms_monte_carlo_bias_and_coverage():
    """50 replications at N = 2000: bias of the interaction under 2% of the effect, 95% Wald
    intervals covering the true value close to nominally."""
    omega, hits, est = 0.25, 0, []
    rng = np.random.default_rng(2015)
    for r in range(50):
        data = simulate_interaction(2000, omega=omega, seed=rng)
        p = tm.fit(MODEL3, data, interaction="lms").params.set_index(["lhs", "op", "rhs"])
        row = p.loc[("Y", "~", "X:Z")]
        est.append(row.est)
        hits += row.ci_lower <= omega <= row.ci_upper
    assert abs(np.mean(est) - omega) < 0.02 * omega
    assert 0.86 <= hits / 50 <= 1.0


def test_h0_loglikelihood_matches_modsem_printed_null_model():
    ref = json.loads((REFS / "modsem_oneint_h0.json").read_text())
    data = pd.read_csv(REFS / ref["data"])
    res = tm.fit(ref["model"], data, interaction="lms", se="none")
    assert_allclose(res.fit_measures["h0_logl"], ref["h0_logl"], atol=0.005)
    assert res.fit_measures["logl"] > res.fit_measures["h0_logl"]


def test_lms_refuses_options_it_would_ignore():
    data = simulate_interaction(200, seed=1)
    with pytest.raises(tm.OptionError, match="'bollen_stine'"):
        tm.fit(MODEL3, data, interaction="lms", bollen_stine=True)


def test_lms_drops_incomplete_rows_with_a_recorded_warning():
    data = simulate_interaction(400, seed=5)
    data.loc[:9, "x1"] = np.nan
    with pytest.warns(tm.DataWarning, match="10 row"):
        res = tm.fit(MODEL3, data, interaction="lms", se="none")
    assert res.nobs == 390 and res.n_dropped == 10
    assert any(w.category is tm.DataWarning for w in res.warnings)


def test_lms_with_an_endogenous_partner_recovers_the_interaction():
    """Y ~ M + Z + M:Z with M ~ X endogenous: the exogenous Z is integrated and the product
    enters B at each node ((I - B(z))^-1 is a polynomial in z for a recursive model)."""
    rng = np.random.default_rng(8)
    n = 2000
    x, z = rng.normal(size=n), rng.normal(size=n)
    m = 0.6 * x + rng.normal(size=n) * 0.8
    y = 0.4 * m + 0.3 * z + 0.25 * m * z + rng.normal(size=n) * 0.7
    cols = {f"{v}{k}": lam * lat + rng.normal(size=n) * 0.5
            for v, lat in (("x", x), ("z", z), ("m", m), ("y", y))
            for k, lam in enumerate((1.0, 0.8, 0.9), start=1)}
    data = pd.DataFrame(cols)
    model = ("X =~ x1 + x2 + x3\nZ =~ z1 + z2 + z3\nM =~ m1 + m2 + m3\nY =~ y1 + y2 + y3\n"
             "M ~ X\nY ~ M + Z + M:Z")
    res = tm.fit(model, data, interaction="lms")
    assert res.converged
    p = res.params.set_index(["lhs", "op", "rhs"])
    for key, true in ((("M", "~", "X"), 0.6), (("Y", "~", "M"), 0.4), (("Y", "~", "M:Z"), 0.25)):
        est, se = p.loc[key, ["est", "se"]]
        assert abs(est - true) < 3 * se, key
    tab = tm.conditional_indirect(res, ["X", "M", "Y"], w="Z", values=[-1.0, 1.0])
    a, b, b3 = p.loc[("M", "~", "X"), "est"], p.loc[("Y", "~", "M"), "est"], \
        p.loc[("Y", "~", "M:Z"), "est"]
    assert_allclose(tab.effect, [a * (b - b3), a * (b + b3)], rtol=1e-8)
