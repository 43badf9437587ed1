"""Time a 1000-replication Monte Carlo power study of the EDT model at N = 300.

    python benchmarks/bench_power.py [--reps 1000] [--n-jobs 2] [--n 300]

Population: ``tests/refs/make_refs.R``'s EDT population (the values behind the bundled ``edt``
data); analysis model: the ``edt_ml`` reference model with the indirect effect
``exp_disc_sat := a*b``. Target (shared/DESIGN.md): under 10 s on 2 cores. A benchmark, not a
test: figures depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import time

import trustmodel as tm

POPULATION = tm.datasets.population("edt")

ANALYSIS = tm.datasets.model("edt")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--likert", type=int, default=None)
    args = ap.parse_args()
    tm.power(POPULATION, n=[args.n], reps=5, seed=0, analysis=ANALYSIS)   # warm imports
    t0 = time.perf_counter()
    res = tm.power(POPULATION, n=[args.n], reps=args.reps, seed=2024, n_jobs=args.n_jobs,
                   analysis=ANALYSIS, likert=args.likert, progress=False)
    wall = time.perf_counter() - t0
    print(res)
    print(f"\n{args.reps} replications at N = {args.n}, n_jobs = {args.n_jobs}: {wall:.2f} s "
          f"({1000 * wall / args.reps:.1f} ms per replication; target: under 10 s for 1000)")


if __name__ == "__main__":
    main()
