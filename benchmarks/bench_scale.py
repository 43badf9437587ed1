"""Scale benchmarks (issue 18), each case in a fresh process, lavaan timed beside it.

    python benchmarks/bench_scale.py [--cases ml1e6,mlr1e5,cfa60,boot,fiml1e6] [--no-lavaan]

Cases: ML of the 15-item EDT model at N = 1e6; MLR at N = 1e5; MLR of a 60-item 10-factor CFA
at N = 1000; the first ``se="bootstrap", bootstrap=1000, n_jobs=2`` call of a fresh process
on the bundled EDT data; FIML with 5% MCAR at N = 1e6. Prints the fit's wall time (data
generation not timed), the process's peak resident memory (GNU time, data included) and
the CPU time (which the machine's load distorts less than the wall time), a second, warm
fit's time and Python's tracemalloc peak during a third fit (not timed; not for "boot"), then lavaan 0.6-14's time and peak memory for the
same case (``benchmarks/bench_scale.R`` through Rscript, when R is installed) and the ratio.
A benchmark, not a test: the figures depend on the machine and its load (printed first).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = ("ml1e6", "mlr1e5", "cfa60", "boot", "fiml1e6")
EDT = ("EXP =~ e1 + e2 + e3\nPERF =~ p1 + p2 + p3\nDISC =~ d1 + d2 + d3\n"
       "SAT =~ s1 + s2 + s3\nLOY =~ l1 + l2 + l3\nPERF ~ EXP\nDISC ~ PERF + a*EXP\n"
       "SAT ~ b*DISC + PERF + EXP\nLOY ~ SAT\nexp_disc_sat := a*b")


def cfa_syntax(k: int, m: int, pop: bool) -> str:
    lines = [f"F{f} =~ " + " + ".join(f"{'0.7*' if pop else ''}y{f * m + i + 1}"
                                      for i in range(m)) for f in range(k)]
    if pop:
        lines += [f"y{i} ~~ 0.51*y{i}" for i in range(1, k * m + 1)]
        lines += [f"F{f} ~~ 1*F{f}" for f in range(1, k + 1)]
        lines += [f"F{a} ~~ 0.3*F{b}" for a in range(1, k + 1) for b in range(a + 1, k + 1)]
    return "\n".join(lines)


def full(res):
    """Everything lavaan's fit computes: estimates with SEs and every fit measure."""
    return res.params, res.fit_measures


def run_case(case: str) -> dict:
    """Inside the child process: build the data, time the fit, report figures."""
    import tracemalloc
    t_import = time.perf_counter()
    import numpy as np
    import trustmodel as tm
    t_import = time.perf_counter() - t_import
    pop = (HERE.parent / "src" / "trustmodel" / "datasets" / "edt_population.lav").read_text()
    if case == "ml1e6":
        data, kw = tm.simulate(pop, 1_000_000, seed=1), {}
    elif case == "mlr1e5":
        data, kw = tm.simulate(pop, 100_000, seed=1), {"estimator": "MLR"}
    elif case == "cfa60":
        data, kw = tm.simulate(cfa_syntax(10, 6, True), 1000, seed=1), {"estimator": "MLR"}
    elif case == "boot":
        data = tm.datasets.load("edt")
        kw = {"se": "bootstrap", "bootstrap": 1000, "n_jobs": 2, "seed": 1, "progress": False}
    else:
        data = tm.simulate(pop, 1_000_000, seed=1)
        data = data.mask(np.random.default_rng(2).random(data.shape) < 0.05)
        kw = {"missing": "fiml"}
    model = cfa_syntax(10, 6, False) if case == "cfa60" else EDT
    t0, c0 = time.perf_counter(), time.process_time()
    res = tm.fit(model, data, **kw)                 # the timed, first fit of the process
    full(res)                                       # as lavaan's sem(): SEs and fit measures
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    warm = peak = np.nan
    if case != "boot":                  # a second fit: lazy imports and caches paid
        t0 = time.perf_counter()
        full(tm.fit(model, data, **kw))
        warm = time.perf_counter() - t0
        tracemalloc.start()             # a third, traced (tracing slows allocation down)
        full(tm.fit(model, data, **kw))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"case": case, "seconds": secs, "cpu_seconds": cpu, "warm_seconds": warm,
            "import_seconds": t_import,
            "tracemalloc_mb": peak / 1e6,
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
            "chisq": float(res.fit_measures["chisq"])}


def child(cmd: list[str]) -> tuple[str, float]:
    """Run ``cmd``; its stdout and peak resident memory in MB (GNU time when installed)."""
    timer = shutil.which("time") or "/usr/bin/time"
    if not Path(timer).exists():
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        return out, float("nan")
    proc = subprocess.run([timer, "-f", "MAXRSS %M", *cmd], capture_output=True, text=True,
                          check=True)
    rss = [line for line in proc.stderr.splitlines() if line.startswith("MAXRSS")]
    return proc.stdout, float(rss[-1].split()[1]) / 1e3 if rss else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--no-lavaan", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child)))
        return
    print(f"load average {os.getloadavg()}; cores {os.cpu_count()}")
    has_r = shutil.which("Rscript") is not None and not args.no_lavaan
    print(f"{'case':8s} {'trustmodel':>11s} {'(warm)':>8s} {'(cpu)':>8s} {'tracemalloc':>12s} "
          f"{'maxRSS':>8s} {'lavaan':>9s} {'(cpu)':>8s} {'lavaan RSS':>11s} {'ratio':>7s} "
          f"{'cpu ratio':>9s}")
    for case in args.cases.split(","):
        out, rss = child([sys.executable, __file__, "--child", case])
        ours = json.loads(out.strip().splitlines()[-1])
        line = (f"{case:8s} {ours['seconds']:10.2f}s {ours['warm_seconds']:7.2f}s "
                f"{ours['cpu_seconds']:7.2f}s {ours['tracemalloc_mb']:10.0f}MB {rss:6.0f}MB")
        if has_r:
            r_out, r_rss = child(["Rscript", str(HERE / "bench_scale.R"), case])
            r_secs, r_cpu = (float(v) for v in r_out.split()[-2:])
            line += (f" {r_secs:8.2f}s {r_cpu:7.2f}s {r_rss:9.0f}MB "
                     f"{r_secs / ours['seconds']:6.1f}x {r_cpu / ours['cpu_seconds']:8.1f}x")
        print(line, flush=True)


if __name__ == "__main__":
    main()
