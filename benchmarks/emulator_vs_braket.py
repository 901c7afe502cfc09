"""The emulator against Braket's local AHS simulator on the same Aquila-like program, 6–12 atoms.

Prints one JSON object. For each atom count: the emulator's wall time (tol as given, its stated error), Braket's
integration wall time at `steps` (the simulator's own integration path, without shot sampling, see
hybrid_rg/devices/emulator/braket_reference.py), the ratio, and the max |Δp| over bitstrings. Braket runs
without a blockade radius where affordable (its dense-solve path, used up to 1000 configurations, takes
minutes at 7–9 atoms: capped by --max-full-atoms) and with blockade_radius (configurations with two
Rydberg atoms closer than it are dropped, a truncation of the Hilbert space: the difference to the emulator then
measures that truncation too).
Braket's local simulator uses the opposite phase sign (see braket_reference.py); the program has a constant
phase, where the sign is invisible. On a shared machine pass --repeats 3: each side's best of that many runs
(the same for both). --no-blockade skips the blockade-radius rows (minutes at 10-12 atoms).

    .venv/bin/python benchmarks/emulator_vs_braket.py [--atoms 6 8 10 12] [--steps 1000] [--tol 1e-4]
                                                      [--repeats 3] [--no-blockade]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def aquila_program(n: int):
    from hybrid_rg.pulse.program import RydbergProgram, Waveform, chain_positions

    return RydbergProgram(
        chain_positions(n, 6.5),
        Waveform((0.0, 0.25, 2.75, 3.0), (0.0, 15.8, 15.8, 0.0)),
        Waveform((0.0, 0.25, 2.75, 3.0), (-30.0, -30.0, 60.0, 60.0)),
        Waveform((0.0, 3.0), (0.0, 0.0), "constant"),
    )


def _best(run, repeats: int):
    """(shortest wall time of `repeats` calls, the last result)."""
    best, out = float("inf"), None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--atoms", type=int, nargs="+", default=[6, 8, 10, 12])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--blockade-um", type=float, default=8.0)
    ap.add_argument(
        "--max-full-atoms",
        type=int,
        default=6,
        help="skip Braket without blockade radius above this "
        "while it has <= 1000 configurations (7-9 atoms: its dense-solve path takes minutes); from 10 "
        "atoms it uses its sparse ODE path and runs",
    )
    ap.add_argument("--repeats", type=int, default=1, help="best of this many runs, for each side alike")
    ap.add_argument("--no-blockade", action="store_true", help="skip Braket with a blockade radius")
    args = ap.parse_args()
    from hybrid_rg.utils.threads import limit_torch_threads

    limit_torch_threads()
    from hybrid_rg.devices.emulator import evolve, probabilities
    from hybrid_rg.devices.emulator.braket_reference import braket_probabilities

    rows = []
    for n in args.atoms:
        p = aquila_program(n)
        t_emu, ev = _best(lambda p=p: evolve(p, tol=args.tol), args.repeats)
        pe = probabilities(ev.state).numpy()
        row = {
            "atoms": n,
            "emulator_s": round(t_emu, 4),
            "emulator_state_error": ev.error,
            "emulator_substeps": ev.substeps,
            "emulator_steps_finest": ev.steps,
            "braket_steps": args.steps,
        }
        cases = [] if args.no_blockade else [("blockade", args.blockade_um)]
        if n <= args.max_full_atoms or 2**n > 1000:
            cases.insert(0, ("full", 0.0))
        else:
            row["full_skipped"] = "Braket's dense path without blockade radius takes minutes at 7-9 atoms"
        for name, radius in cases:
            tb, pb = _best(lambda p=p, radius=radius: braket_probabilities(p, args.steps, radius), args.repeats)
            row[f"braket_{name}_s"] = round(tb, 3)
            row[f"ratio_{name}"] = round(tb / t_emu, 1)
            row[f"max_abs_dp_{name}"] = float(np.abs(pe - pb).max())
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(
        json.dumps(
            {
                "benchmark": "emulator_vs_braket",
                "tol": args.tol,
                "steps": args.steps,
                "blockade_um": None if args.no_blockade else args.blockade_um,
                "repeats": args.repeats,
                "rows": rows,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
