"""Golden text: ``str(res.summary())`` against lavaan 0.6-14's printed
``summary(fit, fit.measures = TRUE, standardized = TRUE)`` (tests/refs/summary/, written by
tests/refs/scripts/summary.R), line by line.

Every line must have lavaan's layout (the same text with each number masked, trailing blanks
ignored) and the same numbers: counts exactly, decimals within one unit in the last printed
digit (the two optimizers stop at slightly different points). Allowed differences, documented
in :mod:`trustmodel.report.text` and docs/lavaan.md:

* line 1 names trustmodel and its version and counts trustmodel's own iterations;
* the value of "Optimization method" is trustmodel's optimizer;
* trustmodel's numbered "Notes:" (recorded warnings, largest residuals) close the report,
  where lavaan prints its warnings separately.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import trustmodel as tm

REFS = Path(__file__).parent / "refs" / "summary"
CASES = json.loads((REFS / "cases.json").read_text())
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])|\bNA\b")


def _mask(line: str) -> str:
    def rep(m):
        tok = m.group()
        neg = tok.startswith("-")
        return " " * neg + "#" * (len(tok) - neg)
    return NUMBER.sub(rep, line.rstrip())


def _numbers(line: str) -> list[str]:
    return NUMBER.findall(line)


def _fit(case):
    return tm.fit(case["model"], tm.datasets.load(case["data"]), **case["options"])


@pytest.fixture(scope="module", params=CASES, ids=[c["name"] for c in CASES])
def pair(request):
    case = request.param
    ours = str(_fit(case).summary()).splitlines()
    theirs = (REFS / f"{case['name']}.txt").read_text().splitlines()
    if "Notes:" in ours:
        ours = ours[:ours.index("Notes:") - 1]
    while ours and not ours[-1].strip():
        ours.pop()
    while theirs and not theirs[-1].strip():
        theirs.pop()
    return case["name"], ours, theirs


def test_same_lines_and_layout(pair):
    name, ours, theirs = pair
    assert len(ours) == len(theirs), f"{name}: {len(ours)} lines, lavaan {len(theirs)}"
    first = re.compile(r"^\S+ \S+ ended normally after \d+ iterations?$")
    assert first.match(ours[0]) and first.match(theirs[0])
    assert ours[0].startswith(f"trustmodel {tm.__version__} ")
    for i, (a, b) in enumerate(zip(ours[1:], theirs[1:]), start=2):
        if b.strip().startswith("Optimization method"):
            assert a.split()[:2] == ["Optimization", "method"] and len(a) == len(b.rstrip())
            continue
        assert _mask(a) == _mask(b), f"{name} line {i}:\n ours: {a!r}\n lavaan: {b!r}"


def test_same_numbers(pair):
    name, ours, theirs = pair
    worst = 0.0
    for i, (a, b) in enumerate(zip(ours[1:], theirs[1:]), start=2):
        if b.strip().startswith("Optimization method"):
            continue
        na, nb = _numbers(a), _numbers(b)
        assert len(na) == len(nb), f"{name} line {i}: {a!r} vs {b!r}"
        for x, y in zip(na, nb):
            if "NA" in (x, y) or "." not in y:
                assert x == y, f"{name} line {i}: {x} vs lavaan {y}"
                continue
            worst = max(worst, abs(float(x) - float(y)))
            assert abs(float(x) - float(y)) <= 1.01e-3, f"{name} line {i}: {a!r} vs {b!r}"
    assert worst <= 1.01e-3
