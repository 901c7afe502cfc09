"""The compiled pulse programs of a terminal van der Waals HEM run, measured with
shots on local simulators, beside the dimensionless prediction and the exact value.

    hybrid-rg run experiments/olrg/hem_vdw_aquila.toml --out out/hem_vdw_aquila
    python experiments/olrg/hem_shots.py out/hem_vdw_aquila [--shots 1000] [--devices emulator braket_local]

For every program (one per T) and device: ⟨S^z_1 S^z_2⟩ = ⟨Z_1 Z_2⟩/4 from the bitstrings, with its shot-noise
standard error; writes RUN_DIR/shots.csv and RUN_DIR/shots.png (prediction, exact, and each device with ±2σ bars).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from hybrid_rg.devices.registry import get_device
from hybrid_rg.operators.counts import z_string
from hybrid_rg.pulse.program import RydbergProgram
from hybrid_rg.utils.threads import limit_torch_threads


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--shots", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--devices", nargs="+", default=["emulator", "braket_local"])
    args = ap.parse_args(argv)
    limit_torch_threads()
    with open(args.run_dir / "result.csv") as fh:
        rows = {float(r["T"]): r for r in csv.DictReader(fh)}
    files = sorted((args.run_dir / "programs").glob("K*_T*.json"), key=lambda f: float(f.stem.split("_T")[1]))
    if not files:
        raise SystemExit(f"{args.run_dir}/programs has no pulse programs: run a terminal vdw HEM spec first")
    programs = [RydbergProgram.from_json(f.read_text()) for f in files]
    Ts = [float(f.stem.split("_T")[1]) for f in files]
    out = {
        "T": Ts,
        "prediction": [float(rows[T]["prediction"]) for T in Ts],
        "exact": [float(rows[T]["exact"]) for T in Ts],
    }
    for name in args.devices:
        t0 = time.perf_counter()
        device = get_device(name)
        tasks = device.run(programs, shots=args.shots, seed=args.seed)
        est = [z_string(t.result().counts, (0, 1)) for t in tasks]
        out[f"{name}"] = [m / 4 for m, _ in est]
        out[f"{name}_stderr"] = [s / 4 for _, s in est]
        print(f"{name}: {len(programs)} programs × {args.shots} shots in {time.perf_counter() - t0:.1f} s")
    with open(args.run_dir / "shots.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(out))
        for row in zip(*out.values()):
            w.writerow([f"{v:.8g}" for v in row])
    _plot(args.run_dir / "shots.png", out, args.devices, args.shots)
    for i, T in enumerate(Ts):
        dev = "  ".join(f"{n} {out[n][i]:+.4f}±{out[n + '_stderr'][i]:.4f}" for n in args.devices)
        print(f"T={T:4.2f}  exact {out['exact'][i]:+.4f}  prediction {out['prediction'][i]:+.4f}  {dev}")
    print(f"wrote {args.run_dir}/shots.csv and shots.png")
    return 0


def _plot(path, out, devices, shots):
    from hybrid_rg.utils.plotting import figure, legend, observable_label, save, time_label

    T = np.array(out["T"])
    fig, ax = figure(size=(6.8, 4.2))
    ax.plot(T, out["exact"], "k--", label="exact (Krylov)")
    ax.plot(T, out["prediction"], "o-", label="HEM prediction (dimensionless, exact evolution)")
    for k, name in enumerate(devices):
        ax.errorbar(
            T + 0.015 * (k + 1),
            out[name],
            yerr=2 * np.array(out[f"{name}_stderr"]),
            fmt="s",
            ms=4,
            capsize=2,
            label=f"{name}, {shots} shots (±2σ)",
        )
    ax.set_xlabel(time_label("J", "T"))
    ax.set_ylabel(observable_label("zz:0,1", 0.25, "T"))
    legend(ax)
    save(fig, path)


if __name__ == "__main__":
    raise SystemExit(main())
