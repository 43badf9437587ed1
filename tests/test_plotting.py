"""Plots: figure contents (texts, patches), not pixels."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch  # noqa: E402

import trustmodel as tm  # noqa: E402
from trustmodel.plotting import (plot_ipma, plot_path, plot_residuals,  # noqa: E402
                                 plot_response_surface)

EDT = tm.datasets.model("edt")
CDV = tm.datasets.model("cdv")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def edt():
    return tm.fit(EDT, tm.datasets.load("edt"))


def _kinds(ax):
    ells = [p for p in ax.patches if isinstance(p, Ellipse)]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    return ells, boxes, arrows


def test_matplotlib_not_imported_by_core():
    code = ("import sys, trustmodel as tm; tm.fit('f =~ x1 + x2 + x3', "
            "tm.datasets.load('holzinger_swineford')); import trustmodel.plotting; "
            "assert 'matplotlib' not in sys.modules")
    import subprocess
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_path_diagram_edt(edt):
    fig = edt.plot()
    ax = fig.axes[0]
    ells, boxes, arrows = _kinds(ax)
    assert len(ells) == 5 and len(boxes) == 15
    assert len(arrows) == 15 + 7  # loadings + regressions
    texts = [t.get_text() for t in ax.texts]
    for name in ("EXP", "PERF", "DISC", "SAT", "LOY", "e1", "l3"):
        assert name in texts
    r = edt.params.query("lhs == 'PERF' and op == '~' and rhs == 'EXP'").iloc[0]
    assert f"{r.std_all:.2f}***" in texts
    ns = edt.params.query("lhs == 'SAT' and op == '~' and rhs == 'EXP'").iloc[0]
    assert ns.pvalue > 0.05 and f"{ns.std_all:.2f}" in texts  # no stars
    dashed = [a for a in arrows if a.get_gid() == "edge:EXP~SAT"]
    assert dashed and dashed[0].get_linestyle() != "-"


def test_layout_left_to_right(edt):
    from trustmodel.plotting.path import layout
    lay = layout(edt.params)
    x = {k: v[0] for k, v in lay["nodes"].items()}
    assert x["EXP"] < x["PERF"] < x["DISC"] < x["SAT"] < x["LOY"]
    assert x["e1"] < x["EXP"] and x["l1"] > x["LOY"]


def test_path_diagram_cdv_readable():
    res = tm.fit(CDV, tm.datasets.load("cdv"))
    fig = res.plot(what="est")
    ax = fig.axes[0]
    ells, boxes, arrows = _kinds(ax)
    assert len(ells) == 12 and len(boxes) == 30
    # no two nodes overlap: boxes and ellipses are separated
    from trustmodel.plotting.path import layout
    nodes = layout(res.params)["nodes"]
    pts = np.array([v[:2] for v in nodes.values()])
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)) + np.eye(len(pts)) * 99
    assert d.min() > 0.5
    x = {k: v[0] for k, v in nodes.items()}
    assert x["PV"] < x["TCV"] < x["VAL"] < x["SAT"]
    w, h = fig.get_size_inches()
    assert w <= 22 and h <= 30


def test_path_ax_and_group():
    res = tm.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6",
                 tm.datasets.load("holzinger_swineford"), group="school")
    fig, ax = plt.subplots()
    out = plot_path(res, ax=ax, group="Grant-White")
    assert out is fig and len(_kinds(ax)[0]) == 2
    cov = [a for a in _kinds(ax)[2] if a.get_gid() == "edge:visual~~textual"]
    assert len(cov) == 1
    with pytest.raises(tm.OptionError, match="group="):
        plot_path(res, group="nope")
    with pytest.raises(tm.OptionError, match="what="):
        plot_path(res, what="bogus")


def test_residual_heatmap(edt):
    fig = plot_residuals(edt)
    ax = fig.axes[0]
    assert ax.get_title().startswith("Residual correlations")
    assert [t.get_text() for t in ax.get_xticklabels()][:3] == ["e1", "e2", "e3"]
    assert len(ax.texts) == 15 * 16 // 2  # lower triangle annotated
    fig2, ax2 = plt.subplots()
    assert plot_residuals(edt, ax=ax2, annotate=False) is fig2 and not ax2.texts


class _FakeRSA:
    coefficients = pd.Series({"b0": 1.0, "b1": 0.5, "b2": -0.2, "b3": -0.1, "b4": 0.2,
                              "b5": -0.1})

    def predict(self, P, E):
        b = self.coefficients
        P, E = np.asarray(P), np.asarray(E)
        return b.b0 + b.b1 * P + b.b2 * E + b.b3 * P**2 + b.b4 * P * E + b.b5 * E**2


def test_response_surface():
    fig = plot_response_surface(_FakeRSA())
    ax = fig.axes[0]
    assert ax.name == "3d" and ax.get_title() == "Response surface"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["congruence P = E", "incongruence P = -E"]
    fig2, ax2 = plt.subplots()
    assert plot_response_surface(_FakeRSA(), ax=ax2, p_range=(-1, 1), e_range=(-1, 1)) is fig2
    assert len(ax2.lines) == 2
    with pytest.raises(tm.OptionError):
        plot_response_surface(object())


def test_ipma():
    t = pd.DataFrame({"construct": ["Quality", "Image", "Value"],
                      "Importance": [0.4, 0.1, 0.25], "Performance": [72.0, 60.0, 65.0]})
    fig = plot_ipma(t)
    ax = fig.axes[0]
    assert sorted(x.get_text() for x in ax.texts) == ["Image", "Quality", "Value"]
    assert ax.collections[0].get_offsets().shape == (3, 2)
    assert ax.get_xlabel().startswith("Importance")
    with pytest.raises(tm.OptionError, match="importance"):
        plot_ipma(pd.DataFrame({"a": [1]}))
