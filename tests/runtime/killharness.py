"""SIGKILL harness: children (from a forkserver) submit and collect through one ledger; the parent kills them at
random times.

`run_kills(workdir, n_kills, seed)` returns the figures the issue asks for (kills, lost task ids, duplicate
submissions, budget overruns) measured independently on the fake provider's own state. Also a script:

    .venv/bin/python -m tests.runtime.killharness --kills 100 --seed 1
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path

from hybrid_rg.runtime import records
from hybrid_rg.runtime.budget import BudgetExceeded
from hybrid_rg.runtime.collect import collect
from hybrid_rg.testing.fake_provider import FakeRemoteDevice
from hybrid_rg.runtime.ledger import Ledger
from hybrid_rg.runtime.submit import SubmitRequest, submit

from .helpers import program

SHOTS = 10
PER_TASK_USD = 0.30 + SHOTS * 0.01
BATCH = 3
BATCHES_PER_CAMPAIGN = 4
CAP_USD = 3 * BATCH * PER_TASK_USD + 0.2        # 3 of every 4 batches fit; the 4th is refused
PROGRAMS = [program(2, rabi=4.0 + k) for k in range(BATCH)]


def _request(provider: Path, batch_no: int) -> SubmitRequest:
    return SubmitRequest(tuple(PROGRAMS), "fake_aquila", SHOTS, seed=batch_no,
                         campaign=f"c{batch_no // BATCHES_PER_CAMPAIGN}", batch=f"r{batch_no}",
                         adapter_options={"dir": str(provider), "delay_s": "0.02", "accept_delay_s": "0.03"},
                         budget_usd=CAP_USD)


def child(ledger_path: Path, provider: Path, batch_no: int) -> int:
    """Submit then collect one batch; exit 0 done, 3 refused by the budget, 1 anything else."""
    try:
        with Ledger(ledger_path) as led:
            try:
                submit(led, _request(provider, batch_no))
            except BudgetExceeded:
                return 3
            out = collect(led, records.select(led.conn, batch=f"r{batch_no}"), timeout_s=10, poll_interval_s=0.005)
            return 0 if not out.pending else 1
    except BaseException:
        traceback.print_exc()
        return 1


PRELOAD = ["hybrid_rg.runtime.collect", "hybrid_rg.runtime.submit", "hybrid_rg.testing.fake_provider",
           "hybrid_rg.devices.emulator",     # the fake provider's physics (torch): imported once, not per child
           "hybrid_rg.runtime.ledger", "tests.runtime.helpers"]
_CTX = None


def _context():
    """A forkserver: children fork from a clean single-threaded server that imported the runtime once. A plain
    os.fork from the pytest process (which by then may run torch, jax or database threads) can leave the child
    waiting forever on a lock one of those threads held (seen once: a child stuck in futex_wait)."""
    global _CTX
    if _CTX is None:
        import multiprocessing as mp

        _CTX = mp.get_context("forkserver")
        _CTX.set_forkserver_preload(PRELOAD)
    return _CTX


def _entry(ledger_path, provider, batch_no) -> None:
    os._exit(child(Path(ledger_path), Path(provider), batch_no))


def _fork_child(ledger_path, provider, batch_no):
    p = _context().Process(target=_entry, args=(str(ledger_path), str(provider), batch_no))
    p.start()
    return p


def _wait(p, timeout: float = 300.0) -> int:
    """The exit code (negative: killed by that signal); a child still running after `timeout` is killed and
    counted as a bad exit (99), so a hang fails the audit instead of the whole test run."""
    p.join(timeout)
    if p.exitcode is None:
        p.kill()
        p.join()
        return 99
    return p.exitcode


def _in_window(ledger_path: Path, device: FakeRemoteDevice) -> int:
    """Intents without a task id whose token the provider already holds: kills inside the crash window."""
    tokens = {t["token"] for t in device.tasks()}
    with Ledger(ledger_path, readonly=True) as led:
        return sum(1 for e in records.select(led.conn) if e.task_id is None and e.intent_key in tokens)


def run_kills(workdir: Path, n_kills: int, seed: int = 0) -> dict:
    workdir = Path(workdir)
    ledger_path, provider = workdir / "ledger.sqlite", workdir / "provider"
    device = FakeRemoteDevice(provider)
    rng = random.Random(seed)
    warm = _context().Process(target=os.getpid)                 # start the forkserver before timing a child
    warm.start()
    warm.join()
    t0 = time.monotonic()
    assert _wait(_fork_child(ledger_path, provider, 0)) == 0    # an unkilled run measures a child's duration
    duration = time.monotonic() - t0
    kills = in_window = outcomes_bad = 0
    batch_no, attempts = 1, 0
    while kills < n_kills:
        p = _fork_child(ledger_path, provider, batch_no)
        time.sleep(rng.uniform(0.0, 1.2 * duration))
        if p.exitcode is None:
            os.kill(p.pid, signal.SIGKILL)
        code = _wait(p)
        attempts += 1
        if code == -signal.SIGKILL:
            kills += 1
            in_window += _in_window(ledger_path, device) > 0
            continue                                             # the same batch again: it must resume
        outcomes_bad += code not in (0, 3)
        batch_no += 1
    for b in range(batch_no + 1):                                 # recovery: every batch once more, unkilled
        outcomes_bad += _wait(_fork_child(ledger_path, provider, b)) not in (0, 3)
    return {**audit(ledger_path, device), "kills": kills, "kills_in_accept_window": in_window,
            "attempts": attempts, "batches": batch_no + 1, "child_duration_s": round(duration, 4),
            "bad_exits": outcomes_bad, "wall_s": round(time.monotonic() - t0, 2)}


def audit(ledger_path: Path, device: FakeRemoteDevice) -> dict:
    """Compare the provider's own record with the ledger."""
    tasks = device.tasks()
    with Ledger(ledger_path, readonly=True) as led:
        entries = records.select(led.conn)
        caps = dict(led.conn.execute("SELECT key, cap_usd FROM budgets WHERE scope = 'campaign'").fetchall())
        recovered = led.conn.execute("SELECT COUNT(*) FROM events WHERE event = 'recovered'").fetchone()[0]
    by_key = {e.intent_key: e for e in entries}
    lost = sum(1 for t in tasks if t["token"] not in by_key or by_key[t["token"]].task_id != t["id"])
    groups = {(t["program_digest"], t["shots"], t["seed"]) for t in tasks}
    duplicates = len(tasks) - len(groups)
    spent: dict[str, float] = {}
    for t in tasks:                                               # the provider's bill, per campaign
        campaign = by_key[t["token"]].campaign if t["token"] in by_key else "?"
        spent[campaign] = spent.get(campaign, 0.0) + 0.30 + 0.01 * t["shots"]
    overruns = sum(1 for c, usd in spent.items() if usd > caps.get(c, 0.0) + 1e-9)
    unresolved = sum(1 for e in entries if e.task_id is None and e.state != "REJECTED")
    not_collected = sum(1 for e in entries if e.task_id is not None and e.state != "COMPLETED")
    return {"provider_tasks": len(tasks), "ledger_entries": len(entries), "lost_task_ids": lost,
            "duplicate_submissions": duplicates, "budget_overruns": overruns,
            "max_campaign_spend_usd": round(max(spent.values(), default=0.0), 4), "campaign_cap_usd": CAP_USD,
            "intents_without_task": unresolved, "recovered_by_intent_key": recovered, "not_collected": not_collected,
            "provider_counters": device.counters()}


if __name__ == "__main__":
    import argparse
    import tempfile

    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        print(json.dumps(run_kills(Path(d), a.kills, a.seed), indent=1))
    sys.exit(0)
