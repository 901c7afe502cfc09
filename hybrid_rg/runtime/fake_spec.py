"""Capability snapshots for the runtime's fake devices, shaped like `hybrid_rg.devices.spec.DeviceSpec`.

`fake_aquila` is a paid remote Rydberg device (Aquila's prices: $0.30 per task, $0.01 per shot) served by
`FakeRemoteDevice`; `fake_local` is the free local simulator that stands in for it in dry runs. They let the runtime
and its reliability tests run without the devices layer and without any network. Their `validate` checks a few
Aquila-like limits with the same report shape as `hybrid_rg.devices.validation` (ok, violations, str()).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FakeSpec:
    name: str
    kind: str                       # "rydberg" (remote, paid) | "simulator"
    simulator: str                  # the local device that stands in for this one
    price_per_task_usd: float
    price_per_shot_usd: float
    max_atoms: int = 10
    min_spacing_um: float = 4.0
    max_duration_us: float = 4.0
    max_rabi_rad_per_us: float = 15.8
    source: str = "hybrid_rg.runtime.fake_spec: a test double, not a real device"

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


FAKE_SPECS = {
    "fake_aquila": FakeSpec("fake_aquila", "rydberg", "fake_local", 0.30, 0.01),
    "fake_local": FakeSpec("fake_local", "simulator", "fake_local", 0.0, 0.0),
}


@dataclass(frozen=True)
class Violation:
    field: str
    value: object
    limit: object
    fix: str


@dataclass(frozen=True)
class Report:
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def __str__(self) -> str:
        if self.ok:
            return "valid"
        return "; ".join(f"{v.field} = {v.value} (limit {v.limit}): {v.fix}" for v in self.violations)


def validate(program, spec: FakeSpec) -> Report:
    out = []
    if program.n_atoms > spec.max_atoms:
        out.append(Violation("n_atoms", program.n_atoms, spec.max_atoms, "use fewer atoms"))
    if program.duration_us > spec.max_duration_us:
        out.append(Violation("duration_us", program.duration_us, spec.max_duration_us, "shorten the program"))
    rabi = max(abs(v) for v in program.amplitude.values)
    if rabi > spec.max_rabi_rad_per_us:
        out.append(Violation("amplitude", rabi, spec.max_rabi_rad_per_us, "lower the Rabi frequency"))
    pos = program.positions_um
    d2 = [(a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 for k, a in enumerate(pos) for b in pos[k + 1:]]
    if d2 and min(d2) ** 0.5 < spec.min_spacing_um:
        out.append(Violation("spacing_um", round(min(d2) ** 0.5, 6), spec.min_spacing_um, "move the atoms apart"))
    return Report(tuple(out))


def estimate_cost_usd(spec: FakeSpec, n_tasks: int, shots: int) -> float:
    return n_tasks * (spec.price_per_task_usd + shots * spec.price_per_shot_usd)
