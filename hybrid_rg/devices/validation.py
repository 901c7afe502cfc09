"""Offline validation of a `RydbergProgram` against a device snapshot, before anything runs or is sent.

Users of Braket ask for a dry run ("the only method to validate ... is to submit that program as a task");
this is it: `validate(program, spec)` checks every limit the snapshot holds and names, for each violated one,
the value, the limit and the fix. Numbers are compared as exact decimals of their shortest float repr
(`Decimal(repr(x))`), so 0.1 µs on a 0.001 µs grid is on the grid, as the user meant, and a value equal to a
limit passes. One violation is reported per limit and waveform (the worst offender, with a count), so a
500-knot waveform off the grid gives one line, not 500.

Adapters call `require_valid(programs, spec)` on the whole batch first: an invalid program never reaches a
device, and nothing of the batch runs (`ValidationError` carries every report).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from ..errors import BadInput
from ..pulse.program import RydbergProgram, Waveform
from .spec import DeviceSpec

D = Decimal


def dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


@dataclass(frozen=True)
class Violation:
    field: str  # e.g. "amplitude.slew_rate", "positions.spacing"
    value: str  # the offending value, with units
    limit: str  # the limit, with units
    fix: str  # what to change

    def __str__(self) -> str:
        return f"{self.field}: {self.value} violates {self.limit}. Fix: {self.fix}"


@dataclass(frozen=True)
class ValidationReport:
    device: str
    spec_digest: str
    program_digest: str
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def __str__(self) -> str:
        head = f"program {self.program_digest[:12]} on {self.device}: "
        if self.ok:
            return head + "valid"
        return head + f"{len(self.violations)} violation(s)\n" + "\n".join(f"  - {v}" for v in self.violations)


class ValidationError(BadInput):
    """A batch holds programs that violate the device snapshot; nothing was run or submitted. `.reports` has one
    report per invalid program, each naming the value, the limit and the fix: fix the programs (or
    `discretize(program, spec)` them onto the grids) or choose another device."""

    def __init__(self, reports: Sequence[ValidationReport], message: str | None = None):
        self.reports = list(reports)
        text = (
            message
            or f"{len(self.reports)} program(s) of the batch are invalid for "
            f"{self.reports[0].device if self.reports else '?'}; nothing was run\n"
            + "\n".join(str(r) for r in self.reports)
        )
        # one line (the command line prints errors as one line): a report's "\n  - violation" items become "; "
        super().__init__(re.sub(r"\s*\n\s*-\s*", "; ", text).replace("\n", " | "))


def _off_grid(x: Decimal, res: Decimal) -> bool:
    return res > 0 and x % res != 0


class _Checker:
    def __init__(self):
        self.out: list[Violation] = []

    def add(self, field, value, limit, fix):
        self.out.append(Violation(field, value, limit, fix))

    def range(self, field, values, lo, hi, unit):
        bad = [(k, v) for k, v in enumerate(values) if (lo is not None and v < lo) or (hi is not None and v > hi)]
        if bad:
            k, v = max(
                bad, key=lambda kv: max(lo - kv[1] if lo is not None else 0, kv[1] - hi if hi is not None else 0)
            )
            self.add(
                field,
                f"{v} {unit} at knot {k} ({len(bad)} knot(s) out of range)",
                f"range [{lo}, {hi}] {unit}",
                f"keep every value within [{lo}, {hi}] {unit}",
            )

    def grid(self, field, values, res, unit, what="knot"):
        if res is None:
            return
        bad = [(k, v) for k, v in enumerate(values) if _off_grid(v, res)]
        if bad:
            k, v = bad[0]
            self.add(
                field,
                f"{v} {unit} at {what} {k} ({len(bad)} value(s) off the grid)",
                f"resolution {res} {unit}",
                "round onto the device grid with hybrid_rg.devices.discretize(program, spec)",
            )


def _waveform(
    c: _Checker, name: str, w: Waveform, *, lo, hi, res, slew, unit, time_res, dt_min, interpolation: str
) -> None:
    times = [dec(t) for t in w.times_us]
    vals = [dec(v) for v in w.values]
    if w.interpolation != interpolation and len(set(vals)) > 1:
        c.add(
            f"{name}.interpolation",
            f"'{w.interpolation}'",
            f"'{interpolation}' (the device's {name} shape)",
            f"give {name} as a '{interpolation}' waveform",
        )
    c.range(f"{name}.values", vals, lo, hi, unit)
    c.grid(f"{name}.values.resolution", vals, res, unit)
    c.grid(f"{name}.times.resolution", times, time_res, "µs")
    if dt_min is not None:
        steps = [(k, b - a) for k, (a, b) in enumerate(zip(times, times[1:]))]
        short = [(k, s) for k, s in steps if s < dt_min]
        if short:
            k, s = min(short, key=lambda ks: ks[1])
            c.add(
                f"{name}.times.min_step",
                f"step {s} µs between knots {k} and {k + 1} ({len(short)} short step(s))",
                f"minimum time step {dt_min} µs",
                f"merge or spread knots so consecutive times differ by >= {dt_min} µs",
            )
    if slew is not None and w.interpolation == "linear":
        rates = [(k, abs(vals[k + 1] - vals[k]) / (times[k + 1] - times[k])) for k in range(len(times) - 1)]
        fast = [(k, r) for k, r in rates if r > slew]
        if fast:
            k, r = max(fast, key=lambda kr: kr[1])
            need = abs(vals[k + 1] - vals[k]) / slew
            c.add(
                f"{name}.slew_rate",
                f"{r:.6g} {unit}/µs between knots {k} and {k + 1} ({len(fast)} ramp(s) too steep)",
                f"maximum slew rate {slew} {unit}/µs",
                f"lengthen that ramp to >= {need:.6g} µs or reduce the change in {name}",
            )


def _positions(c: _Checker, program: RydbergProgram, lim) -> None:
    pos = [(dec(x), dec(y)) for x, y in program.positions_um]
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    for axis, vals, size in (("width", xs, lim.area_width_um), ("height", ys, lim.area_height_um)):
        span = max(vals) - min(vals)
        if size is not None and span > size:
            c.add(
                f"positions.{axis}",
                f"{span} µm",
                f"area {axis} {size} µm",
                f"shrink the array's {axis} to <= {size} µm",
            )
    if lim.position_resolution_um is not None:
        c.grid("positions.resolution", [v for p in pos for v in p], lim.position_resolution_um, "µm", "coordinate")
    if lim.spacing_radial_min_um is not None and len(pos) > 1:
        (i, j), d2 = min(
            (
                ((i, j), (pos[i][0] - pos[j][0]) ** 2 + (pos[i][1] - pos[j][1]) ** 2)
                for i, j in itertools.combinations(range(len(pos)), 2)
            ),
            key=lambda t: t[1],
        )
        if d2 < lim.spacing_radial_min_um**2:
            c.add(
                "positions.spacing",
                f"{d2.sqrt():.6g} µm between atoms {i} and {j}",
                f"minimum radial spacing {lim.spacing_radial_min_um} µm",
                f"move atoms {i} and {j} at least {lim.spacing_radial_min_um} µm apart",
            )
    if lim.spacing_vertical_min_um is not None:
        rows = sorted(set(ys))
        gaps = [(b - a, a, b) for a, b in zip(rows, rows[1:]) if b - a < lim.spacing_vertical_min_um]
        if gaps:
            g, a, b = min(gaps)
            c.add(
                "positions.row_spacing",
                f"{g} µm between rows y={a} and y={b} µm",
                f"minimum row spacing {lim.spacing_vertical_min_um} µm",
                f"put atoms on the same row or rows >= {lim.spacing_vertical_min_um} µm apart",
            )


def _local(c: _Checker, program: RydbergProgram, lim) -> None:
    ld = program.local_detuning
    if not lim.local_detuning:
        c.add(
            "local_detuning",
            "a local detuning term",
            "no local detuning on this device",
            "drop the local detuning or use a device that supports it",
        )
        return
    pattern = [dec(h) for h in ld.pattern]
    c.range("local_detuning.pattern", pattern, lim.local_pattern_min, lim.local_pattern_max, "")
    _waveform(
        c,
        "local_detuning",
        ld.magnitude,
        lo=lim.local_detuning_min_rad_per_us,
        hi=lim.local_detuning_max_rad_per_us,
        res=None,
        slew=lim.local_detuning_slew_max_rad_per_us2,
        unit="rad/µs",
        time_res=lim.local_time_resolution_us,
        dt_min=lim.local_time_delta_min_us,
        interpolation="linear",
    )
    sites = [i for i, h in enumerate(pattern) if h != 0]
    if lim.local_max_sites is not None and len(sites) > lim.local_max_sites:
        c.add(
            "local_detuning.sites",
            f"{len(sites)} sites with a non-zero pattern",
            f"at most {lim.local_max_sites}",
            f"address at most {lim.local_max_sites} sites",
        )
    if lim.local_spacing_radial_min_um is not None:
        pos = [(dec(x), dec(y)) for x, y in program.positions_um]
        close = [
            (i, j)
            for i, j in itertools.combinations(sites, 2)
            if (pos[i][0] - pos[j][0]) ** 2 + (pos[i][1] - pos[j][1]) ** 2 < lim.local_spacing_radial_min_um**2
        ]
        if close:
            i, j = close[0]
            c.add(
                "local_detuning.spacing",
                f"addressed atoms {i} and {j} closer than the limit ({len(close)} pair(s))",
                f"minimum spacing {lim.local_spacing_radial_min_um} µm between addressed sites",
                "set the pattern of one atom of each close pair to 0 or move them apart",
            )


def validate(program: RydbergProgram, spec: DeviceSpec, shots: int | None = None) -> ValidationReport:
    """Every limit of `spec` that `program` (and `shots`, if given) violates; see the module docstring."""
    c = _Checker()
    lim = spec.rydberg
    if spec.max_atoms is not None and program.n_atoms > spec.max_atoms:
        c.add("n_atoms", str(program.n_atoms), f"at most {spec.max_atoms} atoms", f"use <= {spec.max_atoms} atoms")
    if shots is not None and (shots < 1 or (spec.shots_max is not None and shots > spec.shots_max)):
        c.add("shots", str(shots), f"1 to {spec.shots_max} shots per task", "split the shots over several tasks")
    if spec.kind == "digital":
        return ValidationReport(spec.name, spec.digest(), program.digest(), tuple(c.out))
    duration = dec(program.duration_us)
    if lim.duration_max_us is not None and duration > lim.duration_max_us:
        c.add(
            "duration",
            f"{duration} µs",
            f"maximum duration {lim.duration_max_us} µs",
            f"shorten the program to <= {lim.duration_max_us} µs",
        )
    if lim.duration_min_us is not None and duration < lim.duration_min_us:
        c.add("duration", f"{duration} µs", f"minimum duration {lim.duration_min_us} µs", "lengthen the program")
    if lim.c6_rad_per_us_um6 is not None:
        rel = abs(dec(program.c6_rad_per_us_um6) - lim.c6_rad_per_us_um6) / lim.c6_rad_per_us_um6
        if rel > D("1e-6"):
            c.add(
                "c6",
                f"{program.c6_rad_per_us_um6} rad/µs·µm^6",
                f"the device's C6 {lim.c6_rad_per_us_um6} rad/µs·µm^6",
                f"build the program with c6_rad_per_us_um6={lim.c6_rad_per_us_um6}",
            )
    _positions(c, program, lim)
    _waveform(
        c,
        "amplitude",
        program.amplitude,
        lo=lim.rabi_min_rad_per_us,
        hi=lim.rabi_max_rad_per_us,
        res=lim.rabi_resolution_rad_per_us,
        slew=lim.rabi_slew_max_rad_per_us2,
        unit="rad/µs",
        time_res=lim.time_resolution_us,
        dt_min=lim.time_delta_min_us,
        interpolation="linear",
    )
    if lim.amplitude_zero_at_ends and (program.amplitude.values[0] != 0 or program.amplitude.values[-1] != 0):
        c.add(
            "amplitude.ends",
            f"Ω(0) = {program.amplitude.values[0]}, Ω(T) = {program.amplitude.values[-1]} rad/µs",
            "Ω = 0 at the first and last knot",
            "ramp the amplitude up from 0 and back down to 0",
        )
    _waveform(
        c,
        "detuning",
        program.detuning,
        lo=lim.detuning_min_rad_per_us,
        hi=lim.detuning_max_rad_per_us,
        res=lim.detuning_resolution_rad_per_us,
        slew=lim.detuning_slew_max_rad_per_us2,
        unit="rad/µs",
        time_res=lim.time_resolution_us,
        dt_min=lim.time_delta_min_us,
        interpolation="linear",
    )
    _waveform(
        c,
        "phase",
        program.phase,
        lo=lim.phase_min_rad,
        hi=lim.phase_max_rad,
        res=lim.phase_resolution_rad,
        slew=None,
        unit="rad",
        time_res=lim.time_resolution_us,
        dt_min=lim.time_delta_min_us,
        interpolation="constant",
    )
    if program.local_detuning is not None:
        _local(c, program, lim)
    return ValidationReport(spec.name, spec.digest(), program.digest(), tuple(c.out))


def validate_batch(
    programs: Sequence[RydbergProgram], spec: DeviceSpec, shots: int | None = None
) -> list[ValidationReport]:
    return [validate(p, spec, shots) for p in programs]


def require_valid(programs: Sequence[RydbergProgram], spec: DeviceSpec, shots: int | None = None) -> None:
    """Raise ValidationError (nothing runs) if any program of the batch is invalid."""
    bad = [r for r in validate_batch(programs, spec, shots) if not r.ok]
    if bad:
        raise ValidationError(bad)


__all__ = ["validate", "validate_batch", "require_valid", "ValidationReport", "Violation", "ValidationError"]
