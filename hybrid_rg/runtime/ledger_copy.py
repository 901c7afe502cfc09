"""`hybrid-rg ledger copy SOURCE TARGET`: move a ledger (usually a SQLite file) into another (usually PostgreSQL).

    report = copy_ledger(Ledger("ledger.sqlite", readonly=True), Ledger("postgresql+psycopg2://alice@db/hrg"))

Entries are matched by their intent key, the identity that makes submission idempotent: an entry the target lacks is
inserted with its tags and events; an entry it already holds is left alone. So the copy is idempotent (the second run
inserts nothing) and safe beside workers already using the target: it is one transaction on the target, taken under
the budget lock, all or nothing. Entry ids are kept when the target holds no entries yet (the usual migration, so
ids quoted in notes and trial attributes stay right); otherwise the target numbers the new entries itself.

Verification reads both ledgers again after the commit: every source entry must be in the target with the same
digest (SHA-256 over every column but the id, its sorted tags and its events in order), the counts of entries, tags,
events and budget caps must match, and the digest over all entry digests must be equal on both sides. An entry that
differs (the target went on updating it after an earlier copy, or another ledger used the same keys) is counted and
reported, never overwritten.
"""

from __future__ import annotations

import hashlib
import json

from . import budget, records
from .ledger import Ledger

DATA_COLUMNS = tuple(c for c in records.COLUMNS if c != "id")


def _norm(value):
    return repr(float(value)) if isinstance(value, float) else value


def _read(conn, keys=None) -> dict[str, dict]:
    """intent_key -> {"id", "row" (DATA_COLUMNS values), "tags", "events", "digest"}; only `keys` if given."""
    rows = conn.execute(f"SELECT id, {', '.join(DATA_COLUMNS)} FROM entries ORDER BY id").fetchall()
    tags: dict[int, list] = {}
    for entry_id, tag in conn.execute("SELECT entry_id, tag FROM entry_tags"):
        tags.setdefault(entry_id, []).append(tag)
    events: dict[int, list] = {}
    for entry_id, utc, name, detail in conn.execute(
        "SELECT entry_id, utc, event, detail FROM events WHERE entry_id IS NOT NULL ORDER BY id"
    ):
        events.setdefault(entry_id, []).append([utc, name, detail])
    out = {}
    for row in rows:
        entry_id, data = row[0], list(row[1:])
        key = data[DATA_COLUMNS.index("intent_key")]
        if keys is not None and key not in keys:
            continue
        item = {"id": entry_id, "row": data, "tags": sorted(tags.get(entry_id, [])), "events": events.get(entry_id, [])}
        blob = json.dumps([[_norm(v) for v in data], item["tags"], item["events"]], default=str)
        item["digest"] = hashlib.sha256(blob.encode()).hexdigest()
        out[key] = item
    return out


def _caps(conn) -> dict[tuple, float]:
    return {(s, k): float(c) for s, k, c in conn.execute("SELECT scope, key, cap_usd FROM budgets")}


def _total(items) -> str:
    return hashlib.sha256("".join(sorted(i["digest"] for i in items)).encode()).hexdigest()


def copy_ledger(source: Ledger, target: Ledger) -> dict:
    """Copy `source` into `target` (see the module docstring); returns the figures and `verified`."""
    src = _read(source.conn)
    src_caps = _caps(source.conn)
    with target.write() as conn:
        budget.lock(conn)  # no worker checks a cap while its spend is half copied
        have = _read(conn, set(src))
        keep_ids = conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 0
        inserted = 0
        for key, item in src.items():
            if key in have:
                continue
            cols, values = list(DATA_COLUMNS), list(item["row"])
            if keep_ids:
                cols, values = ["id", *cols], [item["id"], *values]
            new_id = conn.execute(
                f"INSERT INTO entries({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) RETURNING id", values
            ).fetchone()[0]
            conn.executemany("INSERT INTO entry_tags VALUES (?, ?)", [(new_id, t) for t in item["tags"]])
            conn.executemany(
                "INSERT INTO events(entry_id, utc, event, detail) VALUES (?, ?, ?, ?)",
                [(new_id, *ev) for ev in item["events"]],
            )
            inserted += 1
        if keep_ids and inserted and getattr(conn, "dialect", "sqlite") == "postgresql":
            # explicit ids do not advance PostgreSQL's identity sequence (SQLite's AUTOINCREMENT follows by itself)
            conn.execute("SELECT setval(pg_get_serial_sequence('entries', 'id'), (SELECT MAX(id) FROM entries))")
        dst_caps = _caps(conn)
        caps_added = 0
        for (scope, key), cap in sorted(src_caps.items()):
            if (scope, key) not in dst_caps:
                conn.execute("INSERT INTO budgets VALUES (?, ?, ?, ?)", (scope, key, cap, records.utc_now()))
                caps_added += 1
        records.event(conn, None, "ledger-copy", f"{inserted} entries from {source.where}")
    got = _read(target.conn, set(src))
    got_caps = _caps(target.conn)
    differ = sorted(k for k in src if k in got and got[k]["digest"] != src[k]["digest"])
    caps_differ = sorted(f"{s}:{k}" for (s, k), c in src_caps.items() if got_caps.get((s, k)) != c)
    figures = {
        "source": source.where,
        "target": target.where,
        "entries": {
            "source": len(src),
            "target_matching": len(got) - len(differ),
            "inserted": inserted,
            "already_there": len(src) - inserted,
            "differ": len(differ),
        },
        "tags": {
            "source": sum(len(i["tags"]) for i in src.values()),
            "target": sum(len(i["tags"]) for i in got.values()),
        },
        "events": {
            "source": sum(len(i["events"]) for i in src.values()),
            "target": sum(len(i["events"]) for i in got.values()),
        },
        "budgets": {"source": len(src_caps), "added": caps_added, "differ": caps_differ},
        "ids_kept": keep_ids,
        "digest": {"source": _total(src.values()), "target": _total(got.values())},
        "differing_intent_keys": differ[:20],
    }
    figures["verified"] = (
        len(got) == len(src)
        and not differ
        and not caps_differ
        and figures["digest"]["source"] == figures["digest"]["target"]
        and figures["tags"]["source"] == figures["tags"]["target"]
        and figures["events"]["source"] == figures["events"]["target"]
    )
    return figures
