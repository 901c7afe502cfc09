"""Every shipped HEM spec that compiles pulse programs gives programs its device accepts.

The programs are trained briefly (a few steps at the first and last T of the spec), compiled, put on the device's
grids and validated, through the same commands a user runs (`hybrid-rg run`, then `hybrid-rg validate`). The
PWL controls keep a margin for the rounding onto the device's grids, so slopes that the optimiser pushes to the
slew limit must still pass after discretisation (before that margin: 254.95 against 250 rad/µs² on hem_smoke).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from hybrid_rg.cli import main
from hybrid_rg.utils.timegrid import parse_time_grid

ROOT = Path(__file__).resolve().parents[2]
COMPILED = sorted(p for p in (ROOT / "experiments" / "olrg").glob("*.toml") if "device" in tomllib.loads(p.read_text()))


def test_there_are_compiled_specs():
    assert {p.name for p in COMPILED} >= {"hem_smoke.toml", "hem_vdw_aquila.toml"}


@pytest.mark.parametrize("spec", COMPILED, ids=lambda p: p.stem)
def test_shipped_spec_compiles_to_valid_programs(spec, tmp_path, capsys):
    raw = tomllib.loads(spec.read_text())
    times = raw["times"]["T"]
    times = parse_time_grid(times) if isinstance(times, str) else times
    raw["times"]["T"] = [float(times[0]), float(times[-1])]
    # a few steps with a large rate: slopes reach the slew limit, as a long run's do
    raw["training"].update(iterations=4, lr=0.2, warm_start=False)
    short = tmp_path / spec.name
    short.write_text(tomli_w.dumps(raw))
    assert main(["run", str(short), "--out", str(tmp_path / "run")]) == 0
    programs = sorted((tmp_path / "run" / "programs").glob("K*.json"))  # one per point; programs.json holds all
    assert len(programs) == 2
    capsys.readouterr()
    for program in programs:
        code = main(["validate", str(program), "--device", raw["device"]["profile"]])
        assert code == 0, f"{program.name}: {capsys.readouterr().out}"
