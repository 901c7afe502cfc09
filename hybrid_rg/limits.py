"""Device capability snapshots read as data, and the one `RydbergLimits` they hold.

Snapshots (`hybrid_rg/devices/snapshots/<name>.toml`) ship as package data. They are read here, below every layer
that needs them, because `olrg` turns a device's limits into the HEM's dimensionless controls and may not import
`devices`; `devices.spec` builds the full `DeviceSpec` (prices, digital targets, digest) on the same reader.
Numbers are read with `Decimal` (tomllib's parse_float), so resolutions such as 0.001 µs stay exact.

The HEM works in units of the nearest-neighbour interaction: V_nn = 1 at unit spacing. On a device with van der
Waals coefficient C6 and a spacing a, that unit is the energy scale E = C6/a^6 (rad/µs): t µs is t·E in those
units, Ω rad/µs is Ω/E and a slew rate s rad/µs² is s/E². `RydbergLimits.scale_units(a)` gives the limits in
those units (as bloqade's `capabilities.scale_units` does for its own units).

    limits = RydbergLimits.from_snapshot("quera_aquila")
    limits.rabi_max_rad_per_us, limits.scale_units(spacing_um=7.0).rabi_max
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path

from .errors import SpecError
from .operators.rydberg import C6_AQUILA_RAD_PER_US_UM6

# Package data (pyproject: tool.setuptools.package-data), so an installed wheel finds its snapshots too.
SNAPSHOT_DIR = Path(__file__).resolve().parent / "devices" / "snapshots"


class DeviceSpecError(SpecError):
    """An unknown device name or a malformed snapshot file: the message names the file and what to change."""


def snapshot_names() -> list[str]:
    """The names of the shipped snapshots, sorted."""
    return [p.stem for p in sorted(SNAPSHOT_DIR.glob("*.toml"))]


def read_snapshot(name_or_path: str | Path) -> tuple[dict, Path]:
    """The parsed snapshot (floats as Decimal) and its path: a shipped one by name, or any .toml file by path."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = SNAPSHOT_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            raise DeviceSpecError(
                f"no device snapshot named {str(name_or_path)!r}; known devices: "
                f"{snapshot_names()} (or pass a path to a .toml snapshot)"
            )
    if not path.is_file():
        raise DeviceSpecError(f"device snapshot {str(path)!r} does not exist")
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"), parse_float=Decimal), path
    except tomllib.TOMLDecodeError as err:
        raise DeviceSpecError(f"{path}: not valid TOML: {err}; fix the file") from None
    except UnicodeDecodeError:
        raise DeviceSpecError(f"{path}: not a text file (a snapshot is UTF-8 TOML); pass the .toml snapshot") from None
    except ValueError as err:  # an integer of more than 4300 digits
        raise DeviceSpecError(f"{path}: a number cannot be read ({str(err)[:120]}); fix the file") from None
    except OSError as err:
        raise DeviceSpecError(f"{path}: cannot be read ({err.strerror or err})") from None


def energy_scale(spacing_um: float, c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6) -> float:
    """E = C6/a^6 in rad/µs: the physical value of the HEM's unit interaction."""
    if not spacing_um > 0:
        raise ValueError(f"spacing_um = {spacing_um}; must be positive")
    return float(c6_rad_per_us_um6) / float(spacing_um) ** 6


@dataclass(frozen=True)
class ScaledLimits:
    """A Rydberg device's drive limits in the HEM's units at one spacing (`RydbergLimits.scale_units`)."""

    energy_scale: float  # E = C6/a^6, rad/µs
    rabi_max: float
    rabi_slew_max: float
    detuning_min: float
    detuning_max: float
    detuning_slew_max: float
    local_detuning_max: float  # 0 when the device has no local detuning
    time_delta_min: float  # the shortest time step
    duration_max: float
    # the grids a program is rounded onto before submission (devices.discretize); 0 when the device states none
    time_resolution: float = 0.0
    rabi_resolution: float = 0.0
    detuning_resolution: float = 0.0


@dataclass(frozen=True)
class RydbergLimits:
    """Every limit of an analog Rydberg device; None = no limit (a simulator). Decimal values are exact."""

    max_atoms: int | None = None
    area_width_um: Decimal | None = None
    area_height_um: Decimal | None = None
    spacing_radial_min_um: Decimal | None = None
    spacing_vertical_min_um: Decimal | None = None
    position_resolution_um: Decimal | None = None
    c6_rad_per_us_um6: Decimal | None = None
    rabi_min_rad_per_us: Decimal | None = None
    rabi_max_rad_per_us: Decimal | None = None
    rabi_resolution_rad_per_us: Decimal | None = None
    rabi_slew_max_rad_per_us2: Decimal | None = None
    amplitude_zero_at_ends: bool = False
    detuning_min_rad_per_us: Decimal | None = None
    detuning_max_rad_per_us: Decimal | None = None
    detuning_resolution_rad_per_us: Decimal | None = None
    detuning_slew_max_rad_per_us2: Decimal | None = None
    phase_min_rad: Decimal | None = None
    phase_max_rad: Decimal | None = None
    phase_resolution_rad: Decimal | None = None
    time_resolution_us: Decimal | None = None
    time_delta_min_us: Decimal | None = None
    duration_min_us: Decimal | None = None
    duration_max_us: Decimal | None = None
    local_detuning: bool = True
    local_detuning_min_rad_per_us: Decimal | None = None
    local_detuning_max_rad_per_us: Decimal | None = None
    local_detuning_slew_max_rad_per_us2: Decimal | None = None
    local_pattern_min: Decimal | None = None
    local_pattern_max: Decimal | None = None
    local_max_sites: int | None = None
    local_spacing_radial_min_um: Decimal | None = None
    local_time_resolution_us: Decimal | None = None
    local_time_delta_min_us: Decimal | None = None

    @classmethod
    def from_table(cls, table: dict, path: str = "<dict>") -> "RydbergLimits":
        """The limits of a snapshot's `[limits]` table; an unknown key is an error (a typo would drop a limit)."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise DeviceSpecError(f"{path}: unknown limit(s) {unknown}; known limits are {sorted(known)}")
        out = {}
        for key, value in table.items():
            kind = str(known[key].type)
            if kind.startswith("bool"):
                out[key] = bool(value)
            elif kind.startswith("int"):
                out[key] = int(value)
            else:
                out[key] = Decimal(value)
        return cls(**out)

    @classmethod
    def from_snapshot(cls, name_or_path: str | Path = "quera_aquila") -> "RydbergLimits":
        """The limits of a Rydberg device's snapshot, by name or path."""
        data, path = read_snapshot(name_or_path)
        if data.get("kind") != "rydberg" or "limits" not in data:
            raise DeviceSpecError(
                f"{path}: not a Rydberg device snapshot with a [limits] table "
                f"(kind = {data.get('kind')!r}); Rydberg devices: {_rydberg_names()}"
            )
        return cls.from_table(data["limits"], str(path))

    def energy_scale(self, spacing_um: float) -> float:
        """E = C6/a^6 in rad/µs for atoms `spacing_um` apart (the device's C6, Aquila's when it has none)."""
        c6 = C6_AQUILA_RAD_PER_US_UM6 if self.c6_rad_per_us_um6 is None else self.c6_rad_per_us_um6
        return energy_scale(spacing_um, c6)

    def scale_units(self, spacing_um: float) -> ScaledLimits:
        """The drive limits in the HEM's units for atoms `spacing_um` apart (an absent limit becomes ±inf)."""
        E = self.energy_scale(spacing_um)

        def per(value, power, default):
            return default if value is None else float(value) / E**power

        local = self.local_detuning_max_rad_per_us if self.local_detuning else None
        return ScaledLimits(
            E,
            per(self.rabi_max_rad_per_us, 1, float("inf")),
            per(self.rabi_slew_max_rad_per_us2, 2, float("inf")),
            per(self.detuning_min_rad_per_us, 1, float("-inf")),
            per(self.detuning_max_rad_per_us, 1, float("inf")),
            per(self.detuning_slew_max_rad_per_us2, 2, float("inf")),
            per(local, 1, 0.0),
            per(self.time_delta_min_us, -1, 0.0),
            per(self.duration_max_us, -1, float("inf")),
            per(self.time_resolution_us, -1, 0.0),
            per(self.rabi_resolution_rad_per_us, 1, 0.0),
            per(self.detuning_resolution_rad_per_us, 1, 0.0),
        )


def _rydberg_names() -> list[str]:
    return [name for name in snapshot_names() if read_snapshot(name)[0].get("kind") == "rydberg"]


__all__ = [
    "SNAPSHOT_DIR",
    "DeviceSpecError",
    "RydbergLimits",
    "ScaledLimits",
    "energy_scale",
    "read_snapshot",
    "snapshot_names",
]
