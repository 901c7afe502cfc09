"""The MPS emulator (emulator/mps.py) against the state vector: ⟨n_i⟩ and ⟨n_i n_j⟩, true error against stated.

    PYTHONPATH=. python benchmarks/emulator_mps_vs_sv.py [--atoms 12 14 16] [--dt 0.01] [--chi 32] [--range 3]
                                                         [--truncation-check half|double] [--legs L]
                                                         [--drive strong|braket]

The program is the scale benchmark's (benchmarks/emulator_mps_scale.py): atoms 6.1 µm apart along the serpentine
(a straight row up to 12 atoms, then the turn), or with --legs L an L-leg ladder ordered column by column (2D;
give --range ≥ 2L), the 4 µs adiabatic ramp into Z2 (--drive strong or braket: that benchmark's DRIVES). The state
vector runs at tol 1e-7 (its stated state error bounds the observables' error far below the MPS's). One markdown
row per atom count: the MPS's stated error and its parts, the true max |Δ| over ⟨n_i⟩ and over ⟨n_i n_j⟩, wall and
CPU seconds (the machine may be shared: CPU seconds are the comparable figure).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atoms", type=int, nargs="+", default=[12, 14, 16])
    ap.add_argument("--dt", type=float, default=0.01)
    ap.add_argument("--chi", type=int, default=32)
    ap.add_argument("--range", type=int, default=3, help="3: as in docs/runtime.md (the emulator default is 5)")
    ap.add_argument("--truncation-check", choices=("half", "double"), default="half")
    ap.add_argument("--legs", type=int, default=0, help="an L-leg ladder instead of the serpentine")
    ap.add_argument("--drive", choices=("strong", "braket"), default="strong", help="emulator_mps_scale.DRIVES")
    a = ap.parse_args()
    warnings.simplefilter("ignore")  # TeNPy's notices about future MPS arguments
    from emulator_mps_scale import program

    from hybrid_rg.devices.emulator import evolve
    from hybrid_rg.devices.emulator.mps import evolve_mps

    print(
        "| atoms | SV s (cpu) | MPS s (cpu) | χ | max bond | dt (returned) | stated | time step | truncation | tail |"
        " true max|Δn_i| | true max|Δ n_i n_j| | stated/true |"
    )
    print("|---" * 13 + "|")
    for n in a.atoms:
        p = program(n, legs=a.legs, drive=a.drive)
        t, c = time.perf_counter(), time.process_time()
        ev = evolve(p, tol=1e-7)
        t_sv, c_sv = time.perf_counter() - t, time.process_time() - c
        probs = np.abs(ev.state.numpy()) ** 2
        occ = ((np.arange(2**n)[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1).astype(float)
        dens, corr = probs @ occ, occ.T @ (probs[:, None] * occ)
        c = time.process_time()
        r = evolve_mps(p, dt_us=a.dt, chi=a.chi, interaction_range=a.range, truncation_check=a.truncation_check)
        c_mps = time.process_time() - c
        td, tc = np.abs(r.densities - dens).max(), np.abs(r.correlations - corr).max()
        print(
            f"| {n} | {t_sv:.1f} ({c_sv:.1f}) | {r.seconds:.0f} ({c_mps:.0f}) | {r.chi} | {r.max_bond} | {r.dt_us} | "
            f"{r.error:.2e} | {r.time_step_error:.1e} | {r.truncation_error:.1e} | {r.tail_error:.1e} | {td:.2e} | "
            f"{tc:.2e} | {r.error / max(td, tc):.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
