"""The contract every device adapter keeps (local simulators, cloud devices, fakes).

    tasks = device.run(programs, shots=1000, seed=7)    # one task per program, validated before anything runs
    task.id                                             # a string; device.task(task.id) rebuilds the task
    task.state()                                        # TaskState
    task.result()                                       # TaskResult (bitstring counts), once COMPLETED

A task can be rebuilt from its id alone (`device.task(id)`, possibly in another process), which is what the
runtime's ledger relies on to reattach after a crash. Bitstrings are '0' = ground, '1' = excited/Rydberg,
qubit/atom 0 first. Local simulators given the same seed return the same counts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence, runtime_checkable

from ..errors import DeviceError


class TaskState(str, enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def final(self) -> bool:
        return self in (TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED)


@dataclass(frozen=True)
class TaskResult:
    counts: dict[str, int]  # bitstring -> number of shots
    shots: int
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        return {"counts": dict(self.counts), "shots": self.shots, "metadata": dict(self.metadata)}

    @classmethod
    def from_dict(cls, d: dict) -> "TaskResult":
        return cls({str(k): int(v) for k, v in d["counts"].items()}, int(d["shots"]), dict(d.get("metadata", {})))


class TaskFailed(DeviceError):
    """A task ended FAILED or CANCELLED; the message carries the provider's reason. The ledger keeps the entry as
    FAILED with that reason; submit the program again (a new batch) once the cause is fixed."""


@runtime_checkable
class Task(Protocol):
    @property
    def id(self) -> str: ...

    def state(self) -> TaskState: ...

    def result(self, timeout_s: float | None = None) -> TaskResult: ...


@runtime_checkable
class Device(Protocol):
    name: str

    def run(self, programs: Sequence[Any], shots: int, seed: int | None = None) -> list[Task]: ...

    def task(self, task_id: str) -> Task: ...
