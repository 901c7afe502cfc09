"""One error hierarchy: every deliberate error is a `hybrid_rg.errors` class, `cli.main` catches it once and
prints one line with its exit status; `--debug` shows the traceback; an OSError on a path becomes bad input."""

import re
from pathlib import Path

import pytest

from hybrid_rg import errors
from hybrid_rg.cli import main

ROOT = Path(__file__).resolve().parents[1] / "hybrid_rg"
# Spec errors that the spec layer (issue 14, section 1) moves onto errors.SpecError in its own change.
PENDING = {
    "hybrid_rg/olrg/spec.py",
    "hybrid_rg/calibration/spec.py",
    "hybrid_rg/utils/timegrid.py",
    "hybrid_rg/exact/runner.py",
}


def test_no_exception_class_outside_the_hierarchy():
    builtin = re.compile(
        r"^class \w+\((ValueError|RuntimeError|Exception|ImportError|KeyError|TypeError|OSError)\)", re.MULTILINE
    )
    stray = [
        str(p.relative_to(ROOT.parent))
        for p in ROOT.rglob("*.py")
        if p.name != "errors.py" and builtin.search(p.read_text())
    ]
    assert sorted(set(stray) - PENDING) == []


def test_old_names_are_the_merged_classes():
    from hybrid_rg.devices.adapters import MissingExtra
    from hybrid_rg.devices.credentials import CredentialsMissing
    from hybrid_rg.devices.protocol import TaskFailed
    from hybrid_rg.devices.validation import ValidationError
    from hybrid_rg.pulse.program import ProgramError
    from hybrid_rg.runtime.budget import BudgetExceeded
    from hybrid_rg.runtime.ledger import LedgerError
    from hybrid_rg.runtime.programs import ProgramsError
    from hybrid_rg.runtime.submit import SubmitError, ValidationFailed

    assert ValidationFailed is ValidationError and ProgramsError is ProgramError
    assert BudgetExceeded is errors.BudgetRefused and CredentialsMissing is errors.MissingCredentials
    assert MissingExtra is errors.MissingExtra and issubclass(MissingExtra, ImportError)
    codes = {
        LedgerError: 2,
        ValidationError: 2,
        ProgramError: 2,
        BudgetExceeded: 3,
        SubmitError: 4,
        TaskFailed: 1,
        CredentialsMissing: 2,
    }
    for cls, code in codes.items():
        assert issubclass(cls, errors.HybridRGError) and cls.exit_code == code, cls
        assert cls.__doc__, cls  # each says what to do


@pytest.mark.parametrize("cls", [errors.BadInput, errors.CheckFailed, errors.BudgetRefused, errors.NotFinished])
def test_main_prints_one_line_and_returns_the_class_exit_code(monkeypatch, capsys, tmp_path, cls):
    import hybrid_rg.devices.cli as devices_cli

    def boom(args):
        raise cls("what is wrong, and the fix")

    monkeypatch.setattr(devices_cli, "cmd_devices", boom)
    assert main(["devices"]) == cls.exit_code
    err = capsys.readouterr().err
    assert err == "hybrid-rg: error: what is wrong, and the fix\n"
    with pytest.raises(cls):
        main(["--debug", "devices"])


def test_an_unusable_path_is_bad_input_naming_it(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    out = blocker / "run"  # a folder inside a file: NotADirectoryError / exists
    rc = main(["exact", "--n", "4", "--observable", "zz:0,1", "--times", "0:1:3", "--out", str(out)])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hybrid-rg: error: ") and str(blocker) in err[0]


def test_a_bug_is_not_swallowed(monkeypatch):
    import hybrid_rg.devices.cli as devices_cli

    def bug(args):
        raise ZeroDivisionError("a bug keeps its traceback")

    monkeypatch.setattr(devices_cli, "cmd_devices", bug)
    with pytest.raises(ZeroDivisionError):
        main(["devices"])
