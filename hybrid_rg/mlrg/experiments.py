"""Experiment specs (TOML) and the runners that reproduce the paper's figures with the published numbers beside ours.

Published numbers are *comparison targets* (from ../shared/notes/mlrg.md §A.5, the authors' notebook outputs): they are
written in a separate column labelled "paper", never used in a computation.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from ..utils.specs import SpecModel, load_spec_file
from .constants import J0C

PAPER_J0 = {"A1": 0.8253, "A1+E": 0.7961, "2A1+E": 0.7700}  # Fig. 8 medians
PAPER_DELTA1 = {"A1": 0.0848, "A1+E": 0.1176, "2A1+E": 0.1203}  # Fig. 12 medians (as published)
FIGURES = ("fig5", "fig7", "fig8", "fig10", "critical")
Geometry = Literal["authors", "consistent"]
Scheme = Literal["full", "a1_coefficient", "a1_projection"]  # schemes.py


class MLRGSpec(SpecModel):
    """An MLRG experiment spec (one TOML file, flat). Fields a figure does not use are ignored by its runner."""

    figure: Literal["fig5", "fig7", "fig8", "fig10", "critical"] = Field(description="which runner")
    reps: list[str] = Field(["A1"], min_length=1, description="representations per site, e.g. A1, A1+E, 2A1+E")
    geometry: Geometry = Field("consistent", description="student geometry: consistent or authors (rbm.py)")
    geometries: list[Geometry] | None = Field(None, min_length=1, description="critical: several geometries in one run")
    models: int = Field(3, ge=1, description="fig5: monotones trained")
    iterations: int = Field(400, ge=1, description="fig5/7: training iterations")
    batch: int = Field(256, ge=1, description="fig5/7: teachers per iteration")
    lr: float = Field(0.01, gt=0, description="fig5/7: Adam learning rate")
    steps: int = Field(8, ge=1, description="RG steps of a flow (fig5/7/8/10)")
    step_mode: Literal["euler", "ode"] = Field("euler", description="RG step of C: Euler (authors) or ODE (paper)")
    seed: int = Field(0, ge=0, description="seed of every random start and sample")
    cylinder_L: int = Field(6, ge=1, description="fig8: cylinder circumference (A1)")
    j0: list[float] | None = Field(None, min_length=1, description="starting couplings on the A1 axis (fig7, fig10)")
    train_mode: Literal["exact", "cd"] = Field("exact", description="fig5: exact KL or CD-k")
    samples: int = Field(1000, ge=1, description="CD: Gibbs samples per teacher")
    sweeps: int = Field(20, ge=1, description="CD: Gibbs sweeps before sampling")
    cd_k: int = Field(1, ge=1, description="CD: k")
    # critical (critical.py): scan range, when a flow is decided, bisection width, projection accuracy
    scan: list[float] = Field([0.02, 3.0], min_length=2, max_length=2, description="[lo, hi] of the J0 scan")
    scan_points: int = Field(12, ge=3, description="critical: geometric scan points")
    scan_steps: int = Field(30, ge=1, description="flow length of the coarse scan (undecided after it)")
    r_trivial: float = Field(0.05, gt=0, description="|J| below: disordered (trivial fixed point's basin)")
    j_cap: float = Field(12.0, gt=0, description="|J| above: ordered (running to the frozen fixed point)")
    max_steps: int = Field(400, ge=1, description="a flow undecided after this many steps started next to J0*")
    bisect_tol: float = Field(1e-2, gt=0, description="critical: width of the fallback bisection")
    proj_tol: float = Field(1e-4, gt=0, lt=1, description="|λ_2|ⁿ for the projection flows' length n")
    schemes: list[Scheme] = Field(
        ["full"],
        min_length=1,
        description="critical: RG schemes (full: J' is the next teacher; a1_coefficient / a1_projection: closed on "
        "the A1 axis, schemes.py)",
    )

    @field_validator("reps")
    @classmethod
    def _enumerable(cls, reps: list[str]) -> list[str]:
        from .irreps import Rep
        from .rbm import MAX_ENUM_SPINS

        for r in reps:
            rep = Rep.parse(r)
            if 4 * rep.dim > MAX_ENUM_SPINS:
                raise ValueError(
                    f"representation {r} has {4 * rep.dim} visible spins per block; exact mode "
                    f"enumerates at most {MAX_ENUM_SPINS} (2A1+E); remove it"
                )
        return reps

    @model_validator(mode="after")
    def _ranges(self) -> "MLRGSpec":
        if not 0 < self.scan[0] < self.scan[1]:
            raise ValueError(f"scan = {self.scan}: must be [lo, hi] with 0 < lo < hi")
        if self.geometries is not None and self.figure != "critical":
            raise ValueError(f"geometries is read by figure = 'critical' only; use geometry = '...' for {self.figure}")
        if self.schemes != ["full"] and self.figure != "critical":
            raise ValueError(f"schemes is read by figure = 'critical' only; remove it for {self.figure}")
        if len(set(self.schemes)) != len(self.schemes):
            raise ValueError(f"schemes = {self.schemes} lists a scheme twice; list each once")
        self._fits_in_memory()
        return self

    def _fits_in_memory(self) -> None:
        """A training batch holds, per teacher, the exact distribution over the 2^(4·dim) visible configurations
        (probabilities, logs and their gradients: four float64 arrays), and in CD mode its Gibbs samples too."""
        from ..utils.memory import require_memory
        from .irreps import Rep

        spins = max(4 * Rep.parse(r).dim for r in self.reps)
        per_teacher = 4 * 8 * 2**spins + (2 * 8 * self.samples * spins if self.train_mode == "cd" else 0)
        require_memory(self.batch * per_teacher, f"batch = {self.batch} (teachers per iteration)", "lower batch")

    @property
    def geometry_list(self) -> list[str]:
        return list(self.geometries) if self.geometries is not None else [self.geometry]


def load_spec(path: str | Path) -> MLRGSpec:
    """The validated spec; SpecError (one line: file, field, value, fix) on any problem."""
    return load_spec_file(path, MLRGSpec, "experiments/mlrg/fig5.toml")


def run_fig5(spec: MLRGSpec) -> tuple[dict, dict]:
    """A1 monotone C(J0) and beta function −∂C from several trained models; exact map R(J0) − J0 as the truth."""
    import torch

    from .irreps import Rep
    from .kl import Pair
    from .monotone import Monotone, critical_from_monotone
    from .rgmap import ExactRG, axis_point
    from .training import train_exact

    pair = Pair(Rep.parse("A1"), spec.geometry)
    grid = torch.linspace(0.0, 1.6, 161, dtype=torch.float64)
    Cs, betas, stars = [], [], []
    for k in range(spec.models):
        m = Monotone(1, [6, 12, 8], seed=spec.seed + k)
        if spec.train_mode == "cd":  # the authors' recipe: Gibbs samples, CD-k (notes §A.3)
            from .cd import train_monotone_cd

            train_monotone_cd(
                pair,
                m,
                iterations=spec.iterations,
                batch=spec.batch,
                samples=spec.samples,
                sweeps=spec.sweeps,
                k=spec.cd_k,
                lr=spec.lr,
                mode=spec.step_mode,
                seed=spec.seed + k,
            )
        else:
            train_exact(
                pair,
                m,
                iterations=spec.iterations,
                batch=spec.batch,
                lr=spec.lr,
                mode=spec.step_mode,
                seed=spec.seed + k,
            )
        Cs.append(m(grid[:, None]).detach().numpy())
        betas.append(-m.grad(grid[:, None], create_graph=False)[:, 0].numpy())
        stars.append(critical_from_monotone(m, grid[40:130], spec.steps, spec.step_mode))
    rg = ExactRG(pair)
    exact_beta = np.array([float(rg.step(axis_point(1, float(j)))[0][0]) - float(j) for j in grid])
    Cs, betas = np.array(Cs), np.array(betas)
    cols = {
        "J0": grid.numpy(),
        "C_mean": Cs.mean(0),
        "C_sd": Cs.std(0),
        "beta_mean": betas.mean(0),
        "beta_sd": betas.std(0),
        "beta_exact_map": exact_beta,
    }
    summary = {
        "J0_star_models": stars,
        "J0_star_median": float(np.median(stars)),
        "J0_star_mean_sd": [float(np.mean(stars)), float(np.std(stars, ddof=1)) if len(stars) > 1 else 0.0],
        "paper_J0_star_mean_sd_A1": [0.828, 0.014],
        "train_mode": spec.train_mode,
        "J0_star_exact_map": None,
        "paper_J0_star": "0.82 ± 0.02 (Fig. 5); 0.8253 median (Fig. 8)",
        "J0c_exact_ising": J0C,
    }
    from .rgmap import fixed_point

    summary["J0_star_exact_map"] = float(fixed_point(rg, axis_point(1, 0.8))["J"][0])
    return cols, summary


def run_fig8(spec: MLRGSpec) -> tuple[dict, dict]:
    """Per representation, exact mode: the critical search of critical.py (J0*, the critical fixed point J*), then
    GSD and Δ at J* from the 1×1 torus and an L-column cylinder."""

    from .analysis import central_charge, gsd, scaling_dimensions, weight_tensor
    from .critical import FlowRule, find_critical
    from .irreps import Rep
    from .kl import Pair
    from .rgmap import ExactRG

    rows = {
        k: []
        for k in (
            "rep",
            "J0_star",
            "paper_J0_star",
            "J0c_exact",
            "fp_residual",
            "fp_kl",
            "lambda_t",
            "Delta_eps_from_lambda",
            "gsd",
            "Delta1_1x1",
            "paper_Delta1",
            f"Delta1_L{spec.cylinder_L}",
            f"Delta2_L{spec.cylinder_L}",
            "c_cyl",
            "seconds",
        )
    }
    notes = {}
    rule = FlowRule(r_trivial=spec.r_trivial, j_cap=spec.j_cap, max_steps=spec.max_steps)
    for text in spec.reps:
        t0 = time.perf_counter()
        pair = Pair(Rep.parse(text), spec.geometry)
        rg = ExactRG(pair, seed=spec.seed)
        fp = find_critical(
            rg,
            scan=(spec.scan[0], spec.scan[1], spec.scan_points),
            rule=rule,
            scan_steps=spec.scan_steps,
            bisect_tol=spec.bisect_tol,
            proj_tol=spec.proj_tol,
        )
        if not fp["critical"]:
            notes[text] = fp["message"]
        lam = float(np.real(fp["eigenvalues"][0])) if fp["critical"] else float("nan")
        j0 = fp["J0_star"]
        T = weight_tensor(pair.teacher, fp["J"])
        L = spec.cylinder_L if pair.rep.dim == 1 else 2
        d1 = scaling_dimensions(T, 1)
        dL = scaling_dimensions(T, L)
        c = central_charge(T, L - 1, L) if L > 1 else float("nan")
        vals = (
            text,
            j0,
            PAPER_J0.get(text, float("nan")),
            J0C,
            fp.get("residual", float("nan")),
            fp.get("kl", float("nan")),
            lam,
            2 - np.log(abs(lam)) / np.log(np.sqrt(2)) if lam > 0 else float("nan"),
            gsd(T),
            d1[1],
            PAPER_DELTA1.get(text, float("nan")),
            dL[1],
            dL[2] if len(dL) > 2 else float("nan"),
            c,
            time.perf_counter() - t0,
        )
        for k, v in zip(rows, vals):
            rows[k].append(v)
        notes[f"{text}_J_star"] = [round(float(x), 6) for x in fp["J"]]
    return rows, {
        "notes": notes,
        "geometry": spec.geometry,
        "exact_ising": {"J0c": J0C, "Delta_sigma": 0.125, "Delta_eps": 1.0, "c": 0.5},
    }


def run(spec: MLRGSpec, log=None) -> tuple[dict, dict]:
    from .experiments_flow import run_critical, run_fig7, run_fig10

    if spec.figure == "critical":
        return run_critical(spec, log=log)
    return {"fig5": run_fig5, "fig7": run_fig7, "fig8": run_fig8, "fig10": run_fig10, "critical": run_critical}[
        spec.figure
    ](spec)


def write(out: str | Path, spec: MLRGSpec, cols: dict, summary: dict, seconds: float) -> None:
    import csv

    from ..utils.results import atomic_dir
    from .plots import plot

    with atomic_dir(out) as tmp:
        with open(tmp / "result.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(cols))
            for row in zip(*cols.values()):
                w.writerow([v if isinstance(v, str) else f"{float(v):.10g}" for v in row])
        (tmp / "summary.json").write_text(
            json.dumps(
                {"spec": spec.model_dump(), "spec_digest": spec.result_digest(), "seconds": seconds, **summary},
                indent=2,
                default=float,
            )
        )
        plot(tmp / "result.png", spec, cols, summary)
