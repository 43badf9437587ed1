"""Kano, penalty-reward contrast analysis and NPS (trustmodel.practice).

References: Berger et al. (1993) Table 1 (tests/refs/practice/published.json); R's lm() for
the penalty-reward regression (prca_mobi.json) and the mean/variance of the -1/0/+1
promoter score for the NPS and its Wald interval (nps_mobi.json), both from
scripts/practice.R; Rocks (2016) for the adjusted Wald interval (3/4 of a respondent added
to promoters and to detractors, 3 to n).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sst

import trustmodel as tm
from trustmodel.practice.kano import classify

REFS = Path(__file__).parent / "refs" / "practice"
PUB = json.loads((REFS / "published.json").read_text())


def test_berger_evaluation_table_every_cell():
    table = [row.split() for row in PUB["berger_1993_evaluation_table"]["rows"]]
    f, d = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    assert classify(f.ravel(), d.ravel()).reshape(5, 5).tolist() == table


def test_kano_counts_coefficients_and_words():
    # 10 respondents on one attribute: 4 A, 3 O, 2 M, 1 I (hand-classified from Table 1)
    func = [1, 1, 1, 1, 1, 1, 1, 3, 2, 3]
    dys = [3, 4, 2, 3, 5, 5, 5, 5, 5, 3]
    words = {1: "like", 2: "must-be", 3: "neutral", 4: "live with", 5: "dislike"}
    d = pd.DataFrame({"f": func, "d": dys, "fw": [words[v] for v in func],
                      "dw": [words[v] for v in dys]})
    before = d.copy()
    res = tm.kano(d, {"x": ("f", "d"), "xw": ("fw", "dw")})
    pd.testing.assert_frame_equal(d, before)
    for name in ("x", "xw"):
        row = res.table.loc[name]
        assert [row[c] for c in "AOMIRQ"] == [4, 3, 2, 1, 0, 0]
        assert row["category"] == "A"
        assert row["cs_plus"] == pytest.approx(7 / 10)     # (A + O) / (A + O + M + I)
        assert row["cs_minus"] == pytest.approx(-5 / 10)   # -(O + M) / (A + O + M + I)
    assert res.percentages().loc["x", "A"] == pytest.approx(40)


def test_kano_ties_and_bad_answers():
    d = pd.DataFrame({"f": [1, 2], "d": [3, 5], "g": [1, 7]})
    assert tm.kano(d, {"x": ("f", "d")}).table.loc["x", "category"] == "A/M"
    with pytest.raises(tm.DataError, match="outside 1-5"):
        tm.kano(d, {"x": ("f", "g")})
    with pytest.raises(tm.DataError, match="not in data"):
        tm.kano(d, {"x": ("f", "nope")})


def test_penalty_reward_matches_lm():
    r = json.loads((REFS / "prca_mobi.json").read_text())
    mobi = tm.datasets.load("mobi")
    attrs = [f"PERQ{k}" for k in range(1, 8)]
    t = tm.penalty_reward(mobi, attrs, "CUSA1", low=5, high=9)
    for a in attrs:
        assert t.loc[a, "penalty"] == pytest.approx(r["coef"][f"{a}_low"], rel=1e-10)
        assert t.loc[a, "reward"] == pytest.approx(r["coef"][f"{a}_high"], rel=1e-10)
        assert t.loc[a, "se_reward"] == pytest.approx(r["se"][f"{a}_high"], rel=1e-10)
        assert t.loc[a, "pvalue_penalty"] == pytest.approx(r["p"][f"{a}_low"], rel=1e-8)
    assert set(t["factor"]) <= {"basic", "excitement", "performance", "unclear"}


def test_nps_matches_reference_and_compares_halves():
    r = json.loads((REFS / "nps_mobi.json").read_text())
    mobi = tm.datasets.load("mobi")
    half = np.repeat(["first", "second"], len(mobi) // 2)
    d = mobi.assign(half=half)
    res = tm.nps(d, "CUSL3", by="half", interval="wald")
    for seg in ("first", "second"):
        row = res.table.loc[seg]
        assert row["nps"] == pytest.approx(r[seg]["nps"], rel=1e-12)
        assert row["se"] == pytest.approx(r[seg]["se"], rel=1e-12)
        assert row["ci_lower"] == pytest.approx(r[seg]["wald_lower"], rel=1e-10)
        assert row["ci_upper"] == pytest.approx(r[seg]["wald_upper"], rel=1e-10)
    cmp = res.compare(a="first", b="second")
    assert cmp["difference"] == pytest.approx(r["first"]["nps"] - r["second"]["nps"])
    assert cmp["se"] == pytest.approx(np.hypot(r["first"]["se"], r["second"]["se"]))
    assert cmp["pvalue"] == pytest.approx(2 * sst.norm.sf(abs(cmp["z"])))
    one = tm.nps(d.loc[d.half == "first", "CUSL3"], interval="wald")
    two = tm.nps(d.loc[d.half == "second", "CUSL3"], interval="wald")
    pd.testing.assert_series_equal(one.compare(two), cmp)


def test_rocks_adjusted_wald():
    x = [10] * 30 + [8] * 12 + [3] * 8          # 30 promoters, 12 passives, 8 detractors
    res = tm.nps(x)
    n, p, d = 53.0, 30.75 / 53, 8.75 / 53        # Rocks (2016): +3/4 P, +3/4 D, +3 n
    half = sst.norm.ppf(0.975) * np.sqrt((p + d - (p - d) ** 2) / n)
    row = res.table.iloc[0]
    assert row["nps"] == pytest.approx(100 * (30 - 8) / 50)
    assert row["ci_lower"] == pytest.approx(100 * (p - d - half))
    assert row["ci_upper"] == pytest.approx(100 * (p - d + half))
    assert res.score == pytest.approx(44.0)


def test_nps_coverage_of_the_adjusted_interval():
    # Rocks' finding: the adjusted Wald covers close to nominally at small n
    rng = np.random.default_rng(7)
    probs = np.array([0.15, 0, 0, 0, 0, 0, 0, 0.25, 0, 0.6, 0])
    truth = 100 * (0.6 - 0.15)
    hits = 0
    for _ in range(400):
        x = rng.choice(11, size=30, p=probs)
        t = tm.nps(x).table.iloc[0]
        hits += t["ci_lower"] <= truth <= t["ci_upper"]
    assert 0.91 <= hits / 400 <= 0.99


@pytest.mark.parametrize("args,kwargs,match", [
    (([11, 3],), {}, "not integers 0-10"),
    (([5, 3],), {"interval": "exact"}, "interval"),
    ((pd.DataFrame({"a": [1]}),), {}, "column="),
    (([5, 3],), {"by": "seg"}, "data frame"),
])
def test_nps_bad_input(args, kwargs, match):
    with pytest.raises(tm.TrustModelError, match=match):
        tm.nps(*args, **kwargs)
