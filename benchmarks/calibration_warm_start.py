"""Warm-started vs cold calibration campaigns on the emulator: trials to reach a loss target, and both curves.

    .venv/bin/python benchmarks/calibration_warm_start.py [--trials 24] [--seeds 0 1 2] [--target 2.5e-4] [--out DIR]

Both arms run calibration/hem_emulator.toml (TPE, same seeds, 1000 shots per trial, bound constraint off to keep
it to minutes): cold = the spec's full ranges and no warm start; warm = the torch HEM surrogate scores 32 Sobol
points, enqueues its best 3 and narrows the ranges. Prints JSON (per seed: the first trial whose loss is at most the
target, best-so-far curves; the ratio cold/warm of trials-to-target) and writes warm_start.json and warm_start.png.
The surrogate's own cost (its evaluations, no shots) is reported beside the trial counts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def arm(spec_path: Path, warm: bool, seed: int, trials: int, work: Path) -> dict:
    import optuna

    from hybrid_rg.calibration import load_campaign, run_campaign

    cspec = load_campaign(spec_path)
    cspec = cspec.with_changes(
        name=f"{cspec.name}-{'warm' if warm else 'cold'}-{seed}",
        objective={"bound": "none"},
        budget={"n_trials": trials, "batch_size": 1},
        sampler={"seed": seed},
        warm_start={"enabled": warm},
    )
    t0 = time.perf_counter()
    run_campaign(cspec, root=work / "root", ledger_path=work / "ledger.sqlite", log=lambda m: None)
    wall = time.perf_counter() - t0
    study = optuna.load_study(study_name=cspec.name, storage=f"sqlite:///{work / 'root' / cspec.name / 'study.db'}")
    losses = [t.values[0] for t in sorted(study.trials, key=lambda t: t.number)]
    best, curve = float("inf"), []
    for v in losses:
        best = min(best, v)
        curve.append(best)
    return {"losses": losses, "best_so_far": curve, "wall_s": round(wall, 2)}


def main() -> None:
    from hybrid_rg.utils.threads import limit_torch_threads

    limit_torch_threads()
    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=24)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--target", type=float, default=2.5e-4)
    ap.add_argument("--spec", default=str(ROOT / "calibration" / "hem_emulator.toml"))
    ap.add_argument("--out", default=str(ROOT / "out" / "benchmarks" / "calibration_warm_start"))
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    result = {"target_loss": a.target, "trials": a.trials, "seeds": a.seeds, "runs": {}}
    with tempfile.TemporaryDirectory() as d:
        for seed in a.seeds:
            for warm in (False, True):
                r = arm(Path(a.spec), warm, seed, a.trials, Path(d))
                hit = next((k + 1 for k, v in enumerate(r["losses"]) if v <= a.target), None)
                result["runs"][f"{'warm' if warm else 'cold'}-{seed}"] = {**r, "trials_to_target": hit}
    per = {arm_: [result["runs"][f"{arm_}-{s}"]["trials_to_target"] for s in a.seeds] for arm_ in ("cold", "warm")}
    penal = {k: [x if x is not None else a.trials + 1 for x in v] for k, v in per.items()}  # not reached: N+1
    mean = {k: sum(v) / len(v) for k, v in penal.items()}
    result["summary"] = {
        "trials_to_target": per,
        "mean_trials_to_target (not reached = trials+1)": mean,
        "ratio_cold_over_warm": round(mean["cold"] / mean["warm"], 3),
        "wall_s": {k: sum(result["runs"][f"{k}-{s}"]["wall_s"] for s in a.seeds) for k in ("cold", "warm")},
    }
    (out / "warm_start.json").write_text(json.dumps(result, indent=1))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.8))
    for key, r in result["runs"].items():
        ax.semilogy(
            range(1, len(r["best_so_far"]) + 1),
            r["best_so_far"],
            "-" if key.startswith("warm") else "--",
            color="C1" if key.startswith("warm") else "C0",
            label=key,
        )
    ax.axhline(a.target, color="k", lw=0.8, ls=":", label="target")
    ax.set_xlabel("trial number")
    ax.set_ylabel("lowest loss so far (dimensionless)")
    ax.set_title("calibration on the emulator: warm (surrogate) vs cold")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out / "warm_start.png", dpi=110)
    print(json.dumps(result["summary"], indent=1))
    print(f"wrote {out}/warm_start.json, warm_start.png")


if __name__ == "__main__":
    main()
