"""Intent keys, per-task seeds and the device extension that makes submission idempotent.

The window that loses money: the provider has accepted a task but the process dies before the ledger records the
task id. The ledger cannot close that window by itself; the provider must be able to answer "did you already get
this?". So every intent gets a key derived from what it asks for (batch, position, program digest, shots, seed),
recorded before submitting, and handed to the device with the task, the way Braket's `clientToken` or a provider-side
tag carries it. A device that can do this has two methods beyond the `Device` protocol:

    submit_with_token(program, shots, seed, client_token) -> Task   # a known token returns the existing task
    find_task_by_token(client_token) -> Task | None                  # look a token up (e.g. a tag search)

`find_task_by_token` may also take `since_utc` (the intent's creation time, ISO-8601): a device that can only
search a time window (Braket's SearchQuantumTasks) uses it to bound the search.

On restart, an intent without a task id is looked up by its key before anything is resubmitted. A paid device
without the extension cannot be asked, so its orphaned intents become UNKNOWN instead of being paid for twice.
"""

from __future__ import annotations

import hashlib
import inspect
import json

from ..utils.seeds import derive_seed


def task_seed(batch_seed: int, position: int) -> int:
    """The seed of task `position` of a batch: independent streams from one recorded batch seed (32 bits)."""
    return derive_seed(int(batch_seed), int(position))


def batch_id(campaign: str, device: str, adapter: str, shots: int, seed: int, digests: list[str]) -> str:
    blob = json.dumps([campaign, device, adapter, int(shots), int(seed), digests])
    return "b-" + hashlib.sha256(blob.encode()).hexdigest()[:12]


def intent_key(batch: str, position: int, program_digest: str, shots: int, seed: int) -> str:
    """A client token (<= 64 characters, as Braket's clientToken allows)."""
    blob = f"{batch}|{position}|{program_digest}|{int(shots)}|{int(seed)}"
    return "hrg-" + hashlib.sha256(blob.encode()).hexdigest()[:40]


def supports_tokens(device) -> bool:
    return callable(getattr(device, "submit_with_token", None)) and callable(
        getattr(device, "find_task_by_token", None)
    )


def submit_one(device, program, shots: int, seed: int, key: str):
    if supports_tokens(device):
        return device.submit_with_token(program, shots=shots, seed=seed, client_token=key)
    return device.run([program], shots=shots, seed=seed)[0]


def find_task(device, key: str, since_utc: str | None = None):
    """The device's task for intent `key`, or None; `since_utc` goes to devices whose lookup takes it."""
    find = device.find_task_by_token
    try:
        takes_since = "since_utc" in inspect.signature(find).parameters
    except (TypeError, ValueError):  # a builtin or C callable: call it the plain way
        takes_since = False
    return find(key, since_utc=since_utc) if takes_since else find(key)
