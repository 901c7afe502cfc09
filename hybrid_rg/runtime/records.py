"""Ledger entries as values, and the few queries and updates the runtime makes on them.

An entry is one program submitted (or about to be) to one device: its intent (program, snapshot digest, shots, seed,
cost estimate, tags, campaign, batch) and what became of it (state, provider task id, failure reason, result,
provenance). States:

    INTENT     written before submitting; no task id known yet (a crash here is recovered by the intent key)
    SUBMITTED / QUEUED / RUNNING      the provider has it; task_id recorded
    COMPLETED / FAILED / CANCELLED    final; result or failure_reason stored
    REJECTED   refused by the device before creating a task (its budget reservation is released)
    UNKNOWN    a crash left an intent on a device that cannot be asked about it; never resubmitted automatically
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

FINAL = ("COMPLETED", "FAILED", "CANCELLED", "REJECTED")
COLUMNS = (
    "id",
    "intent_key",
    "batch",
    "position",
    "campaign",
    "tags",
    "device",
    "spec_digest",
    "adapter",
    "adapter_options",
    "program_digest",
    "program_json",
    "shots",
    "seed",
    "cost_estimate_usd",
    "day_utc",
    "state",
    "task_id",
    "failure_reason",
    "result_json",
    "provenance_json",
    "created_utc",
    "submitted_utc",
    "finished_utc",
    "updated_utc",
    "polls",
)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Entry:
    id: int
    intent_key: str
    batch: str
    position: int
    campaign: str
    tags: tuple[str, ...]
    device: str
    spec_digest: str
    adapter: str
    adapter_options: dict
    program_digest: str
    program_json: str
    shots: int
    seed: int
    cost_estimate_usd: float
    day_utc: str
    state: str
    task_id: str | None
    failure_reason: str | None
    result: dict | None
    provenance: dict
    created_utc: str
    submitted_utc: str | None
    finished_utc: str | None
    updated_utc: str
    polls: int

    @classmethod
    def from_row(cls, row) -> "Entry":
        d = dict(zip(COLUMNS, row))
        d["tags"] = tuple(json.loads(d["tags"]))
        d["adapter_options"] = json.loads(d["adapter_options"])
        result_json = d.pop("result_json")
        d["result"] = None if result_json is None else json.loads(result_json)
        d["provenance"] = json.loads(d.pop("provenance_json"))
        return cls(**d)

    @property
    def final(self) -> bool:
        return self.state in FINAL


def select(
    conn, ids=(), tags=(), batch: str | None = None, campaign: str | None = None, pending_only: bool = False
) -> list[Entry]:
    where, args = [], []
    if ids:
        where.append(f"id IN ({','.join('?' * len(ids))})")
        args += [int(i) for i in ids]
    for tag in tags:
        where.append("id IN (SELECT entry_id FROM entry_tags WHERE tag = ?)")
        args.append(tag)
    if batch is not None:
        where.append("batch = ?")
        args.append(batch)
    if campaign is not None:
        where.append("campaign = ?")
        args.append(campaign)
    if pending_only:
        where.append(f"state NOT IN ({','.join('?' * len(FINAL))})")
        args += list(FINAL)
    sql = f"SELECT {', '.join(COLUMNS)} FROM entries" + (" WHERE " + " AND ".join(where) if where else "")
    return [Entry.from_row(r) for r in conn.execute(sql + " ORDER BY id", args)]


def by_key(conn, intent_key: str) -> Entry | None:
    row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM entries WHERE intent_key = ?", (intent_key,)).fetchone()
    return None if row is None else Entry.from_row(row)


def by_id(conn, entry_id: int) -> Entry | None:
    found = select(conn, ids=(entry_id,))
    return found[0] if found else None


def event(conn, entry_id: int | None, name: str, detail: str | None = None) -> None:
    conn.execute(
        "INSERT INTO events(entry_id, utc, event, detail) VALUES (?, ?, ?, ?)", (entry_id, utc_now(), name, detail)
    )


def insert_intent(conn, fields: dict) -> int:
    now = utc_now()
    row = {
        **fields,
        "state": "INTENT",
        "created_utc": now,
        "updated_utc": now,
        "tags": json.dumps(list(fields["tags"])),
        "adapter_options": json.dumps(fields["adapter_options"], sort_keys=True),
        "provenance_json": json.dumps(fields.pop("provenance"), default=str),
    }
    row.pop("provenance", None)
    cols = list(row)
    # RETURNING (SQLite >= 3.35 and PostgreSQL): psycopg2's lastrowid is an OID, not the id
    entry_id = conn.execute(
        f"INSERT INTO entries({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) RETURNING id",
        [row[c] for c in cols],
    ).fetchone()[0]
    conn.executemany("INSERT INTO entry_tags VALUES (?, ?)", [(entry_id, t) for t in fields["tags"]])
    event(conn, entry_id, "intent", fields["intent_key"])
    return entry_id


def update(conn, entry_id: int, **fields) -> None:
    if "result" in fields:
        fields["result_json"] = json.dumps(fields.pop("result"))
    fields["updated_utc"] = utc_now()
    sets = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(f"UPDATE entries SET {sets} WHERE id = ?", [*fields.values(), entry_id])
