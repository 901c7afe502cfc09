"""The on-disk store the stateful provider fakes share: one SQLite file per fake, opened per call.

A fake cloud service must look the same to several processes and to one that was SIGKILLed mid-call, as the real
service does; a fresh connection per operation with `synchronous=FULL` gives exactly that (a committed job survives
the kill, an uncommitted one never existed).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class ProviderDb:
    """`with ProviderDb(path) as db:` a connection in autocommit mode with full syncs, closed on exit."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("PRAGMA synchronous=FULL")
        return self.db

    def __exit__(self, *exc) -> None:
        self.db.close()
