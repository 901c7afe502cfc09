"""Where a batch comes from: run folders, the batch file, specs that are never trained silently."""

from __future__ import annotations

import pytest

from hybrid_rg.errors import BadInput
from hybrid_rg.runtime.programs import load_programs

from .helpers import program, write_programs

SPEC = """# Expected run time: ~20 s on one core.
name = "tiny"

[target]
model = "tfim"
N = 4
J = -1.0
h = 1.0
observable = "zz:0,1"
observable_scale = 0.25

[times]
T = [0.5, 1.0]

[map]
kind = "hem"
n0 = 2
interaction = "vdw"
control = "pwl"
n_knots = 6
terminal = true

[device]
profile = "quera_aquila"
spacing_um = 11.0

[training]
orders = [2]
iterations = 3
"""


def test_a_spec_without_a_finished_run_is_refused_with_the_command_where_and_how_much(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.toml").write_text(SPEC)
    said = []
    with pytest.raises(BadInput) as err:
        load_programs("tiny.toml", say=said.append)
    text = str(err.value)
    assert "no finished run in out/tiny" in text and "hybrid-rg run tiny.toml --out out/tiny" in text
    assert "2 of 2 points" in text and "3 iterations each" in text and "~20 s on one core" in text
    assert "--train" in text and not said and not (tmp_path / "out").exists()  # nothing trained, nothing written


def test_run_folders_and_batch_files(tmp_path):
    run = tmp_path / "run"
    (run / "programs").mkdir(parents=True)
    progs = [program(2), program(3)]
    write_programs(run / "programs" / "programs.json", progs)
    for where in (run, run / "programs", run / "programs" / "programs.json"):
        assert [p.n_atoms for p in load_programs(where)] == [2, 3]
    (run / "programs" / "programs.json").unlink()
    (run / "provenance.json").write_text("{}")
    with pytest.raises(BadInput, match="without pulse programs"):  # e.g. an OMM run: nothing to submit
        load_programs(run)
    with pytest.raises(BadInput, match="not a run folder"):
        load_programs(tmp_path / "run" / "programs")
    with pytest.raises(ValueError, match="does not exist"):
        load_programs(tmp_path / "nothere")
