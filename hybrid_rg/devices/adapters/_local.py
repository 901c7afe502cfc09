"""What every local (in-process) adapter shares: validate the batch, simulate, sample, store, rebuild by id.

A local task runs inside `run()` and is COMPLETED (or FAILED with the reason) when `run()` returns. Its id is
`<device>-<sha256 of (device, program digest, shots, seed, index)>[:24]`; the result is kept in memory and,
with `directory=...`, as `<directory>/<id>.json`, so that `device.task(id)` rebuilds it in another process.
Seeds: program k of a batch run with seed s samples with `SeedSequence([s, k])`; seed=None draws a fresh seed
and records it in the result's metadata.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ...utils.results import atomic_file
from ..protocol import TaskFailed, TaskResult, TaskState
from ..spec import DeviceSpec, load_device_spec
from ..validation import require_valid

_MEMORY: dict[str, dict] = {}


def bitstring_counts(probs: np.ndarray, n: int, shots: int, rng: np.random.Generator) -> dict[str, int]:
    """Sample `shots` bitstrings from probabilities over 2^n basis states, index bit n-1-i = atom i
    (atom 0 is the most significant bit and the first character)."""
    p = np.clip(np.asarray(probs, dtype=float), 0.0, None)
    p = p / p.sum()
    draws = rng.multinomial(shots, p)
    return {format(k, f"0{n}b"): int(c) for k, c in enumerate(draws) if c}


@dataclass
class LocalTask:
    id: str
    record: dict

    def state(self) -> TaskState:
        return TaskState(self.record["state"])

    def result(self, timeout_s: float | None = None) -> TaskResult:
        if self.record["state"] != TaskState.COMPLETED.value:
            raise TaskFailed(f"task {self.id} {self.record['state']}: {self.record.get('reason', '')}")
        return TaskResult.from_dict(self.record["result"])


class LocalDevice:
    """Base of the local adapters: subclasses set `name` and implement `_counts(program, shots, rng)`."""

    name = "local"
    spec_name = None

    def __init__(self, directory: str | Path | None = None, spec: DeviceSpec | None = None):
        self.spec = spec or load_device_spec(self.spec_name or self.name)
        self.directory = None if directory is None else Path(directory)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)

    def _counts(self, program, shots: int, rng: np.random.Generator) -> dict[str, int]:
        raise NotImplementedError

    def _metadata(self) -> dict:
        return {}

    def run(self, programs: Sequence, shots: int, seed: int | None = None) -> list[LocalTask]:
        programs = list(programs)
        require_valid(programs, self.spec, shots)  # the whole batch, before anything runs
        seed = secrets.randbits(63) if seed is None else int(seed)
        tasks = []
        for k, program in enumerate(programs):
            key = json.dumps([self.name, program.digest(), shots, seed, k])
            task_id = f"{self.name}-{hashlib.sha256(key.encode()).hexdigest()[:24]}"
            rng = np.random.default_rng(np.random.SeedSequence([seed, k]))
            meta = {
                "device": self.name,
                "seed": seed,
                "index": k,
                "program_digest": program.digest(),
                "spec_digest": self.spec.digest(),
                **self._metadata(),
            }
            try:
                counts = self._counts(program, shots, rng)
                record = {"state": TaskState.COMPLETED.value, "result": TaskResult(counts, shots, meta).to_dict()}
            except Exception as err:  # noqa: BLE001 - a failing simulation is a FAILED task, not a crash
                record = {"state": TaskState.FAILED.value, "reason": f"{type(err).__name__}: {err}", "meta": meta}
            self._store(task_id, record)
            tasks.append(LocalTask(task_id, record))
        return tasks

    def _store(self, task_id: str, record: dict) -> None:
        _MEMORY[task_id] = record
        if self.directory is not None:
            with atomic_file(self.directory / f"{task_id}.json") as tmp:  # no stray temporary, even after SIGKILL
                tmp.write_text(json.dumps(record))

    def task(self, task_id: str) -> LocalTask:
        if self.directory is not None and (self.directory / f"{task_id}.json").is_file():
            return LocalTask(task_id, json.loads((self.directory / f"{task_id}.json").read_text()))
        if task_id in _MEMORY:
            return LocalTask(task_id, _MEMORY[task_id])
        where = (
            f"in {self.directory}"
            if self.directory is not None
            else "in this process (pass directory=... to keep tasks on disk)"
        )
        raise KeyError(f"no task {task_id!r} of {self.name} {where}")


__all__ = ["LocalDevice", "LocalTask", "bitstring_counts"]
