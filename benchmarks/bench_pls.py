"""Time the PLS-PM fit, the 1000-draw bootstrap, the 5000-draw permutation MGA and
PLSpredict 10 x 10 of the ECSI model on mobi (one process).

    python benchmarks/bench_pls.py [--repeats 20] [--boot-repeats 3] [--n-jobs 1 2]

Targets (shared/DESIGN.md): fit under 5 ms, 1000 bootstrap draws under 3 s on 2 cores,
permutation MGA with 5000 draws under 5 s, PLSpredict 10 folds x 10 repeats under 1 s.
Prints the best of the repeats. A benchmark, not a test: figures depend on the machine and
its load.
"""
from __future__ import annotations

import argparse

import trustmodel as tm
from _timing import best  # benchmarks/_timing.py

ECSI = tm.ECSI(image=[f"IMAG{i}" for i in range(1, 6)], expectation=["CUEX1", "CUEX2", "CUEX3"],
               quality=[f"PERQ{i}" for i in range(1, 8)], value=["PERV1", "PERV2"],
               satisfaction=["CUSA1", "CUSA2", "CUSA3"], complaints=["CUSCO"],
               loyalty=["CUSL1", "CUSL2", "CUSL3"])




def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--boot-repeats", type=int, default=3)
    ap.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    mobi = tm.datasets.load("mobi")
    syntax = ECSI.syntax
    for est in ("PLS", "PLSc"):
        t = best(lambda: tm.fit(syntax, mobi, estimator=est), args.repeats)
        tp = best(lambda: tm.fit(syntax, mobi, estimator=est).params, args.repeats)
        print(f"{est:5s} fit                     {t * 1e3:8.2f} ms   (+ params table "
              f"{tp * 1e3:.2f} ms; target < 5 ms)")
    for est in ("PLS", "PLSc"):
        for jobs in args.n_jobs:
            tm.fit(syntax, mobi, estimator=est, se="bootstrap", bootstrap=100, seed=0,
                   n_jobs=jobs, progress=False)   # warm the worker pool
            t = best(lambda: tm.fit(syntax, mobi, estimator=est, se="bootstrap",
                                    bootstrap=1000, seed=1, n_jobs=jobs, progress=False),
                     args.boot_repeats)
            print(f"{est:5s} bootstrap 1000, n_jobs={jobs}  {t:8.3f} s    (target < 3 s)")
    import numpy as np
    seg = mobi.assign(seg=np.random.default_rng(798234).integers(0, 2, len(mobi)))
    groups = tm.fit(syntax, seg, estimator="PLS", group="seg", seed=1)
    for jobs in args.n_jobs:
        groups.compare_groups("permutation", B=200, seed=1, n_jobs=jobs)   # warm the pool
        t = best(lambda: groups.compare_groups("permutation", B=5000, seed=1, n_jobs=jobs),
                 args.boot_repeats)
        print(f"PLS   permutation MGA 5000, n_jobs={jobs} {t:6.3f} s    (target < 5 s)")
    t = best(lambda: groups.compare_groups("mga", B=1000, seed=1), args.boot_repeats)
    print(f"PLS   PLS-MGA 2 x 1000 bootstrap      {t:8.3f} s")
    for tech in ("DA", "EA"):
        t = best(lambda: tm.plspredict(syntax, mobi, folds=10, repeats=10, seed=1,
                                       technique=tech), args.boot_repeats)
        print(f"PLS   PLSpredict 10 x 10 ({tech})       {t:8.3f} s    (target < 1 s)")


if __name__ == "__main__":
    main()
