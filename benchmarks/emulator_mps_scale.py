"""The MPS emulator (emulator/mps.py) at device scale: a quasi-1D serpentine Aquila program, the adiabatic ramp into Z2.

    PYTHONPATH=. python benchmarks/emulator_mps_scale.py [--atoms 50] [--chi 32] [--dt 0.01] [--range 3]
                                                         [--reference-chi 64] [--shots 1000] [--drive strong|braket]

The program: atoms 6.1 µm apart along a serpentine (rows of 12, 24.4 µm apart, joined by vertical runs of 3 atoms;
inside Aquila's 75 × 76 µm area), Ω held for 3.8 µs while Δ is swept: --drive strong (default) Ω = 15.8 rad/µs,
Δ −16 → 16 rad/µs, or --drive braket, the Braket SDK example's Ω = 6.3, Δ −31.5 → 31.5 (DRIVES says why; valid on
the quera_aquila snapshot: checked by devices.validation before running). Prints the checked run (stated error and its
parts, time, bond dimension), and a reference run at --reference-chi (same dt and range) with max |Δ⟨n_i⟩| against
the main run: the bond-dimension convergence target is 1e-3. Times are wall clock and CPU seconds (the latter is
the comparable figure on a shared machine). The runs reported in the project's notes (χ 16 and χ 32 at dt 0.01,
no checks) are `--no-check --chi 16 --reference-chi 32`.

Convergence series (no checks; each run alone, CPU seconds per run, max |Δ⟨n_i⟩| between successive bond
dimensions at the same dt and between successive time steps at the same χ; densities saved with --save):

    PYTHONPATH=. python benchmarks/emulator_mps_scale.py --series --chis 32 64 96 --dts 0.02 [--save out.json]

Geometry: --geometry serpentine (default; --row-atoms, --row-gap) or ladder (--legs L rows of atoms 6.1 µm apart,
ordered column by column, snaking, so chain neighbours are lattice neighbours; --range should be ≥ 2L to hold every
nearest and diagonal neighbour in the window). --atoms 97 --row-atoms 17 is the largest serpentine at this spacing
and row gap inside the quera_aquila snapshot's 100 × 100 µm area.
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def ladder_positions(n: int, legs: int, spacing: float = 6.1) -> tuple:
    """n atoms on a `legs`-row square lattice, column by column, up one column and down the next."""
    pos = []
    for i in range(n):
        col, k = divmod(i, legs)
        row = k if col % 2 == 0 else legs - 1 - k
        pos.append((round(col * spacing, 1), round(row * spacing, 1)))
    return tuple(pos)


# The drives (rad/µs), each held 3.8 µs between 0.1 µs ramps of Ω:
#   "strong": Ω 15.8 (Aquila's maximum), Δ −16 → 16: blockade radius (C6/Ω)^(1/6) = 8.4 µm = 1.37 a, and it ends at
#             Δ/Ω ≈ 1, at the edge of the Z2 phase, where the state is far more entangled: at 50 atoms, χ 32, dt 0.02
#             the summed discarded weight is 0.28, and ⟨n_i⟩ moves 1.6e-2 from χ 32 to 64.
#   "braket": the Braket SDK's own AHS example drive (its docs' "smooth transition" program): Ω 6.3, Δ −31.5 → 31.5
#             (±5 Ω); blockade radius 9.8 µm = 1.60 a, ends at Δ/Ω = 5, inside the Z2 phase: the same run discards
#             1e-6, and ⟨n_i⟩ moves 3e-7 from χ 32 to 64.
DRIVES = {"strong": (15.8, 16.0), "braket": (6.3, 31.5)}


def program(n: int, spacing: float = 6.1, row_atoms: int = 12, row_gap: float = 24.4, legs: int = 0, drive="strong"):
    from hybrid_rg.devices.emulator.mps import serpentine_positions
    from hybrid_rg.pulse.program import RydbergProgram, Waveform

    omega, delta = DRIVES[drive]
    return RydbergProgram(
        ladder_positions(n, legs, spacing) if legs else serpentine_positions(n, spacing, row_atoms, row_gap),
        Waveform((0, 0.1, 3.9, 4.0), (0, omega, omega, 0)),
        Waveform((0, 0.1, 3.9, 4.0), (-delta, -delta, delta, delta)),
        Waveform((0, 4.0), (0, 0), "constant"),
    )


def series(p, chis, dts, r, save=None):
    """Runs without checks at every (dt, χ); prints one JSON line per run and the successive gaps."""
    from hybrid_rg.devices.emulator.mps import evolve_mps

    dens = {}
    for dt in dts:
        for chi in chis:
            run = evolve_mps(p, dt_us=dt, chi=chi, interaction_range=r, check=False)
            dens[(dt, chi)] = run.densities
            rec = run.runs[0]
            row = {"dt_us": dt, "chi": chi, "range": r, "steps": rec["steps"], "max_bond": rec["max_bond"]}
            row.update(discarded=rec["discarded_weight"], gram_splits=rec["gram_splits"], svd_splits=rec["svd_splits"])
            row.update(cpu_s=round(rec["cpu_s"], 1), wall_s=round(rec["wall_s"], 1), load=round(os.getloadavg()[0], 1))
            print(json.dumps(row), flush=True)
            if save:  # after every run: a long series killed part-way keeps what it has
                rows = [{"dt_us": k[0], "chi": k[1], "densities": v.tolist()} for k, v in dens.items()]
                Path(save).write_text(json.dumps(rows))
    for dt in dts:
        for a, b in zip(chis, chis[1:]):
            gap = float(np.abs(dens[(dt, a)] - dens[(dt, b)]).max())
            print(f"dt {dt}: max |Δ⟨n_i⟩| χ {a} → {b}: {gap:.2e}", flush=True)
    for chi in chis:
        for a, b in zip(dts, dts[1:]):
            gap = float(np.abs(dens[(a, chi)] - dens[(b, chi)]).max())
            print(f"χ {chi}: max |Δ⟨n_i⟩| dt {a} → {b}: {gap:.2e}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atoms", type=int, default=50)
    ap.add_argument("--chi", type=int, default=32)
    ap.add_argument("--dt", type=float, default=0.01)
    ap.add_argument("--range", type=int, default=3, help="3: as in docs/runtime.md (the emulator default is 5)")
    ap.add_argument("--reference-chi", type=int, default=64)
    ap.add_argument("--shots", type=int, default=1000)
    ap.add_argument("--row-gap", type=float, default=24.4)
    ap.add_argument("--row-atoms", type=int, default=12)
    ap.add_argument("--geometry", choices=("serpentine", "ladder"), default="serpentine")
    ap.add_argument("--legs", type=int, default=2)
    ap.add_argument("--drive", choices=sorted(DRIVES), default="strong", help="see DRIVES")
    ap.add_argument("--series", action="store_true", help="convergence series over --chis x --dts, no checks")
    ap.add_argument("--chis", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--dts", type=float, nargs="+", default=[0.02])
    ap.add_argument("--save", default=None)
    ap.add_argument("--truncation-check", choices=("half", "double"), default="half")
    ap.add_argument("--no-check", action="store_true", help="the main run only (no stated error)")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    from hybrid_rg.devices.emulator.mps import evolve_mps, sample_mps
    from hybrid_rg.devices.spec import load_device_spec
    from hybrid_rg.devices.validation import validate

    legs = a.legs if a.geometry == "ladder" else 0
    p = program(a.atoms, row_atoms=a.row_atoms, row_gap=a.row_gap, legs=legs, drive=a.drive)
    report = validate(p, load_device_spec("quera_aquila"), a.shots)
    pos = np.asarray(p.positions_um)
    print(
        f"{a.atoms} atoms, extent {np.ptp(pos[:, 0]):.1f} x {np.ptp(pos[:, 1]):.1f} µm, valid on quera_aquila: "
        f"{report.ok} {'' if report.ok else report}; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    from hybrid_rg.devices.emulator.mps import coupling_matrix, dropped_coupling

    print(f"range {a.range}: dropped coupling max {dropped_coupling(coupling_matrix(p), a.range):.3f} rad/µs")
    if a.series:
        return series(p, a.chis, a.dts, a.range, a.save)
    run = evolve_mps(
        p, dt_us=a.dt, chi=a.chi, interaction_range=a.range, check=not a.no_check, truncation_check=a.truncation_check
    )
    t = time.perf_counter()
    counts = sample_mps(run.psi, a.shots, seed=1)
    t_shots = time.perf_counter() - t
    out = {"atoms": a.atoms, **run.metadata(), "seconds_main_run": run.seconds_main, "shots_s": t_shots}
    out["densities"] = [round(float(x), 4) for x in run.densities]
    print(json.dumps(out), flush=True)
    if a.reference_chi:
        ref = evolve_mps(p, dt_us=run.dt_us, chi=a.reference_chi, interaction_range=a.range, check=False)
        rec = ref.runs[0]
        print(
            json.dumps(
                {
                    "reference_chi": a.reference_chi,
                    "reference_max_bond": ref.max_bond,
                    "reference_discarded": ref.discarded_weight,
                    "reference_s": rec["wall_s"],
                    "reference_cpu_s": rec["cpu_s"],
                    "max_abs_d_density_vs_main": float(np.abs(ref.densities - run.densities).max()),
                    "max_abs_d_corr_vs_main": float(np.abs(ref.correlations - run.correlations).max()),
                }
            ),
            flush=True,
        )
    d = np.array([[c if b[i] == "1" else 0 for i in range(a.atoms)] for b, c in counts.items()]).sum(0) / a.shots
    print(f"shots: {a.shots}, max |⟨n_i⟩ shots − MPS| = {np.abs(d - run.densities).max():.3f}")


if __name__ == "__main__":
    main()
