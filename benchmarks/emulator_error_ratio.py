"""Stated against true state error of the state-vector emulator (integrator.evolve), per tolerance and order.

    PYTHONPATH=. python benchmarks/emulator_error_ratio.py [--atoms 4 6 8] [--orders 4 6]

The truth is evolve(order 6, tol 1e-12) (itself checked against a dense expm product at 4 atoms in
tests/devices/test_emulator.py). Programs: the test program (phase jump, local detuning, 2D-ish layout) and the
Aquila-like ramp of benchmarks/emulator_vs_braket.py. Prints one row per (program, atoms, order, tol): the stated
error, the true error, their ratio, and the substeps spent.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def programs(n):
    from hybrid_rg.pulse.program import LocalDetuning, RydbergProgram, Waveform, chain_positions

    pos = [(x, 0.7 * (k % 2)) for k, (x, _) in enumerate(chain_positions(n, 6.5))]
    test = RydbergProgram(
        tuple(pos),
        Waveform((0.0, 0.2, 1.1, 1.5), (0.0, 15.8, 12.0, 0.0)),
        Waveform((0.0, 0.3, 1.5), (-25.0, -25.0, 40.0)),
        Waveform((0.0, 0.6, 1.5), (0.0, 1.1, 1.1), "constant"),
        LocalDetuning(tuple(np.linspace(0.0, 1.0, n)), Waveform((0.0, 0.9, 1.5), (0.0, 12.0, 4.0))),
    )
    ramp = RydbergProgram(
        chain_positions(n, 6.5),
        Waveform((0.0, 0.25, 2.75, 3.0), (0.0, 15.8, 15.8, 0.0)),
        Waveform((0.0, 0.25, 2.75, 3.0), (-30.0, -30.0, 60.0, 60.0)),
        Waveform((0.0, 3.0), (0.0, 0.0), "constant"),
    )
    return {"test": test, "ramp": ramp}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atoms", type=int, nargs="+", default=[4, 6])
    ap.add_argument("--orders", type=int, nargs="+", default=[6])
    ap.add_argument("--tols", type=float, nargs="+", default=[1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7])
    a = ap.parse_args()
    from hybrid_rg.devices.emulator import evolve

    print(
        "| program | atoms | order | tol | stated | true | stated/true | stated Σ|Δp| | true Σ|Δp| | ratio | "
        "2·stated/true Σ|Δp| | true max|Δn_i| | substeps | s |"
    )
    print("|---" * 14 + "|")
    ratios, pratios, bratios = [], [], []
    for n in a.atoms:
        for name, p in programs(n).items():
            exact = evolve(p, tol=1e-12).state.numpy()
            pex = np.abs(exact) ** 2
            occ = (np.arange(2**n)[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1
            for order in a.orders:
                for tol in a.tols:
                    t = time.perf_counter()
                    ev = evolve(p, tol=tol, order=order)
                    dt = time.perf_counter() - t
                    true = float(np.linalg.norm(ev.state.numpy() - exact))
                    ratios.append(ev.error / max(true, 1e-300))
                    pr = np.abs(ev.state.numpy()) ** 2
                    ptrue = float(np.abs(pr - pex).sum())
                    dn = float(np.abs((pr - pex) @ occ).max())
                    pratios.append(ev.probability_error / max(ptrue, 1e-300))
                    bratios.append(2 * ev.error / max(ptrue, 1e-300))
                    print(
                        f"| {name} | {n} | {order} | {tol:g} | {ev.error:.2e} | {true:.2e} | {ratios[-1]:.3g} | "
                        f"{ev.probability_error:.2e} | {ptrue:.2e} | {pratios[-1]:.3g} | {bratios[-1]:.3g} | "
                        f"{dn:.2e} | {ev.substeps} | {dt:.2f} |",
                        flush=True,
                    )
    for label, r in (
        ("state: stated/true", ratios),
        ("Σ|Δp|: stated/true", pratios),
        ("Σ|Δp|: 2·state stated/true", bratios),
    ):
        r = np.array(r)
        print(f"{label}: min {r.min():.3g}, median {np.median(r):.3g}, max {r.max():.3g}")


if __name__ == "__main__":
    main()
