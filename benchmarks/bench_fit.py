"""Time trustmodel's ML fit against semopy's on the shared reference models (one process).

    python benchmarks/bench_fit.py [--repeats 15]

Prints the best-of-repeats wall time per fit and the ratio semopy / trustmodel. A benchmark,
not a test: figures depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import trustmodel as tm
from _timing import best  # benchmarks/_timing.py

REFS = Path(__file__).resolve().parents[1] / "tests" / "refs"
CASES = [("hs_cfa_ml", "holzinger_swineford"), ("political_democracy", "political_democracy"),
         ("edt_ml", "edt"), ("cdv_ml", "cdv")]




def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    import semopy
    print(f"{'case':22s} {'trustmodel':>12s} {'semopy':>10s} {'ratio':>7s} "
          f"{'tm+params/fit':>14s} {'semopy+inspect/stats':>21s} {'ratio':>7s}")
    for case, data in CASES:
        spec = json.loads((REFS / f"{case}.json").read_text())
        model = "\n".join(l for l in spec["model"].splitlines() if ":=" not in l)  # no := in semopy
        df = tm.datasets.load(data)
        ours = best(lambda: tm.fit(spec["model"], df), args.repeats)
        full = best(lambda: (lambda r: (r.params, r.fit_measures))(tm.fit(spec["model"], df)),
                    args.repeats)

        def run_semopy(report=False):
            m = semopy.Model(model)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.fit(df)
                if report:  # estimates with SEs and the fit statistics, as params/fit_measures
                    m.inspect()
                    semopy.calc_stats(m)
        theirs = best(run_semopy, max(3, args.repeats // 3))
        theirs_full = best(lambda: run_semopy(True), max(3, args.repeats // 3))
        print(f"{case:22s} {ours * 1e3:10.2f}ms {theirs * 1e3:8.1f}ms {theirs / ours:6.1f}x "
              f"{full * 1e3:12.2f}ms {theirs_full * 1e3:19.1f}ms {theirs_full / full:6.1f}x")


if __name__ == "__main__":
    main()
