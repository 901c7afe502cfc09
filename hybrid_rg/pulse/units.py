"""From the dimensionless device Hamiltonian of the HEM to a pulse program in physical units, and back for limits.

The HEM works in units of the nearest-neighbour interaction: V_nn = 1 at unit spacing. On a device with van der
Waals coefficient C6 and a chosen spacing a, that unit is the energy scale

    E = C6 / a^6   (rad/µs),

so a dimensionless time t is t/E µs, a dimensionless Ω, Δ is E·Ω, E·Δ rad/µs, a position x is a·x µm, and a slew
rate s (per dimensionless time) is E²·s rad/µs². `RydbergLimits` holds a device's limits in physical units;
`channel_limits` turns them into the HEM's dimensionless `ChannelLimits` for a spacing, so training respects
the device (and `compile_hem` then produces a program inside those limits, up to the device's grids, which
`devices.discretize` applies).

Only a device-native prediction system compiles: a terminal HEM (`terminal = true`) with the van der Waals
interaction and global Ω, Δ (φ and the local detuning optional). A nearest-neighbour-only HEM has no array
that realises it (every real pair interacts), so compiling it is refused with that reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..olrg.controls import ChannelLimits, PWLControl
from ..olrg.hem import HamiltonianExpressionMap
from ..operators.rydberg import C6_AQUILA_RAD_PER_US_UM6
from .program import LocalDetuning, RydbergProgram, Waveform


@dataclass(frozen=True)
class RydbergLimits:
    """A Rydberg device's drive limits in physical units (QuEra Aquila's published values by default;
    devices/quera_aquila.toml is the snapshot with its source)."""

    c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6
    rabi_max_rad_per_us: float = 15.8
    rabi_slew_rad_per_us2: float = 250.0
    detuning_min_rad_per_us: float = -125.0
    detuning_max_rad_per_us: float = 125.0
    detuning_slew_rad_per_us2: float = 2500.0
    local_detuning_max_rad_per_us: float = 0.0       # 0: no local detuning channel
    min_time_step_us: float = 0.05
    max_duration_us: float = 4.0
    min_spacing_um: float = 4.0


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


def max_knots(limits: RydbergLimits, spacing_um: float, T: float) -> int:
    """The most equally spaced knots a waveform of dimensionless duration T can have on the device."""
    duration = T / energy_scale(spacing_um, limits.c6_rad_per_us_um6)
    return max(2, int(math.floor(duration / limits.min_time_step_us + 1e-9)) + 1)


def _sampled(control, T: float, n: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Knot times and values of a channel in dimensionless units, and the largest deviation of the linear
    interpolation from the control (0 for a piecewise-linear control, which is reproduced exactly)."""
    with torch.no_grad():
        if isinstance(control, PWLControl):
            return control.knots.numpy(), control.values()[:, 0].numpy(), 0.0
        t = torch.linspace(0.0, T, n, dtype=torch.float64)
        v = control(t)[:, 0]
        mid = control(0.5 * (t[1:] + t[:-1]))[:, 0]
        return t.numpy(), v.numpy(), float((mid - 0.5 * (v[1:] + v[:-1])).abs().max())


def compile_hem(hem: HamiltonianExpressionMap, n: int, spacing_um: float,
                c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6, samples: int = 201) -> RydbergProgram:
    """The pulse program that plays scale n's device Hamiltonian of `hem` on atoms `spacing_um` apart.

    MLP controls are sampled at `samples` equally spaced times; the program's metadata records the largest
    deviation of the linear interpolation between samples (in rad/µs), so the approximation is stated."""
    f = hem.family
    if f.interaction != "vdw":
        raise ValueError("only a van der Waals HEM compiles to a physical array: with interaction = 'nearest' every "
                         "pair beyond nearest neighbours would interact on a device; set map.interaction = 'vdw'")
    if f.site_resolved:
        raise ValueError("the device drives Ω and Δ globally; a site-resolved HEM (map.site_resolved = true) "
                         "does not compile to Aquila-like hardware")
    if str(n) not in hem.controls:
        raise ValueError(f"the HEM has no controls for scale {n}; run the flow (train it) first")
    E = energy_scale(spacing_um, c6_rad_per_us_um6)
    ctl = hem.controls[str(n)]
    deviation = {}

    def waveform(name: str, interpolation: str = "linear") -> Waveform:
        t, v, dev = _sampled(ctl[name], hem.T, samples)
        deviation[name] = dev * E
        return Waveform(tuple(t / E), tuple(v * E), interpolation)

    amplitude, detuning = waveform("omega"), waveform("delta")
    if "phase" in ctl:
        t, v, _ = _sampled(ctl["phase"], hem.T, samples)
        phase = Waveform(tuple(t / E), tuple(v), "constant")
        deviation["phase"] = float(np.abs(np.diff(v)).max(initial=0.0))
    else:
        phase = Waveform.constant(0.0, hem.T / E, "constant")
    local = None
    if f.local_detuning:
        with torch.no_grad():
            pattern = tuple(float(h) for h in hem.pattern(n))
        local = LocalDetuning(pattern, waveform("local"))
    with torch.no_grad():
        x = hem.positions(n).numpy()
    meta = {"source": "hybrid_rg.pulse.units.compile_hem", "scale": str(n), "spacing_um": repr(spacing_um),
            "energy_scale_rad_per_us": repr(E), "dimensionless_T": repr(hem.T),
            **{f"max_interpolation_error_{k}": repr(v) for k, v in deviation.items()}}
    return RydbergProgram(tuple((float(spacing_um * xi), 0.0) for xi in x), amplitude, detuning, phase, local,
                          c6_rad_per_us_um6, tuple(sorted(meta.items())))
