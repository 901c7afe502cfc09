"""Collect the CORA run dirs under out/cora/ into out/cora/summary.csv and out/cora/summary.png.

    .venv/bin/python experiments/cora/summarize.py [RUNS_DIR]

One row per run: temperature, energies (model exact, held-out data, exact references), held-out window KL,
sampling time per configuration for CORA and for the data generator, and their ratio.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def main(root: str = "out/cora") -> int:
    runs = sorted(p for p in Path(root).iterdir() if (p / "summary.json").is_file())
    if not runs:
        print(f"no run dirs with summary.json under {root}; run `hybrid-rg cora fit …` first", file=sys.stderr)
        return 2
    from hybrid_rg.cora.run import replot

    rows = []
    for p in runs:
        replot(p)
        s = json.loads((p / "summary.json").read_text())
        d, m = s["spec"]["data"], s["metrics"]
        T = d["T"] if d["T"] > 0 else 1.0 / d["K"]
        rows.append(
            {
                "run": p.name,
                "model": d["model"],
                "side": d["side"],
                "T": T,
                "method": s["spec"]["fit"]["method"],
                "chi": s["spec"]["model"]["chi"],
                "E_model": m["energy_model"],
                "E_test_data": m["energy_test_data"],
                "E_exact_torus": m.get("energy_exact", m.get("energy_exact_torus_kaufman")),
                "E_onsager": m.get("energy_exact_infinite_onsager", float("nan")),
                "heldout_kl": m["heldout_kl_nats"],
                "kl_noise_floor": m["train_vs_test_window_kl_nats"],
                "cora_s_per_sample": m["cora_seconds_per_sample"],
                "data_s_per_sample": m["data_seconds_per_sample"],
                "data_s_per_indep_sample": m.get("data_seconds_per_independent_sample", float("nan")),
                "speedup_vs_data_indep": m.get("data_seconds_per_independent_sample", float("nan"))
                / m["cora_seconds_per_sample"],
                "fit_s": m["fit_seconds"],
            }
        )
    out = Path(root) / "summary.csv"
    with open(out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    for r in rows:
        print("  ".join(f"{k}={v:.5g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    _plot(Path(root) / "summary.png", rows)
    print(f"wrote {out} and {Path(root) / 'summary.png'}")
    return 0


def _plot(path: Path, rows: list) -> None:
    from hybrid_rg.utils.plotting import figure, legend, save

    fig, axes = figure(1, 2, size=(11, 4.2))
    two_d = [r for r in rows if r["model"] == "ising2d"]
    for side, mk in ((32, "o"), (64, "s")):
        rs = sorted((r for r in two_d if r["side"] == side), key=lambda r: r["T"])
        if not rs:
            continue
        T = [r["T"] for r in rs]
        axes[0].plot(T, [r["E_model"] for r in rs], "C3" + mk, ms=7, label=f"CORA {side}²")
        axes[0].plot(T, [r["E_test_data"] for r in rs], "C0" + mk, mfc="none", label=f"SW data {side}²")
        axes[0].plot(T, [r["E_exact_torus"] for r in rs], "k" + mk, ms=3, label=f"Kaufman {side}²")
    if two_d:
        import numpy as np

        from hybrid_rg.cora.ising_exact import energy_onsager

        Ts = np.linspace(1.9, 2.7, 60)
        axes[0].plot(Ts, [energy_onsager(1 / t) for t in Ts], "k-", lw=0.8, label="Onsager ∞")
    axes[0].set_xlabel("temperature $T$ (J)")
    axes[0].set_ylabel("energy per site (J)")
    legend(axes[0])
    names = [r["run"] for r in rows]
    axes[1].barh(names, [r["heldout_kl"] for r in rows], color="C3", label="CORA held-out window KL")
    axes[1].barh(names, [r["kl_noise_floor"] for r in rows], color="C0", alpha=0.6, label="train-vs-test KL")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("KL divergence (nats)")
    legend(axes[1])
    axes[1].tick_params(axis="y", labelsize=7)
    save(fig, path)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
