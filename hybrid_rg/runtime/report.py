"""The dry-run report a physicist reads: report.md (verdicts, cost, observables with error bars) and report.png
(per program: the waveforms, and the predicted ⟨n_i⟩ and ⟨Z_i Z_i+1⟩ with shot-noise error bars)."""

from __future__ import annotations

import numpy as np

MAX_PLOTTED = 6


def _num(x) -> str:
    return "–" if x is None else f"{x:.4f}"


def _estimate(run, key="estimate") -> str:
    est = None if run is None else run.get(key)
    return "–" if est is None else f"{est['value']:.4f} ± {est['stderr']:.4f}"


def markdown(r) -> str:
    spec = r.spec
    noisy = any(run is not None and "noise_free" in run for run in r.runs)
    lines = [
        f"# Dry run: {len(r.programs)} program(s) for {spec.name}",
        "",
        f"Simulated on `{r.simulator}` (the local stand-in for {spec.name}), {r.shots} shots per task, "
        f"batch seed {r.seed}. No credentials were used.",
        "",
        f"- **Noise**: {r.noise_note}.",
        f"- **Device limits**: {spec.limits_origin()}. Snapshot digest `{spec.digest()[:16]}`.",
        "",
        "## Per program",
        "",
        "T is the evolution time of the learned map (units of 1/J); the prediction, exact value and bound come "
        "from the run that made the program (`hybrid-rg run`), the simulated value is the same observable from "
        "the shots, ± one shot-noise standard error"
        + (" (with the noise model; noise-free beside it)." if noisy else "."),
        "",
        "| # | T | order | observable | model prediction | exact | simulated"
        + (" (noise) | simulated (noise-free)" if noisy else "")
        + " | valid | cost |",
        "|---|---|---|---|---|---|---" + ("|---" if noisy else "") + "|---|---|",
    ]
    for k, (rep, ctx, run) in enumerate(zip(r.reports, r.contexts or [{}] * len(r.programs), r.runs)):
        why = "valid" if rep.ok else "**no**: " + str(rep).replace("|", "/").replace("\n", "; ")[:300]
        cells = [
            str(k),
            "–" if "T" not in ctx else f"{ctx['T']:g}",
            str(ctx.get("order", "–")),
            f"`{ctx['observable']}` × {ctx.get('observable_scale', 1.0):g}" if "observable" in ctx else "–",
            _num(ctx.get("prediction")),
            _num(ctx.get("exact")),
            _estimate(run),
        ]
        if noisy:
            cells.append(_estimate(None if run is None else run.get("noise_free")))
        cells += [why, f"${r.per_task_usd:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    if not any(r.contexts or []):
        lines += [
            "",
            "(These programs carry no run metadata: pass a run folder of 'hybrid-rg run' to see T, the "
            "prediction and the exact value.)",
        ]
    lines += [
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
    from ..utils.plotting import figure, legend, limits, save, time_label

    shown = list(range(min(len(r.programs), MAX_PLOTTED)))
    fig, axes = figure(len(shown), 2, size=(11, 3.3 * len(shown) + 0.3), squeeze=False)
    for row, k in enumerate(shown):
        p, rep, run = r.programs[k], r.reports[k], r.runs[k]
        ax = axes[row][0]
        t = np.linspace(0, p.duration_us, 400)
        values = []
        for name, wf in p.waveforms().items():
            if name == "phase":
                continue
            y = wf(t)
            values.append(y)
            label = {"amplitude": r"$\Omega(t)$", "detuning": r"$\Delta(t)$"}.get(name, r"$\Delta_\mathrm{loc}(t)$")
            ax.plot(t, y, label=label)
        limits(ax, np.concatenate(values), include=(0.0,), min_span=1.0)
        phase = p.phase(t)
        flat_phase = bool(np.allclose(phase, 0.0))
        if not flat_phase:  # a phase panel only when there is a phase: an all-zero twin axis is noise
            ax2 = ax.twinx()
            ax2.plot(t, phase, "k:", label=r"$\phi(t)$")
            ax2.set_ylabel(r"phase $\phi$ (rad)")
            ax2.grid(False)
        ax.set_xlim(0, p.duration_us)
        ax.set_xlabel(time_label("us"))
        ax.set_ylabel(r"$\Omega$, $\Delta$ (rad/µs)")
        ax.set_title(
            f"program {k} ({p.digest()[:8]}): {p.n_atoms} atoms, "
            + ("valid" if rep.ok else "INVALID")
            + (r", $\phi \equiv 0$" if flat_phase else ""),
            fontsize=9,
        )
        legend(ax)
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
            label=r"$\langle n_i \rangle$" + (" with noise" if "noise_free" in run else ""),
        )
        if "noise_free" in run:
            free = run["noise_free"]["observables"]
            ax.errorbar(
                np.arange(p.n_atoms) + 0.1,
                free["density"],
                yerr=free["density_err"],
                fmt="x",
                capsize=3,
                label=r"$\langle n_i \rangle$ noise-free",
            )
        if obs["zz"]:
            ax.errorbar(
                np.arange(len(obs["zz"])) + 0.5,
                obs["zz"],
                yerr=obs["zz_err"],
                fmt="s",
                capsize=3,
                label=r"$\langle Z_i Z_{i+1} \rangle$ (at $i + ½$)",
            )
        ax.set_ylim(-1.1, 1.1)
        ax.set_xticks(range(p.n_atoms))
        ax.set_xlabel("atom $i$")
        ax.set_ylabel("expectation value (dimensionless)")
        ax.set_title(f"predicted by {r.simulator}, {r.shots} shots (±1 s.e.)", fontsize=9)
        legend(ax)
    if len(r.programs) > len(shown):
        fig.suptitle(f"first {len(shown)} of {len(r.programs)} programs (all are in report.md)", fontsize=9)
    save(fig, path, dpi=100)
