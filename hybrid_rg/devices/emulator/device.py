"""`EmulatorDevice`: the state-vector emulator behind the `Device` protocol, with tasks rebuildable from their id.

`run` validates every program first, then writes one JSON file per task (program, shots, seed, tolerance) under
`results_dir/tasks/` and computes it at once (a local simulator has no queue). The result is stored beside it.
`EmulatorDevice(results_dir).task(id)`, in any process, reads the files back; if the result file is missing
(a crash after the spec was written) it recomputes it, and gets the same counts because the seed is stored.
With `seed=None` a seed is drawn and recorded, so every task is reproducible.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Sequence

import numpy as np

from ...pulse.program import RydbergProgram
from ...utils.results import atomic_file
from ..protocol import TaskFailed, TaskResult, TaskState
from .integrator import MAX_ATOMS, EmulatorError, check_memory, evolve
from .observables import probabilities, sample

_SPEC = "hybrid-rg.emulator-task/1"


def _write_json(path: Path, data: dict) -> None:
    with atomic_file(path) as tmp:  # never a half-written file under the final name
        tmp.write_text(json.dumps(data, indent=1))


class EmulatorTask:
    def __init__(self, device: "EmulatorDevice", task_id: str):
        self._device, self._id = device, task_id

    @property
    def id(self) -> str:
        return self._id

    def _paths(self) -> tuple[Path, Path]:
        base = self._device.tasks_dir / self._id
        return base.with_suffix(".json"), base.with_suffix(".result.json")

    def state(self) -> TaskState:
        spec, result = self._paths()
        return TaskState.COMPLETED if result.exists() else TaskState.QUEUED if spec.exists() else TaskState.FAILED

    def result(self, timeout_s: float | None = None) -> TaskResult:
        spec_path, result_path = self._paths()
        if result_path.exists():
            return TaskResult.from_dict(json.loads(result_path.read_text()))
        if not spec_path.exists():
            raise TaskFailed(
                f"no emulator task {self._id} under {self._device.tasks_dir}; was the device built "
                f"with the same results_dir?"
            )
        spec = json.loads(spec_path.read_text())
        program = RydbergProgram.from_dict(spec["program"])
        evolution = evolve(program, tol=spec["tol"])
        counts = sample(probabilities(evolution.state), spec["shots"], spec["seed"])
        result = TaskResult(
            counts,
            spec["shots"],
            {
                "device": self._device.name,
                "seed": spec["seed"],
                "program_digest": program.digest(),
                **evolution.metadata(),
            },
        )
        _write_json(result_path, result.to_dict())
        return result


class EmulatorDevice:
    """A local, exact (to `tol`) Rydberg device. Tasks live under `results_dir` (a new temp dir by default)."""

    name = "hybrid-rg-emulator"

    def __init__(self, results_dir: str | os.PathLike | None = None, tol: float = 1e-4, max_atoms: int = MAX_ATOMS):
        self.results_dir = (
            Path(results_dir) if results_dir is not None else Path(tempfile.mkdtemp(prefix="hybrid-rg-emulator-"))
        )
        self.tasks_dir = self.results_dir / "tasks"
        self.tol, self.max_atoms = float(tol), int(max_atoms)

    def _validate(self, programs: Sequence, shots: int) -> None:
        if isinstance(shots, bool) or int(shots) != shots or shots < 1:
            raise EmulatorError(f"shots = {shots!r}; give a positive whole number of shots")
        for k, p in enumerate(programs):
            if not isinstance(p, RydbergProgram):
                raise EmulatorError(f"program {k} is a {type(p).__name__}; the emulator runs RydbergProgram")
            if p.n_atoms > self.max_atoms:
                raise EmulatorError(
                    f"program {k} has {p.n_atoms} atoms; this emulator allows {self.max_atoms} "
                    f"(a state of 2^n amplitudes); split the problem or raise max_atoms"
                )
            check_memory(p.n_atoms)  # the whole batch is refused before any program runs

    def run(self, programs: Sequence[RydbergProgram], shots: int, seed: int | None = None) -> list[EmulatorTask]:
        programs = list(programs)
        self._validate(programs, shots)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**63)
        seeds = np.random.SeedSequence(seed).generate_state(len(programs), dtype=np.uint64)
        self.tasks_dir.mkdir(parents=True, exist_ok=True)
        tasks = []
        for program, task_seed in zip(programs, seeds):
            task = EmulatorTask(self, f"emu-{uuid.uuid4().hex}")
            _write_json(
                self.tasks_dir / f"{task.id}.json",
                {
                    "format": _SPEC,
                    "program": program.to_dict(),
                    "shots": int(shots),
                    "seed": int(task_seed),
                    "run_seed": int(seed),
                    "tol": self.tol,
                },
            )
            tasks.append(task)
        for task in tasks:
            task.result()
        return tasks

    def task(self, task_id: str) -> EmulatorTask:
        if not (self.tasks_dir / f"{task_id}.json").exists():
            raise TaskFailed(f"no emulator task {task_id!r} under {self.tasks_dir}; pass the results_dir it ran in")
        return EmulatorTask(self, task_id)
