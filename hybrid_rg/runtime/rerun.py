"""`rerun ID`: repeat a recorded simulator run from its ledger entry and check the counts match bit for bit.

Only local simulators can be repeated exactly (hardware shots are not reproducible); the entry's program, shots,
task seed and adapter options are all in the ledger. A mismatch is reported together with any drift in package
versions or in the device snapshot since the entry was written: that is where to look first.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass

from ..devices.registry import get_device, with_task_folder
from ..devices.spec import load_device_spec
from ..errors import BadInput
from ..pulse.program import RydbergProgram
from . import records
from .ledger import Ledger


class RerunError(BadInput):
    """The entry cannot be rerun (no such id, a hardware entry, no stored result yet); the message says which entry
    to pick or what to run first (`hybrid-rg ls`, `hybrid-rg collect`)."""


@dataclass
class RerunOutcome:
    entry: object
    counts: dict
    identical: bool
    drift: list


def rerun(ledger: Ledger, entry_id: int) -> RerunOutcome:
    from ..utils.provenance import provenance

    entry = records.by_id(ledger.conn, entry_id)
    if entry is None:
        raise RerunError(f"the ledger {ledger.where} has no entry {entry_id}; see 'hybrid-rg ls'")
    spec = load_device_spec(entry.device)
    if spec.kind != "simulator":
        raise RerunError(
            f"entry {entry_id} ran on {entry.device} (a {spec.kind} device): hardware shots cannot be "
            f"repeated bit for bit; use 'hybrid-rg dry-run' to simulate the program instead"
        )
    if entry.result is None:
        raise RerunError(
            f"entry {entry_id} has no stored result yet (state {entry.state}); run 'hybrid-rg collect {entry_id}' first"
        )
    program = RydbergProgram.from_json(entry.program_json)
    # the repeat's task is a throwaway: kept in a folder removed afterwards, never left in the temp dir
    with tempfile.TemporaryDirectory(prefix="hybrid-rg-rerun-") as folder:
        device = get_device(entry.adapter, **with_task_folder(entry.adapter, entry.adapter_options, folder))
        counts = dict(device.run([program], shots=entry.shots, seed=entry.seed)[0].result().counts)
    now = provenance({}, {})["packages"]
    drift = [
        f"{name}: {old} -> {now.get(name)}"
        for name, old in entry.provenance.get("packages", {}).items()
        if now.get(name) != old
    ]
    if spec.digest() != entry.spec_digest:
        drift.append(f"device snapshot {entry.device}: {entry.spec_digest[:12]} -> {spec.digest()[:12]}")
    identical = counts == entry.result["counts"]
    if not ledger.readonly:
        with ledger.write() as conn:
            records.event(
                conn, entry.id, "rerun-identical" if identical else "rerun-mismatch", json.dumps({"drift": drift})
            )
    return RerunOutcome(entry, counts, identical, drift)
