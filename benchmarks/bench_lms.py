"""Time an LMS fit: three latents x three indicators and one latent interaction, N = 1000.

    python benchmarks/bench_lms.py [--repeats 5] [--nodes 10]

Target (shared/DESIGN.md): under 1 s for the full fit (estimates, observed-information SEs,
log-likelihood and the H0 comparison). Prints the best of the repeats. A benchmark, not a
test: figures depend on the machine and its load (report `uptime` alongside).
"""
from __future__ import annotations

import argparse
import time

import trustmodel as tm
from _timing import best  # benchmarks/_timing.py
from trustmodel.estimation.lms.simulate import simulate_interaction

MODEL = "X =~ x1 + x2 + x3\nZ =~ z1 + z2 + z3\nY =~ y1 + y2 + y3\nY ~ X + Z + X:Z"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--nodes", type=int, default=10)
    args = ap.parse_args()
    data = simulate_interaction(1000, seed=2026)
    res = tm.fit(MODEL, data, interaction="lms")
    t = best(lambda: tm.fit(MODEL, data, interaction="lms"), args.repeats)
    ts = best(lambda: tm.fit(MODEL, data, interaction="lms", se="none"), args.repeats)
    print(f"LMS fit, 3 latents x 3 items + X:Z, N = 1000: {t:.3f} s with SEs "
          f"({ts:.3f} s without; {res.n_iter} BFGS iterations; target < 1 s)")
    c0 = time.process_time()
    for _ in range(args.repeats):
        tm.fit(MODEL, data, interaction="lms")
    cpu = (time.process_time() - c0) / args.repeats
    print(f"  CPU time per fit {cpu:.3f} s (wall time inflates when other processes share "
          "the cores)")
    td = best(lambda: tm.fit(MODEL, data), args.repeats)
    print(f"  for comparison, the double-mean-centred product-indicator fit: {td * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
