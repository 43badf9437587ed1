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


def _overlaps(a, b) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5) and (min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5)


@pytest.mark.parametrize("model, data", [
    ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
     "x1 ~~ x4\nx7 ~~ x8", "holzinger_swineford"),
    ("political_democracy", "political_democracy"), ("edt", "edt")])
def test_path_labels_keep_off_each_other_and_the_nodes(model, data):
    res = tm.fit(tm.datasets.model(model) if "=~" not in model else model,
                 tm.datasets.load(data))
    fig = res.plot()
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t.get_window_extent(r) for t in ax.texts if t.get_gid() == "estimate"]
    nodes = [p.get_window_extent(r) for p in ax.patches
             if str(p.get_gid()).split(":")[0] in ("latent", "indicator", "observed")]
    assert len(labels) >= 9
    for i, a in enumerate(labels):
        assert not any(_overlaps(a, b) for b in labels[i + 1:]), "labels overlap"
        assert not any(_overlaps(a, n) for n in nodes), "a label covers a node or arrowhead"


def test_path_residual_covariances_and_unstandardized_labels():
    res = tm.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nx1 ~~ x4\nx2 ~~ x3",
                 tm.datasets.load("holzinger_swineford"))
    ax = res.plot(what="unstandardized").axes[0]
    gids = {a.get_gid() for a in _kinds(ax)[2]}
    assert {"edge:x1~~x4", "edge:x2~~x3", "edge:visual~~textual"} <= gids
    texts = [t.get_text() for t in ax.texts]
    r = res.params.query("lhs == 'x1' and op == '~~' and rhs == 'x4'").iloc[0]
    assert f"{r.est:.2f}" + tm.plotting.path.stars(r.pvalue) in texts
    assert "unstandardized" in ax.get_title()
    # residual covariances bulge outwards: left of the indicator column (factors are right)
    from trustmodel.plotting.path import bezier
    nodes = tm.plotting.layout.layout(res.params)["nodes"]
    arrow = next(a for a in _kinds(ax)[2] if a.get_gid() == "edge:x1~~x4")
    rad = float(arrow.get_connectionstyle().rad)
    apex = bezier(nodes["x1"][:2], nodes["x4"][:2], rad, 0.5)
    assert apex[0] < nodes["x1"][0] - 0.45
    no_res = res.plot(residual_covariances=False).axes[0]
    assert "edge:x1~~x4" not in {a.get_gid() for a in _kinds(no_res)[2]}


def test_missing_matplotlib_says_how_to_install():
    import subprocess
    code = ("import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.pyplot'] = None\n"
            "import trustmodel as tm\n"
            "res = tm.fit('f =~ x1 + x2 + x3', tm.datasets.load('holzinger_swineford'))\n"
            "try:\n    res.plot()\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert "pip install 'trustmodel[plot]'" in out.stdout


def test_response_surface_plot_method():
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"perf": rng.normal(4, 1, 300), "exp": rng.normal(4, 1, 300)})
    d["sat"] = 3 + 0.4 * d.perf - 0.5 * (d.perf - d.exp) ** 2 + rng.normal(0, 0.5, 300)
    rsa = tm.response_surface(d, performance="perf", expectation="exp", outcome="sat")
    ax = rsa.plot(kind="contour").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("perf", "exp")
    loc, loic = ax.lines[0].get_xydata(), ax.lines[1].get_xydata()
    assert np.allclose(loc[:, 0], loc[:, 1])                       # P = E
    c = rsa.center                                                 # (P - c) = -(E - c)
    assert np.allclose(loic[:, 0] - c, -(loic[:, 1] - c))
    ax3 = rsa.plot().axes[0]
    assert ax3.name == "3d" and len(ax3.lines) >= 2
