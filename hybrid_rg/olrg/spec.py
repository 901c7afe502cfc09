"""OLRG experiment specs (TOML): parsed and checked completely before any training starts.

    [target]    model, N, couplings (tfim: J h g; xxz: J delta hz), observable ("zz:0,1"), observable_scale
    [times]     T ("0.1:2.0:20" or a list)
    [map]       kind (linear | generative | hem | identity), n0, chi, init (linear), rdm_env (target sites
                around the block for the rdm init, default 1), width/depth/noise_dim/
                per_operator (generative); for hem: interaction (nearest | vdw), control (mlp | pwl), width, depth,
                n_knots, site_resolved, phase, local_detuning, learn_positions, min_gap, max_gap, gap_init,
                omega_init, delta_init, terminal, hem_init (default | embed: start from the device values of
                the target block itself, hem.tfim_embedding)
    [device]    (hem only) profile ("quera_aquila"), spacing_um: the device's limits become the controls' limits,
                and a terminal vdw map is compiled to a pulse program per T
    [training]  orders (list of Dyson orders K; one run per K and T), iterations, lr, optimizer, n_samples,
                n_steps, weights, seed, loss_target, warm_start (default false), ensemble, keep_best (default
                true), first_scale_weight (weight of the one loss term anchored to the exact block, default 1),
                polish_iterations / polish_max_eval (L-BFGS on the full-grid loss afterwards, default none),
                warm_choice (previous | lower_loss: which start a warm-started T takes, default previous),
                lookahead / lookahead_weight (⟨O(T)⟩ after that many more exact sites, a loss term; default 0),
                patterns (all | relevant: the TOBC sign patterns the loss compares, default all),
                workers (processes; each order's T list is split into that many contiguous warm chains, default 1)
    [reference] method (auto | krylov | free-fermion | none)
    [bound]     n_grid, max_tuples
    [paper]     csv (optional digitised published numbers, plotted beside ours; path relative to the spec)

Each section is a typed model (hybrid_rg.utils.specs); code reads `spec.map.chi`, `spec.times.T`,
`spec.target.couplings`. Ranges and choices are declared on the fields; the validators below are the physics
cross-checks only. Every error names the field and the fix; nothing is written for a bad spec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, ValidationInfo, field_validator, model_validator

from ..errors import SpecError
from ..exact.krylov import MAX_KRYLOV_SITES
from ..operators import parse_observables
from ..utils import specs
from ..utils.specs import FileName, SpecModel
from ..utils.timegrid import parse_time_grid

__all__ = [
    "BoundSpec",
    "DeviceSection",
    "ExperimentSpec",
    "MapSpec",
    "PaperSpec",
    "ReferenceSpec",
    "SpecError",
    "spec_of_run",
    "TargetSpec",
    "TimesSpec",
    "TrainingSpec",
    "load_spec",
    "parse_spec",
]

# The couplings each model takes, with their defaults (target.couplings fills in the ones not given).
MODEL_FIELDS = {"tfim": {"J": 1.0, "h": 1.0, "g": 0.0}, "xxz": {"J": 1.0, "delta": 1.0, "hz": 0.0}}
MAX_HEM_SITES = 12  # the HEM keeps every qubit: dimension 2^N

Lax = Strict(False)  # TOML gives lists where the spec keeps tuples (immutable, hashable)


class TargetSpec(SpecModel):
    """[target]: the large system whose observable OLRG predicts."""

    model: Literal["tfim", "xxz"] = Field("tfim", description="tfim (−J ZZ − h X − g Z) or xxz")
    N: int = Field(ge=2, description="the number of target sites")
    J: float | None = None
    h: float | None = None
    g: float | None = None
    delta: float | None = None
    hz: float | None = None
    observable: str = "zz:0,1"
    observable_scale: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> TargetSpec:
        for key in ("J", "h", "g", "delta", "hz"):
            if getattr(self, key) is not None and key not in MODEL_FIELDS[self.model]:
                raise ValueError(
                    f"target.{key} does not apply to model '{self.model}'; its couplings are "
                    f"{', '.join(MODEL_FIELDS[self.model])}"
                )
        try:
            found = parse_observables(self.observable, self.N)
        except ValueError as err:
            raise ValueError(f"target.observable: {err}") from None
        if len(found) != 1 or found[0].two_time:
            raise ValueError(
                f"target.observable = '{self.observable}': OLRG predicts one equal-time observable, "
                f"e.g. 'zz:0,1' or 'x:0'"
            )
        return self

    def result_fields(self) -> dict[str, Any]:
        # the couplings with their defaults filled in: `h` left out and `h = 1.0` are the same target
        fields = {k: v for k, v in super().result_fields().items() if k not in ("J", "h", "g", "delta", "hz")}
        return fields | self.couplings

    @property
    def couplings(self) -> dict[str, float]:
        """The model's couplings, defaults filled in: tfim {J, h, g}, xxz {J, delta, hz}."""
        given = {k: getattr(self, k) for k in MODEL_FIELDS[self.model]}
        return {k: float(d if given[k] is None else given[k]) for k, d in MODEL_FIELDS[self.model].items()}

    @property
    def observable_sites(self) -> tuple[int, ...]:
        return tuple(parse_observables(self.observable, self.N)[0].sites)


class TimesSpec(SpecModel):
    """[times]: the final times T, one training run each (dimensionless, in units of the target's J)."""

    T: Annotated[tuple[float, ...], Lax] = Field("0.1:2.0:20", description="START:STOP:NUM or a list of times")

    @field_validator("T", mode="before")
    @classmethod
    def _grid(cls, value: Any) -> tuple[float, ...]:
        try:
            grid = parse_time_grid(value if isinstance(value, str) else ",".join(str(t) for t in value))
        except (ValueError, TypeError) as err:
            raise ValueError(f"times.T: {err}") from None
        if (grid <= 0).any():
            raise ValueError(f"times.T contains {float(grid.min())}: OLRG final times must be positive")
        return tuple(round(float(t), 12) for t in grid)


class MapSpec(SpecModel):
    """[map]: the operator map learned per RG scale."""

    kind: Literal["linear", "generative", "hem", "identity"] = "linear"
    n0: int = Field(2, ge=1, description="sites of the exact first block (< target.N)")
    chi: int | None = Field(None, ge=1, description="kept dimension (default 2^(N-1): exact)")
    init: Literal["nrg", "rdm", "random"] = "rdm"
    rdm_env: int = Field(
        1, ge=1, description="target sites attached to the block for the RDM initialisation (cost grows as 2^rdm_env)"
    )
    width: int | None = Field(None, ge=1)
    depth: int | None = Field(None, ge=1)
    noise_dim: int | None = Field(None, ge=1)
    per_operator: bool = True
    # HEM only (ignored by the other kinds)
    interaction: Literal["nearest", "vdw"] = Field(
        "nearest", description="nearest = the paper's V = 1 between neighbours, vdw = C6/r^6 between all pairs"
    )
    control: Literal["mlp", "pwl"] = Field("mlp", description="mlp = the paper's pulses, pwl = what hardware accepts")
    n_knots: int = Field(8, ge=2)
    site_resolved: bool = False
    phase: bool = False
    local_detuning: bool = False
    learn_positions: bool = False
    min_gap: float = 0.5
    max_gap: float = 2.0
    gap_init: float = 1.0
    omega_init: float = 2.0
    delta_init: float = 0.0
    terminal: bool = False
    hem_init: Literal["default", "embed"] = Field(
        "default", description="default = the paper's start, embed = the device values of the target block itself"
    )

    def result_fields(self) -> dict[str, Any]:
        # the default one-site environment is what runs made before rdm_env existed used: keep their records valid
        fields = super().result_fields()
        if fields.get("rdm_env") == 1:
            del fields["rdm_env"]
        return fields

    @model_validator(mode="before")
    @classmethod
    def _kind_defaults(cls, data: Any) -> Any:
        # width and depth mean different networks for an HEM (pulse MLP) and a generative map
        if isinstance(data, dict):
            data = ({"width": 4, "depth": 4} if data.get("kind") == "hem" else {"depth": 3}) | data
        return data

    @model_validator(mode="after")
    def _check_hem(self) -> MapSpec:
        if self.kind != "hem":
            return self
        if self.learn_positions and self.interaction != "vdw":
            raise ValueError(
                "map.learn_positions needs map.interaction = 'vdw' (nearest-neighbour bonds have no positions)"
            )
        if not 0 < self.min_gap <= self.gap_init <= self.max_gap:
            raise ValueError(
                f"need 0 < map.min_gap <= map.gap_init <= map.max_gap (got {self.min_gap}, "
                f"{self.gap_init}, {self.max_gap})"
            )
        return self


class DeviceSection(SpecModel):
    """[device] (HEM only): whose limits bound the controls, and the unit of length on it."""

    profile: Literal["quera_aquila"] = "quera_aquila"
    spacing_um: float = Field(10.0, gt=0, description="the unit of length in µm")


class TrainingSpec(SpecModel):
    """[training]: one run per Dyson order K and final time T."""

    # workers changes results only through where each warm chain starts, which every point records itself
    # (experiment.point_inputs: warm_from_T); the count alone would make a serial rerun refuse an untouched point
    non_result_fields = frozenset({"workers"})

    orders: Annotated[tuple[Annotated[int, Field(ge=0, le=4)], ...], Lax] = Field(
        (2,), min_length=1, description="Dyson orders K, a list of integers 0 … 4"
    )
    iterations: int = Field(60, ge=0)
    lr: float = Field(2e-2, gt=0)
    optimizer: Literal["adam", "adamw", "lbfgs"] = "adam"
    n_samples: int = Field(20, ge=1)
    n_steps: int = Field(20, ge=1)
    weights: Literal["one", "factorial", "series"] = "one"
    seed: int = 0
    loss_target: float = 0.0
    warm_start: bool = False
    ensemble: int = Field(1, ge=1)
    keep_best: bool = True
    first_scale_weight: float = Field(1.0, ge=0)
    substeps: int = Field(2, ge=1, description="CF4 steps per loss-grid interval of driven (HEM) blocks")
    lookahead: int = Field(
        0,
        ge=0,
        description="also compare ⟨O(T)⟩ of each scale after attaching this many more target sites exactly "
        "(0 = the paper's loss only); cost grows as 2^lookahead per scale",
    )
    lookahead_weight: float = Field(1.0, ge=0, description="weight of the look-ahead term")
    patterns: Literal["all", "relevant"] = Field(
        "all",
        description="TOBC sign patterns in the loss: all (the paper's), or relevant = innermost ad a commutator "
        "(the others have a zero environment factor in the Dyson series of ⟨O(T)⟩)",
    )
    polish_iterations: int = Field(
        0, ge=0, description="L-BFGS iterations on the deterministic full-grid loss after the optimiser (0 = none)"
    )
    polish_max_eval: int = Field(20, ge=1, description="loss evaluations per L-BFGS iteration of the polish")
    warm_choice: Literal["previous", "lower_loss"] = Field(
        "previous",
        description="with warm_start: previous = always start from the previous T's map; lower_loss = from that "
        "map or the map's own initialisation, whichever has the lower full-grid loss at this T",
    )
    workers: int = Field(
        1,
        ge=1,
        description="processes training the T points at once: each order's T list is split into this many "
        "contiguous chains (each warm-started along itself, the first T of each from its own initialisation)",
    )

    def result_fields(self) -> dict[str, Any]:
        # the default (all patterns) is what runs made before `patterns` existed used: keep their records valid
        fields = super().result_fields()
        if fields.get("patterns") == "all":
            del fields["patterns"]
        return fields

    @model_validator(mode="after")
    def _check_polish(self) -> TrainingSpec:
        if self.polish_iterations > 0 and self.ensemble > 1:
            raise ValueError(
                "training.polish_iterations needs a deterministic loss; a stochastic map (training.ensemble > 1) "
                "has none: set polish_iterations = 0 or ensemble = 1"
            )
        return self

    @field_validator("orders", mode="before")
    @classmethod
    def _one_order(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) and not isinstance(value, bool) else value


class ReferenceSpec(SpecModel):
    """[reference]: the exact values the predictions are compared with."""

    method: Literal["auto", "krylov", "free-fermion", "none"] = "auto"


class BoundSpec(SpecModel):
    """[bound]: the grid of the rigorous real-time error bound."""

    n_grid: int = Field(101, ge=2)
    max_tuples: int = Field(10_000, ge=4)


class PaperSpec(SpecModel):
    """[paper]: digitised published numbers plotted beside ours."""

    csv: Path | None = Field(None, description="a CSV file, relative to the spec")
    label: str = "paper"

    @field_validator("csv", mode="before")
    @classmethod
    def _resolve(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or isinstance(value, Path):
            return value
        if not isinstance(value, str):
            raise ValueError(f"paper.csv = {value!r}: write the path as a quoted string")
        path = (Path((info.context or {}).get("base", ".")) / value).resolve()
        if not path.is_file():
            raise ValueError(f"paper.csv: {path} not found; fix the path (relative to the spec) or remove it")
        return path


class ExperimentSpec(SpecModel):
    """A whole OLRG experiment spec."""

    # Changing these never changes a trained point: the name and description label the run, [paper] is drawn
    # beside the results, and [reference] gives the exact column, which every run computes afresh.
    non_result_fields = frozenset({"name", "description", "paper", "reference"})

    name: FileName  # out/<name>: no path separators
    description: str = ""
    target: TargetSpec
    times: TimesSpec = Field(default_factory=TimesSpec)
    map: MapSpec
    device: DeviceSection | None = None
    training: TrainingSpec = Field(default_factory=TrainingSpec)
    reference: ReferenceSpec = Field(default_factory=ReferenceSpec)
    bound: BoundSpec = Field(default_factory=BoundSpec)
    paper: PaperSpec = Field(default_factory=PaperSpec)

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_other_sections(cls, data: Any, info: ValidationInfo) -> Any:
        # the name defaults to the file's stem; map.chi to 2^(N-1), the exact (untruncated) block dimension
        if not isinstance(data, dict):
            return data
        data = {"name": (info.context or {}).get("default_name", "experiment"), **data}
        target, mp = data.get("target"), data.get("map", {})
        N = target.get("N") if isinstance(target, dict) else None
        if isinstance(mp, dict) and "chi" not in mp and isinstance(N, int) and not isinstance(N, bool) and N >= 2:
            data["map"] = {**mp, "chi": 2 ** (N - 1)}
        else:
            data.setdefault("map", mp)
        return data

    @model_validator(mode="after")
    def _physics(self) -> ExperimentSpec:
        N, m = self.target.N, self.map
        if not m.n0 < N:
            raise ValueError(
                f"map.n0 = {m.n0} with target.N = {N}: the exact first block must be smaller than "
                f"the target; set 1 <= map.n0 < {N}"
            )
        if m.chi is not None and m.chi > 2 ** (N - 1):
            raise ValueError(
                f"map.chi = {m.chi} exceeds 2^(N-1) = {2 ** (N - 1)}, the largest block dimension "
                f"this target ever maps; lower map.chi (χ = 2^(N-1) is already exact)"
            )
        if max(self.target.observable_sites) >= m.n0:
            site = max(self.target.observable_sites)
            raise ValueError(
                f"target.observable acts on site {site}, outside the first block of map.n0 = {m.n0} "
                f"sites; set map.n0 > {site}"
            )
        if self.reference.method == "krylov" and N > MAX_KRYLOV_SITES:
            raise ValueError(
                f"reference.method = 'krylov' is limited to N <= {MAX_KRYLOV_SITES}; use "
                f"free-fermion (TFIM, g = 0) or none"
            )
        if m.kind == "hem":
            self._check_hem()
        elif self.device is not None:
            raise ValueError("[device] applies to map.kind = 'hem' only (an OMM runs classically); remove it")
        return self

    def _check_hem(self) -> None:
        N, J = self.target.N, self.target.couplings["J"]
        if N > MAX_HEM_SITES:
            raise ValueError(f"target.N = {N}: the HEM keeps every qubit (dimension 2^N); use N <= {MAX_HEM_SITES}")
        if self.target.model == "tfim" and J > 0:
            raise ValueError(
                f"target.J = {J}: a ferromagnetic bond −J Z Z needs an attractive interaction "
                f"(Z Z = 4 n n − 2 n − 2 n' + 1), and Rydberg atoms repel; use J = {-J} "
                f"(the edge correlator ⟨S^z_0 S^z_1⟩(t) from |0…0⟩ is the same, notes/olrg.md §5.1)"
            )
        if self.device is not None:
            if self.map.control != "pwl":
                raise ValueError(
                    "[device] limits (slew rates, Ω(0) = Ω(T) = 0) need map.control = 'pwl'; an MLP "
                    "pulse cannot enforce them"
                )
            _check_device_times(self.device, self.times.T)


def _check_device_times(device: DeviceSection, times: tuple[float, ...]) -> None:
    """Every T must last at least one device time step and at most the longest program, at this spacing."""
    from ..limits import RydbergLimits

    try:
        lim = RydbergLimits.from_snapshot(device.profile)
    except ValueError as err:
        raise ValueError(f"device.profile: {err}") from None
    if lim.spacing_radial_min_um is not None and device.spacing_um < lim.spacing_radial_min_um:
        raise ValueError(
            f"device.spacing_um = {device.spacing_um} is below the device's minimum spacing "
            f"{lim.spacing_radial_min_um} µm; raise it"
        )
    E = lim.energy_scale(device.spacing_um)
    for T in times:
        us = T / E
        if us < (lim.time_delta_min_us or 0) or us > (lim.duration_max_us or float("inf")):
            raise ValueError(
                f"times.T = {T} lasts {us:.4g} µs at device.spacing_um = {device.spacing_um} "
                f"(energy scale {E:.4g} rad/µs); the device accepts {lim.time_delta_min_us} … "
                f"{lim.duration_max_us} µs: change the spacing (larger spacing = longer program) or T"
            )


def load_spec(path: str | Path) -> ExperimentSpec:
    """The experiment spec of a TOML file, or of a run folder (the spec its provenance.json recorded); SpecError
    (one line: file, field, value, fix) if it is not usable."""
    path = Path(path)
    if path.is_dir():
        return spec_of_run(path)
    return specs.load_spec_file(
        path, ExperimentSpec, "experiments/olrg/order.toml", context={"default_name": path.stem}
    )


def spec_of_run(run_dir: str | Path) -> ExperimentSpec:
    """The spec a run folder was made from: `hybrid-rg run` records it in RUN_DIR/provenance.json, so a finished
    run can stand for its spec (dry-run, submit, calibrate) without the TOML file."""
    import json

    run_dir = Path(run_dir)
    prov = run_dir / "provenance.json"
    if not prov.is_file():
        raise SpecError(
            f"{run_dir} is a folder but not a finished run (no provenance.json inside); pass an experiment spec "
            f"(.toml) or a folder that 'hybrid-rg run' finished"
        )
    try:
        raw = json.loads(prov.read_text())["inputs"]["spec"]
    except (ValueError, KeyError, TypeError) as err:
        raise SpecError(
            f"{prov}: no experiment spec recorded ({err}); was this folder written by 'hybrid-rg run'?"
        ) from None
    return parse_spec(raw, run_dir, str(raw.get("name", run_dir.name)), prov)


def parse_spec(
    raw: dict, base: Path = Path("."), default_name: str = "experiment", source: str | Path | None = None
) -> ExperimentSpec:
    """The experiment spec of a TOML table; `base` is the folder paths in it are relative to."""
    return specs.parse_spec(raw, ExperimentSpec, source, context={"base": base, "default_name": default_name})
