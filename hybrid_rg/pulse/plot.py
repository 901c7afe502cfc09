"""A pulse program's waveforms, one panel per channel, and the atom positions: what one checks by eye before
sending a program anywhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .program import RydbergProgram

LABELS = {"amplitude": "Ω (rad/µs)", "detuning": "Δ (rad/µs)", "phase": "φ (rad)", "local_detuning": "Δ_loc (rad/µs)"}


def plot_programs(path: Path, programs: list[tuple[str, RydbergProgram]]) -> None:
    """One row per program (label, program): its waveforms against time in µs, and its atoms."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_cols = 4
    fig, axes = plt.subplots(len(programs), n_cols, figsize=(3.2 * n_cols, 2.2 * len(programs)), squeeze=False)
    for row, (label, prog) in enumerate(programs):
        for col, (name, w) in enumerate(list(prog.waveforms().items())[: n_cols - 1]):
            ax = axes[row, col]
            t = np.linspace(0.0, w.duration_us, 400)
            ax.plot(t, w(t), lw=1.2)
            ax.plot(w.times_us, w.values, "o", ms=2.5)
            ax.set_xlabel("t (µs)")
            ax.set_ylabel(LABELS.get(name, name))
        for col in range(len(prog.waveforms()), n_cols - 1):
            axes[row, col].axis("off")
        ax = axes[row, n_cols - 1]
        xy = np.array(prog.positions_um)
        ax.plot(xy[:, 0], xy[:, 1], "o")
        ax.set_xlabel("x (µm)")
        ax.set_ylabel("y (µm)")
        ax.set_title(label, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
