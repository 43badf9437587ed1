"""Time the key driver analyses (one process).

    python benchmarks/bench_practice.py [--repeats 5]

Targets (issue 17): LMG / Shapley for 15 predictors (32,768 subsets) at N = 1000 under
0.5 s; relative weights with 1000 bootstrap draws (and the random-variable test) under 1 s.
Also shown: dominance analysis (15 predictors) and LMG at 20 predictors (1,048,576 subsets).
Prints the best of the repeats. A benchmark, not a test: figures depend on the machine.
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import trustmodel as tm
from _timing import best  # benchmarks/_timing.py


def survey(n: int, p: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.6 * rng.standard_normal((n, 1))
    y = X @ rng.uniform(0, 1, p) + rng.standard_normal(n)
    return pd.DataFrame(np.column_stack([y, X]), columns=["y", *[f"x{j}" for j in range(p)]])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    d15 = survey(1000, 15)
    t = best(lambda: tm.drivers(d15, outcome="y", method="shapley"), args.repeats)
    print(f"LMG / Shapley, 15 predictors, N = 1000        {t:7.3f} s   (target < 0.5 s)")
    t = best(lambda: tm.drivers(d15, outcome="y", method="dominance"), args.repeats)
    print(f"dominance (complete/conditional/general), 15   {t:7.3f} s")
    t = best(lambda: tm.drivers(d15, outcome="y", bootstrap=1000, seed=1), args.repeats)
    print(f"relative weights + 1000 bootstrap, 15 pred.    {t:7.3f} s   (target < 1 s)")
    d8 = survey(1000, 8)
    t = best(lambda: tm.drivers(d8, outcome="y", bootstrap=1000, seed=1), args.repeats)
    print(f"relative weights + 1000 bootstrap, 8 pred.     {t:7.3f} s   (target < 1 s)")
    d20 = survey(1000, 20)
    t = best(lambda: tm.drivers(d20, outcome="y", method="shapley"), 1)
    print(f"LMG / Shapley, 20 predictors, N = 1000        {t:7.3f} s")


if __name__ == "__main__":
    main()
