"""Each noise mechanism's effect on ⟨n_i⟩ for a 6-atom Aquila program (devices/noise.py, the snapshot's [noise] table).

    PYTHONPATH=. python benchmarks/emulator_noise_effects.py [--shots 20000] [--realisations 32] [--atoms 6]
    PYTHONPATH=. python benchmarks/emulator_noise_effects.py --backend mps --atoms 50 --shots 4000 --realisations 2 \
        [--chi 16] [--dt 0.01]

The program: the scale benchmark's (benchmarks/emulator_mps_scale.py): atoms 6.1 µm apart, a straight chain up to 12
atoms, then its serpentine; --drive strong (default: Ω = 15.8 rad/µs held for 3.8 µs, Δ swept −16 → 16 rad/µs) or
braket (the Braket SDK example's Ω = 6.3, Δ −31.5 → 31.5); valid on Aquila. Rows: the
noise-free run, every mechanism alone, and all of them; the same seed for every row (the noise model draws the same
random numbers whichever mechanisms are on), so differences between rows are mostly the mechanism, and the shot
error of each ⟨n_i⟩ is printed. The noise numbers are the schema's documented example values (see the snapshot).

With --backend mps every realisation is one MPS run (emulator/mps.py, check=False: no stated error of its own;
--chi, --dt; the emulator's default interaction range), shots come by perfect sampling, and runs are cached across
rows, so the rows that switch only classical mechanisms (vacancy, prep, loss, readout) reuse the noise-free run.
Rows print the per-atom mean and the largest per-atom change against the noise-free row (the atoms are too many for
one column each).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emulator_mps_scale import DRIVES, program  # noqa: E402  (the scale benchmark's programs: one definition)

from hybrid_rg.devices.noise import MECHANISMS, NoiseModel, simulate  # noqa: E402


def densities(counts):
    shots = sum(counts.values())
    n = len(next(iter(counts)))
    d = np.array([sum(c for b, c in counts.items() if b[i] == "1") for i in range(n)]) / shots
    return d, np.sqrt(d * (1 - d) / shots), shots


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shots", type=int, default=20000)
    ap.add_argument("--realisations", type=int, default=32)
    ap.add_argument("--atoms", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--backend", default="state-vector", choices=["state-vector", "mps"])
    ap.add_argument("--chi", type=int, default=16)
    ap.add_argument("--dt", type=float, default=0.01)
    ap.add_argument("--drive", choices=sorted(DRIVES), default="strong", help="emulator_mps_scale.DRIVES")
    a = ap.parse_args()
    if a.backend == "mps":
        return main_mps(a)
    p = program(a.atoms, drive=a.drive)
    model = NoiseModel.from_device("quera_aquila")
    rows = [("noise-free", model.only())] + [(m, model.only(m)) for m in MECHANISMS] + [("all", model)]
    print(f"{a.atoms} atoms, {a.drive} drive, {a.shots} shots, {a.realisations} realisations, seed {a.seed}")
    print("| mechanisms | kept | runs | s | " + " | ".join(f"⟨n_{i}⟩" for i in range(a.atoms)) + " | mean Δ vs free |")
    print("|---" * (a.atoms + 5) + "|")
    base = None
    for name, m in rows:
        t = time.perf_counter()
        run = simulate(p, m, a.shots, a.seed, realisations=a.realisations)
        d, e, kept = densities(run.counts)
        base = d if base is None else base
        print(
            f"| {name} | {kept} | {run.metadata['state_vector_runs']} | {time.perf_counter() - t:.1f} | "
            + " | ".join(f"{x:.3f}±{y:.3f}" for x, y in zip(d, e))
            + f" | {np.mean(d - base):+.4f} |",
            flush=True,
        )


def main_mps(a):
    from hybrid_rg.devices.emulator.choice import BackendChoice

    warnings.simplefilter("ignore")
    p = program(a.atoms, drive=a.drive)
    model = NoiseModel.from_device("quera_aquila")
    mps = BackendChoice("mps", "benchmark", dt_us=a.dt, chi=a.chi)  # the emulator's default range
    rows = [("noise-free", model.only())] + [(m, model.only(m)) for m in MECHANISMS] + [("all", model)]
    cache: dict = {}
    print(
        f"{a.atoms} atoms (serpentine), {a.drive} drive, MPS chi {a.chi}, dt {a.dt} µs, range "
        f"{mps.interaction_range}, {a.shots} shots, "
        f"{a.realisations} realisations"
    )
    print("| mechanisms | kept | new MPS runs | s (cpu) | mean ⟨n_i⟩ ± s.e. | mean Δ vs free | max_i |Δ⟨n_i⟩| (atom) |")
    print("|---" * 7 + "|")
    base = None
    for name, m in rows:
        t, c = time.perf_counter(), time.process_time()
        run = simulate(p, m, a.shots, a.seed, realisations=a.realisations, backend=mps, cache=cache)
        d, e, kept = densities(run.counts)
        base = d if base is None else base
        k = int(np.argmax(np.abs(d - base)))
        print(
            f"| {name} | {kept} | {run.metadata['mps_runs']} | {time.perf_counter() - t:.0f} "
            f"({time.process_time() - c:.0f}) | {d.mean():.4f} ± {np.sqrt(np.sum(e**2)) / len(d):.4f} | "
            f"{np.mean(d - base):+.4f} | {abs(d[k] - base[k]):.3f} ({k}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
