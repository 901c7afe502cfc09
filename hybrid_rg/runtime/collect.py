"""Status and collection: ask the provider about ledger entries, store what it says, from any process.

Polling is bounded (a total `timeout_s`, a `poll_interval_s` between rounds) and resumable: every answer is written
to the ledger as it arrives, so an interrupted `collect` loses nothing and the next one continues where it stopped.
Failure reasons are stored as a field (the provider's text), never only printed. Results are stored with the entry.

One bad entry never blocks the rest: an entry that cannot be polled (its local task folder is gone, its adapter
cannot be built, its provider answers with an error) is reported in `CollectOutcome.errors` and a `poll-failed` event,
and the others are polled as usual; its state in the ledger is left as it was, so a later call asks again. Local
simulators are asked through their task folder beside the ledger (`Ledger.tasks_dir`), as `submit` ran them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from ..devices.protocol import TaskFailed, TaskState
from ..devices.registry import get_device, with_task_folder
from . import records
from .ledger import Ledger, LedgerError, for_update


@dataclass
class CollectOutcome:
    entries: list = field(default_factory=list)
    polls: int = 0
    timed_out: bool = False
    errors: dict = field(default_factory=dict)  # entry id -> why it could not be polled (this call)

    @property
    def pending(self) -> list:
        return [e for e in self.entries if not e.final]


class _Devices:
    """One adapter object per (adapter, options), built on first use; local simulators get `folder` (the ledger's
    task folder) unless their options name one."""

    def __init__(self, given=None, folder=None):
        self._cache = dict(given or {})
        self._folder = folder

    def __call__(self, entry):
        key = (entry.adapter, json.dumps(entry.adapter_options, sort_keys=True))
        if key not in self._cache:
            options = with_task_folder(entry.adapter, entry.adapter_options, self._folder)
            self._cache[key] = get_device(entry.adapter, **options)
        return self._cache[key]


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or "no message"
    return f"{type(err).__name__}: {text[:300]}"


def _failure_reason(task) -> str:
    reason = getattr(task, "failure_reason", None)
    if reason:
        return str(reason)
    try:
        task.result(timeout_s=0)
    except TaskFailed as err:
        return str(err)
    except Exception as err:  # the provider gave no reason we can read
        return f"no reason given ({type(err).__name__}: {err})"
    return "no reason given"


def poll_once(ledger: Ledger, entry, device, result_timeout_s: float = 30.0):
    """One question to the provider about one entry; the answer is written before this returns."""
    if entry.task_id is None or entry.final:
        return entry
    task = device.task(entry.task_id)
    state = task.state()
    fields = {"state": state.value, "polls": entry.polls + 1}
    if state == TaskState.COMPLETED:
        try:
            result = task.result(timeout_s=result_timeout_s)
        except TimeoutError:
            fields["state"] = "RUNNING"
        else:
            fields.update(
                result={**result.to_dict(), "collected_utc": records.utc_now()},
                finished_utc=records.utc_now(),
                failure_reason=None,
            )
    elif state in (TaskState.FAILED, TaskState.CANCELLED):
        fields.update(failure_reason=_failure_reason(task), finished_utc=records.utc_now())
    with ledger.write() as conn:
        # another worker may have stored a final answer since `entry` was read: never overwrite it with an older one
        now = conn.execute("SELECT state FROM entries WHERE id = ?" + for_update(conn), (entry.id,)).fetchone()[0]
        if now in records.FINAL:
            fields = {"state": now}
        else:
            records.update(conn, entry.id, **fields)
        if fields["state"] in records.FINAL and now not in records.FINAL:
            records.event(conn, entry.id, fields["state"].lower(), fields.get("failure_reason"))
    return records.by_id(ledger.conn, entry.id)


def collect(
    ledger: Ledger, entries, *, timeout_s: float = 60.0, poll_interval_s: float = 2.0, devices=None
) -> CollectOutcome:
    """Poll until every entry is final or `timeout_s` has passed (timeout_s = 0: one round, as `status` does)."""
    get = _Devices(devices, ledger.tasks_dir)
    deadline = time.monotonic() + max(0.0, timeout_s)
    out = CollectOutcome(list(entries))

    def waiting(e) -> bool:
        return e.task_id is not None and not e.final and e.id not in out.errors

    while True:
        for k, entry in enumerate(out.entries):
            if waiting(entry):
                try:
                    out.entries[k] = poll_once(
                        ledger, entry, get(entry), result_timeout_s=max(0.0, deadline - time.monotonic())
                    )
                except LedgerError:  # the ledger itself cannot be written: nothing else can be stored either
                    raise
                except Exception as err:  # noqa: BLE001 - one broken entry must not block the others
                    out.errors[entry.id] = _one_line(err)
                    with ledger.write() as conn:
                        records.event(conn, entry.id, "poll-failed", out.errors[entry.id])
                out.polls += 1
        if not any(waiting(e) for e in out.entries):
            return out
        if time.monotonic() + poll_interval_s > deadline:
            out.timed_out = True
            return out
        time.sleep(poll_interval_s)
