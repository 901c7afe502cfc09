"""The one figure style of the package: every PNG a command writes goes through here.

    fig, axes = figure(1, 2, size=(11, 4))      # Agg backend, constrained layout (titles and labels never clipped)
    ax.set_xlabel(time_label("J"))              # "$t$ (1/J)"; time_label("us") -> "$t$ (µs)"
    ax.set_ylabel(observable_label("zz:0,1", 0.25))   # "$\\langle S^z_0 S^z_1 \\rangle$" (mathtext)
    legend(ax)                                  # placed where it covers the fewest points; many entries go outside
    limits(ax, values, include=(0.0, 15.8))     # y range that holds the data, zero and the device's limit
    save(fig, path)

Why one module: the figures were written one by one, and a talk-ready plot needs the same few things everywhere
(units on every axis, typeset observables, legends off the data, titles not clipped, waveform axes that do not blow
6e-4 wiggles up to full height). The tests read the axis labels back from the figure (`last_figure_labels`).
"""

from __future__ import annotations

import re
from pathlib import Path

STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "legend.framealpha": 0.85,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "mathtext.fontset": "dejavusans",
    "savefig.dpi": 120,
}

_last: list[dict] = []  # what the last save() wrote: path and each axis's labels and title (for tests)


def pyplot():
    """matplotlib.pyplot on the Agg backend with the package style."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(STYLE)
    return plt


def figure(nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] = (6.4, 4.2), squeeze: bool = True, **kw):
    """(fig, axes) with constrained layout, so suptitles, titles and labels never overlap or get clipped."""
    plt = pyplot()
    return plt.subplots(nrows, ncols, figsize=size, squeeze=squeeze, layout="constrained", **kw)


def save(fig, path, dpi: int = 120) -> None:
    """Write the figure and close it; remembers its axis labels for tests."""
    plt = pyplot()
    _last[:] = [
        {
            "path": str(path),
            "axes": [
                {
                    "xlabel": ax.get_xlabel(),
                    "ylabel": ax.get_ylabel(),
                    "title": " ".join(filter(None, (ax.get_title(loc) for loc in ("left", "center", "right")))),
                }
                for ax in fig.axes
                if ax.get_visible() and ax.axison and not getattr(ax, "_colorbar", None)
            ],
            "suptitle": fig._suptitle.get_text() if fig._suptitle is not None else "",
        }
    ]
    fig.savefig(Path(path), dpi=dpi)
    plt.close(fig)


def last_figure_labels() -> dict:
    return _last[0] if _last else {}


def time_label(unit: str = "J", symbol: str = "t") -> str:
    """'$t$ (1/J)' for dimensionless model time (ħ = 1, energies in units of J), '$t$ (µs)' for device time."""
    if unit in ("us", "µs"):
        return f"${symbol}$ (µs)"
    return f"${symbol}$ (1/{unit})"


_PAULI = {"x": "X", "y": "Y", "z": "Z"}
_SPIN = {"x": "S^x", "y": "S^y", "z": "S^z"}


def observable_label(name: str, scale: float = 1.0, time: str | None = None) -> str:
    """Mathtext for an observable written the CLI's way: 'zz:0,1' -> ⟨Z_0 Z_1⟩, with scale 0.5^k the spin
    operators S = σ/2 -> ⟨S^z_0 S^z_1⟩; 'x:3' -> ⟨X_3⟩; 'tt:zz:2,7' -> ⟨Z_2(t) Z_7(0)⟩. `time`, e.g. 'T', is
    appended as (T). Anything unparsed comes back as it was, in ⟨ ⟩."""
    m = re.fullmatch(r"(tt:)?([xyz]+):([\d,]+|[ijk])", name.strip())
    if not m:
        return f"⟨{name}⟩" + (f"({time})" if time else "")
    two_time, letters, sites = m.group(1), m.group(2), m.group(3).split(",")
    if len(letters) == 1 and len(sites) > 1:
        letters = letters * len(sites)
    spin = len(letters) > 0 and abs(scale - 0.5 ** len(letters)) < 1e-12
    ops = []
    for k, (a, s) in enumerate(zip(letters, sites)):
        op = f"{_SPIN[a]}_{{{s}}}" if spin else f"{_PAULI[a]}_{{{s}}}"
        if two_time:
            op += "(t)" if k == 0 else "(0)"
        ops.append(op)
    pre = "" if spin or scale == 1.0 else f"{scale:g}\\,"
    body = "\\,".join(ops)
    return f"${pre}\\langle {body} \\rangle" + (f"({time})" if time else "") + "$"


def tex(text: str) -> str:
    """A title from free text (a spec's description): no markdown backticks (they print literally), and
    S^z_1-style operators typeset ($S^z_1$)."""
    text = text.replace("`", "")
    return re.sub(r"(?<![\w$])([A-Za-z])\^(\w)_(\w+)", r"$\1^\2_{\3}$", text)


def legend(ax, *, outside_after: int = 7, **kw):
    """A legend that does not cover the data: matplotlib's 'best' spot for a few entries, beside the axes (right)
    for many."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    if len(handles) > outside_after:
        return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kw)
    return ax.legend(loc="best", **kw)


def limits(ax, values, include=(0.0,), margin: float = 0.08, min_span: float | None = None) -> None:
    """Set the y range to hold `values` and every number in `include` (zero, a device limit), with a margin, so
    a nearly constant waveform shows as flat instead of as full-height noise. min_span: the smallest range shown."""
    import numpy as np

    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    pts = np.concatenate([v, np.asarray([x for x in include if x is not None], dtype=float)])
    if pts.size == 0:
        return
    lo, hi = float(pts.min()), float(pts.max())
    span = hi - lo
    floor = min_span if min_span is not None else max(1e-9, 0.05 * max(abs(lo), abs(hi)))
    if span < floor:
        mid = 0.5 * (lo + hi)
        lo, hi, span = mid - floor / 2, mid + floor / 2, floor
    ax.set_ylim(lo - margin * span, hi + margin * span)


def equal_or_line(ax, xy, unit: str = "µm", **plot_kw) -> None:
    """Atom positions: a 2D scatter with equal axes, or, for atoms on a line (y all equal), x along one axis with
    the y axis hidden: a 1D chain is drawn as 1D."""
    import numpy as np

    xy = np.asarray(xy, dtype=float)
    if xy.ndim == 2 and xy.shape[1] >= 2 and np.ptp(xy[:, 1]) > 1e-9:
        ax.plot(xy[:, 0], xy[:, 1], "o", **plot_kw)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(f"$x$ ({unit})")
        ax.set_ylabel(f"$y$ ({unit})")
        return
    x = xy[:, 0] if xy.ndim == 2 else xy
    ax.plot(x, np.zeros_like(x), "o", **plot_kw)
    for k, xk in enumerate(x):
        ax.annotate(str(k), (xk, 0.0), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7)
    ax.set_ylim(-0.6, 1.0)
    ax.set_yticks([])
    ax.set_ylabel("")
    ax.spines[["left", "right", "top"]].set_visible(False)
    ax.grid(False, axis="y")
    ax.set_xlabel(f"$x$ ({unit}), a 1D chain")
