"""IBM digital adapters: the Rydberg program's Hamiltonian Trotterised into gates, transpiled for a Heron target.

IBM no longer accepts pulse programs (qiskit.pulse is gone in Qiskit 2, pulse access ended on IBM hardware),
so the analog program becomes a circuit. Per step of length dt at the midpoint time t (second-order Trotter):

    half drive:  R(Ω dt/2, −φ) on every atom      (qiskit's R(θ, φ') = exp(−iθ/2 (cos φ' X + sin φ' Y)))
    interaction: RZZ(V_ij dt/2) on every pair,  RZ(2 c_i dt) with c_i = (Δ + h_i Δ_loc)/2 − Σ_j V_ij/4
    half drive again,

from n = (1 − Z)/2: V n_i n_j = V/4 (1 − Z_i − Z_j + Z_i Z_j) and −Δ n = Δ/2 Z − Δ/2. Steps never straddle a
knot. The circuit is transpiled to the target's native gates (cz, rz, sx, x on Heron) and run on qiskit-aer
(`IbmAerDevice`, local, with or without FakeTorino's noise), or through qiskit-ibm-runtime SamplerV2 in a
Session (`IbmRuntimeDevice`, which checks the saved account first and fails at once without one).
Counts come back with atom 0 first (qiskit prints qubit 0 last; the adapters reverse).

Idempotency on IBM (the runtime's token extension, runtime/idempotency.py): IBM has no client token, so every
job carries the tag `hybrid-rg-intent=<intent key>` (SamplerV2 `options.environment.job_tags`) and an intent whose
job id was never recorded is looked up with `service.jobs(job_tags=[tag], backend_name=..., created_after=...)`
before anything is resubmitted. Unlike Braket's clientToken, nothing on IBM's side refuses a second job with the
same tag: if the job list lags behind a job just accepted, a resubmission is a second job. `service=` injects the
runtime service (tests plug hybrid_rg.testing.fake_ibm in here).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np

from ..credentials import ibm_account
from ..protocol import TaskFailed, TaskResult, TaskState
from ..spec import load_device_spec
from ..validation import require_valid
from . import import_extra
from ._local import LocalDevice
from ._rydberg_ops import segments


def trotter_circuit(program, max_dt_us: float = 0.02, measure: bool = True):
    """The second-order Trotter circuit of `program` (steps <= max_dt_us, none straddling a knot)."""
    qiskit = import_extra("qiskit", "ibm")
    from qiskit.circuit.library import RGate, RZGate, RZZGate

    n = program.n_atoms
    qc = qiskit.QuantumCircuit(n, n if measure else 0)
    pairs = program.interactions()
    vsum = np.zeros(n)
    for i, j, v in pairs:
        vsum[i] += v
        vsum[j] += v
    pattern = program.local_detuning.pattern if program.local_detuning is not None else (0.0,) * n
    knots = segments(program)
    for a, b in zip(knots, knots[1:]):
        m = max(1, math.ceil((b - a) / max_dt_us - 1e-9))
        dt = (b - a) / m
        for k in range(m):
            t = a + (k + 0.5) * dt
            omega, phi, delta = (float(program.amplitude(t)), float(program.phase(t)), float(program.detuning(t)))
            dloc = float(program.local_detuning.magnitude(t)) if program.local_detuning is not None else 0.0
            for q in range(n):
                qc.append(RGate(omega * dt / 2, -phi), [q])
            for i, j, v in pairs:
                qc.append(RZZGate(v * dt / 2), [i, j])
            for q in range(n):
                qc.append(RZGate(2 * dt * ((delta + pattern[q] * dloc) / 2 - vsum[q] / 4)), [q])
            for q in range(n):
                qc.append(RGate(omega * dt / 2, -phi), [q])
    if measure:
        qc.measure(range(n), range(n))
    return qc


def fake_heron():
    import_extra("qiskit_ibm_runtime", "ibm")
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    return FakeTorino()


INTENT_TAG = "hybrid-rg-intent"
SEARCH_SKEW = timedelta(minutes=15)  # clock skew allowed between this machine and IBM's job timestamps


def _atom_first(counts: dict) -> dict[str, int]:
    return {k.replace(" ", "")[::-1]: int(v) for k, v in counts.items()}


class IbmAerDevice(LocalDevice):
    """qiskit-aer on the circuit transpiled for FakeTorino (Heron); noise=True uses FakeTorino's noise model."""

    name = "ibm_aer"

    def __init__(
        self, directory=None, spec=None, noise: bool = False, max_dt_us: float = 0.02, optimization_level: int = 1
    ):
        super().__init__(directory, spec)
        import_extra("qiskit_aer", "ibm")
        self.noise, self.max_dt_us, self.optimization_level = noise, max_dt_us, optimization_level
        self._backend = None

    def _metadata(self) -> dict:
        return {"noise": self.noise, "max_dt_us": self.max_dt_us, "target": "fake_torino"}

    def transpiled(self, program):
        from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

        if self._backend is None:
            self._backend = fake_heron()
        pm = generate_preset_pass_manager(
            optimization_level=self.optimization_level, backend=self._backend, seed_transpiler=0
        )
        return pm.run(trotter_circuit(program, self.max_dt_us))

    def _counts(self, program, shots, rng):
        from qiskit_aer import AerSimulator

        isa = self.transpiled(program)
        sim = AerSimulator.from_backend(self._backend) if self.noise else AerSimulator()
        seed = int(rng.integers(2**31))
        counts = sim.run(isa, shots=shots, seed_simulator=seed).result().get_counts()
        return _atom_first(counts)


class _RuntimeTask:
    def __init__(self, job, n_atoms: int | None = None):
        self._job, self.n_atoms = job, n_atoms

    @property
    def id(self) -> str:
        return self._job.job_id()

    def state(self) -> TaskState:
        s = str(self._job.status()).upper().split(".")[-1]
        return {
            "INITIALIZING": TaskState.QUEUED,
            "QUEUED": TaskState.QUEUED,
            "VALIDATING": TaskState.QUEUED,
            "RUNNING": TaskState.RUNNING,
            "DONE": TaskState.COMPLETED,
            "ERROR": TaskState.FAILED,
            "CANCELLED": TaskState.CANCELLED,
        }.get(s, TaskState.RUNNING)

    def result(self, timeout_s: float | None = None) -> TaskResult:
        try:
            res = self._job.result(timeout=timeout_s)
        except Exception as err:  # noqa: BLE001
            raise TaskFailed(f"IBM job {self.id}: {err}") from err
        data = res[0].data
        counts = _atom_first(next(iter(data.values())).get_counts() if hasattr(data, "values") else data.c.get_counts())
        return TaskResult(counts, sum(counts.values()), {"device": "ibm_heron", "job_id": self.id})


class IbmRuntimeDevice:
    """A real IBM backend through qiskit-ibm-runtime SamplerV2 in a Session. Credentials are checked offline
    first (`CredentialsMissing` at once without an account); `backend=` a fake backend runs in local mode."""

    name = "ibm_heron"

    def __init__(
        self, backend_name: str | None = None, backend=None, max_dt_us: float = 0.02, channel=None, service=None
    ):
        import_extra("qiskit_ibm_runtime", "ibm")
        self.spec = load_device_spec("ibm_heron")
        self.max_dt_us = float(max_dt_us)
        self._service = service
        if backend is None:
            ibm_account(channel)  # offline check; raises CredentialsMissing
            from qiskit_ibm_runtime import QiskitRuntimeService

            try:  # the first network calls: a dead network or a refused token is one line, not chained tracebacks
                self._service = QiskitRuntimeService(channel=channel) if channel else QiskitRuntimeService()
                backend = (
                    self._service.backend(backend_name)
                    if backend_name
                    else self._service.least_busy(operational=True, simulator=False)
                )
            except Exception as err:  # noqa: BLE001 (requests, qiskit-ibm-runtime and HTTP errors alike)
                from ...errors import DeviceError

                first = str(err).splitlines()[0][:160] if str(err) else ""
                raise DeviceError(
                    f"cannot reach IBM Quantum ({type(err).__name__}: {first}"
                    f"); check the network, QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE, and run the same command again "
                    f"(nothing was submitted or written)"
                ) from None
        self.backend = backend

    def run(self, programs, shots: int, seed: int | None = None):
        from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
        from qiskit_ibm_runtime import SamplerV2, Session

        programs = list(programs)
        require_valid(programs, self.spec, shots)
        pm = generate_preset_pass_manager(optimization_level=1, backend=self.backend)
        circuits = [pm.run(trotter_circuit(p, self.max_dt_us)) for p in programs]
        tasks = []
        with Session(backend=self.backend) as session:
            sampler = SamplerV2(mode=session)
            if seed is not None:
                sampler.options.simulator.seed_simulator = seed  # honoured by local/fake backends only
            for c in circuits:  # one job per program: one id per task
                tasks.append(_RuntimeTask(sampler.run([c], shots=shots)))
        return tasks

    def _remote(self, what: str):
        if self._service is None:
            from ...errors import DeviceError

            raise DeviceError(f"{what} needs IBM's runtime service; a local-mode backend has no job list or tags")
        return self._service

    def submit_with_token(self, program, shots: int, seed: int | None, client_token: str) -> _RuntimeTask:
        """One job in job mode, tagged with the intent key (the seed is not sent: hardware has none)."""
        from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
        from qiskit_ibm_runtime import SamplerV2

        self._remote("submitting with an intent tag")
        require_valid([program], self.spec, shots)
        pm = generate_preset_pass_manager(optimization_level=1, backend=self.backend, seed_transpiler=0)
        circuit = pm.run(trotter_circuit(program, self.max_dt_us))
        sampler = SamplerV2(mode=self.backend)
        sampler.options.environment.job_tags = [f"{INTENT_TAG}={client_token}"]
        return _RuntimeTask(sampler.run([circuit], shots=int(shots)))

    def find_task_by_token(self, client_token: str, since_utc: str | None = None) -> _RuntimeTask | None:
        """The job tagged with this intent key on this backend since the intent was written, or None."""
        service = self._remote("looking a job up by its intent tag")
        after = None
        if since_utc is not None:
            after = datetime.fromisoformat(since_utc)
            after = (after if after.tzinfo else after.replace(tzinfo=timezone.utc)) - SEARCH_SKEW
        jobs = service.jobs(
            job_tags=[f"{INTENT_TAG}={client_token}"], backend_name=self.backend.name, created_after=after, limit=None
        )
        return _RuntimeTask(jobs[0]) if jobs else None

    def task(self, task_id: str):
        if self._service is None:
            raise KeyError(f"task {task_id!r}: local-mode jobs cannot be rebuilt from their id")
        return _RuntimeTask(self._service.job(task_id))


__all__ = ["trotter_circuit", "IbmAerDevice", "IbmRuntimeDevice", "fake_heron", "INTENT_TAG"]
