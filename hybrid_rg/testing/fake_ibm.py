"""A stateful fake of IBM Quantum's runtime service behind qiskit-ibm-runtime's real SamplerV2, for the IBM adapter's
idempotency tests.

    service = FakeIbmService(tmp_path / "ibm")
    device = IbmRuntimeDevice(backend=service.backend(), service=service)

`backend()` is an `IBMBackend` (FakeTorino's target and configuration inside), so `SamplerV2(mode=backend)` takes
its job-mode path unchanged: it validates the ISA circuit against the target, folds `options.environment.job_tags`
into the runtime options and calls `service._run(program_id, options, inputs)`, which this fake answers. Jobs live
in `<dir>/ibm.sqlite` (several processes, and a killed one, see one service).

What it models: `jobs(job_tags=..., backend_name=..., created_after=...)` filters as the real service documents
(a job matches when it carries all the given tags); a job is QUEUED, RUNNING, then DONE `complete_after_s` after
creation, and its result is a real `PrimitiveResult` of one `SamplerPubResult` whose register `c` holds counts
drawn from a generator seeded by the job id. `accept_delay_s` waits after the job is stored and before `_run`
returns (the window a SIGKILL aims at); `drop_replies(n)` stores the next n jobs and then raises as a lost reply.
IBM has no client token: a second `_run` is always a second job, which is what the tests count.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .provider_store import ProviderDb

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs(id TEXT PRIMARY KEY, tags TEXT NOT NULL, backend TEXT NOT NULL, shots INTEGER NOT NULL,
    n_clbits INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class LostReply(ConnectionError):
    """The job was stored, then the reply was lost (what a dropped HTTP response looks like to the client)."""


class FakeIbmService:
    def __init__(self, dir, complete_after_s: float = 0.05, accept_delay_s: float = 0.0):
        self.dir = Path(dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.complete_after_s, self.accept_delay_s = float(complete_after_s), float(accept_delay_s)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def _db(self) -> ProviderDb:
        return ProviderDb(self.dir / "ibm.sqlite")

    def _count(self, db, name: str, by: int = 1) -> None:
        db.execute(
            "INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?", (name, by, by)
        )

    def backend(self, name: str = "ibm_torino"):
        return make_backend(self, name)

    # --- what SamplerV2 calls --------------------------------------------------------------------------------
    def _run(self, program_id: str, options: dict, inputs: dict, **kwargs):
        pub = inputs["pubs"][0]
        shots = int(pub.shots)
        job_id = f"fakeibm{uuid.uuid4().hex[:12]}"
        drop = False
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            self._count(db, "run_calls")
            db.execute(
                "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    json.dumps(list(options.get("job_tags") or [])),
                    options["backend"].name,
                    shots,
                    pub.circuit.num_clbits,
                    time.time(),
                ),
            )
            pending = db.execute("SELECT value FROM counters WHERE name = 'drop_replies'").fetchone()
            if pending and pending[0] > 0:
                self._count(db, "drop_replies", -1)
                drop = True
            db.execute("COMMIT")
        if drop:
            raise LostReply(f"connection reset after the service stored job {job_id}")
        if self.accept_delay_s:
            time.sleep(self.accept_delay_s)
        return FakeIbmJob(self, job_id)

    # --- what the adapter calls --------------------------------------------------------------------------------
    def jobs(
        self,
        limit: int | None = 10,
        skip: int = 0,
        backend_name: str | None = None,
        job_tags=None,
        created_after: datetime | None = None,
        **kwargs,
    ) -> list["FakeIbmJob"]:
        with self._db() as db:
            self._count(db, "jobs_calls")
            rows = db.execute("SELECT id, tags, backend, created FROM jobs ORDER BY created DESC").fetchall()
        out = []
        for job_id, tags, backend, created in rows:
            if backend_name is not None and backend != backend_name:
                continue
            if job_tags and not set(job_tags) <= set(json.loads(tags)):
                continue
            if created_after is not None and created < created_after.timestamp():
                continue
            out.append(FakeIbmJob(self, job_id))
        out = out[skip:]
        return out if limit is None else out[:limit]

    def job(self, job_id: str) -> "FakeIbmJob":
        if self._row(job_id) is None:
            raise KeyError(f"no job {job_id}")
        return FakeIbmJob(self, job_id)

    def _row(self, job_id: str):
        with self._db() as db:
            return db.execute(
                "SELECT id, tags, backend, shots, n_clbits, created FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()

    # --- for tests ---------------------------------------------------------------------------------------------
    def drop_replies(self, n: int = 1) -> None:
        with self._db() as db:
            self._count(db, "drop_replies", int(n))

    def all_jobs(self) -> list[dict]:
        with self._db() as db:
            rows = db.execute("SELECT id, tags, backend, shots, created FROM jobs ORDER BY created").fetchall()
        return [{"id": r[0], "tags": json.loads(r[1]), "backend": r[2], "shots": r[3], "created": r[4]} for r in rows]

    def counters(self) -> dict[str, int]:
        with self._db() as db:
            return dict(db.execute("SELECT name, value FROM counters").fetchall())


class FakeIbmJob:
    def __init__(self, service: FakeIbmService, job_id: str):
        self._service, self._id = service, job_id

    def job_id(self) -> str:
        return self._id

    def status(self) -> str:
        age = time.time() - self._service._row(self._id)[5]
        if age >= self._service.complete_after_s:
            return "DONE"
        return "RUNNING" if age >= self._service.complete_after_s / 2 else "QUEUED"

    def creation_date(self) -> datetime:
        return datetime.fromtimestamp(self._service._row(self._id)[5], timezone.utc)

    def result(self, timeout=None):
        from qiskit.primitives import PrimitiveResult, SamplerPubResult
        from qiskit.primitives.containers import BitArray, DataBin

        _, _, _, shots, n, created = self._service._row(self._id)
        wait = created + self._service.complete_after_s - time.time()
        if wait > 0:
            if timeout is not None and wait > timeout:
                raise TimeoutError(f"job {self._id} not done after {timeout} s")
            time.sleep(wait)
        rng = random.Random(self._id)
        samples = [format(rng.getrandbits(n), f"0{n}b") for _ in range(shots)]
        return PrimitiveResult([SamplerPubResult(DataBin(c=BitArray.from_samples(samples, num_bits=n)))])


def make_backend(service, name: str = "ibm_torino"):
    """An IBMBackend that SamplerV2 treats as a remote backend of `service`, with FakeTorino's target."""
    from qiskit.providers.backend import BackendV2
    from qiskit_ibm_runtime.fake_provider import FakeTorino
    from qiskit_ibm_runtime.ibm_backend import IBMBackend

    class FakeIbmBackend(IBMBackend):
        def __init__(self):
            # IBMBackend's own __init__ needs an API client; the attributes SamplerV2 reads are set here instead
            BackendV2.__init__(self, provider=None, name=name)
            self._fake_service, self._inner, self._instance = service, FakeTorino(), None

        @property
        def service(self):
            return self._fake_service

        @property
        def target(self):
            return self._inner.target

        def configuration(self):
            return self._inner.configuration()

        def check_faulty(self, circuit) -> None:
            return None

        def __getattr__(self, item):
            raise AttributeError(item)

    return FakeIbmBackend()


__all__ = ["FakeIbmService", "FakeIbmJob", "make_backend", "LostReply"]
