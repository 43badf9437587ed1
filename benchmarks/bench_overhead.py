"""Per-fit overhead of ``tm.fit`` on small models, by CPU time (best of many repetitions).

    python benchmarks/bench_overhead.py [--repeats 200] [--json]
    python benchmarks/bench_overhead.py --compare OLD_TREE NEW_TREE [--rounds 5] [--cases hs_cfa]

The first form times, in this interpreter, ``tm.fit`` and ``tm.fit`` followed by reading
``fit_measures`` on the shared reference models (HS three-factor CFA, EDT, CDV, political
democracy, HS two-group configural, HS under MLR) and prints the best-of-``repeats`` CPU time
(``time.process_time``, so BLAS threads count and other processes on a shared machine mostly
do not). The second form runs the first in child processes with ``PYTHONPATH=<tree>/src``,
alternating between the trees ``rounds`` times (load varies on a shared machine), and prints
each tree's best figure with the load average seen during the runs. A benchmark, not a test.

Measured 2026-12-01 (2 shared cores, load 3.8-5.8, ``--rounds 2 --repeats 60``), CPU ms of
the first landing (c71636f) / main before the perf work (7135e37) / after it:
HS CFA 5.80 / 7.64 / 6.55, EDT 7.77 / 8.50 / 6.80, CDV 21.3 / 14.2 / 10.9,
political democracy 6.60 / 8.35 / 6.32, HS two groups 13.4 / 15.9 / 13.5, HS MLR 18.4 / 8.7 / 7.1.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

REFS = Path(__file__).resolve().parents[1] / "tests" / "refs"
# (label, reference case for the model text, data set, fit options)
CASES = [("hs_cfa", "hs_cfa_ml", "holzinger_swineford", {}),
         ("edt", "edt_ml", "edt", {}),
         ("cdv", "cdv_ml", "cdv", {}),
         ("pd", "political_democracy", "political_democracy", {}),
         ("hs_2group", "hs_groups_configural", "holzinger_swineford", {"group": "school"}),
         ("hs_mlr", "hs_cfa_mlr", "holzinger_swineford", {"estimator": "MLR"})]


def cpu_best(func, repeats: int) -> float:
    """Best-of-``repeats`` CPU time of ``func()`` in seconds (garbage collected between)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.process_time()
        func()
        times.append(time.process_time() - t0)
    return min(times)


def measure(repeats: int, cases=None) -> dict[str, float]:
    """Best CPU time (ms) of fit and of fit + fit_measures for every case (or ``cases``)."""
    import trustmodel as tm
    out = {}
    for label, case, data, opts in CASES:
        if cases and label not in cases:
            continue
        model = json.loads((REFS / f"{case}.json").read_text())["model"]
        df = tm.datasets.load(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tm.fit(model, df, **opts).fit_measures  # warm-up: imports, caches
            n = max(10, repeats if label != "cdv" else repeats // 4)
            out[label] = 1e3 * cpu_best(lambda: tm.fit(model, df, **opts), n)
            out[label + "+fm"] = 1e3 * cpu_best(
                lambda: tm.fit(model, df, **opts).fit_measures, n)
    return out


def compare(trees: list[str], rounds: int, repeats: int, cases=None) -> None:
    """Alternate child processes over ``trees``; print each tree's best figure per case."""
    best: dict[str, dict[str, float]] = {t: {} for t in trees}
    loads = []
    for _ in range(rounds):
        for tree in trees:
            env = dict(os.environ, PYTHONPATH=str(Path(tree) / "src"))
            loads.append(os.getloadavg()[0])
            res = subprocess.run([sys.executable, __file__, "--json", "--repeats", str(repeats)]
                                 + (["--cases", *cases] if cases else []),
                                 env=env, capture_output=True, text=True, check=True)
            for k, v in json.loads(res.stdout.splitlines()[-1]).items():
                best[tree][k] = min(v, best[tree].get(k, float("inf")))
    loads.append(os.getloadavg()[0])
    print(f"load average (1 min) during the runs: {min(loads):.2f}-{max(loads):.2f}")
    names = [Path(t).name for t in trees]
    print(f"{'case (CPU ms)':16s}" + "".join(f"{n:>16s}" for n in names))
    for k in best[trees[0]]:
        print(f"{k:16s}" + "".join(f"{best[t].get(k, float('nan')):16.2f}" for t in trees))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--json", action="store_true", help="one JSON line (for --compare)")
    ap.add_argument("--compare", nargs="+", metavar="TREE")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cases", nargs="+", choices=[c[0] for c in CASES])
    args = ap.parse_args()
    if args.compare:
        compare(args.compare, args.rounds, args.repeats, args.cases)
        return
    res = measure(args.repeats, args.cases)
    if args.json:
        print(json.dumps(res))
        return
    print(f"load average {os.getloadavg()[0]:.2f}")
    for k, v in res.items():
        print(f"{k:16s} {v:8.2f} ms CPU")


if __name__ == "__main__":
    main()
