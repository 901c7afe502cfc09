"""The MPS prototype (emulator/mps.py) against the state vector: densities and ⟨n_i n_j⟩, true error vs stated.

    PYTHONPATH=. python benchmarks/emulator_mps_vs_sv.py [--atoms 12] [--program test] [--dt 0.02] [--chi 32]

The state vector runs at tol 1e-8 (its stated state error bounds the observables' error far below the MPS's).
Programs: those of benchmarks/emulator_error_ratio.py (a chain at 6.5 µm with a slight zigzag for "test").
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atoms", type=int, default=12)
    ap.add_argument("--program", default="test", choices=["test", "ramp"])
    ap.add_argument("--dt", type=float, default=0.02)
    ap.add_argument("--chi", type=int, default=32)
    a = ap.parse_args()
    warnings.simplefilter("ignore")  # TeNPy's notices about future MPS arguments
    import tenpy.tools.optimization as opt

    opt.set_level(3)  # skip np_conserved sanity checks (measured 1.3x faster)
    from emulator_error_ratio import programs

    from hybrid_rg.devices.emulator import evolve
    from hybrid_rg.devices.emulator.mps import evolve_mps

    n, p = a.atoms, programs(a.atoms)[a.program]
    t = time.perf_counter()
    ev = evolve(p, tol=1e-8)
    t_sv = time.perf_counter() - t
    probs = np.abs(ev.state.numpy()) ** 2
    occ = ((np.arange(2**n)[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1).astype(float)
    dens, corr = probs @ occ, occ.T @ (probs[:, None] * occ)
    r = evolve_mps(p, dt_us=a.dt, chi=a.chi)
    true = max(np.abs(r.densities - dens).max(), np.abs(r.correlations - corr).max())
    print(
        f"{a.program}, {n} atoms: state vector {t_sv:.1f} s (stated state error {ev.error:.1e}); "
        f"MPS {r.seconds:.1f} s, "
        f"chi {r.chi} (max bond {r.max_bond}), dt {r.dt_us} µs, discarded weight {r.discarded_weight:.1e}; "
        f"max |Δ| over ⟨n_i⟩ and ⟨n_i n_j⟩: true {true:.2e}, stated {r.error:.2e} (time step "
        f"{r.time_step_error:.1e}, truncation {r.truncation_error:.1e}), stated/true {r.error / true:.2f}"
    )


if __name__ == "__main__":
    main()
