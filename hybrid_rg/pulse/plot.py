"""A pulse program's waveforms, one panel per channel, and the atom positions: what one checks by eye before
sending a program anywhere.

Axes that a physicist can read at a glance: every y range holds zero (and the device's limit, when given and
comparable to the waveform), so a flat waveform looks flat instead of being autoscaled into full-height 1e-4
wiggles; a channel that is zero for the whole program (often the phase) gets no panel, only a note in the row's
title; atoms on a line are drawn as a 1D chain.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..utils.plotting import equal_or_line, figure, legend, limits, save, time_label
from .program import RydbergProgram

LABELS = {
    "amplitude": r"$\Omega(t)$ (rad/µs)",
    "detuning": r"$\Delta(t)$ (rad/µs)",
    "phase": r"$\phi(t)$ (rad)",
    "local_detuning": r"$\Delta_\mathrm{loc}(t)$ (rad/µs)",
}
SYMBOLS = {"amplitude": "Ω", "detuning": "Δ", "phase": "φ", "local_detuning": "Δ_loc"}
MIN_SPAN = {"amplitude": 1.0, "detuning": 1.0, "phase": 0.5, "local_detuning": 1.0}  # smallest y range shown


def _shown(prog: RydbergProgram) -> tuple[dict, list[str]]:
    """The channels worth a panel, and the names of those identically zero (amplitude and detuning always shown)."""
    shown, zero = {}, []
    for name, w in prog.waveforms().items():
        if name not in ("amplitude", "detuning") and np.allclose(np.asarray(w.values, dtype=float), 0.0):
            zero.append(SYMBOLS.get(name, name))
        else:
            shown[name] = w
    return shown, zero


def plot_programs(path: Path, programs: list[tuple[str, RydbergProgram]], device_limits: dict | None = None) -> None:
    """One row per program (label, program): its waveforms against time in µs, and its atoms.

    device_limits: optional {channel: max |value|} (e.g. {"amplitude": 15.8, "detuning": 125.0}), drawn as a
    dashed line when it is within a few times the waveform's own range."""
    rows = [(label, prog, *_shown(prog)) for label, prog in programs]
    # one decision per channel for every row, so rows compare: the limit line is drawn where some program comes
    # within a factor 5 of it (Aquila's detuning limit, 20x a typical HEM detuning, would flatten the waveform)
    peak: dict[str, float] = {}
    for _, _prog, shown, _ in rows:
        for name, w in shown.items():
            peak[name] = max(peak.get(name, 0.0), float(np.max(np.abs(w(np.linspace(0, w.duration_us, 200))))))
    drawn = {k: v for k, v in (device_limits or {}).items() if k == "amplitude" or peak.get(k, 0.0) > v / 5}
    n_cols = max(len(shown) for _, _, shown, _ in rows) + 1
    fig, axes = figure(len(rows), n_cols, size=(3.3 * n_cols, 2.5 * len(rows) + 0.4), squeeze=False)
    for r, (label, prog, shown, zero) in enumerate(rows):
        for c, (name, w) in enumerate(shown.items()):
            ax = axes[r, c]
            t = np.linspace(0.0, w.duration_us, 400)
            y = w(t)
            ax.plot(t, y, lw=1.3, label="waveform")
            ax.plot(w.times_us, w.values, "o", ms=2.5, label="knots")
            include = [0.0]
            lim = drawn.get(name)
            if lim is not None:
                for sign in (1, -1) if name != "amplitude" else (1,):
                    ax.axhline(sign * lim, color="C3", ls="--", lw=0.8, label="device limit" if sign > 0 else None)
                    include.append(sign * lim)
            limits(ax, y, include=include, min_span=MIN_SPAN.get(name))
            ax.set_xlim(0.0, w.duration_us)
            ax.set_xlabel(time_label("us"))
            ax.set_ylabel(LABELS.get(name, name))
            if r == 0 and c == 0:
                legend(ax, fontsize=7)
        for c in range(len(shown), n_cols - 1):
            axes[r, c].set_axis_off()
        note = f"; {', '.join(zero)} ≡ 0" if zero else ""
        axes[r, 0].set_title(f"{label}: {prog.duration_us:.3g} µs{note}", fontsize=8, loc="left")
        ax = axes[r, n_cols - 1]
        equal_or_line(ax, prog.positions_um)
        ax.set_title(f"{prog.n_atoms} atoms", fontsize=8)
    save(fig, path, dpi=110)
