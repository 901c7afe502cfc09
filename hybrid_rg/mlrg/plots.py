"""PNG figures for the MLRG experiments (matplotlib, Agg), with the paper's numbers drawn beside ours."""

from __future__ import annotations

import numpy as np

J0C = 0.5 * np.arccosh(1 + np.sqrt(2))


def plot(path, spec: dict, cols: dict, summary: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if spec["figure"] == "fig5":
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        x = cols["J0"]
        a.plot(x, cols["C_mean"], label="C(J0), ours (mean)")
        a.fill_between(x, cols["C_mean"] - 2 * cols["C_sd"], cols["C_mean"] + 2 * cols["C_sd"], alpha=0.3)
        b.plot(x, cols["beta_mean"], label="−∂C, ours (mean ± 2 sd)")
        b.fill_between(x, cols["beta_mean"] - 2 * cols["beta_sd"], cols["beta_mean"] + 2 * cols["beta_sd"], alpha=0.3)
        b.plot(x, cols["beta_exact_map"], "k--", label="R(J0) − J0, exact KL map")
        for ax in (a, b):
            ax.axvline(summary["J0_star_median"], color="C0", label=f"J0* ours {summary['J0_star_median']:.4f}")
            ax.axvline(0.8253, color="C3", ls=":", label="J0* paper 0.8253")
            ax.axvline(J0C, color="k", ls="--", lw=0.8, label=f"J0c exact {J0C:.4f}")
            ax.set_xlabel("J0")
            ax.legend(fontsize=7)
        a.set_ylabel("C")
        b.set_ylabel("beta")
        fig.suptitle("Fig. 5 (A1): RG monotone and beta function, exact-KL training")
    else:
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        reps = cols["rep"]
        x = np.arange(len(reps))
        a.plot(x, cols["J0_star"], "o", label="J0* ours (exact map)")
        a.plot(x, cols["paper_J0_star"], "s", mfc="none", label="J0* paper (median)")
        a.axhline(J0C, ls="--", color="k", label="exact")
        b.plot(x, cols["Delta1_1x1"], "o", label="Δ1 ours, 1×1 torus")
        Lkey = [k for k in cols if k.startswith("Delta1_L")][0]
        b.plot(x, cols[Lkey], "^", label=f"Δ1 ours, cylinder {Lkey[7:]}")
        b.plot(x, cols["paper_Delta1"], "s", mfc="none", label="Δ1 paper (median)")
        b.axhline(0.125, ls="--", color="k", label="1/8")
        for ax in (a, b):
            ax.set_xticks(x, reps)
            ax.legend(fontsize=7)
        a.set_title("Fig. 8: critical coupling")
        b.set_title("Fig. 12: lowest scaling dimension")
        fig.suptitle(f"exact-KL RG map, geometry={spec['geometry']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
