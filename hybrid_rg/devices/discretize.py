"""`discretize(program, spec)`: the same program snapped onto a device's grids, as a pure function.

Every time, value and coordinate is rounded to the nearest multiple of its resolution in exact decimal
arithmetic (`Decimal(repr(x))`, half-to-even as Python's `round` on a Decimal, which Braket's own discretize
uses), so 0.1 µs stays 0.1 µs and a grid of 0.001 µs never produces 0.30000000000000004. It fails loudly:
when two knots land on the same grid time (the step was below the resolution) it raises `DiscretizationError`
naming the waveform and the times, instead of silently producing a program the device then rejects
(Braket PR #1265, bloqade-analog #425). It does not repair other limits (range, slew, spacing): run
`validate` on the result.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from ..errors import BadInput
from ..pulse.program import LocalDetuning, RydbergProgram, Waveform
from .spec import DeviceSpec


class DiscretizationError(BadInput):
    """Rounding onto the device grid merged knots or the device lacks a needed capability. Spread the knots
    further apart than the device's time resolution, or choose a device that has the capability."""


def snap(x: float, res: Decimal | None) -> float:
    """x rounded to the nearest multiple of res (exact decimal arithmetic); x itself if res is None."""
    if res is None or res == 0:
        return float(x)
    q = (Decimal(repr(float(x))) / res).to_integral_value(rounding=ROUND_HALF_EVEN)
    return float(q * res)


def _waveform(w: Waveform, name: str, time_res, value_res) -> Waveform:
    times = tuple(snap(t, time_res) for t in w.times_us)
    if any(b <= a for a, b in zip(times, times[1:])):
        k = next(k for k, (a, b) in enumerate(zip(times, times[1:])) if b <= a)
        raise DiscretizationError(
            f"{name}: knots {k} and {k + 1} (t = {w.times_us[k]} and {w.times_us[k + 1]} µs) land on the same "
            f"grid time {times[k]} µs (time resolution {time_res} µs); remove one knot or spread them apart"
        )
    return Waveform(times, tuple(snap(v, value_res) for v in w.values), w.interpolation)


def discretize(program: RydbergProgram, spec: DeviceSpec) -> RydbergProgram:
    """`program` on `spec`'s grids (positions, times, amplitude/detuning/phase values). Pure: returns a new
    program and leaves the argument as it was."""
    lim = spec.rydberg
    positions = tuple(
        (snap(x, lim.position_resolution_um), snap(y, lim.position_resolution_um)) for x, y in program.positions_um
    )
    if len(set(positions)) != len(positions):
        raise DiscretizationError(
            f"two atoms land on the same site after rounding to {lim.position_resolution_um} µm; move them apart"
        )
    amplitude = _waveform(program.amplitude, "amplitude", lim.time_resolution_us, lim.rabi_resolution_rad_per_us)
    detuning = _waveform(program.detuning, "detuning", lim.time_resolution_us, lim.detuning_resolution_rad_per_us)
    phase = _waveform(program.phase, "phase", lim.time_resolution_us, lim.phase_resolution_rad)
    local = None
    if program.local_detuning is not None:
        if not lim.local_detuning:
            raise DiscretizationError(f"{spec.name} has no local detuning; drop the local detuning term")
        local = LocalDetuning(
            program.local_detuning.pattern,
            _waveform(program.local_detuning.magnitude, "local_detuning", lim.local_time_resolution_us, None),
        )
    try:
        return RydbergProgram(positions, amplitude, detuning, phase, local, program.c6_rad_per_us_um6, program.metadata)
    except ValueError as err:  # e.g. end times that no longer agree after rounding on different grids
        raise DiscretizationError(f"the discretized program is malformed: {err}") from err


__all__ = ["discretize", "snap", "DiscretizationError"]
