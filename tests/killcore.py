"""The core the SIGKILL harnesses share (tests/runtime/killharness.py, tests/calibration/killharness.py).

Children start from a forkserver, are killed at random times by the parent, and the fake provider's own records
are compared with the ledger afterwards. What each harness adds is what its child does and what else it audits.

    server = ForkServer(["hybrid_rg.runtime.submit", ...])
    kills, attempts = kill_runs(n_kills, fork_next, rng, longest_s, on_kill, on_exit)
    provider_vs_ledger(device.tasks(), records.select(conn))   # lost task ids, duplicate submissions
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path


def _run_and_exit(target, *args) -> None:
    os._exit(target(*args))  # no atexit handlers, no flushing of the parent's inherited state


class ForkServer:
    """Children forked from a clean single-threaded server that imported `preload` once: they start in
    milliseconds and cannot inherit a lock held by one of this process's threads (a plain os.fork from the pytest
    process, which may by then run torch, jax, database or heartbeat threads, can leave the child waiting forever
    on such a lock; seen once: a child stuck in futex_wait)."""

    def __init__(self, preload: list[str]):
        self.preload = preload
        self._ctx = None

    def _context(self):
        if self._ctx is None:
            import multiprocessing as mp

            self._ctx = mp.get_context("forkserver")
            self._ctx.set_forkserver_preload(self.preload)
        return self._ctx

    def start(self, target, *args):
        """A started child running `target(*args)` (a module-level function) and exiting with what it returns."""
        p = self._context().Process(target=_run_and_exit, args=(target, *args))
        p.start()
        return p

    def warm(self) -> None:
        """Start the server (and its imports) now, so that timing the first child does not include them."""
        p = self._context().Process(target=os.getpid)
        p.start()
        p.join()


def wait(p, timeout: float | None = 300.0) -> int:
    """The exit code (negative: killed by that signal); a child still running after `timeout` is killed and
    counted as a bad exit (99), so a hang fails the audit instead of the whole test run."""
    p.join(timeout)
    if p.exitcode is None:
        p.kill()
        p.join()
        return 99
    return p.exitcode


def timed(p) -> float:
    """Seconds an unkilled child takes (asserting it exits 0): the scale of the random kill times."""
    t0 = time.monotonic()
    code = wait(p)
    assert code == 0, f"an unkilled child exited {code}"
    return time.monotonic() - t0


def kill_runs(n_kills: int, fork_next, rng: random.Random, longest_s: float, on_kill, on_exit) -> tuple[int, int]:
    """Fork children (`fork_next()`) and SIGKILL each at a uniform random time in [0, longest_s] unless it has
    exited, until `n_kills` were killed; `on_kill()` after a kill, `on_exit(code)` after an exit. (kills, attempts).

    At most 10 attempts per kill asked for (about 1.2 are needed): children that all exit before their kill (a
    crash at start-up) end the loop with fewer kills, which the audit reports, instead of looping for ever."""
    kills = attempts = 0
    while kills < n_kills and attempts < 10 * n_kills + 10:
        p = fork_next()
        time.sleep(rng.uniform(0.0, longest_s))
        if p.exitcode is None:
            p.kill()  # multiprocessing ignores a child that exited (and was reaped) since the check
        code = wait(p)
        attempts += 1
        if code == -signal.SIGKILL:
            kills += 1
            on_kill()
        else:
            on_exit(code)
    return kills, attempts


def provider_vs_ledger(tasks: list[dict], entries: list) -> dict:
    """Provider tasks the ledger does not know (or knows under another id), and tasks that repeat another's
    program, shots and seed (a second submission of one intent)."""
    by_key = {e.intent_key: e for e in entries}
    lost = sum(1 for t in tasks if t["token"] not in by_key or by_key[t["token"]].task_id != t["id"])
    duplicates = len(tasks) - len({(t["program_digest"], t["shots"], t["seed"]) for t in tasks})
    return {
        "provider_tasks": len(tasks),
        "ledger_entries": len(entries),
        "lost_task_ids": lost,
        "duplicate_submissions": duplicates,
    }


def script(run_kills, default_kills: int) -> None:
    """`python -m tests.<area>.killharness --kills N --seed S`: the figures as JSON, in a throwaway folder."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=default_kills)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        print(json.dumps(run_kills(Path(d), a.kills, a.seed), indent=1))
    sys.exit(0)
