"""An analog Rydberg pulse program in physical units: what a neutral-atom device (QuEra Aquila) runs.

    H(t)/ħ = Σ_i Ω(t)/2 (cos φ(t) X_i − sin φ(t) Y_i) − Σ_i [Δ(t) + h_i Δ_loc(t)] n_i + Σ_{i<j} C6/r_ij^6 n_i n_j

n_i = |r⟩⟨r| on atom i; every atom starts in the ground state |g⟩; a shot measures every atom. This is the
convention of Amazon Braket's AHS (and of `operators.rydberg`). Bitstrings in hybrid_rg are '0' = ground,
'1' = Rydberg, atom 0 first (Braket's own result strings use 'g'/'r'; adapters convert).

Units live in the names: µs, rad/µs, rad, µm, rad/µs·µm^6. Waveforms are piecewise linear (amplitude,
detuning, local detuning) or piecewise constant (phase, as Braket requires) between knots; all waveforms of a
program start at t = 0 and end at the same duration. A program is a frozen, hashable value; `digest()` is a
content hash that keys caches, ledgers and provenance; `to_json`/`from_json` round-trip exactly.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import BadInput

# chain_positions is the operators layer's (one definition), named here too because programs are built on it.
from ..operators.rydberg import C6_AQUILA_RAD_PER_US_UM6, chain_positions

INTERPOLATIONS = ("linear", "constant")


class ProgramError(BadInput):
    """A malformed program or program file (not a device limit: those are reported by devices.validate). Fix the
    field the message names, or pass a file that holds a RydbergProgram (JSON) or a list of them."""


def _floats(values, name: str) -> tuple[float, ...]:
    out = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in out):
        raise ProgramError(f"{name} has a value that is not a finite number: {list(values)}")
    return out


@dataclass(frozen=True)
class Waveform:
    """Values at knot times. 'linear': straight lines between knots; 'constant': value[k] holds on
    [t_k, t_{k+1}) and the last value at the end time (the way Braket reads a piecewise-constant phase)."""

    times_us: tuple[float, ...]
    values: tuple[float, ...]
    interpolation: str = "linear"

    def __post_init__(self):
        object.__setattr__(self, "times_us", _floats(self.times_us, "waveform times"))
        object.__setattr__(self, "values", _floats(self.values, "waveform values"))
        if self.interpolation not in INTERPOLATIONS:
            raise ProgramError(f"interpolation '{self.interpolation}' unknown; use one of {INTERPOLATIONS}")
        if len(self.times_us) < 2 or len(self.times_us) != len(self.values):
            raise ProgramError(
                f"a waveform needs >= 2 knots and one value per knot "
                f"(got {len(self.times_us)} times, {len(self.values)} values)"
            )
        if self.times_us[0] != 0.0:
            raise ProgramError(f"a waveform starts at t = 0 µs (got {self.times_us[0]})")
        if any(b <= a for a, b in zip(self.times_us, self.times_us[1:])):
            raise ProgramError(f"waveform times must increase strictly: {list(self.times_us)}")

    @classmethod
    def constant(cls, value: float, duration_us: float, interpolation: str = "linear") -> "Waveform":
        return cls((0.0, duration_us), (value, value), interpolation)

    @property
    def duration_us(self) -> float:
        return self.times_us[-1]

    def __call__(self, t_us) -> np.ndarray:
        t = np.asarray(t_us, dtype=float)
        ts, vs = np.asarray(self.times_us), np.asarray(self.values)
        if self.interpolation == "linear":
            return np.interp(t, ts, vs)
        idx = np.clip(np.searchsorted(ts, t, side="right") - 1, 0, len(vs) - 1)
        return vs[idx]

    def to_dict(self) -> dict:
        return {"times_us": list(self.times_us), "values": list(self.values), "interpolation": self.interpolation}

    @classmethod
    def from_dict(cls, d: dict) -> "Waveform":
        return cls(tuple(d["times_us"]), tuple(d["values"]), d.get("interpolation", "linear"))


@dataclass(frozen=True)
class LocalDetuning:
    """−Δ_loc(t) Σ_i h_i n_i with a site pattern h_i ∈ [0, 1] (Braket's LocalDetuning)."""

    pattern: tuple[float, ...]
    magnitude: Waveform

    def __post_init__(self):
        object.__setattr__(self, "pattern", _floats(self.pattern, "local detuning pattern"))

    def to_dict(self) -> dict:
        return {"pattern": list(self.pattern), "magnitude": self.magnitude.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> "LocalDetuning":
        return cls(tuple(d["pattern"]), Waveform.from_dict(d["magnitude"]))


@dataclass(frozen=True)
class RydbergProgram:
    positions_um: tuple[tuple[float, float], ...]
    amplitude: Waveform  # Ω(t), rad/µs
    detuning: Waveform  # Δ(t), rad/µs
    phase: Waveform  # φ(t), rad, piecewise constant
    local_detuning: LocalDetuning | None = None
    c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6
    metadata: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # free text, not hashed

    def __post_init__(self):
        pos = tuple(tuple(float(x) for x in p) for p in self.positions_um)
        if not pos or any(len(p) != 2 or not all(math.isfinite(x) for x in p) for p in pos):
            raise ProgramError("positions_um must be a non-empty list of finite (x, y) pairs in µm")
        object.__setattr__(self, "positions_um", pos)
        if len(set(pos)) != len(pos):
            raise ProgramError("two atoms share one position; separate them")
        ends = {w.duration_us for w in self.waveforms().values()}
        if len(ends) != 1:
            raise ProgramError(f"all waveforms must end at the same time; got end times {sorted(ends)} µs")
        if self.local_detuning is not None and len(self.local_detuning.pattern) != len(pos):
            raise ProgramError(
                f"local detuning pattern has {len(self.local_detuning.pattern)} entries for {len(pos)} atoms"
            )
        if not (self.c6_rad_per_us_um6 > 0):
            raise ProgramError(f"C6 = {self.c6_rad_per_us_um6}; must be positive")

    @property
    def n_atoms(self) -> int:
        return len(self.positions_um)

    def with_metadata(self, **extra: str) -> "RydbergProgram":
        """The same program with `extra` added to its metadata (which is free text: the digest does not change)."""
        return replace(self, metadata=tuple(sorted((dict(self.metadata) | extra).items())))

    @property
    def duration_us(self) -> float:
        return self.amplitude.duration_us

    def waveforms(self) -> dict[str, Waveform]:
        out = {"amplitude": self.amplitude, "detuning": self.detuning, "phase": self.phase}
        if self.local_detuning is not None:
            out["local_detuning"] = self.local_detuning.magnitude
        return out

    def interactions(self) -> list[tuple[int, int, float]]:
        """(i, j, C6/r_ij^6 in rad/µs) for every pair i < j."""
        pos = np.asarray(self.positions_um)
        return [
            (i, j, self.c6_rad_per_us_um6 / float(np.sum((pos[i] - pos[j]) ** 2)) ** 3)
            for i in range(len(pos))
            for j in range(i + 1, len(pos))
        ]

    def to_dict(self) -> dict:
        return {
            "format": "hybrid-rg.rydberg-program/1",
            "positions_um": [list(p) for p in self.positions_um],
            "amplitude": self.amplitude.to_dict(),
            "detuning": self.detuning.to_dict(),
            "phase": self.phase.to_dict(),
            "local_detuning": None if self.local_detuning is None else self.local_detuning.to_dict(),
            "c6_rad_per_us_um6": self.c6_rad_per_us_um6,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "RydbergProgram":
        if not isinstance(d, dict) or d.get("format") != "hybrid-rg.rydberg-program/1":
            shown = d.get("format") if isinstance(d, dict) else type(d).__name__
            raise ProgramError(f"not a hybrid-rg Rydberg program (format = {shown!r})")
        _check_wire(d)
        try:
            return cls(
                tuple(tuple(p) for p in d["positions_um"]),
                Waveform.from_dict(d["amplitude"]),
                Waveform.from_dict(d["detuning"]),
                Waveform.from_dict(d["phase"]),
                None if d.get("local_detuning") is None else LocalDetuning.from_dict(d["local_detuning"]),
                float(d.get("c6_rad_per_us_um6", C6_AQUILA_RAD_PER_US_UM6)),
                tuple(sorted((str(k), str(v)) for k, v in (d.get("metadata") or {}).items())),
            )
        except (KeyError, TypeError) as err:
            raise ProgramError(f"program is missing or mistypes a field: {err}") from err

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> "RydbergProgram":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as err:
            raise ProgramError(f"not valid JSON: {err}") from err

    def digest(self) -> str:
        """sha256 of the canonical JSON without metadata: equal programs have equal digests."""
        d = self.to_dict()
        d.pop("metadata")
        return hashlib.sha256(json.dumps(d, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _check_wire(d: dict) -> None:
    """The JSON form checked field by field (the one spec layer, strict): a string where a number belongs, a list
    where a table belongs or an unknown key (a typo that would drop a waveform) is a ProgramError naming the
    field."""
    from pydantic import ValidationError

    from ..utils.specs import describe

    try:
        _ProgramWire.model_validate(d)
    except ValidationError as err:
        raise ProgramError(describe(err, _ProgramWire) + "; fix the program file") from None


def _wire_models():
    from typing import Annotated, Literal

    from pydantic import Field

    from ..utils.specs import SpecModel

    class WaveformWire(SpecModel):
        times_us: list[float]
        values: list[float]
        interpolation: Literal["linear", "constant"] = "linear"

    class LocalDetuningWire(SpecModel):
        pattern: list[float]
        magnitude: WaveformWire

    class ProgramWire(SpecModel):
        format: Literal["hybrid-rg.rydberg-program/1"]
        positions_um: list[Annotated[list[float], Field(min_length=2, max_length=2)]]
        amplitude: WaveformWire
        detuning: WaveformWire
        phase: WaveformWire
        local_detuning: LocalDetuningWire | None = None
        c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6
        metadata: dict[str, str | int | float | bool | None] = {}

    return ProgramWire


_ProgramWire = _wire_models()


__all__ = ["Waveform", "LocalDetuning", "RydbergProgram", "ProgramError", "chain_positions"]
