"""The dry-run report a physicist reads: report.md (verdicts, cost, observables with error bars) and report.png
(per program: the waveforms, and the predicted ⟨n_i⟩ and ⟨Z_i Z_i+1⟩ with shot-noise error bars)."""

from __future__ import annotations

import numpy as np

MAX_PLOTTED = 6


def markdown(r) -> str:
    spec = r.spec
    lines = [
        f"# Dry run: {len(r.programs)} program(s) for {spec.name}",
        "",
        f"Simulated on `{r.simulator}` (the local stand-in for {spec.name}), {r.shots} shots per task, "
        f"batch seed {r.seed}. Device snapshot digest `{spec.digest()[:16]}`. No credentials were used.",
        "",
        "## Cost estimate",
        "",
        "| tasks | shots/task | per task | per shot | per task total | batch total |",
        "|---|---|---|---|---|---|",
        f"| {len(r.programs)} | {r.shots} | ${spec.price_per_task_usd:.2f} | ${spec.price_per_shot_usd:.4f} | "
        f"${r.per_task_usd:.2f} | **${r.total_usd:.2f}** |",
        "",
        "## Validation against the device snapshot",
        "",
        "| # | program digest | atoms | duration (µs) | task seed | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for k, (p, rep, s) in enumerate(zip(r.programs, r.reports, r.seeds)):
        verdict = "valid" if rep.ok else "**INVALID**: " + str(rep).replace("|", "/").replace("\n", "<br>")
        lines.append(f"| {k} | `{p.digest()[:12]}` | {p.n_atoms} | {p.duration_us:g} | {s} | {verdict} |")
    n_bad = sum(not rep.ok for rep in r.reports)
    lines += [
        "",
        f"{len(r.programs) - n_bad} valid, {n_bad} invalid"
        + (" (invalid programs were not simulated and would not be submitted)." if n_bad else "."),
        "",
        "## Predicted observables (± one shot-noise standard error)",
        "",
    ]
    for k, run in enumerate(r.runs):
        if run is None:
            continue
        obs = run["observables"]
        lines += [f"### program {k}", ""]
        b = run.get("backend")
        if b:
            err = b.get("stated_error")
            lines += [
                f"Simulated on the {b['backend']} backend ({b.get('reason', '')}); stated error "
                + (f"{err:.2g} on {b.get('error_of', '')}." if err is not None else "not available."),
                "",
            ]
        if "noise_free" in run:  # a noisy prediction (devices/noise.py) with the noise-free run beside it
            free, meta = run["noise_free"]["observables"], run["noise"]
            lines += [
                f"Noise model: {', '.join(meta['noise_mechanisms']) or 'none'} ({meta['realisations']} noise "
                f"realisations, {meta['state_vector_runs']} state-vector runs); {meta['shots_kept']} of "
                f"{meta['shots_total']} shots kept (the rest showed a missing atom). Not simulated: "
                f"{', '.join(meta['noise_not_simulated'])}. Source: {meta['noise_source'][:160]}…",
                "",
                "| atom | ⟨n_i⟩ with noise | ⟨n_i⟩ noise-free |",
                "|---|---|---|",
            ]
            lines += [
                f"| {i} | {m:.4f} ± {e:.4f} | {fm:.4f} ± {fe:.4f} |"
                for i, (m, e, fm, fe) in enumerate(
                    zip(obs["density"], obs["density_err"], free["density"], free["density_err"])
                )
            ]
        else:
            lines += ["| atom | ⟨n_i⟩ |", "|---|---|"]
            lines += [
                f"| {i} | {m:.4f} ± {e:.4f} |" for i, (m, e) in enumerate(zip(obs["density"], obs["density_err"]))
            ]
        if obs["zz"]:
            lines += ["", "| pair | ⟨Z_i Z_j⟩ |", "|---|---|"]
            lines += [
                f"| {i},{j} | {m:.4f} ± {e:.4f} |" for (i, j), m, e in zip(obs["zz_pairs"], obs["zz"], obs["zz_err"])
            ]
        top = sorted(run["counts"].items(), key=lambda kv: -kv[1])[:5]
        lines += [
            "",
            "most frequent bitstrings ('1' = Rydberg, atom 0 first): " + ", ".join(f"`{b}` × {c}" for b, c in top),
            "",
        ]
    lines += [
        "Files: report.png (waveforms and observables), results.json (counts and numbers), programs.json, "
        "provenance.json (package versions, git SHA, snapshot digest, seeds).",
        "",
    ]
    return "\n".join(lines)


def plot(path, r) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = list(range(min(len(r.programs), MAX_PLOTTED)))
    fig, axes = plt.subplots(len(shown), 2, figsize=(11, 3.2 * len(shown)), squeeze=False)
    for row, k in enumerate(shown):
        p, rep, run = r.programs[k], r.reports[k], r.runs[k]
        ax = axes[row][0]
        for name, wf in p.waveforms().items():
            if name == "phase":
                continue
            t = np.linspace(0, p.duration_us, 400)
            ax.plot(t, wf(t), label=f"{name} (rad/µs)")
        ax2 = ax.twinx()
        t = np.linspace(0, p.duration_us, 400)
        ax2.plot(t, p.phase(t), "k:", label="phase (rad)")
        ax2.set_ylabel("phase (rad)")
        ax.set_xlabel("t (µs)")
        ax.set_title(
            f"program {k} `{p.digest()[:8]}`: {p.n_atoms} atoms, " + ("valid" if rep.ok else "INVALID"), fontsize=9
        )
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
        ax = axes[row][1]
        if run is None:
            ax.text(
                0.5,
                0.5,
                "invalid for the device:\n" + str(rep)[:300],
                ha="center",
                va="center",
                fontsize=7,
                wrap=True,
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            continue
        obs = run["observables"]
        ax.errorbar(
            np.arange(p.n_atoms),
            obs["density"],
            yerr=obs["density_err"],
            fmt="o",
            capsize=3,
            label="⟨n_i⟩" + (" with noise" if "noise_free" in run else ""),
        )
        if "noise_free" in run:
            free = run["noise_free"]["observables"]
            ax.errorbar(
                np.arange(p.n_atoms) + 0.1,
                free["density"],
                yerr=free["density_err"],
                fmt="x",
                capsize=3,
                label="⟨n_i⟩ noise-free",
            )
        if obs["zz"]:
            ax.errorbar(
                np.arange(len(obs["zz"])) + 0.5,
                obs["zz"],
                yerr=obs["zz_err"],
                fmt="s",
                capsize=3,
                label="⟨Z_i Z_i+1⟩ (at i + ½)",
            )
        ax.set_ylim(-1.1, 1.1)
        ax.set_xlabel("atom i")
        ax.set_title(f"predicted by {r.simulator}, {r.shots} shots (±1 s.e.)", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    if len(r.programs) > len(shown):
        fig.suptitle(f"first {len(shown)} of {len(r.programs)} programs (all are in report.md)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
