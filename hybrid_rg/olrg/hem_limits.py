"""A Rydberg device's drive limits, and their dimensionless form for the HEM's controls.

The HEM works in units of the nearest-neighbour interaction: V_nn = 1 at unit spacing. On a device with van der
Waals coefficient C6 and a chosen spacing a, that unit is the energy scale E = C6/a^6 (rad/µs), so a dimensionless
time t is t/E µs, a dimensionless Ω or Δ is E·Ω rad/µs, and a slew rate s is E²·s rad/µs². `channel_limits` turns
a device's limits into the controls' `ChannelLimits` for a spacing, so training never leaves what the device
accepts (pulse.units.compile_hem then writes the program in physical units).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..operators.rydberg import C6_AQUILA_RAD_PER_US_UM6
from .controls import ChannelLimits


SNAPSHOTS = Path(__file__).resolve().parents[1] / "devices" / "snapshots"     # package data: read, not imported


@dataclass(frozen=True)
class RydbergLimits:
    """A Rydberg device's drive limits in physical units; `from_snapshot` reads them from devices/snapshots/<name>.toml
    (the defaults are QuEra Aquila's values as recorded there)."""

    c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6
    rabi_max_rad_per_us: float = 25.0
    rabi_slew_rad_per_us2: float = 250.0
    detuning_min_rad_per_us: float = -125.0
    detuning_max_rad_per_us: float = 125.0
    detuning_slew_rad_per_us2: float = 2500.0
    local_detuning_max_rad_per_us: float = 125.0
    min_time_step_us: float = 0.01
    max_duration_us: float = 4.0
    min_spacing_um: float = 4.0

    @classmethod
    def from_snapshot(cls, name: str = "quera_aquila") -> "RydbergLimits":
        path = SNAPSHOTS / f"{name}.toml"
        try:
            lim = tomllib.loads(path.read_text())["limits"]
        except (FileNotFoundError, KeyError) as err:
            raise ValueError(f"no Rydberg device snapshot with limits at {path} ({err})") from None
        return cls(lim["c6_rad_per_us_um6"], lim["rabi_max_rad_per_us"], lim["rabi_slew_max_rad_per_us2"],
                   lim["detuning_min_rad_per_us"], lim["detuning_max_rad_per_us"],
                   lim["detuning_slew_max_rad_per_us2"],
                   lim.get("local_detuning_max_rad_per_us", 0.0) if lim.get("local_detuning") else 0.0,
                   lim["time_delta_min_us"], lim["duration_max_us"], lim["spacing_radial_min_um"])


def energy_scale(spacing_um: float, c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6) -> float:
    """E = C6/a^6 in rad/µs: the physical value of the HEM's unit interaction."""
    if not spacing_um > 0:
        raise ValueError(f"spacing_um = {spacing_um}; must be positive")
    return c6_rad_per_us_um6 / spacing_um ** 6


def channel_limits(limits: RydbergLimits, spacing_um: float) -> dict[str, ChannelLimits]:
    """The HEM's dimensionless limits for atoms `spacing_um` apart (Ω starts and ends at 0, as Aquila requires)."""
    E = energy_scale(spacing_um, limits.c6_rad_per_us_um6)
    out = {"omega": ChannelLimits(0.0, limits.rabi_max_rad_per_us / E, limits.rabi_slew_rad_per_us2 / E ** 2, True),
           "delta": ChannelLimits(limits.detuning_min_rad_per_us / E, limits.detuning_max_rad_per_us / E,
                                  limits.detuning_slew_rad_per_us2 / E ** 2)}
    if limits.local_detuning_max_rad_per_us > 0:
        out["local"] = ChannelLimits(0.0, limits.local_detuning_max_rad_per_us / E)
    return out


def ramp_time(limits: RydbergLimits, spacing_um: float, omega: float) -> float:
    """Dimensionless time for Ω to rise from 0 to `omega` (dimensionless): at the slew limit, and never shorter
    than one device time step."""
    E = energy_scale(spacing_um, limits.c6_rad_per_us_um6)
    return max(limits.min_time_step_us * E, omega / (limits.rabi_slew_rad_per_us2 / E ** 2))


def max_knots(limits: RydbergLimits, spacing_um: float, T: float, ramp: float = 0.0) -> int:
    """The most knots a waveform of dimensionless duration T can have on the device: equally spaced, or with
    ramp knots at `ramp` and T − ramp and the rest equally spaced between them."""
    E = energy_scale(spacing_um, limits.c6_rad_per_us_um6)
    step = limits.min_time_step_us * E                      # the device's minimum time step, dimensionless
    if ramp > 0:
        return max(2, int(math.floor((T - 2 * ramp) / step + 1e-9)) + 3)
    return max(2, int(math.floor(T / step + 1e-9)) + 1)
