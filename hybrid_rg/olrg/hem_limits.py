"""A Rydberg device's limits as the HEM's controls: `ChannelLimits`, ramp times and knot counts.

The limits themselves and their dimensionless form are `hybrid_rg.limits.RydbergLimits` (read from the device's
snapshot; `scale_units(spacing_um)` gives them in units of the nearest-neighbour interaction E = C6/a^6).
`channel_limits` turns them into the controls' `ChannelLimits` for a spacing, so training never leaves what the
device accepts (pulse.units.compile_hem then writes the program in physical units).
"""

from __future__ import annotations

import math

from ..limits import RydbergLimits
from .controls import ChannelLimits


def channel_limits(limits: RydbergLimits, spacing_um: float) -> dict[str, ChannelLimits]:
    """The HEM's dimensionless limits for atoms `spacing_um` apart (Ω starts and ends at 0 where the device
    requires it, as Aquila does), with the device's time and value grids, so that slopes stay within the slew
    limits after the program is rounded onto them."""
    s = limits.scale_units(spacing_um)
    out = {
        "omega": ChannelLimits(
            0.0, s.rabi_max, s.rabi_slew_max, limits.amplitude_zero_at_ends, s.time_resolution, s.rabi_resolution
        ),
        "delta": ChannelLimits(
            s.detuning_min, s.detuning_max, s.detuning_slew_max, False, s.time_resolution, s.detuning_resolution
        ),
    }
    if s.local_detuning_max > 0:
        out["local"] = ChannelLimits(0.0, s.local_detuning_max)
    return out


def ramp_time(limits: RydbergLimits, spacing_um: float, omega: float) -> float:
    """Dimensionless time for Ω to rise from 0 to `omega` (dimensionless): at the slew limit after rounding onto
    the device's grids, and never shorter than one device time step after rounding (a step plus one grid)."""
    s = limits.scale_units(spacing_um)
    return max(s.time_delta_min + s.time_resolution, channel_limits(limits, spacing_um)["omega"].ramp(omega))


def max_knots(limits: RydbergLimits, spacing_um: float, T: float, ramp: float = 0.0) -> int:
    """The most knots a waveform of dimensionless duration T can have on the device: equally spaced, or with
    ramp knots at `ramp` and T − ramp and the rest equally spaced between them."""
    # the device's minimum time step plus one grid step (rounding may shorten an interval by that), dimensionless
    s = limits.scale_units(spacing_um)
    step = s.time_delta_min + s.time_resolution
    if ramp > 0:
        return max(2, int(math.floor((T - 2 * ramp) / step + 1e-9)) + 3)
    return max(2, int(math.floor(T / step + 1e-9)) + 1)


__all__ = ["channel_limits", "ramp_time", "max_knots"]
