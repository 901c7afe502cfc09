"""Where a batch of pulse programs comes from, for `validate`, `dry-run` and `submit`.

    load_programs("out/hem_smoke")                        a finished run folder: its programs/programs.json
    load_programs("out/hem_smoke/programs/programs.json") the batch file `hybrid-rg run` writes (or any JSON file
                                                          with one program or a list; each a RydbergProgram or a
                                                          Braket AHS program IR, see devices/byo.py)
    load_programs("experiments/olrg/hem_smoke.toml")      an experiment spec: the programs of its finished run in
                                                          out/<name> (or run_dir); never trained silently

A spec whose run is not finished is refused (BadInput, exit 2) with the command that trains it, where it would
write and how much training that is; `train=True` (the CLI's --train) trains it there first, saying so before it
starts. A run folder made from another version of the spec is refused too: its programs would not be the spec's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import BadInput
from ..pulse.program import ProgramError, RydbergProgram

# A program file that cannot be read is the same bad input as a malformed program: one class for both.
ProgramsError = ProgramError

BATCH_FILE = Path("programs") / "programs.json"  # inside a run folder, written by workflows._write_run


def load_programs(
    path: str | Path, run_dir: str | Path | None = None, train: bool = False, say=print
) -> list[RydbergProgram]:
    path = Path(path)
    if path.is_dir():
        return _from_run_folder(path)
    if not path.is_file():
        raise ProgramsError(
            f"{str(path)!r} does not exist; pass a run folder, its programs/programs.json, a JSON program file or "
            f"an experiment spec (.toml)"
        )
    if path.suffix == ".toml":
        return _from_spec(path, run_dir, train, say)
    return _from_json(path)


def _from_json(path: Path) -> list[RydbergProgram]:
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ProgramsError(f"{path} is not valid JSON ({err}); expected a RydbergProgram or a list of them") from None
    from ..devices.byo import programs_from_json_data  # RydbergProgram or Braket AHS IR items

    try:
        programs = programs_from_json_data(data, str(path))
    except ProgramError as err:
        raise ProgramsError(str(err)) from err
    if not programs:
        raise ProgramsError(f"{path} holds no programs")
    return programs


def _from_run_folder(run_dir: Path) -> list[RydbergProgram]:
    for candidate in (run_dir / BATCH_FILE, run_dir / "programs.json"):  # a run folder, or its programs/ folder
        if candidate.is_file():
            return _from_json(candidate)
    if (run_dir / "checkpoints").is_dir() and not (run_dir / "provenance.json").is_file():
        raise BadInput(f"{run_dir}: the run is not finished (no provenance.json); run 'hybrid-rg run' on its spec")
    if (run_dir / "provenance.json").is_file():
        raise BadInput(
            f"{run_dir}: a finished run without pulse programs (no {BATCH_FILE}); only a terminal van der Waals "
            f"HEM with a [device] section compiles to programs (docs/hem.md). A run from before the batch file "
            f"existed: rerun 'hybrid-rg run' on its spec with --out {run_dir} (it resumes; nothing is retrained)"
        )
    raise BadInput(f"{run_dir} is a folder but not a run folder; pass the --out folder of 'hybrid-rg run'")


def _from_spec(path: Path, run_dir, train: bool, say) -> list[RydbergProgram]:
    from ..olrg.experiment import _key
    from ..olrg.spec import SpecError, load_spec, spec_of_run
    from ..pulse.experiment_programs import check_compilable

    try:
        spec = load_spec(path)
        check_compilable(spec)
    except (SpecError, ValueError) as err:
        raise ProgramsError(f"{path}: {err}") from err
    run_dir = Path(run_dir or Path("out") / spec.name)
    if (run_dir / BATCH_FILE).is_file():
        if spec_of_run(run_dir) != spec:
            raise BadInput(
                f"{run_dir} holds a run of another version of {path}; pass --run-dir with a fresh folder (and "
                f"--train), or run 'hybrid-rg run {path} --out NEW_FOLDER' first"
            )
        say(f"using the finished run in {run_dir} (programs from {run_dir / BATCH_FILE})")
        return _from_json(run_dir / BATCH_FILE)
    points = len(spec.training.orders) * len(spec.times.T)
    done = sum(
        (run_dir / "checkpoints" / f"{_key(K, T)}.pt").is_file() for K in spec.training.orders for T in spec.times.T
    )
    work = (
        f"{points - done} of {points} points (orders {list(spec.training.orders)} × {len(spec.times.T)} times) "
        f"to train, {spec.training.iterations} iterations each{_expected_time(path)}"
    )
    if not train:
        raise BadInput(
            f"{path} has no finished run in {run_dir} ({work}). Train it first with 'hybrid-rg run {path} --out "
            f"{run_dir}' and pass {run_dir}, or add --train (and --run-dir DIR) to train it here"
        )
    from ..workflows import run_spec  # lazily: the jobs module sits above the layers

    say(f"training {path} into {run_dir} first: {work}; rerunning resumes from {run_dir}/checkpoints")
    run = run_spec(spec, run_dir, spec_file=path)
    say(f"trained in {run.seconds:.0f} s; wrote {run_dir}/result.csv and {run_dir / BATCH_FILE}")
    return _from_json(run_dir / BATCH_FILE)


def _expected_time(path: Path) -> str:
    """'; the spec's header says: …' from a leading comment line naming a run time, else ''."""
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        if re.search(r"run ?time|runs in|takes|expected", line, re.IGNORECASE):
            return f"; the spec's header says: {line.lstrip('# ').strip()}"
    return ""
