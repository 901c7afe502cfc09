"""PNG figures for the MLRG experiments (matplotlib, Agg), with the paper's numbers drawn beside ours."""

from __future__ import annotations

import numpy as np

from .constants import J0C

J0_LABEL = r"bare coupling $J_0 = \beta J$ (dimensionless)"


def plot(path, spec: dict, cols: dict, summary: dict) -> None:
    from ..utils.plotting import figure, legend, save

    if spec.figure == "fig5":
        fig, (a, b) = figure(1, 2, size=(11, 4.2))
        x = cols["J0"]
        a.plot(x, cols["C_mean"], label=r"$C(J_0)$, ours (mean ± 2 sd)")
        a.fill_between(x, cols["C_mean"] - 2 * cols["C_sd"], cols["C_mean"] + 2 * cols["C_sd"], alpha=0.3)
        b.plot(x, cols["beta_mean"], label=r"$-\partial C$, ours (mean ± 2 sd)")
        b.fill_between(x, cols["beta_mean"] - 2 * cols["beta_sd"], cols["beta_mean"] + 2 * cols["beta_sd"], alpha=0.3)
        b.plot(x, cols["beta_exact_map"], "k--", label=r"$R(J_0) - J_0$, exact KL map")
        for ax in (a, b):
            ax.axvline(summary["J0_star_median"], color="C0", label=f"$J_0^*$ ours {summary['J0_star_median']:.4f}")
            ax.axvline(0.8253, color="C3", ls=":", label="$J_0^*$ paper 0.8253")
            ax.axvline(J0C, color="k", ls="--", lw=0.8, label=f"$J_{{0c}}$ exact {J0C:.4f}")
            ax.set_xlabel(J0_LABEL)
            legend(ax)
        a.set_ylabel(r"RG monotone $C(J_0)$ (dimensionless)")
        b.set_ylabel(r"beta function (dimensionless)")
        fig.suptitle("Fig. 5 (A1): RG monotone and beta function, exact-KL training")
    elif spec.figure in ("fig7", "fig10"):
        fig, ax = figure(1, 1, size=(8.5, 4.5))
        key = "C_learned" if spec.figure == "fig7" else "gsd"
        reps = cols.get("rep", ["A1"] * len(cols["J0"]))
        groups = sorted({(r, j) for r, j in zip(reps, cols["J0"])})
        rep_names = sorted({g[0] for g in groups})
        j0s = sorted({g[1] for g in groups})
        styles = ["-", "--", ":", "-."]
        for r, j in groups:  # colour = starting coupling, line style = representation (one legend for each)
            sel = [k for k in range(len(cols["J0"])) if cols["J0"][k] == j and reps[k] == r]
            ax.plot(
                [cols["ell"][k] for k in sel],
                [cols[key][k] for k in sel],
                styles[rep_names.index(r) % 4],
                marker=".",
                color=f"C{j0s.index(j) % 10}",
            )
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=f"C{k % 10}", marker=".", label=f"$J_0$ = {j:g}") for k, j in enumerate(j0s)]
        handles += [Line2D([], [], color="k", ls=styles[k % 4], label=r) for k, r in enumerate(rep_names)]
        if spec.figure == "fig7":
            ax.set_ylabel(r"learned monotone $C(J(\ell))$ (dimensionless)")
            ax.set_title(
                f"Fig. 7: monotone along the flow; $J_0^*$ ours {summary['J0_star_monotone']:.4f}, "
                f"paper 0.8253, exact map 0.8139"
            )
        else:
            ax.axhline(1.854, color="k", ls=":", lw=0.8, label="A1 exact-map fixed point 1.854")
            ax.axhline(1.869, color="C3", ls=":", lw=0.8, label="A1 paper (trained) 1.869")
            ax.set_ylabel("ground-state degeneracy (GSD, dimensionless)")
            ax.set_title(f"Fig. 10: GSD flow of the exact map ({spec.geometry})")
        ax.set_xlabel(r"RG step $\ell$ (lattice spacing $\times 2^{\ell/2}$)")
        handles += [h for h in ax.get_lines() if not h.get_label().startswith("_")]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    elif spec.figure == "critical":
        fig, (a, b) = figure(1, 2, size=(11, 4.2))
        reps = list(dict.fromkeys(cols["rep"]))
        keys = [g if s == "full" else f"{g}, {s}" for g, s in zip(cols["geometry"], cols["scheme"])]
        for k, g in enumerate(dict.fromkeys(keys)):
            idx = [i for i, x in enumerate(keys) if x == g]
            x = [reps.index(cols["rep"][i]) + 0.1 * k for i in idx]
            a.plot(x, [cols["J0_star"][i] for i in idx], "o", label=f"$J_0^*$ exact map, {g}")
            b.plot(x, [cols["nu"][i] for i in idx], "o", label=rf"$\nu$ exact map, {g}")
        a.plot(
            range(len(reps)),
            [cols["paper_J0_star"][cols["rep"].index(r)] for r in reps],
            "s",
            mfc="none",
            label="$J_0^*$ paper (median, CD-trained)",
        )
        a.axhline(J0C, ls="--", color="k", label=f"exact {J0C:.6f}")
        b.axhline(1.0, ls="--", color="k", label=r"exact $\nu = 1$")
        for ax in (a, b):
            ax.set_xticks(range(len(reps)), reps)
            ax.set_xlabel("representation of the RBM couplings")
            legend(ax)
        a.set_ylabel(r"$J_0^*$ (dimensionless)")
        b.set_ylabel(r"$\nu$ (dimensionless)")
        a.set_title(r"critical bare coupling $J_0^*$")
        b.set_title(r"$\nu = \ln\sqrt{2} / \ln\lambda_t$ at the critical fixed point")
    else:
        fig, (a, b) = figure(1, 2, size=(11, 4.2))
        reps = cols["rep"]
        x = np.arange(len(reps))
        a.plot(x, cols["J0_star"], "o", label="$J_0^*$ ours (exact map)")
        a.plot(x, cols["paper_J0_star"], "s", mfc="none", label="$J_0^*$ paper (median)")
        a.axhline(J0C, ls="--", color="k", label="exact")
        b.plot(x, cols["Delta1_1x1"], "o", label=r"$\Delta_1$ ours, 1×1 torus")
        Lkey = [k for k in cols if k.startswith("Delta1_L")][0]
        b.plot(x, cols[Lkey], "^", label=rf"$\Delta_1$ ours, cylinder {Lkey[7:]}")
        b.plot(x, cols["paper_Delta1"], "s", mfc="none", label=r"$\Delta_1$ paper (median)")
        b.axhline(0.125, ls="--", color="k", label="1/8")
        for ax in (a, b):
            ax.set_xticks(x, reps)
            ax.set_xlabel("representation of the RBM couplings")
            legend(ax)
        a.set_ylabel(r"$J_0^*$ (dimensionless)")
        b.set_ylabel(r"scaling dimension $\Delta_1$ (dimensionless)")
        a.set_title("Fig. 8: critical coupling")
        b.set_title("Fig. 12: lowest scaling dimension")
        fig.suptitle(f"exact-KL RG map, geometry={spec.geometry}")
    save(fig, path, dpi=110)
