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

POPULATION = """
EXP =~ 0.75*e1 + 0.8*e2 + 0.7*e3
PERF =~ 0.8*p1 + 0.8*p2 + 0.75*p3
DISC =~ 0.8*d1 + 0.75*d2 + 0.7*d3
SAT =~ 0.85*s1 + 0.8*s2 + 0.8*s3
LOY =~ 0.8*l1 + 0.75*l2 + 0.7*l3
PERF ~ 0.4*EXP
DISC ~ 0.65*PERF + -0.3*EXP
SAT ~ 0.5*DISC + 0.25*PERF + 0.1*EXP
LOY ~ 0.6*SAT
EXP ~~ 1*EXP
PERF ~~ 0.84*PERF
DISC ~~ 0.6013*DISC
SAT ~~ 0.4108*SAT
LOY ~~ 0.64*LOY
e1 ~~ 0.4375*e1
e2 ~~ 0.3600*e2
e3 ~~ 0.5100*e3
p1 ~~ 0.3600*p1
p2 ~~ 0.3600*p2
p3 ~~ 0.4375*p3
d1 ~~ 0.3600*d1
d2 ~~ 0.4375*d2
d3 ~~ 0.5100*d3
s1 ~~ 0.2775*s1
s2 ~~ 0.3600*s2
s3 ~~ 0.3600*s3
l1 ~~ 0.3600*l1
l2 ~~ 0.4375*l2
l3 ~~ 0.5100*l3
"""

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
