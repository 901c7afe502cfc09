"""Exact-reference timings: free fermions (N = 20, 100, 400) against Krylov state vectors (N = 20), side by side.

Workload (notes/baselines.md §3.3): TFIM J = h = 1, |0…0⟩ quench, 51 times on [0, 5], all ⟨X_i⟩ and ⟨Z_0 Z_{N/2}⟩.
Prints one JSON object; the ratio at N = 20 compares the two methods on the same workload in the same run.
Run: `make bench` (or `.venv/bin/python benchmarks/free_fermion_vs_krylov.py [--skip-krylov]`).
"""

import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

from hybrid_rg.exact import TFIMFreeFermions, ZeroState, evolve, product_state
from hybrid_rg.operators import parse_observables, tfim

TIMES = np.linspace(0, 5, 51)


def workload(n):
    return parse_observables("x:all", n) + parse_observables(f"zz:0,{n // 2}", n)


def time_free_fermions(n):
    t0, c0 = time.perf_counter(), time.process_time()
    vals = TFIMFreeFermions(1.0, np.ones(n)).evolve(TIMES, ZeroState(), workload(n))
    return time.perf_counter() - t0, time.process_time() - c0, vals


def time_krylov(n):
    specs = workload(n)
    t0, c0 = time.perf_counter(), time.process_time()
    vals = evolve(tfim(n, 1.0, 1.0), product_state(n), TIMES, {s.label: s.operator(n) for s in specs})
    return time.perf_counter() - t0, time.process_time() - c0, vals


def import_seconds():
    code = (
        "import time; t = time.perf_counter(); import hybrid_rg.operators, hybrid_rg.exact; "
        "print(time.perf_counter() - t)"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main():
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "load_avg_1min_start": os.getloadavg()[0],
        "workload": "all <X_i> + <Z_0 Z_N/2>, 51 times, t<=5",
        "import_hybrid_rg_s": round(import_seconds(), 3),
    }
    for n in (20, 100, 400):
        wall, cpu, vals = time_free_fermions(n)
        report[f"free_fermion_N{n}"] = {
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            f"zz_0_{n // 2}_at_t5": float(vals[f"zz:0,{n // 2}"][-1]),
        }
    if "--skip-krylov" not in sys.argv:
        wall, cpu, vals = time_krylov(20)
        _, _, ff = time_free_fermions(20)
        err = max(np.abs(vals[k].real - ff[k]).max() for k in ff)
        report["krylov_N20"] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "max_abs_diff_vs_ff": err}
        report["ratio_krylov_over_ff_N20_wall"] = round(wall / report["free_fermion_N20"]["wall_s"], 1)
    report["load_avg_1min_end"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
