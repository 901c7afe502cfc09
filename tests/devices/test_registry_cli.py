"""Registry, cost estimates, missing extras, and the `devices` / `validate` commands."""

import pytest

from hybrid_rg.cli import main
from hybrid_rg.devices.registry import DEVICE_NAMES, device_spec, estimate_cost_usd, get_device
from hybrid_rg.devices.spec import load_device_spec
from hybrid_rg.pulse.program import RydbergProgram, chain_positions
from hybrid_rg.testing.conformance import check_missing_extra, standard_program


def test_cost_estimate_for_aquila_and_simulators():
    aquila = load_device_spec("quera_aquila")
    assert abs(estimate_cost_usd(aquila, 10, 100) - 10 * (0.30 + 100 * 0.01)) < 1e-9
    assert estimate_cost_usd(load_device_spec("emulator"), 10, 1000) == 0.0
    with pytest.raises(ValueError):
        estimate_cost_usd(aquila, -1, 10)


def test_registry_names_and_specs():
    assert {"emulator", "braket_local", "braket_aquila", "pennylane", "dynamics", "ibm_aer", "ibm_heron"} == set(
        DEVICE_NAMES
    )
    assert device_spec("braket_aquila").name == "quera_aquila"
    with pytest.raises(ValueError, match="known devices"):
        get_device("aquila")


def test_missing_extra_names_the_extra():
    check_missing_extra()


def _main(argv):
    return main(argv)  # the real entry point: its one error handler prints and sets the status


def test_devices_lists_the_snapshots(capsys):
    assert _main(["devices"]) == 0
    out = capsys.readouterr().out
    for name in ("quera_aquila", "ibm_heron", "emulator", "braket_local", "pennylane", "dynamics"):
        assert name in out
    assert load_device_spec("quera_aquila").digest()[:12] in out


def test_validate_exit_codes(tmp_path, capsys):
    ok = tmp_path / "ok.json"
    ok.write_text(standard_program().to_json())
    assert _main(["validate", str(ok), "--device", "quera_aquila"]) == 0
    assert "valid" in capsys.readouterr().out
    p = standard_program()
    bad = tmp_path / "bad.json"
    bad.write_text(RydbergProgram(chain_positions(2, 3.0), p.amplitude, p.detuning, p.phase).to_json())
    assert _main(["validate", str(bad), "--device", "quera_aquila"]) == 1
    out = capsys.readouterr().out
    assert "positions.spacing" in out and "4.0 µm" in out
    off = tmp_path / "off.json"
    off.write_text(RydbergProgram(chain_positions(2, 6.13), p.amplitude, p.detuning, p.phase).to_json())
    assert _main(["validate", str(off)]) == 1
    assert _main(["validate", str(off), "--discretize"]) == 0
    capsys.readouterr()
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    for argv in (
        ["validate", str(junk)],
        ["validate", str(tmp_path / "none.json")],
        ["validate", str(ok), "--device", "nowhere"],
        ["validate", str(ok), "--shots", "0"],
    ):
        assert _main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("hybrid-rg: error:") and err.count("\n") == 1
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # nothing written
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"format": "something-else"}')
    assert _main(["validate", str(wrong)]) == 2


def test_validate_takes_what_dry_run_takes(tmp_path, capsys):
    """A run folder, its programs/ folder and its batch file all name the same programs (runtime/programs.py)."""
    p = standard_program()
    bad = RydbergProgram(chain_positions(2, 3.0), p.amplitude, p.detuning, p.phase)  # spacing below Aquila's 4 µm
    run = tmp_path / "run"
    (run / "programs").mkdir(parents=True)
    (run / "programs" / "programs.json").write_text("[" + p.to_json() + ", " + bad.to_json() + "]")
    for target in (run, run / "programs", run / "programs" / "programs.json"):
        assert _main(["validate", str(target), "--device", "quera_aquila"]) == 1, target
        out = capsys.readouterr().out
        assert "program 0:" in out and "program 1:" in out and "positions.spacing" in out
    (run / "programs" / "programs.json").write_text("[" + p.to_json() + "]")
    assert _main(["validate", str(run)]) == 0
    capsys.readouterr()
    (tmp_path / "empty").mkdir()
    assert _main(["validate", str(tmp_path / "empty")]) == 2  # a folder that is no run folder: one line
    assert "not a run folder" in capsys.readouterr().err


def test_every_listed_device_name_is_accepted_everywhere(capsys):
    """`devices` lists every --device name; each loads a snapshot, and an adapter alias loads the one it stands for."""
    from hybrid_rg.devices.registry import targets

    assert _main(["devices"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:] if line and line[0].isalpha()]
    names = [t[0] for t in targets()]
    assert set(names) <= set(listed) and "braket_aquila" in names and "quera_aquila" in names
    for name, snapshot, _ in targets():
        assert load_device_spec(name).name == snapshot
    assert load_device_spec("braket_aquila") == load_device_spec("quera_aquila")
    with pytest.raises(ValueError, match="braket_aquila"):  # the error names the aliases too
        load_device_spec("aquila")


def test_test_doubles_are_accepted_by_name_but_never_listed(capsys):
    """`submit --help`, an unknown --adapter's error and `devices` list user names only; a test names a double."""
    from hybrid_rg.cli import build_parser

    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["submit", "--help"])
    help_text = capsys.readouterr().out
    assert "braket_aquila" in help_text and "fake_" not in help_text
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["submit", "x.json", "--device", "emulator", "--adapter", "nosuch"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "nosuch" in err and "emulator" in err and "fake_" not in err
    args = parser.parse_args(["submit", "x.json", "--device", "fake_aquila", "--adapter", "fake_remote"])
    assert args.adapter == "fake_remote"
    assert _main(["devices"]) == 0
    assert "fake_" not in capsys.readouterr().out
