"""Time the FIML fit of the EDT model on edt_missing (N = 500, 15 variables, 5% MCAR).

    python benchmarks/bench_fiml.py [--repeats 15]

Prints the best-of-repeats wall time of the whole ``tm.fit(..., missing="fiml")`` (patterns,
h1 model, structured fit, observed-information SEs) and of its parts. lavaan 0.6.14 takes about
1.0 s for the same fit (``sem(model, data, missing = "ml")``); the target is under 50 ms. A
benchmark, not a test: figures depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import trustmodel as tm
from _timing import best  # benchmarks/_timing.py
from trustmodel.estimation import fiml

REFS = Path(__file__).resolve().parents[1] / "tests" / "refs"




def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    case = json.loads((REFS / "edt_missing_fiml.json").read_text())
    data = tm.datasets.load("edt_missing")
    res = tm.fit(case["model"], data, missing="fiml")
    Y = res.stats.groups[0].data
    pats = fiml.Patterns.from_data(Y)
    rows = [
        ("tm.fit(missing='fiml'), full", lambda: tm.fit(case["model"], data, missing="fiml")),
        ("tm.fit(missing='fiml', se='none')",
         lambda: tm.fit(case["model"], data, missing="fiml", se="none")),
        ("  patterns from rows", lambda: fiml.Patterns.from_data(Y)),
        ("  h1 (saturated) model", lambda: fiml.h1_moments(Y, pats)),
        ("  observed-information vcov", lambda: fiml.observed_vcov(res.state)),
        ("  one evaluation (f, grad, info)", lambda: res.state.problem.evaluate(res.state.x)),
    ]
    print(f"edt_missing: N = {len(Y)}, {pats.npatterns} missing-data patterns, "
          f"{res.state.problem.npar} free parameters")
    for name, func in rows:
        func()
        print(f"{name:38s} {1000 * best(func, args.repeats):8.2f} ms")
    print("lavaan 0.6.14 reference: about 1000 ms; target: under 50 ms")


if __name__ == "__main__":
    main()
