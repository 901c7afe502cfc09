"""The experiment spec (TOML) of `hybrid-rg cora fit`: typed models (hybrid_rg.utils.specs) at the edge.

    [data]   model = "ising1d" | "ising2d", side, T (or K = 1/T), n_train, n_test, seed, thermalize, every
    [model]  n_layers, chi, top = "uniform" | "learned", init = "random" | "block_spin", seed
    [fit]    method = "method1" | "method2", window = [4] or [2, 2], steps, lr, origins_per_step,
             further_passes, seed, em_iterations, em_sweeps, em_burn_in, em_damping, em_pseudo_count,
             checkpoint_every, polish_steps, polish_layers, polish_lr
    [eval]   r_max, n_speed (samples drawn to time the sampler), n_correlation, n_sites (0 = all), seed

Every unknown or out-of-range field raises SpecError (a ValueError) naming the file, the field and the fix.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, Strict, model_validator

from ..utils.memory import require_memory
from ..utils.specs import SpecModel, read_toml_text
from ..utils.specs import parse_spec as _parse


class DataSpec(SpecModel):
    """[data]: the Ising samples the CORA is fitted to (made by the project's own Monte Carlo)."""

    model: Literal["ising1d", "ising2d"] = "ising1d"
    side: int = Field(64, ge=2)
    T: float = Field(0.0, ge=0, description="temperature (set T or K)")
    K: float = Field(0.0, ge=0, description="coupling 1/T (set T or K)")
    n_train: int = Field(2000, ge=10)
    n_test: int = Field(1000, ge=10)
    seed: int = 0
    thermalize: int = Field(200, ge=0)
    every: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _one_temperature(self) -> DataSpec:
        if (self.T > 0) == (self.K > 0):
            raise ValueError(
                f"data.T = {self.T}, data.K = {self.K}: set exactly one of data.T (temperature) or "
                f"data.K (coupling 1/T), > 0"
            )
        return self

    @property
    def coupling(self) -> float:
        return self.K if self.K > 0 else 1.0 / self.T

    @property
    def dim(self) -> int:
        return 1 if self.model == "ising1d" else 2


class ModelSpec(SpecModel):
    """[model]: the CORA's layers and hidden dimension."""

    n_layers: int = Field(4, ge=1, le=12)
    chi: int = Field(2, ge=2, description="2…8 in 1D, 2 in 2D")
    top: Literal["uniform", "learned"] = "learned"
    init: Literal["random", "block_spin"] = "random"
    seed: int = 0


class FitSpec(SpecModel):
    """[fit]: how the stochastic maps are learned."""

    method: Literal["method1", "method2"] = "method2"
    window: Annotated[tuple[Annotated[int, Field(ge=1, le=6)], ...], Strict(False)] = Field(
        (4,), description="the marginal's window: one size in 1D, two in 2D, at most 8 sites, e.g. [4] or [2, 2]"
    )
    steps: int = Field(300, ge=1)
    lr: float = Field(0.05, gt=0)
    origins_per_step: int = Field(0, ge=0, description="0 = all")
    further_passes: int = Field(0, ge=0)
    seed: int = 0
    em_iterations: int = Field(
        0, ge=0, description="Monte Carlo EM iterations after the method (Gibbs inverse, full likelihood; any D)"
    )
    em_sweeps: int = Field(2, ge=1, description="Gibbs sweeps of the hidden variables per EM iteration")
    em_burn_in: int = Field(20, ge=0, description="Gibbs sweeps before the first EM update")
    em_damping: float = Field(0.5, gt=0, le=1, description="p <- (1 - eta) p + eta p_counts at each EM update")
    em_pseudo_count: float = Field(0.01, ge=0, description="added to every (input, output) count of a map")
    checkpoint_every: int = Field(25, ge=1, description="steps (or EM iterations) between checkpoints")
    polish_steps: int = Field(
        0, ge=0, description="method-2 (window likelihood) steps after EM on the maps of polish_layers only"
    )
    polish_layers: Annotated[tuple[Annotated[int, Field(ge=1)], ...], Strict(False)] = Field(
        (1,), description="layers the polish moves (1 = the bottom layer)"
    )
    polish_lr: float = Field(0.02, gt=0)


class EvalSpec(SpecModel):
    """[eval]: what is measured after the fit."""

    r_max: int = Field(16, ge=1)
    n_speed: int = Field(1000, ge=1)
    n_correlation: int = Field(1000, ge=100, description="exact model samples for the correlation curve")
    n_sites: int = Field(0, ge=0, description="sites averaged for the model's exact local numbers; 0 = all")
    seed: int = 0


class CoraSpec(SpecModel):
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    fit: FitSpec = Field(default_factory=FitSpec)
    eval: EvalSpec = Field(default_factory=EvalSpec)

    @model_validator(mode="after")
    def _fits_together(self) -> CoraSpec:
        d, m, f, e = self.data, self.model, self.fit, self.eval
        if d.side % 2**m.n_layers or d.side // 2 ** (m.n_layers - 1) < 2:
            raise ValueError(
                f"data.side = {d.side} must be a multiple of 2^model.n_layers = {2**m.n_layers} (and "
                "the level below the top needs >= 2 sites per axis): change data.side or model.n_layers"
            )
        if m.chi > (8 if d.dim == 1 else 2):
            raise ValueError(f"model.chi = {m.chi}: use 2…8 in 1D, 2 in 2D (2D cones hold 16 hidden variables at once)")
        if d.dim == 2 and (f.method != "method2" or f.further_passes):
            raise ValueError(
                "fit.method = 'method1' and fit.further_passes need Bayesian inverses, implemented in 1D "
                "only: use method = 'method2' and further_passes = 0 for ising2d"
            )
        if len(f.window) != d.dim or math.prod(f.window) > 8:
            raise ValueError(
                f"fit.window = {list(f.window)}: give {d.dim} sizes in 1…6 with at most 8 sites, e.g. "
                f"{[4] if d.dim == 1 else [2, 2]}"
            )
        if any(k > m.n_layers for k in f.polish_layers):
            raise ValueError(f"fit.polish_layers = {list(f.polish_layers)}: use layers 1…model.n_layers = {m.n_layers}")
        if e.r_max > d.side // 2:
            raise ValueError(f"eval.r_max = {e.r_max}: use 1…side/2 = {d.side // 2}")
        # the training and test samples are held at once (one byte per spin, int64 while the chain makes them)
        require_memory(
            (d.n_train + d.n_test) * d.side**d.dim * 8,
            f"data.side = {d.side} with {d.n_train} + {d.n_test} samples",
            "lower data.side, data.n_train or data.n_test",
        )
        return self


def parse_spec(table: dict, source: str | Path | None = None) -> CoraSpec:
    """The spec of a TOML table (or of a run's summary.json "spec"); SpecError naming the field otherwise."""
    return _parse(table, CoraSpec, source)


def load_spec(path) -> tuple[CoraSpec, str]:
    """(spec, original text) from a TOML file; SpecError on unreadable files or bad fields."""
    table, text = read_toml_text(path, "experiments/cora/ising1d_K1_method2.toml")
    return parse_spec(table, path), text
