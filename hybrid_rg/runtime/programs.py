"""Where a batch of pulse programs comes from: a JSON file (one program or a list; each a RydbergProgram or a Braket
AHS program IR, see devices/byo.py) or an experiment spec (TOML).

A TOML spec is compiled by `hybrid_rg.pulse.experiment_programs.programs_from_spec` (training or resuming its run
in out/<name> first), imported only when needed. Errors name
the file and what is wrong with it; `ProgramsError` is a ValueError so the CLI turns it into one line.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..pulse.program import ProgramError, RydbergProgram

# A program file that cannot be read is the same bad input as a malformed program: one class for both.
ProgramsError = ProgramError


def load_programs(path: str | Path) -> list[RydbergProgram]:
    path = Path(path)
    if not path.is_file():
        raise ProgramsError(f"{str(path)!r} is not a file; pass a JSON program file or an experiment spec (.toml)")
    if path.suffix == ".toml":
        from ..devices.discretize import discretize
        from ..devices.spec import load_device_spec
        from ..olrg.spec import SpecError, load_spec
        from ..pulse.experiment_programs import programs_from_spec

        try:
            device = load_device_spec(load_spec(path).device.profile)
            programs = [discretize(p, device) for p in programs_from_spec(path)]  # onto the device's grids
        except (SpecError, ValueError) as err:
            raise ProgramsError(f"{path}: {err}") from err
    else:
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ProgramsError(
                f"{path} is not valid JSON ({err}); expected a RydbergProgram or a list of them"
            ) from None
        from ..devices.byo import programs_from_json_data  # RydbergProgram or Braket AHS IR items

        try:
            programs = programs_from_json_data(data, str(path))
        except ProgramError as err:
            raise ProgramsError(str(err)) from err
    if not programs:
        raise ProgramsError(f"{path} holds no programs")
    return programs
