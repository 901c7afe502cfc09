"""The Amazon Braket AHS wire format: `RydbergProgram` <-> `braket.ahs.AnalogHamiltonianSimulation` and its IR JSON.

Braket speaks SI units (m, s, rad/s); hybrid_rg speaks µm, µs, rad/µs. The conversion goes through `Decimal`
(Braket's IR type), shifting the decimal exponent of each number's shortest repr, so program -> AHS -> program
is exact to the last bit (multiplying floats by 1e-6 and back is not). Amplitude, detuning and local detuning
are piecewise linear and the phase piecewise constant on Braket: other interpolations are refused, not guessed.

C6 is not part of the wire format (Braket's simulator takes it as `rydberg_interaction_coef` in rad·m^6/s;
the device fixes it on hardware): `to_ahs` drops it and `from_ahs` takes it as an argument.

Phase: φ is written as is. Braket's local simulator evolves with the opposite sign of φ to our convention
(see emulator/braket_reference.py); which sign Aquila itself uses is not settled here.

Measurements (SDK source, braket/tasks/analog_hamiltonian_simulation_quantum_task_result.py, `get_counts`):
pre_sequence[i] = 1 if site i held an atom before the program; post_sequence[i] = 1 for an atom found in the
ground state afterwards and 0 for Rydberg (Rydberg atoms are pushed out before imaging, so 0 also covers an
atom lost during the program). A shot whose pre_sequence has a 0 lost an atom before it started (our programs
fill every site): `counts_from_braket` drops it and counts it in the metadata.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from ..operators.rydberg import C6_AQUILA_RAD_PER_US_UM6
from ..pulse.program import LocalDetuning, ProgramError, RydbergProgram, Waveform
from .protocol import TaskResult

EXTRA = "pip install 'hybrid-rg[braket]'"
# rad/µs·µm^6 -> rad/s·m^6: ×1e6 (per µs -> per s) ×1e-36 (µm^6 -> m^6)
C6_SI_PER_NATIVE = 1e-30


def _braket():
    try:
        import braket.ahs as ahs
        from braket.timings.time_series import TimeSeries
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"the Braket wire format needs amazon-braket-sdk; install it with {EXTRA}") from err
    return ahs, TimeSeries


def _to_si(x: float, exponent: int) -> Decimal:
    return Decimal(repr(float(x))).scaleb(exponent).normalize()


def _from_si(x, exponent: int) -> float:
    return float(Decimal(str(x)).scaleb(-exponent))


def _series(wf: Waveform, value_exponent: int, name: str, interpolation: str):
    if wf.interpolation != interpolation:
        raise ProgramError(
            f"Braket's {name} is piecewise {interpolation}; got a '{wf.interpolation}' waveform. "
            f"Rebuild it with interpolation='{interpolation}'"
        )
    _, TimeSeries = _braket()
    ts = TimeSeries()
    for t, v in zip(wf.times_us, wf.values):
        ts.put(_to_si(t, -6), _to_si(v, value_exponent))
    return ts


def _waveform(ts, value_exponent: int, interpolation: str) -> Waveform:
    return Waveform(
        tuple(_from_si(t, -6) for t in ts.times()),
        tuple(_from_si(v, value_exponent) for v in ts.values()),
        interpolation,
    )


def to_ahs(program: RydbergProgram):
    """The program as a Braket `AnalogHamiltonianSimulation` in SI units (C6 is not carried, see module doc)."""
    ahs, _ = _braket()
    register = ahs.AtomArrangement()
    for x, y in program.positions_um:
        register.add((_to_si(x, -6), _to_si(y, -6)))
    drive = ahs.DrivingField(
        amplitude=_series(program.amplitude, 6, "amplitude", "linear"),
        detuning=_series(program.detuning, 6, "detuning", "linear"),
        phase=_series(program.phase, 0, "phase", "constant"),
    )
    hamiltonian = drive
    if program.local_detuning is not None:
        ld = program.local_detuning
        magnitude = ahs.Field(
            _series(ld.magnitude, 6, "local detuning", "linear"),
            ahs.Pattern([Decimal(repr(float(h))) for h in ld.pattern]),
        )
        hamiltonian = drive + ahs.LocalDetuning(magnitude)
    return ahs.AnalogHamiltonianSimulation(register=register, hamiltonian=hamiltonian)


def from_ahs(simulation, c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6) -> RydbergProgram:
    """Back from a Braket AHS program (one driving field, at most one local detuning, every site filled)."""
    ahs, _ = _braket()
    sites = list(simulation.register)
    empty = [i for i, s in enumerate(sites) if s.site_type != ahs.SiteType.FILLED]
    if empty:
        raise ProgramError(f"sites {empty} are vacant; a RydbergProgram fills every site, so drop them first")
    drives = [t for t in simulation.hamiltonian.terms if isinstance(t, ahs.DrivingField)]
    locals_ = [t for t in simulation.hamiltonian.terms if isinstance(t, ahs.LocalDetuning)]
    if len(drives) != 1 or len(locals_) > 1:
        raise ProgramError(
            f"expected one driving field and at most one local detuning; got {len(drives)} and {len(locals_)}"
        )
    d = drives[0]
    local = None
    if locals_:
        m = locals_[0].magnitude
        local = LocalDetuning(
            tuple(float(Decimal(str(h))) for h in m.pattern.series), _waveform(m.time_series, 6, "linear")
        )
    return RydbergProgram(
        tuple((_from_si(s.coordinate[0], -6), _from_si(s.coordinate[1], -6)) for s in sites),
        _waveform(d.amplitude.time_series, 6, "linear"),
        _waveform(d.detuning.time_series, 6, "linear"),
        _waveform(d.phase.time_series, 0, "constant"),
        local,
        float(c6_rad_per_us_um6),
    )


def program_to_ir_json(program: RydbergProgram, indent: int | None = 2) -> str:
    """Braket's IR (`braket.ir.ahs.Program`) as JSON, numbers as decimal strings (Braket's own encoding)."""
    return json.dumps(json.loads(to_ahs(program).to_ir().json()), indent=indent, sort_keys=True)


def program_from_ir_json(text: str, c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6) -> RydbergProgram:
    ahs, _ = _braket()
    from braket.ir.ahs import Program

    return from_ahs(ahs.AnalogHamiltonianSimulation.from_ir(Program.parse_raw(text)), c6_rad_per_us_um6)


def c6_to_si(c6_rad_per_us_um6: float) -> float:
    """C6 in Braket's unit (rad·m^6/s), e.g. for LocalSimulator's `rydberg_interaction_coef`."""
    return float(c6_rad_per_us_um6) * C6_SI_PER_NATIVE


def counts_from_braket(result) -> TaskResult:
    """hybrid_rg counts ('0' ground, '1' Rydberg, atom 0 first) from a Braket AHS task result.

    Kept: shots with status Success and every site filled before the program. Dropped shots are counted in
    the metadata (`dropped_missing_atom`, `dropped_failed`); `shots` is the number kept.
    """
    counts: Counter[str] = Counter()
    missing = failed = 0
    for shot in result.measurements:
        if str(shot.status) != "Success" or shot.pre_sequence is None or shot.post_sequence is None:
            failed += 1
            continue
        if any(int(p) == 0 for p in shot.pre_sequence):
            missing += 1
            continue
        counts["".join("0" if int(q) == 1 else "1" for q in shot.post_sequence)] += 1
    kept = sum(counts.values())
    return TaskResult(
        dict(counts),
        kept,
        {
            "shots_total": len(result.measurements),
            "dropped_missing_atom": missing,
            "dropped_failed": failed,
            "source": "braket",
        },
    )


__all__ = ["to_ahs", "from_ahs", "program_to_ir_json", "program_from_ir_json", "counts_from_braket", "c6_to_si"]
