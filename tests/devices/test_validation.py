"""validate / discretize against the Aquila snapshot: each limit caught with its value, limit and fix."""

from dataclasses import replace
from decimal import Decimal

import pytest

from hybrid_rg.devices.discretize import DiscretizationError, discretize, snap
from hybrid_rg.devices.spec import load_device_spec
from hybrid_rg.devices.validation import ValidationError, require_valid, validate, validate_batch
from hybrid_rg.pulse.program import LocalDetuning, RydbergProgram, Waveform, chain_positions

AQUILA = load_device_spec("quera_aquila")


def good(**changes) -> RydbergProgram:
    p = RydbergProgram(
        chain_positions(3, 6.1),
        Waveform((0.0, 0.1, 1.9, 2.0), (0.0, 15.8, 15.8, 0.0)),
        Waveform((0.0, 0.2, 2.0), (-8.0, -8.0, 12.0)),
        Waveform.constant(0.0, 2.0, "constant"),
    )
    return replace(p, **changes)


def wf(times, values, interp="linear"):
    return Waveform(tuple(times), tuple(values), interp)


BAD = {  # expected field -> a program violating exactly that limit
    "n_atoms": good(positions_um=tuple((6.0 * (k % 16), 6.0 * (k // 16)) for k in range(257))),
    "positions.width": good(positions_um=((0.0, 0.0), (100.1, 0.0))),
    "positions.resolution": good(positions_um=((0.0, 0.0), (6.15, 0.0))),
    "positions.spacing": good(positions_um=((0.0, 0.0), (3.9, 0.0))),
    "positions.row_spacing": good(positions_um=((0.0, 0.0), (5.0, 0.0), (20.0, 2.0))),
    "amplitude.values": good(amplitude=wf((0, 0.2, 1.8, 2.0), (0, 25.2, 25.2, 0))),
    "amplitude.slew_rate": good(amplitude=wf((0, 0.05, 1.95, 2.0), (0, 15.8, 15.8, 0))),
    "amplitude.ends": good(amplitude=wf((0, 0.1, 2.0), (0, 15.8, 15.8))),
    "amplitude.times.resolution": good(amplitude=wf((0, 0.1005, 1.9, 2.0), (0, 15.8, 15.8, 0))),
    "amplitude.times.min_step": good(amplitude=wf((0, 0.1, 0.105, 1.9, 2.0), (0, 15.8, 15.8, 15.8, 0))),
    "amplitude.interpolation": good(amplitude=wf((0, 0.1, 1.9, 2.0), (0, 15.8, 15.8, 0), "constant")),
    "detuning.values": good(detuning=wf((0, 2.0), (-130, 0))),
    "detuning.slew_rate": good(detuning=wf((0, 0.01, 2.0), (0, 30, 30))),
    "phase.values": good(phase=wf((0, 1.0, 2.0), (0, 100, 100), "constant")),
    "phase.values.resolution": good(phase=wf((0, 1.0, 2.0), (0, 0.1234567, 0.1234567), "constant")),
    "duration": good(
        amplitude=wf((0, 0.1, 4.9, 5.0), (0, 15.8, 15.8, 0)),
        detuning=wf((0, 5.0), (0, 0)),
        phase=wf((0, 5.0), (0, 0), "constant"),
    ),
    "c6": good(c6_rad_per_us_um6=5.0e6),
    "local_detuning.values": good(local_detuning=LocalDetuning((1, 0, 1), wf((0, 2.0), (0, -3)))),
    "local_detuning.pattern": good(local_detuning=LocalDetuning((1.5, 0, 0), wf((0, 2.0), (0, 3)))),
    "local_detuning.spacing": good(
        positions_um=((0.0, 0.0), (4.5, 0.0), (20.0, 0.0)),
        local_detuning=LocalDetuning((1, 1, 0), wf((0, 2.0), (0, 3))),
    ),
    "local_detuning.slew_rate": good(local_detuning=LocalDetuning((1, 0, 1), wf((0, 0.05, 2.0), (0, 100, 100)))),
}


def test_a_good_program_is_valid():
    report = validate(good(), AQUILA, shots=100)
    assert report.ok and report.violations == () and "valid" in str(report)


@pytest.mark.parametrize("field", sorted(BAD))
def test_each_limit_is_caught_with_value_limit_and_fix(field):
    report = validate(BAD[field], AQUILA)
    fields = [v.field for v in report.violations]
    assert fields == [field.split("#")[0]], str(report)
    v = report.violations[0]
    assert v.value and v.limit and v.fix
    assert v.field in str(report) and v.fix in str(report)


def test_slew_rate_fix_gives_the_ramp_that_passes():
    v = validate(BAD["amplitude.slew_rate"], AQUILA).violations[0]
    assert "0.0632" in v.fix  # 15.8 rad/µs / 250 rad/µs² = 0.0632 µs
    fixed = good(amplitude=wf((0, 0.064, 1.936, 2.0), (0, 15.8, 15.8, 0)))  # 0.0632 rounded up onto the grid
    assert validate(fixed, AQUILA).ok


def test_values_at_the_limits_pass_and_just_beyond_fail():
    at = good(amplitude=wf((0, 0.1, 1.9, 2.0), (0, 25.0, 25.0, 0)), positions_um=((0.0, 0.0), (4.0, 0.0)))
    assert validate(at, AQUILA).ok, str(validate(at, AQUILA))
    beyond = good(amplitude=wf((0, 0.2, 1.8, 2.0), (0, 25.0004, 25.0004, 0)))
    assert [v.field for v in validate(beyond, AQUILA).violations] == ["amplitude.values"]


def test_shots_and_digital_and_simulator_specs():
    assert [v.field for v in validate(good(), AQUILA, shots=1001).violations] == ["shots"]
    heron = load_device_spec("ibm_heron")
    assert validate(BAD["amplitude.slew_rate"], heron).ok  # gates: no waveform limits
    emulator = load_device_spec("emulator")
    big = good(positions_um=chain_positions(21, 6.0), amplitude=wf((0, 2.0), (0, 0)))
    assert [v.field for v in validate(big, emulator).violations] == ["n_atoms"]


def test_batch_validation_raises_before_anything_and_reports_all():
    reports = validate_batch([good(), BAD["c6"], BAD["duration"]], AQUILA)
    assert [r.ok for r in reports] == [True, False, False]
    with pytest.raises(ValidationError) as err:
        require_valid([good(), BAD["c6"], BAD["duration"]], AQUILA)
    assert len(err.value.reports) == 2 and "nothing was run" in str(err.value)


def test_snap_is_exact_decimal():
    res = Decimal("0.001")
    assert snap(0.1 + 0.2, res) == 0.3  # 0.30000000000000004 -> 0.3 exactly
    assert snap(0.0125, res) == 0.012  # half to even, as Braket's round(Decimal)
    assert snap(0.0135, res) == 0.014
    assert snap(6.15, Decimal("0.1")) == 6.2
    assert repr(snap(1.2345674, Decimal("5E-7"))) == "1.2345675"


def test_discretize_is_pure_and_lands_on_the_grids():
    p = good(
        positions_um=((0.0, 0.0), (6.13, 0.04), (12.26, 0.0)),
        amplitude=wf((0, 0.10049, 1.9, 2.0), (0, 15.80013, 15.8, 0)),
        phase=wf((0, 1.0, 2.0), (0, 0.1234567, 0.1234567), "constant"),
    )
    before = p.to_json()
    q = discretize(p, AQUILA)
    assert p.to_json() == before  # the argument is unchanged
    assert q.positions_um[1] == (6.1, 0.0) and q.amplitude.times_us[1] == 0.1
    assert q.amplitude.values[1] == 15.8 and q.phase.values[1] == 0.1234565
    fields = {v.field for v in validate(p, AQUILA).violations}
    assert {
        "positions.resolution",
        "amplitude.times.resolution",
        "amplitude.values.resolution",
        "phase.values.resolution",
    } <= fields
    assert validate(q, AQUILA).ok, str(validate(q, AQUILA))
    assert discretize(q, AQUILA) == q  # idempotent


def test_discretize_refuses_knots_merged_by_rounding():
    p = good(amplitude=wf((0, 0.1, 0.1004, 1.9, 2.0), (0, 15.8, 15.8, 15.8, 0)))
    with pytest.raises(DiscretizationError, match="same grid time"):
        discretize(p, AQUILA)
