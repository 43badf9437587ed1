"""lavaan model syntax -> statements -> ParameterTable with lavaan's default rules."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustmodel as tm
from trustmodel.syntax import build_table, parse_model, render_statements


def rows(table, *cols):
    return [tuple(r) for r in table.rows[list(cols)].itertuples(index=False)]


def test_operators_comments_and_multiline():
    stmts = parse_model("""
        # a comment
        f =~ x1 + x2 +
             x3          ! lavaan's other comment sign
        f ~ c1; y ~ f + c1
        y ~ 1
        x1 ~~ x2
        d := a * 2
    """)
    got = [(s.lhs, s.op, s.rhs) for s in stmts]
    assert got == [("f", "=~", "x1"), ("f", "=~", "x2"), ("f", "=~", "x3"), ("f", "~", "c1"),
                   ("y", "~", "f"), ("y", "~", "c1"), ("y", "~1", ""), ("x1", "~~", "x2"),
                   ("d", ":=", "a * 2")]


def test_modifiers():
    s = parse_model("f =~ 1*x1 + a*x2 + NA*x3 + start(.5)*x4 + label('b')*x5 + 0.3*lab*x6")
    mods = {x.rhs: x.modifier for x in s}
    assert mods["x1"].fixed == (1.0,)
    assert mods["x2"].label == ("a",)
    assert mods["x3"].free == (True,)
    assert mods["x4"].start == (0.5,)
    assert mods["x5"].label == ("b",)
    assert mods["x6"].fixed == (0.3,) and mods["x6"].label == ("lab",)


def test_group_vectors():
    s = parse_model("f =~ x1 + c(a1, a2)*x2 + c(1, NA)*x3")[1:]
    assert s[0].modifier.label == ("a1", "a2")
    assert s[1].modifier.fixed == (1.0, None) and s[1].modifier.free == (False, True)
    t = build_table("f =~ x1 + c(a1, a2)*x2 + x3", ngroups=2)
    lab = t.rows.query("rhs == 'x2' and op == '=~'")["label"].tolist()
    assert lab == ["a1", "a2"]
    with pytest.raises(tm.ModelSyntaxError, match="has 3 labels but the model has 2 group"):
        build_table("f =~ x1 + c(a, b, c)*x2 + x3", ngroups=2)


def test_cfa_defaults_follow_lavaan():
    t = build_table("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6")
    assert rows(t, "lhs", "op", "rhs", "free")[:3] == [("visual", "=~", "x1", 0),
                                                       ("visual", "=~", "x2", 1),
                                                       ("visual", "=~", "x3", 2)]
    assert ("visual", "~~", "textual") in rows(t, "lhs", "op", "rhs")
    assert t.npar == 13
    std = build_table("visual =~ x1 + x2 + x3", std_lv=True)
    assert std.rows.query("op == '=~'")["free"].gt(0).all()
    assert std.rows.query("lhs == 'visual' and op == '~~'")["ustart"].tolist() == [1.0]


def test_sem_defaults_structural():
    t = build_table("""
        ind60 =~ x1 + x2 + x3
        dem60 =~ y1 + y2
        dem65 =~ y3 + y4
        dem60 ~ ind60
        dem65 ~ ind60 + dem60
    """)
    cov = {(a, b) for a, o, b in rows(t, "lhs", "op", "rhs") if o == "~~" and a != b}
    assert cov == set()  # no covariances among endogenous or with exogenous latents here
    t2 = build_table("f =~ x1 + x2 + x3\ng =~ x4 + x5 + x6\ny1 ~ f\ny2 ~ g")
    cov2 = {(a, b) for a, o, b in rows(t2, "lhs", "op", "rhs") if o == "~~" and a != b}
    assert cov2 == {("f", "g"), ("y1", "y2")}  # auto.cov.lv.x and auto.cov.y


def test_fixed_x_and_single_indicator():
    t = build_table("y ~ x1 + x2\nf =~ z1")
    exo = t.rows.query("exo == 1")
    assert set(zip(exo.lhs, exo.rhs)) == {("x1", "x1"), ("x1", "x2"), ("x2", "x2")}
    assert (exo.free == 0).all()
    z1 = t.rows.query("lhs == 'z1' and op == '~~'")
    assert z1["ustart"].tolist() == [0.0] and z1["free"].tolist() == [0]


def test_equal_labels_share_a_free_parameter():
    t = build_table("f =~ x1 + a*x2 + a*x3")
    fr = t.rows.query("op == '=~'")["free"].tolist()
    assert fr[1] == fr[2] > 0


def test_group_equal_loadings_and_intercepts():
    t = build_table("f =~ x1 + x2 + x3", ngroups=2, meanstructure=True,
                    group_equal=("loadings", "intercepts"))
    load = t.rows.query("op == '=~' and rhs == 'x2'")["free"].tolist()
    assert load[0] == load[1] > 0
    means = t.rows.query("op == '~1' and lhs == 'f'")
    assert means["free"].tolist()[0] == 0 and means["free"].tolist()[1] > 0
    partial = build_table("f =~ x1 + x2 + x3", ngroups=2, group_equal=("loadings",),
                          group_partial=("f =~ x3",))
    x3 = partial.rows.query("op == '=~' and rhs == 'x3'")["free"].tolist()
    assert x3[0] != x3[1]


def test_render_round_trip_on_reference_models():
    import json
    from pathlib import Path
    for path in sorted((Path(__file__).parent / "refs").glob("*_ml.json")):
        model = json.loads(path.read_text())["model"]
        t1 = build_table(model)
        t2 = build_table(render_statements(parse_model(model)))
        assert rows(t1, "lhs", "op", "rhs", "free", "label") == \
            rows(t2, "lhs", "op", "rhs", "free", "label")


NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(NAMES, st.lists(NAMES, min_size=1, max_size=4, unique=True)),
                min_size=1, max_size=4, unique_by=lambda t: t[0]),
       st.lists(st.sampled_from(["", "1*", "NA*", "lab*", "0.5*", "start(2)*"]),
                min_size=16, max_size=16))
def test_parse_render_parse_is_identity(factors, mods):
    lines, k = [], 0
    for f, items in factors:
        terms = []
        for it in items:
            terms.append(mods[k % len(mods)].replace("lab", f"l{k}") + it)
            k += 1
        lines.append(f"{f} =~ " + " + ".join(terms))
    first = parse_model("\n".join(lines))
    again = parse_model(render_statements(first))
    key = lambda s: (s.lhs, s.op, s.rhs, s.modifier.fixed, s.modifier.label, s.modifier.free,
                     s.modifier.start)
    assert [key(s) for s in first] == [key(s) for s in again]


def test_table_repr_and_syntax():
    t = build_table("f =~ x1 + x2 + x3")
    assert "ParameterTable" in repr(t)
    assert t.syntax.splitlines()[0] == "f =~ x1"
    assert np.array_equal(t.frame.columns, t.rows.columns)


def test_covariances_are_stored_in_lavaans_variable_order():
    # lavaan 0.6-14 (lavaanify): "x3 ~~ x5" with x5 named first becomes "x5 ~~ x3";
    # "speed ~~ visual" becomes "visual ~~ speed" (latent variables in order of appearance)
    t = build_table("textual =~ x4 + x5 + x6\nvisual =~ x1 + x2 + x3\nx3 ~~ x5")
    user = t.rows.query("op == '~~' and lhs != rhs and user == 1")
    assert user[["lhs", "rhs"]].values.tolist() == [["x5", "x3"]]
    t = build_table("visual =~ x1 + x2 + x3\nspeed =~ x7 + x8\nspeed ~~ visual\nx2 ~~ x1")
    user = t.rows.query("op == '~~' and lhs != rhs and user == 1")
    assert user[["lhs", "rhs"]].values.tolist() == [["visual", "speed"], ["x1", "x2"]]
    t = build_table("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nx3 ~~ x5")
    user = t.rows.query("op == '~~' and lhs != rhs and user == 1")
    assert user[["lhs", "rhs"]].values.tolist() == [["x3", "x5"]]
