"""A fake cloud QPU service, an ordinary `Device` for the runtime's and the calibration's reliability tests.

`FakeRemoteDevice` (adapter `fake_remote`, snapshot `fake_aquila`) and `FakeLocalDevice` (adapter `fake_local`,
snapshot `fake_local`) are registered in `hybrid_rg.devices.registry` like every adapter, their snapshots are
ordinary snapshot files (hybrid_rg/testing/snapshots/), programs are checked by the real validation and run on the
real emulator (`hybrid_rg.devices.emulator`), so nothing in the runtime knows it is talking to a double.

It keeps its own state on disk (`<dir>/provider.sqlite`), so several processes (and a process killed and restarted)
see one provider. It assigns task ids, answers after a delay (QUEUED, then RUNNING, then COMPLETED `delay_s` after
creation), and honours idempotency keys the way Braket's clientToken / a provider-side tag would: a second
`submit_with_token` with a known token returns the task created the first time, and `find_task_by_token` looks a
token up. It counts every call and every task it creates, which is what lets the tests prove "0 duplicate submissions".

`accept_delay_s` sleeps after the provider has committed a new task and before the call returns: it widens the
window between "provider accepted" and "task id recorded" that the SIGKILL test aims at. A program whose metadata
has `fake_fail = REASON` ends FAILED with that reason.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from ..devices.protocol import TaskFailed, TaskResult, TaskState
from ..devices.spec import load_device_spec
from ..devices.validation import require_valid
from ..pulse.program import RydbergProgram

# The emulator's state-error tolerance: tight enough that shot noise, not the integrator, is all the tests see
# (exact π pulses give every shot in the excited state), and cheap at the double's <= 10 atoms.
TOL = 1e-8

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks(id TEXT PRIMARY KEY, token TEXT UNIQUE, program_json TEXT NOT NULL,
    program_digest TEXT NOT NULL, shots INTEGER NOT NULL, seed INTEGER NOT NULL, created REAL NOT NULL,
    ready REAL NOT NULL, fail_reason TEXT, result_json TEXT);
CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def sample_counts(program: RydbergProgram, shots: int, seed: int) -> dict[str, int]:
    """Shot counts of `program` from the emulator's final state, drawn with numpy's PCG64 seeded by `seed`."""
    from ..devices.emulator import evolve_probabilities, sample

    return sample(evolve_probabilities(program, tol=TOL), shots, seed)


class FakeRemoteDevice:
    """A paid remote device: tasks answer `delay_s` after creation; state on disk, shared by every process."""

    snapshot = "fake_aquila"

    def __init__(
        self, dir: str | os.PathLike, name: str = "fake_remote", delay_s: float = 0.05, accept_delay_s: float = 0.0
    ):
        self.dir = Path(dir)
        self.name = name
        self.spec = load_device_spec(self.snapshot)  # validates like any adapter (registry: no wrapper)
        self.delay_s = float(delay_s)
        self.accept_delay_s = float(accept_delay_s)
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.dir / "provider.sqlite", timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return _Closing(db)

    def _count(self, db, name: str) -> None:
        db.execute("INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1", (name,))

    def _create(self, program: RydbergProgram, shots: int, seed: int | None, token: str | None) -> "FakeTask":
        seed = int.from_bytes(os.urandom(4), "big") if seed is None else int(seed)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            self._count(db, "submit_calls")
            if token is not None:
                row = db.execute("SELECT id FROM tasks WHERE token = ?", (token,)).fetchone()
                if row:
                    self._count(db, "token_hits")
                    db.execute("COMMIT")
                    return FakeTask(self, row[0])
            task_id = f"fake:{uuid.uuid4().hex}"
            now = time.time()
            db.execute(
                "INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    task_id,
                    token,
                    program.to_json(None),
                    program.digest(),
                    int(shots),
                    seed,
                    now,
                    now + self.delay_s,
                    dict(program.metadata).get("fake_fail"),
                ),
            )
            db.execute("COMMIT")
        if self.accept_delay_s:
            time.sleep(self.accept_delay_s)  # accepted by the provider, not yet known to the caller
        return FakeTask(self, task_id)

    # --- the Device protocol -------------------------------------------------------------------------------
    def run(self, programs, shots: int, seed: int | None = None) -> list["FakeTask"]:
        programs = list(programs)
        require_valid(programs, self.spec, shots)  # the whole batch before anything is created
        return [self._create(p, shots, None if seed is None else seed + k, None) for k, p in enumerate(programs)]

    def task(self, task_id: str) -> "FakeTask":
        with self._db() as db:
            if db.execute("SELECT 1 FROM tasks WHERE id = ?", (task_id,)).fetchone() is None:
                raise KeyError(f"{self.name} has no task {task_id!r}")
        return FakeTask(self, task_id)

    # --- the idempotency extension the runtime uses (see hybrid_rg.runtime.idempotency) -----------------------
    def submit_with_token(self, program, shots: int, seed: int | None, client_token: str) -> "FakeTask":
        require_valid([program], self.spec, shots)
        return self._create(program, shots, seed, client_token)

    def find_task_by_token(self, client_token: str) -> "FakeTask | None":
        with self._db() as db:
            row = db.execute("SELECT id FROM tasks WHERE token = ?", (client_token,)).fetchone()
        return None if row is None else FakeTask(self, row[0])

    # --- for tests ----------------------------------------------------------------------------------------
    def tasks(self) -> list[dict]:
        with self._db() as db:
            cur = db.execute("SELECT id, token, program_digest, shots, seed, created FROM tasks ORDER BY created")
            return [dict(zip(("id", "token", "program_digest", "shots", "seed", "created"), r)) for r in cur]

    def counters(self) -> dict[str, int]:
        with self._db() as db:
            return dict(db.execute("SELECT name, value FROM counters").fetchall())

    def finish_now(self) -> int:
        """Make every task that is not yet final answer now (its `ready` time set to now); the number changed.

        Lets a test hold tasks unfinished with a long `delay_s` (so no loaded or fast machine can see one finish
        early) and still end them on cue, instead of racing a short delay against the wall clock."""
        with self._db() as db:
            return db.execute("UPDATE tasks SET ready = ? WHERE ready > ?", (time.time(),) * 2).rowcount


class FakeLocalDevice(FakeRemoteDevice):
    """The free local simulator that stands in for fake_aquila: answers at once; its tasks live under `dir`
    (default: one folder per user under the temp dir, so a rerun in another process finds them)."""

    snapshot = "fake_local"

    def __init__(
        self,
        dir: str | os.PathLike | None = None,
        name: str = "fake_local",
        delay_s: float = 0.0,
        accept_delay_s: float = 0.0,
    ):
        if dir is None:
            dir = Path(tempfile.gettempdir()) / f"hybrid-rg-fake_local-{os.getuid()}"
        super().__init__(dir, name, delay_s, accept_delay_s)


class _Closing:
    def __init__(self, db):
        self.db = db

    def __enter__(self):
        return self.db

    def __exit__(self, *exc):
        self.db.close()


class FakeTask:
    def __init__(self, device: FakeRemoteDevice, task_id: str):
        self._device, self._id = device, task_id

    @property
    def id(self) -> str:
        return self._id

    def _row(self):
        with self._device._db() as db:
            return db.execute(
                "SELECT program_json, shots, seed, created, ready, fail_reason, result_json FROM tasks WHERE id = ?",
                (self._id,),
            ).fetchone()

    def state(self) -> TaskState:
        _, _, _, created, ready, fail, _ = self._row()
        now = time.time()
        if now >= ready:
            return TaskState.FAILED if fail else TaskState.COMPLETED
        return TaskState.RUNNING if now >= (created + ready) / 2 else TaskState.QUEUED

    @property
    def failure_reason(self) -> str | None:
        return self._row()[5] if self.state() == TaskState.FAILED else None

    def result(self, timeout_s: float | None = None) -> TaskResult:
        program_json, shots, seed, _, ready, fail, cached = self._row()
        wait = ready - time.time()
        if wait > 0:
            if timeout_s is not None and wait > timeout_s:
                raise TimeoutError(f"task {self._id} is not finished after {timeout_s} s; collect again later")
            time.sleep(wait)
        if fail:
            raise TaskFailed(f"task {self._id} FAILED: {fail}")
        if cached is None:
            counts = sample_counts(RydbergProgram.from_json(program_json), shots, seed)
            cached = json.dumps(counts)
            with self._device._db() as db:
                db.execute("UPDATE tasks SET result_json = ? WHERE id = ?", (cached, self._id))
        return TaskResult(json.loads(cached), shots, {"task_id": self._id, "device": self._device.name, "seed": seed})
