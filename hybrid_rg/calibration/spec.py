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
from dataclasses import dataclass, field
from pathlib import Path

from ..utils.toml_files import read_toml

DEFAULTS = {
    "device": {"name": "emulator", "adapter": None, "shots": 1000, "options": {}},
    "search": {},
    "objective": {"loss_order": 0, "consistency_weight": 1.0, "bound": "constraint", "bound_max": 1.0,
                  "bound_order": 2, "target": None, "n_steps": 8, "n_samples": 8},
    "budget": {"n_trials": 20, "batch_size": 2, "budget_usd": None, "collect_timeout_s": 60.0,
               "poll_interval_s": 0.5},
    "sampler": {"name": "tpe", "seed": 0, "n_startup_trials": 5},
    "storage": {"url": None, "journal": None, "workers": 1, "heartbeat_interval_s": 30, "grace_period_s": 120,
                "max_retry": 3},
    "warm_start": {"enabled": False, "n_candidates": 48, "n_enqueue": 3, "narrow_top": 6, "margin": 0.15},
}
TOP = {"name", "description", "experiment", "T"}
BOUND_MODES = ("constraint", "objective", "none")
SAMPLERS = ("tpe", "random")


class CampaignSpecError(ValueError):
    """A malformed campaign spec; the message names the field and the fix."""


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    experiment: Path
    T: float
    device: dict
    search: dict
    objective: dict
    budget: dict
    sampler: dict
    storage: dict
    warm_start: dict
    description: str = ""
    source: Path | None = field(default=None, compare=False)

    def digest(self) -> str:
        """What defines the campaign's problem (not its budget or storage): a resumed campaign must match it."""
        core = {"experiment": Path(self.experiment).read_text(), "T": self.T, "device": self.device,
                "search": self.search, "objective": self.objective, "sampler": self.sampler,
                "warm_start": self.warm_start}
        return hashlib.sha256(json.dumps(core, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def with_changes(self, **sections) -> "CampaignSpec":
        """A copy with some sections' fields replaced, e.g. with_changes(budget={"n_trials": 5})."""
        kw = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for sec, changes in sections.items():
            kw[sec] = {**kw[sec], **changes} if isinstance(kw[sec], dict) else changes
        return CampaignSpec(**kw)


def _section(raw: dict, name: str) -> dict:
    given = raw.get(name, {})
    if not isinstance(given, dict):
        raise CampaignSpecError(f"[{name}] must be a table")
    if name == "search":
        return dict(given)
    unknown = set(given) - set(DEFAULTS[name])
    if unknown:
        raise CampaignSpecError(f"[{name}] has unknown fields {sorted(unknown)}; known: {sorted(DEFAULTS[name])}")
    return {**DEFAULTS[name], **given}


def _check(spec: CampaignSpec) -> None:
    from .space import parse_space

    parse_space(spec.search)                                  # raises CampaignSpecError naming the parameter
    o, b, s, st = spec.objective, spec.budget, spec.sampler, spec.storage
    if o["bound"] not in BOUND_MODES:
        raise CampaignSpecError(f"objective.bound = {o['bound']!r}; choose one of {BOUND_MODES}")
    if not (isinstance(o["loss_order"], int) and 0 <= o["loss_order"] <= 3):
        raise CampaignSpecError(f"objective.loss_order = {o['loss_order']!r}; must be an integer 0..3")
    if s["name"] not in SAMPLERS:
        raise CampaignSpecError(f"sampler.name = {s['name']!r}; choose one of {SAMPLERS}")
    if not isinstance(s["seed"], int):
        raise CampaignSpecError(f"sampler.seed = {s['seed']!r}; must be an integer (seeds are explicit)")
    for key in ("n_trials", "batch_size"):
        if not (isinstance(b[key], int) and b[key] >= 1):
            raise CampaignSpecError(f"budget.{key} = {b[key]!r}; must be an integer >= 1")
    if not (isinstance(spec.device["shots"], int) and spec.device["shots"] >= 2):
        raise CampaignSpecError(f"device.shots = {spec.device['shots']!r}; need an integer >= 2 (an error bar)")
    if not (isinstance(st["workers"], int) and st["workers"] >= 1):
        raise CampaignSpecError(f"storage.workers = {st['workers']!r}; must be an integer >= 1")
    if st["url"] and st["journal"]:
        raise CampaignSpecError("[storage] sets both url and journal; choose one")
    if not (spec.T > 0):
        raise CampaignSpecError(f"T = {spec.T}; the final time must be positive")


def load_campaign(path: str | Path) -> CampaignSpec:
    path = Path(path)
    raw = read_toml(path, CampaignSpecError, "calibration/hem_emulator.toml")
    unknown = set(raw) - TOP - set(DEFAULTS)
    if unknown:
        raise CampaignSpecError(f"{path}: unknown fields or tables {sorted(unknown)}; known: "
                                f"{sorted(TOP | set(DEFAULTS))}")
    for key in ("name", "experiment", "T"):
        if key not in raw:
            raise CampaignSpecError(f"{path}: missing '{key}'")
    experiment = (path.parent / raw["experiment"]).resolve()
    if not experiment.is_file():
        raise CampaignSpecError(f"{path}: experiment = {raw['experiment']!r} is not a file (resolved to "
                                f"{experiment}); give a path relative to the campaign spec")
    name = str(raw["name"])
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise CampaignSpecError(f"name = {name!r}; use letters, digits, '-', '_' and '.' (it names the study)")
    spec = CampaignSpec(name, experiment, float(raw["T"]), *(_section(raw, k) for k in DEFAULTS),
                        description=str(raw.get("description", "")), source=path.resolve())
    _check(spec)
    return spec
