"""Each noise mechanism's effect on ⟨n_i⟩ for a 6-atom Aquila program (devices/noise.py, the snapshot's [noise] table).

    PYTHONPATH=. python benchmarks/emulator_noise_effects.py [--shots 20000] [--realisations 32] [--atoms 6]

The program: a chain at 6.1 µm, Ω = 15.8 rad/µs held for 3.8 µs, Δ swept −16 → 16 rad/µs (valid on Aquila). Rows: the
noise-free run, every mechanism alone, and all of them; the same seed for every row (the noise model draws the same
random numbers whichever mechanisms are on), so differences between rows are mostly the mechanism, and the shot
error of each ⟨n_i⟩ is printed. The noise numbers are the schema's documented example values (see the snapshot).
"""

import argparse
import time

import numpy as np

from hybrid_rg.devices.noise import MECHANISMS, NoiseModel, simulate
from hybrid_rg.pulse.program import RydbergProgram, Waveform


def program(n: int) -> RydbergProgram:
    return RydbergProgram(
        tuple((round(6.1 * i, 1), 0.0) for i in range(n)),
        Waveform((0, 0.1, 3.9, 4.0), (0, 15.8, 15.8, 0)),
        Waveform((0, 0.1, 3.9, 4.0), (-16, -16, 16, 16)),
        Waveform((0, 4.0), (0, 0), "constant"),
    )


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
    a = ap.parse_args()
    p = program(a.atoms)
    model = NoiseModel.from_device("quera_aquila")
    rows = [("noise-free", model.only())] + [(m, model.only(m)) for m in MECHANISMS] + [("all", model)]
    print(f"{a.atoms} atoms, {a.shots} shots, {a.realisations} realisations, seed {a.seed}")
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


if __name__ == "__main__":
    main()
