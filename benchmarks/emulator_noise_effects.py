"""Each noise mechanism's effect on ⟨n_i⟩ for a 6-atom Aquila program (devices/noise.py, the snapshot's [noise] table).

    PYTHONPATH=. python benchmarks/emulator_noise_effects.py [--shots 20000] [--realisations 32] [--atoms 6]
    PYTHONPATH=. python benchmarks/emulator_noise_effects.py --backend mps --atoms 50 --shots 4000 --realisations 2 \
        [--chi 16] [--dt 0.01]

The program: a chain at 6.1 µm, Ω = 15.8 rad/µs held for 3.8 µs, Δ swept −16 → 16 rad/µs (valid on Aquila). Rows: the
noise-free run, every mechanism alone, and all of them; the same seed for every row (the noise model draws the same
random numbers whichever mechanisms are on), so differences between rows are mostly the mechanism, and the shot
error of each ⟨n_i⟩ is printed. The noise numbers are the schema's documented example values (see the snapshot).

With --backend mps the atoms follow the serpentine of benchmarks/emulator_mps_scale.py (a straight chain up to 12
atoms: the same program), every realisation is one MPS run (emulator/mps.py, check=False: no stated error of its
own; --chi, --dt), shots come by perfect sampling, and runs are cached across rows, so the rows that switch only
classical mechanisms (vacancy, prep, loss, readout) reuse the noise-free run. Rows print the per-atom mean and the
largest per-atom change against the noise-free row (the atoms are too many for one column each).
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
    ap.add_argument("--backend", default="state-vector", choices=["state-vector", "mps"])
    ap.add_argument("--chi", type=int, default=16)
    ap.add_argument("--dt", type=float, default=0.01)
    a = ap.parse_args()
    if a.backend == "mps":
        return main_mps(a)
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


def main_mps(a):
    import sys
    import warnings
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from emulator_mps_scale import program as serpentine_program

    from hybrid_rg.devices.emulator.choice import BackendChoice

    warnings.simplefilter("ignore")
    p = serpentine_program(a.atoms)
    model = NoiseModel.from_device("quera_aquila")
    mps = BackendChoice("mps", "benchmark", dt_us=a.dt, chi=a.chi, interaction_range=3)
    rows = [("noise-free", model.only())] + [(m, model.only(m)) for m in MECHANISMS] + [("all", model)]
    cache: dict = {}
    print(
        f"{a.atoms} atoms (serpentine), MPS chi {a.chi}, dt {a.dt} µs, {a.shots} shots, {a.realisations} realisations"
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
