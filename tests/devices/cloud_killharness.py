"""SIGKILL harness through the real Braket adapter (or, with provider="ibm", the real IBM adapter on
hybrid_rg.testing.fake_ibm behind qiskit-ibm-runtime's SamplerV2): children submit and collect one batch each
through the ledger, with `BraketAwsDevice` talking (real boto3 clients, the Braket SDK's AwsSession and
AwsQuantumTask) to the stateful fake Braket service of hybrid_rg.testing.fake_braket; the parent kills them at
random times.

The figures are measured on the fake service's own record: lost (a task the service holds whose id the ledger does
not hold for its intent), duplicates (two tasks for one intent key), UNKNOWN (intents the runtime gave up on).

    .venv/bin/python -m tests.devices.cloud_killharness --kills 100 --seed 1 [--provider ibm]
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

SHOTS = 10
BATCH = 3
PRELOAD = [
    "hybrid_rg.runtime.collect",
    "hybrid_rg.runtime.submit",
    "hybrid_rg.runtime.ledger",
    "hybrid_rg.devices.adapters.braket_aws",
    "hybrid_rg.testing.fake_braket",
    "braket.aws",
    "boto3",
    "hybrid_rg.devices.adapters.ibm_digital",
    "hybrid_rg.testing.fake_ibm",
    "qiskit_ibm_runtime",
    "tests.runtime.helpers",
]
_CTX = None


def _programs():
    from tests.runtime.helpers import program

    return [program(2, rabi=4.0 + k) for k in range(BATCH)]


def _device(service_dir: Path, provider: str = "braket"):
    if provider == "ibm":
        from hybrid_rg.devices.adapters.ibm_digital import IbmRuntimeDevice
        from hybrid_rg.testing.fake_ibm import FakeIbmService

        service = FakeIbmService(service_dir, complete_after_s=0.02, accept_delay_s=0.03)
        return IbmRuntimeDevice(backend=service.backend(), service=service, max_dt_us=0.25)
    from hybrid_rg.devices.adapters.braket_aws import BraketAwsDevice
    from hybrid_rg.testing.fake_braket import FakeBraket

    fake = FakeBraket(service_dir, complete_after_s=0.02, accept_delay_s=0.03)
    return BraketAwsDevice(boto_session=fake.session(), s3_destination=("hrg-results", "tasks"))


def child(ledger_path: Path, service_dir: Path, batch_no: int, ready=None, provider: str = "braket") -> int:
    """Submit then collect one batch; exit 0 done, 1 anything else. `ready` is set once the device is built, so
    the parent aims its kill at submit and collect rather than at imports and session set-up."""
    from hybrid_rg.runtime import records
    from hybrid_rg.runtime.collect import collect
    from hybrid_rg.runtime.ledger import Ledger
    from hybrid_rg.runtime.submit import SubmitRequest, submit

    try:
        device = _device(service_dir, provider)
        if ready is not None:
            ready.set()
        spec, adapter = ("ibm_heron", "ibm_heron") if provider == "ibm" else ("quera_aquila", "braket_aquila")
        req = SubmitRequest(
            tuple(_programs()),
            spec,
            SHOTS,
            seed=batch_no,
            campaign="kills",
            batch=f"r{batch_no}",
            adapter=adapter,
            budget_usd=1e6,
        )
        with Ledger(ledger_path) as led:
            submit(led, req, device=device)
            out = collect(
                led,
                records.select(led.conn, batch=f"r{batch_no}"),
                timeout_s=20,
                poll_interval_s=0.01,
                devices={(adapter, "{}"): device},
            )
            return 0 if not out.pending else 1
    except BaseException:
        traceback.print_exc()
        return 1


def _context():
    """A forkserver that imported boto3, the Braket SDK and the runtime once (see tests/runtime/killharness.py
    for why not a plain fork)."""
    global _CTX
    if _CTX is None:
        import multiprocessing as mp

        _CTX = mp.get_context("forkserver")
        _CTX.set_forkserver_preload(PRELOAD)
    return _CTX


def _entry(ledger_path, service_dir, batch_no, ready=None, provider="braket") -> None:
    os._exit(child(Path(ledger_path), Path(service_dir), batch_no, ready, provider))


def _fork_child(ledger_path, service_dir, batch_no, ready=None, provider="braket"):
    p = _context().Process(target=_entry, args=(str(ledger_path), str(service_dir), batch_no, ready, provider))
    p.start()
    return p


def _wait(p, timeout: float = 300.0) -> int:
    p.join(timeout)
    if p.exitcode is None:
        p.kill()
        p.join()
        return 99
    return p.exitcode


def _service_tasks(service_dir: Path, provider: str) -> tuple[list[dict], dict]:
    """(id, intent key) of every task the fake service holds, read from its own record, and its counters."""
    if provider == "ibm":
        from hybrid_rg.testing.fake_ibm import FakeIbmService

        fake = FakeIbmService(service_dir)
        tasks = [
            {
                "id": j["id"],
                "intent": next((t.split("=", 1)[1] for t in j["tags"] if t.startswith("hybrid-rg-intent=")), None),
            }
            for j in fake.all_jobs()
        ]
        return tasks, fake.counters()
    from hybrid_rg.testing.fake_braket import FakeBraket

    fake = FakeBraket(service_dir)
    return [{"id": t["arn"], "intent": t["tags"].get("hybrid-rg-intent")} for t in fake.tasks()], fake.counters()


def _in_window(ledger_path: Path, service_dir: Path, provider: str = "braket") -> int:
    """Intents without a task id whose key the service already holds: kills inside the crash window."""
    from hybrid_rg.runtime import records
    from hybrid_rg.runtime.ledger import Ledger

    tokens = {t["intent"] for t in _service_tasks(service_dir, provider)[0]}
    with Ledger(ledger_path, readonly=True) as led:
        return sum(1 for e in records.select(led.conn) if e.task_id is None and e.intent_key in tokens)


def run_kills(workdir: Path, n_kills: int, seed: int = 0, provider: str = "braket") -> dict:
    workdir = Path(workdir)
    ledger_path, service_dir = workdir / "ledger.sqlite", workdir / "braket"
    rng = random.Random(seed)
    warm = _context().Process(target=os.getpid)
    warm.start()
    warm.join()
    t0 = time.monotonic()
    ready = _context().Event()
    p = _fork_child(ledger_path, service_dir, 0, ready, provider)
    assert ready.wait(120)
    t_ready = time.monotonic()
    assert _wait(p) == 0  # an unkilled run measures how long submit + collect take
    duration = time.monotonic() - t_ready
    kills = in_window = bad = attempts = 0
    batch_no = 1
    while kills < n_kills and attempts < 10 * n_kills + 10:  # children that all crash at once: fewer kills, no hang
        ready = _context().Event()
        p = _fork_child(ledger_path, service_dir, batch_no, ready, provider)
        ready.wait(120)
        time.sleep(rng.uniform(0.0, 1.2 * duration))
        if p.exitcode is None:
            p.kill()  # not os.kill: the forkserver may already have reaped a child that just exited
        code = _wait(p)
        attempts += 1
        if code == -signal.SIGKILL:
            kills += 1
            in_window += _in_window(ledger_path, service_dir, provider) > 0
            continue  # the same batch again: it must resume
        bad += code != 0
        batch_no += 1
    for b in range(batch_no + 1):  # recovery: every batch once more, unkilled
        bad += _wait(_fork_child(ledger_path, service_dir, b, None, provider)) != 0
    return {
        **audit(ledger_path, service_dir, provider),
        "provider": provider,
        "kills": kills,
        "kills_in_accept_window": in_window,
        "attempts": attempts,
        "batches": batch_no + 1,
        "submit_collect_s": round(duration, 3),
        "bad_exits": bad,
        "wall_s": round(time.monotonic() - t0, 1),
    }


def audit(ledger_path: Path, service_dir: Path, provider: str = "braket") -> dict:
    """Compare the fake service's own record with the ledger."""
    from hybrid_rg.runtime import records
    from hybrid_rg.runtime.ledger import Ledger

    tasks, counters = _service_tasks(service_dir, provider)
    with Ledger(ledger_path, readonly=True) as led:
        entries = records.select(led.conn)
        recovered = led.conn.execute("SELECT COUNT(*) FROM events WHERE event = 'recovered'").fetchone()[0]
    by_key = {e.intent_key: e for e in entries}
    lost = sum(1 for t in tasks if t["intent"] not in by_key or by_key[t["intent"]].task_id != t["id"])
    per_intent = Counter(t["intent"] for t in tasks)
    duplicates = sum(n - 1 for n in per_intent.values())
    return {
        "service_tasks": len(tasks),
        "ledger_entries": len(entries),
        "lost_task_ids": lost,
        "duplicate_submissions": duplicates,
        "unknown": sum(1 for e in entries if e.state == "UNKNOWN"),
        "intents_without_task": sum(1 for e in entries if e.task_id is None),
        "not_collected": sum(1 for e in entries if e.task_id is not None and e.state != "COMPLETED"),
        "recovered_by_search": recovered,
        "service_counters": counters,
    }


if __name__ == "__main__":
    import argparse
    import tempfile

    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--provider", choices=("braket", "ibm"), default="braket")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        print(json.dumps(run_kills(Path(d), a.kills, a.seed, a.provider), indent=1))
    sys.exit(0)
