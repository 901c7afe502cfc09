"""SIGKILL harness: children (from a forkserver) submit and collect through one ledger; the parent kills them at
random times.

`run_kills(workdir, n_kills, seed)` returns the figures the issue asks for (kills, lost task ids, duplicate
submissions, budget overruns) measured independently on the fake provider's own state. Also a script:

    .venv/bin/python -m tests.runtime.killharness --kills 100 --seed 1
"""

from __future__ import annotations

import random
import time
import traceback
from pathlib import Path

from hybrid_rg.runtime import records
from hybrid_rg.runtime.budget import BudgetExceeded
from hybrid_rg.runtime.collect import collect
from hybrid_rg.runtime.ledger import Ledger
from hybrid_rg.runtime.submit import SubmitRequest, submit
from hybrid_rg.testing.fake_provider import FakeRemoteDevice

from ..killcore import ForkServer, kill_runs, provider_vs_ledger, script, timed
from ..killcore import wait as _wait
from .helpers import program

SHOTS = 10
PER_TASK_USD = 0.30 + SHOTS * 0.01
BATCH = 3
BATCHES_PER_CAMPAIGN = 4
CAP_USD = 3 * BATCH * PER_TASK_USD + 0.2  # 3 of every 4 batches fit; the 4th is refused
PROGRAMS = [program(2, rabi=4.0 + k) for k in range(BATCH)]


def _request(provider: Path, batch_no: int) -> SubmitRequest:
    return SubmitRequest(
        tuple(PROGRAMS),
        "fake_aquila",
        SHOTS,
        seed=batch_no,
        campaign=f"c{batch_no // BATCHES_PER_CAMPAIGN}",
        batch=f"r{batch_no}",
        adapter_options={"dir": str(provider), "delay_s": "0.02", "accept_delay_s": "0.03"},
        budget_usd=CAP_USD,
    )


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


SERVER = ForkServer(
    [
        "hybrid_rg.runtime.collect",
        "hybrid_rg.runtime.submit",
        "hybrid_rg.testing.fake_provider",
        "hybrid_rg.devices.emulator",  # the fake provider's physics: imported once, not per child
        "hybrid_rg.runtime.ledger",
        "tests.runtime.helpers",
    ]
)


def _fork_child(ledger_path, provider, batch_no):
    return SERVER.start(child, Path(ledger_path), Path(provider), batch_no)


def _in_window(ledger_path: Path, device: FakeRemoteDevice) -> int:
    """Intents without a task id whose token the provider already holds: kills inside the crash window."""
    tokens = {t["token"] for t in device.tasks()}
    with Ledger(ledger_path, readonly=True) as led:
        return sum(1 for e in records.select(led.conn) if e.task_id is None and e.intent_key in tokens)


def run_kills(workdir: Path, n_kills: int, seed: int = 0) -> dict:
    workdir = Path(workdir)
    ledger_path, provider = workdir / "ledger.sqlite", workdir / "provider"
    device = FakeRemoteDevice(provider)
    SERVER.warm()
    t0 = time.monotonic()
    duration = timed(_fork_child(ledger_path, provider, 0))  # an unkilled run measures a child's duration
    state = {"batch_no": 1, "in_window": 0, "bad": 0}

    def on_kill():  # the same batch again: it must resume
        state["in_window"] += _in_window(ledger_path, device) > 0

    def on_exit(code):
        state["bad"] += code not in (0, 3)
        state["batch_no"] += 1

    kills, attempts = kill_runs(
        n_kills,
        lambda: _fork_child(ledger_path, provider, state["batch_no"]),
        random.Random(seed),
        1.2 * duration,
        on_kill,
        on_exit,
    )
    batch_no = state["batch_no"]
    for b in range(batch_no + 1):  # recovery: every batch once more, unkilled
        state["bad"] += _wait(_fork_child(ledger_path, provider, b)) not in (0, 3)
    return {
        **audit(ledger_path, device),
        "kills": kills,
        "kills_in_accept_window": state["in_window"],
        "attempts": attempts,
        "batches": batch_no + 1,
        "child_duration_s": round(duration, 4),
        "bad_exits": state["bad"],
        "wall_s": round(time.monotonic() - t0, 2),
    }


def audit(ledger_path: Path, device: FakeRemoteDevice) -> dict:
    """Compare the provider's own record with the ledger."""
    tasks = device.tasks()
    with Ledger(ledger_path, readonly=True) as led:
        entries = records.select(led.conn)
        caps = dict(led.conn.execute("SELECT key, cap_usd FROM budgets WHERE scope = 'campaign'").fetchall())
        recovered = led.conn.execute("SELECT COUNT(*) FROM events WHERE event = 'recovered'").fetchone()[0]
    by_key = {e.intent_key: e for e in entries}
    spent: dict[str, float] = {}
    for t in tasks:  # the provider's bill, per campaign
        campaign = by_key[t["token"]].campaign if t["token"] in by_key else "?"
        spent[campaign] = spent.get(campaign, 0.0) + 0.30 + 0.01 * t["shots"]
    overruns = sum(1 for c, usd in spent.items() if usd > caps.get(c, 0.0) + 1e-9)
    unresolved = sum(1 for e in entries if e.task_id is None and e.state != "REJECTED")
    not_collected = sum(1 for e in entries if e.task_id is not None and e.state != "COMPLETED")
    return {
        **provider_vs_ledger(tasks, entries),
        "budget_overruns": overruns,
        "max_campaign_spend_usd": round(max(spent.values(), default=0.0), 4),
        "campaign_cap_usd": CAP_USD,
        "intents_without_task": unresolved,
        "recovered_by_intent_key": recovered,
        "not_collected": not_collected,
        "provider_counters": device.counters(),
    }


if __name__ == "__main__":
    script(run_kills, default_kills=100)
