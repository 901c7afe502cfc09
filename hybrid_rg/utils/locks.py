"""One process at a time on a folder or a file: the lock `hybrid-rg run` (an output folder) and `calibrate` (a
SQLite or journal campaign) hold while they write.

    with hold_lock(out / ".hybrid-rg.lock", f"the run folder {out}", hint="wait for it to finish or use another --out"):
        ...

The lock is an advisory `flock` on a small file, so the kernel releases it when its holder dies, however it dies
(SIGKILL included): a lock file left behind by a dead process is simply taken over by the next one. The file says who
holds it (pid, host, start time), and a second process is refused with that text instead of waiting or corrupting
what the first one writes. flock is not reliable on network filesystems; the callers that care (the ledger, SQLite
campaigns) already refuse those.
"""

from __future__ import annotations

import fcntl
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from ..errors import BadInput, UnusableFile


class InUse(UnusableFile):
    """Another process holds the lock on a run folder or a campaign; the message names it (pid, host, start time).
    Wait for it to finish, or use another output folder."""


class Lock:
    """A held lock; `release()` (or leaving the `with` block) frees it. The lock file stays (an empty name is
    harmless, and removing it could race with the next holder)."""

    def __init__(self, fh, path: Path):
        self._fh, self.path = fh, path

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the descriptor drops the flock
            self._fh = None

    close = release

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def holder_text() -> str:
    """Who this process is, in words: 'pid 4242 on host node7, started 2026-12-03T13:40:02Z'."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"pid {os.getpid()} on host {socket.gethostname()}, started {now}"


def hold_lock(path: str | os.PathLike, what: str, hint: str = "wait for it to finish", error: type[BadInput] = InUse):
    """Take the exclusive lock at `path` (created, with its folder, if missing) or raise `error` naming its holder:
    '{what} is in use by pid 4242 on host node7, started …; {hint}'."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise error(f"{what} is in use by {holder}; {hint}") from None
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    fh.truncate()
    fh.write(holder_text() + "\n")
    fh.flush()
    return Lock(fh, path)
