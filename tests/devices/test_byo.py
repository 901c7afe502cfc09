"""Bring your own program: Braket AHS programs built by the Braket SDK itself (local detuning included) go into
hybrid-rg exactly (SI <-> µm/µs through Decimal) and back to the same IR; `validate`, `dry-run`'s loader and
`submit` take them as they are."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("braket.ahs")

from braket.ahs import AnalogHamiltonianSimulation, AtomArrangement, DrivingField, LocalDetuning  # noqa: E402

from hybrid_rg.devices.byo import as_program, is_braket_ir, programs_from_json_data, to_braket_ir_json  # noqa: E402
from hybrid_rg.pulse.program import ProgramError  # noqa: E402

GOLDEN = Path(__file__).parent / "golden" / "braket_sdk_ahs_local_detuning.json"


def sdk_program(amplitude_rad_per_s: float = 1.5e7) -> AnalogHamiltonianSimulation:
    """An Aquila-style program written with the Braket SDK, in its SI units, with a local detuning."""
    register = AtomArrangement()
    for x, y in [(0.0, 0.0), (5.5e-6, 0.0), (11e-6, 0.0), (0.0, 6.1e-6)]:
        register.add((x, y))
    t = [0.0, 0.1e-6, 3.9e-6, 4e-6]
    drive = DrivingField.from_lists(
        t, [0.0, amplitude_rad_per_s, amplitude_rad_per_s, 0.0], [-2e7, -2e7, 2e7, 2e7], [0.0, 0.0, 0.0, 0.0]
    )
    local = LocalDetuning.from_lists(t, [0.0, 1e7, 1e7, 0.0], [0.5, 1.0, 0.0, 0.25])
    return AnalogHamiltonianSimulation(register=register, hamiltonian=drive + local)


def _numbers(node):
    """The IR with every number (Braket writes decimal strings) as a Decimal, so '1E-7' == '0.0000001'."""
    if isinstance(node, dict):
        return {k: _numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_numbers(v) for v in node]
    if isinstance(node, (int, float)) and not isinstance(node, bool) or isinstance(node, str):
        try:
            return Decimal(str(node)).normalize()
        except ArithmeticError:
            return node
    return node


def test_the_sdk_still_writes_the_golden_ir():
    assert json.loads(sdk_program().to_ir().json()) == json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("given", ["ahs", "ir_object", "dict", "json"])
def test_sdk_program_round_trips_exactly(given):
    ahs = sdk_program()
    ir = json.loads(GOLDEN.read_text())
    obj = {"ahs": ahs, "ir_object": ahs.to_ir(), "dict": ir, "json": json.dumps(ir)}[given]
    program = as_program(obj)
    assert program.positions_um == ((0.0, 0.0), (5.5, 0.0), (11.0, 0.0), (0.0, 6.1))
    assert program.amplitude.values == (0.0, 15.0, 15.0, 0.0) and program.amplitude.times_us == (0.0, 0.1, 3.9, 4.0)
    assert program.local_detuning.pattern == (0.5, 1.0, 0.0, 0.25)
    assert program.local_detuning.magnitude.values == (0.0, 10.0, 10.0, 0.0)
    assert _numbers(json.loads(to_braket_ir_json(program))) == _numbers(ir)  # back to the same IR


def test_awkward_decimals_survive_both_ways():
    """Exactness holds for every number with up to 15 significant digits, which covers every value on Aquila's grids
    (amplitude in steps of 400 rad/s, detuning 0.2 rad/s, time 1 ns). A 17-digit SI value (a raw 2π·x float)
    cannot survive a float in µs units: it comes back within one unit in the last place, and hybrid-rg's validator
    reports it as off the device's resolution grid anyway."""
    import math

    on_grid = sdk_program(amplitude_rad_per_s=float(round(2 * math.pi * 2.1e6 / 400) * 400))
    ir = json.loads(on_grid.to_ir().json())
    assert _numbers(json.loads(to_braket_ir_json(as_program(on_grid)))) == _numbers(ir)
    raw = 2 * math.pi * 2.1e6  # 13194689.145077132: 17 significant digits
    back = json.loads(to_braket_ir_json(as_program(sdk_program(amplitude_rad_per_s=raw))))
    value = float(back["hamiltonian"]["drivingFields"][0]["amplitude"]["time_series"]["values"][1])
    assert abs(value - raw) <= 2 * math.ulp(raw)


def test_recognition_and_refusals():
    ir = json.loads(GOLDEN.read_text())
    assert is_braket_ir(ir) and not is_braket_ir({"setup": 1}) and not is_braket_ir([ir])
    vacant = json.loads(GOLDEN.read_text())
    vacant["setup"]["ahs_register"]["filling"][1] = 0
    with pytest.raises(ProgramError, match="vacant"):
        as_program(vacant)
    broken = json.loads(GOLDEN.read_text())
    del broken["setup"]["ahs_register"]["sites"]
    with pytest.raises(ProgramError, match="program 0"):
        programs_from_json_data([broken], "f.json")
    with pytest.raises(ProgramError, match="cannot use"):
        as_program(3.5)


def _cli(argv) -> int:
    from hybrid_rg.cli import build_parser

    args = build_parser().parse_args(argv)
    return args.func(args)


def test_validate_takes_a_braket_sdk_program(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(sdk_program().to_ir().json())
    assert _cli(["validate", str(good), "--device", "quera_aquila"]) == 0
    assert "valid" in capsys.readouterr().out.lower()
    bad = tmp_path / "bad.json"
    bad.write_text(sdk_program(amplitude_rad_per_s=4.0e7).to_ir().json())  # 40 rad/µs > Aquila's limit
    assert _cli(["validate", str(bad), "--device", "quera_aquila"]) == 1
    assert "amplitude.values: 40.0 rad/µs" in capsys.readouterr().out


def test_runtime_loader_and_submit_take_braket_programs(tmp_path):
    from hybrid_rg.devices.adapters.braket_aws import BraketAwsDevice
    from hybrid_rg.runtime.ledger import Ledger
    from hybrid_rg.runtime.programs import load_programs
    from hybrid_rg.runtime.submit import SubmitRequest, submit
    from hybrid_rg.testing.fake_braket import FakeBraket

    path = tmp_path / "batch.json"
    path.write_text(json.dumps([json.loads(sdk_program().to_ir().json()), as_program(sdk_program()).to_dict()]))
    loaded = load_programs(path)
    assert loaded[0] == loaded[1] == as_program(sdk_program())

    fake = FakeBraket(tmp_path / "braket")
    device = BraketAwsDevice(boto_session=fake.session(), s3_destination=("hrg-bucket", "tasks"))
    with Ledger(tmp_path / "ledger.sqlite") as led:
        out = submit(
            led,
            SubmitRequest(
                (sdk_program(),), "quera_aquila", 10, campaign="byo", adapter="braket_aquila", budget_usd=10.0
            ),
            device=device,
        )
    assert out.submitted == 1
    sent = json.loads(fake.tasks()[0]["action"])
    assert _numbers(sent) == _numbers(json.loads(sdk_program().to_ir().json()))  # Aquila gets the user's program
