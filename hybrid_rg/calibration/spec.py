"""Campaign specs (`calibration/*.toml`): which experiment on which device, what to search, against what, how much.

    name, description
    experiment = "../experiments/olrg/hem_smoke.toml"   an HEM experiment spec (terminal, vdw, [device]); relative
    T = 1.0                                              the final time (dimensionless) the campaign calibrates
    [device]     name (snapshot: emulator, quera_aquila, fake_aquila, ...), adapter (optional), shots,
                 options (adapter options; never credentials)
    [search]     one table per searched hyperparameter: {low, high[, log, step]} or {choices = [...]}
                 (names in space.PARAMS: omega, delta, gap, spacing_um, n_knots, ramp, shots, loss_order, iterations)
    [objective]  loss_order, consistency_weight, bound ("constraint" | "objective" | "none"), bound_max,
                 bound_order, target (a number; default: the exact value from hybrid_rg.exact)
    [budget]     n_trials, batch_size, budget_usd (the runtime's campaign cap), collect_timeout_s, poll_interval_s
    [sampler]    name (tpe | random), seed, n_startup_trials
    [storage]    url (sqlite:///… | postgresql://…), journal (a file path: JournalStorage), workers,
                 heartbeat_interval_s, grace_period_s, max_retry
    [warm_start] enabled, n_candidates, n_enqueue, narrow_top, margin

Everything is checked when the file is read; an error names the field and the fix, and nothing is written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from ..errors import SpecError
from ..utils import specs
from ..utils.specs import FileName, SpecModel

BOUND_MODES = ("constraint", "objective", "none")
SAMPLERS = ("tpe", "random")


class CampaignSpecError(SpecError):
    """A campaign spec that cannot be used, or a campaign that does not match its spec (another spec's study in
    the same storage, a campaign not started yet); the message names the field or the storage and the fix."""


class DeviceSection(SpecModel):
    """[device]: where the trials' programs run."""

    name: str = Field("emulator", description="a device snapshot: emulator, quera_aquila, fake_aquila, ...")
    adapter: str | None = None
    shots: int = Field(1000, ge=2, description="shots per task (an error bar needs >= 2)")
    options: dict[str, Any] = Field(default_factory=dict, description="adapter options; never credentials")


class ObjectiveSection(SpecModel):
    """[objective]: what a trial's loss is."""

    loss_order: int = Field(0, ge=0, le=3, description="Dyson order of the consistency terms added to order 0")
    consistency_weight: float = 1.0
    bound: Literal["constraint", "objective", "none"] = "constraint"
    bound_max: float = 1.0
    bound_order: int = Field(2, ge=0)
    target: float | None = Field(None, description="default: the exact value from hybrid_rg.exact")
    n_steps: int = Field(8, ge=1)
    n_samples: int = Field(8, ge=1)


class BudgetSection(SpecModel):
    """[budget]: how many trials, in batches of how many, under which cap."""

    n_trials: int = Field(20, ge=1)
    batch_size: int = Field(2, ge=1)
    budget_usd: float | None = Field(None, ge=0, description="the runtime's campaign cap")
    collect_timeout_s: float = Field(60.0, ge=0)
    poll_interval_s: float = Field(0.5, gt=0)


class SamplerSection(SpecModel):
    """[sampler]: optuna's sampler; the seed is explicit."""

    name: Literal["tpe", "random"] = "tpe"
    seed: int = 0
    n_startup_trials: int = Field(5, ge=0)


class StorageSection(SpecModel):
    """[storage]: where the study lives (default: sqlite in the campaign's folder)."""

    url: str | None = Field(None, description="sqlite:///… or postgresql://…")
    journal: str | None = Field(None, description="a file path: optuna's JournalStorage")
    workers: int = Field(1, ge=1)
    heartbeat_interval_s: int = Field(30, ge=1)
    grace_period_s: int = Field(120, ge=1)
    max_retry: int = Field(3, ge=0)

    @model_validator(mode="after")
    def _one_storage(self) -> StorageSection:
        if self.url and self.journal:
            raise ValueError("[storage] sets both url and journal; choose one")
        return self


class WarmStartSection(SpecModel):
    """[warm_start]: surrogate-ranked first trials and a narrowed space."""

    enabled: bool = False
    n_candidates: int = Field(48, ge=1)
    n_enqueue: int = Field(3, ge=0)
    narrow_top: int = Field(6, ge=1)
    margin: float = Field(0.15, ge=0)


class CampaignSpec(SpecModel):
    """A whole campaign spec. `source` is the file it was read from (None when built in Python)."""

    name: FileName  # names the study and its folder
    description: str = ""
    experiment: Path = Field(description="an HEM experiment spec, relative to the campaign spec")
    T: float = Field(gt=0, description="the final time (dimensionless) the campaign calibrates")
    device: DeviceSection = Field(default_factory=DeviceSection)
    search: dict[str, dict[str, Any]] = Field(default_factory=dict)
    objective: ObjectiveSection = Field(default_factory=ObjectiveSection)
    budget: BudgetSection = Field(default_factory=BudgetSection)
    sampler: SamplerSection = Field(default_factory=SamplerSection)
    storage: StorageSection = Field(default_factory=StorageSection)
    warm_start: WarmStartSection = Field(default_factory=WarmStartSection)
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("experiment", mode="before")
    @classmethod
    def _experiment_file(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, (str, Path)):
            return value  # the type check names it
        path = (Path((info.context or {}).get("base", ".")) / value).resolve()
        if not (path.is_file() or (path / "provenance.json").is_file()):
            raise ValueError(
                f"experiment = {str(value)!r} is neither a file nor a finished run folder (resolved to {path}); "
                f"give an experiment spec or a run folder, relative to the campaign spec"
            )
        return path

    @field_validator("search")
    @classmethod
    def _search_space(cls, search: dict) -> dict:
        from .space import parse_space

        parse_space(search)  # raises naming the parameter
        return search

    @property
    def source(self) -> Path | None:
        return self._source

    # what defines the campaign's problem is everything but these: a resumed campaign must match the rest
    non_result_fields = frozenset({"name", "description", "budget", "storage"})

    def result_fields(self) -> dict[str, Any]:
        """The fields a resumed campaign must keep (utils.specs), with `experiment` as the HEM experiment's own
        result fields (so its name, description or comments may change, its physics may not)."""
        from ..olrg.spec import load_spec

        fields = super().result_fields()
        fields["experiment"] = load_spec(self.experiment).result_fields()
        return fields

    def digest(self) -> str:
        """The campaign's result digest (utils.specs.SpecModel.result_digest)."""
        return self.result_digest()

    def legacy_digest(self) -> str:
        """The digest campaigns started before result_fields existed recorded (experiment file text, same fields):
        accepted on resume so that those campaigns still resume."""
        core = {
            # a run folder stands for the spec its provenance recorded (olrg.spec.spec_of_run)
            "experiment": _experiment_text(Path(self.experiment)),
            **{k: getattr(self, k).model_dump() for k in ("device", "objective", "sampler", "warm_start")},
            "T": self.T,
            "search": self.search,
        }
        return hashlib.sha256(json.dumps(core, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def with_changes(self, **changes) -> CampaignSpec:
        """A copy with some fields or sections' fields replaced and checked again, e.g.
        with_changes(budget={"n_trials": 5}) or with_changes(name="other")."""
        data = self.model_dump()
        for key, value in changes.items():
            data[key] = {**data[key], **value} if isinstance(data.get(key), dict) and key != "search" else value
        new = specs.parse_spec(data, CampaignSpec, self.source, error=CampaignSpecError)
        new._source = self._source
        return new


def load_campaign(path: str | Path) -> CampaignSpec:
    """The campaign spec of a TOML file; CampaignSpecError (one line: file, field, value, fix) if unusable."""
    path = Path(path)
    spec = specs.load_spec_file(path, CampaignSpec, "calibration/hem_emulator.toml", error=CampaignSpecError)
    spec._source = path.resolve()
    return spec


def _experiment_text(path: Path) -> str:
    """What the digest hashes for the experiment: the spec file's text, or the spec a run folder recorded."""
    if path.is_dir():
        return json.dumps(json.loads((path / "provenance.json").read_text())["inputs"]["spec"], sort_keys=True)
    return path.read_text()
