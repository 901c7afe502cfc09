"""Files of an OLRG experiment: result.csv (one row per order and time), result.png, provenance.json.

The PNG has two panels, like the paper's figures: (a) ⟨O(T)⟩ per order beside the exact curve, (b) the relative
error per order on a log axis, with our rigorous bound (dashed, same colour) and, when the spec names one, the
paper's digitised errors (open markers).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

COLUMNS = (
    "order",
    "T",
    "prediction",
    "exact",
    "abs_error",
    "rel_error",
    "bound",
    "rel_bound",
    "bound_tail_share",
    "final_loss",
    "iterations",
    "seconds",
)


def write_points(path: Path, points) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for p in points:
            rel = None if p.exact is None or p.exact == 0 else p.error / abs(p.exact)
            rel_b = None if p.exact is None or p.exact == 0 else p.bound / abs(p.exact)
            row = (
                p.order,
                p.T,
                p.prediction,
                p.exact,
                p.error,
                rel,
                p.bound,
                rel_b,
                p.tail_share,
                p.final_loss,
                p.iterations,
                p.seconds,
            )
            w.writerow(["" if v is None else (f"{v:.12g}" if isinstance(v, float) else v) for v in row])


def read_paper(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """CSV with a column T and one column per curve (relative errors); returns {curve: (T, values)}."""
    with open(path) as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    T = np.array([float(r["T"]) for r in rows])
    out = {}
    for name in rows[0]:
        if name != "T":
            vals = np.array([float(r[name]) if r[name] else np.nan for r in rows])
            out[name] = (T, vals)
    return out


def plot_points(
    path: Path,
    points,
    title: str,
    paper: dict | None = None,
    paper_label: str = "paper",
    ylabel: str = r"$\langle O(T) \rangle$",
) -> None:
    """(a) prediction per order beside the exact curve, (b) relative error and bound per order (log axis).
    ylabel: the observable, typeset (utils.plotting.observable_label); T is in units of 1/J."""
    from ..utils.plotting import figure, legend, save, tex, time_label

    orders = sorted({p.order for p in points})
    fig, (ax, bx) = figure(1, 2, size=(11.5, 4.4))
    import matplotlib.pyplot as plt

    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    first = [p for p in points if p.order == orders[0]]
    if first and first[0].exact is not None:
        ax.plot([p.T for p in first], [p.exact for p in first], "k--", label="exact", linewidth=1.5)
    for i, K in enumerate(orders):
        pts = [p for p in points if p.order == K]
        c = colours[i % len(colours)]
        ax.plot([p.T for p in pts], [p.prediction for p in pts], "o", color=c, ms=4, label=f"OLRG, order {K}")
        if pts[0].exact is not None:
            T = np.array([p.T for p in pts])
            ex = np.abs([p.exact for p in pts])
            bx.semilogy(T, np.array([p.error for p in pts]) / ex, "o-", color=c, ms=4, label=f"order {K}")
            bx.semilogy(T, np.minimum([p.bound for p in pts], 1e3) / ex, "--", color=c, lw=1, label=f"order {K} bound")
        if paper and f"order {K}" in paper:
            Tp, vals = paper[f"order {K}"]
            bx.semilogy(Tp, vals, "s", mfc="none", color=c, ms=6, label=f"order {K} ({paper_label})")
    ax.set_xlabel(time_label("J", "T"))
    ax.set_ylabel(ylabel)
    legend(ax)
    ax.set_title("(a) prediction")
    bx.set_xlabel(time_label("J", "T"))
    bx.set_ylabel(r"relative error $|\hat{O} - O| \,/\, |O|$")
    bx.grid(alpha=0.3, which="both")
    legend(bx, ncol=2 if len(orders) > 2 else 1)
    bx.set_title("(b) relative error; dashed: rigorous bound")
    if not bx.lines:
        bx.set_axis_off()
        bx.set_title("")
        bx.text(0.5, 0.5, "no exact reference:\nno error to show", ha="center", va="center", transform=bx.transAxes)
    fig.suptitle(tex(title), fontsize=10)
    save(fig, path)
