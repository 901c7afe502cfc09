"""The submission ledger: one SQLite file, the single durable record of what was submitted where.

Why SQLite, set up this way: one file, no server, transactions. WAL mode with synchronous=FULL makes every
committed intent survive a SIGKILL or a power cut; `BEGIN IMMEDIATE` serialises writers, so two processes
submitting at once cannot both pass a budget check (the check and the intent are one transaction). The file carries
an application id ("HRG1") and a schema version in its header, so a foreign or corrupt file is refused with a clear
error and never written to; a new ledger is built beside its target and linked into place (never over a file), mode
0600 (SQLite gives its -wal/-shm files the same mode). A read-only file, a read-only or full disk, or a network
filesystem (where SQLite locking is unreliable) fail when the ledger is opened for writing, before any submission.

The same ledger on a PostgreSQL server (`Ledger("postgresql+psycopg2://user@host/db")`, through SQLAlchemy) serves
workers on several hosts: the same tables in their own schema (`hybrid_rg_ledger`, or `?schema=NAME` in the URL),
the same schema version and application id (kept in `meta`). Both backends offer one interface: `write()` is one
transaction, `conn.execute(sql, args)` takes the same `?`-style SQL, `conn.dialect` says which it is. On PostgreSQL
a budget-checked write first locks one row (`meta.budget_lock`, `budget.lock`), which serialises the check and the
intents it admits the way `BEGIN IMMEDIATE` does on SQLite. Credentials never come through the URL (a URL with a
password is refused): libpq reads them from the environment (PGPASSWORD, PGUSER...), ~/.pgpass or a service file
(`postgresql+psycopg2://?service=NAME`), so neither the ledger nor any message can hold them.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import UnusableFile
from ..utils.filesystems import NETWORK_FILESYSTEMS, filesystem_type

APPLICATION_ID = 0x48524731  # b"HRG1"
SCHEMA_VERSION = 1
MIN_FREE_BYTES = int(os.environ.get("HYBRID_RG_LEDGER_MIN_FREE_BYTES", 1 << 20))

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries(
    id INTEGER PRIMARY KEY AUTOINCREMENT, intent_key TEXT NOT NULL UNIQUE,
    batch TEXT NOT NULL, position INTEGER NOT NULL, campaign TEXT NOT NULL, tags TEXT NOT NULL,
    device TEXT NOT NULL, spec_digest TEXT NOT NULL, adapter TEXT NOT NULL, adapter_options TEXT NOT NULL,
    program_digest TEXT NOT NULL, program_json TEXT NOT NULL, shots INTEGER NOT NULL, seed INTEGER NOT NULL,
    cost_estimate_usd REAL NOT NULL, day_utc TEXT NOT NULL, state TEXT NOT NULL, task_id TEXT,
    failure_reason TEXT, result_json TEXT, provenance_json TEXT NOT NULL, created_utc TEXT NOT NULL,
    submitted_utc TEXT, finished_utc TEXT, updated_utc TEXT NOT NULL, polls INTEGER NOT NULL DEFAULT 0);
CREATE INDEX entries_batch ON entries(batch);
CREATE INDEX entries_campaign ON entries(campaign);
CREATE INDEX entries_task ON entries(task_id);
CREATE TABLE entry_tags(entry_id INTEGER NOT NULL REFERENCES entries(id), tag TEXT NOT NULL,
    PRIMARY KEY(entry_id, tag));
CREATE TABLE budgets(scope TEXT NOT NULL, key TEXT NOT NULL, cap_usd REAL NOT NULL, set_utc TEXT NOT NULL,
    PRIMARY KEY(scope, key));
CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, entry_id INTEGER, utc TEXT NOT NULL,
    event TEXT NOT NULL, detail TEXT);
"""


class LedgerError(UnusableFile):
    """The ledger file cannot be used as asked (foreign, damaged, read-only, on a full disk); the message says why
    and what to do (pass another --ledger, free space, restore a backup). The file was not changed."""


def default_path() -> Path | str:
    """$HYBRID_RG_LEDGER (a path, or a postgresql URL), else ~/.local/share/hybrid-rg/ledger.sqlite."""
    env = os.environ.get("HYBRID_RG_LEDGER")
    if env and is_url(env):
        return env
    return Path(env) if env else Path.home() / ".local" / "share" / "hybrid-rg" / "ledger.sqlite"


def is_url(target) -> bool:
    """A database URL (scheme://...) rather than a file path; only postgresql URLs are served."""
    return isinstance(target, str) and "://" in target


def for_update(conn) -> str:
    """' FOR UPDATE' on PostgreSQL (a row lock for a read that decides a write); SQLite's BEGIN IMMEDIATE already
    holds the whole database, and its SQL has no such clause."""
    return " FOR UPDATE" if getattr(conn, "dialect", "sqlite") == "postgresql" else ""


def check_target(target=None, option: str = "--ledger") -> None:
    """Before any work: refuse a ledger path that is a folder, or that cannot be created where it points (its
    nearest existing folder is not writable). Creates nothing; a URL is checked when it is opened."""
    from ..utils.results import check_output_dir

    chosen = target if target is not None else default_path()
    if is_url(chosen):
        return
    path = Path(chosen)
    if path.is_dir():
        raise LedgerError(f"{option} {path} is a folder; pass a file path, e.g. {path / 'ledger.sqlite'}")
    if not path.exists():
        check_output_dir(path.parent, f"{option} {path}: the folder")


def _check_header(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(100)
    where = f"{path} (left untouched; move it away or pass another --ledger)"
    if not head:
        raise LedgerError(f"{where}: the file is empty, not a hybrid-rg ledger")
    if not head.startswith(b"SQLite format 3\x00") or len(head) < 100:
        raise LedgerError(f"{where}: not a SQLite database (a foreign or corrupt file)")
    app_id, version = int.from_bytes(head[68:72], "big"), int.from_bytes(head[60:64], "big")
    if app_id != APPLICATION_ID:
        raise LedgerError(
            f"{where}: a SQLite database of another application (application_id {app_id:#x}, "
            f"a hybrid-rg ledger has {APPLICATION_ID:#x})"
        )
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"{where}: written by a newer hybrid-rg (schema {version}, this one reads "
            f"{SCHEMA_VERSION}); upgrade hybrid-rg"
        )
    if version < 1:
        raise LedgerError(f"{where}: hybrid-rg ledger header without a schema version (corrupt)")


def _check_writable(path: Path) -> None:
    target = path if path.exists() else path.parent
    why = None
    if os.statvfs(target).f_flag & os.ST_RDONLY:
        why = "it is on a read-only filesystem"
    elif path.exists() and not (path.stat().st_mode & stat.S_IWUSR):
        why = f"the file is marked read-only (mode {stat.S_IMODE(path.stat().st_mode):o})"
    elif not os.access(target, os.W_OK) or not os.access(path.parent, os.W_OK):
        why = "no write permission on the file or its folder"
    elif filesystem_type(path.resolve()) in NETWORK_FILESYSTEMS:
        why = f"it is on a network filesystem ({filesystem_type(path.resolve())}) where SQLite locking is unreliable"
    if why:
        raise LedgerError(
            f"cannot write the ledger {path}: {why}; nothing was submitted. Use a writable local "
            f"path (--ledger or HYBRID_RG_LEDGER)"
        )


def check_free_space(path: Path, need: int | None = None) -> None:
    need = MIN_FREE_BYTES if need is None else need
    st = os.statvfs(path.parent)
    free = st.f_bavail * st.f_frsize
    if free < need:
        raise LedgerError(
            f"the disk holding the ledger {path} is full ({free} bytes free, need {need}); "
            f"nothing was submitted. Free some space and run the same command again"
        )


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_writable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.new-", dir=path.parent)  # mode 0600
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript("BEGIN;" + SCHEMA + "COMMIT;")
            conn.execute("INSERT INTO meta VALUES ('created_by', 'hybrid-rg runtime ledger')")
        finally:
            conn.close()  # checkpoints and removes the -wal file
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if a file appeared meanwhile: never overwrite
        except FileExistsError:
            pass  # another process created it first: use theirs
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except sqlite3.Error as err:
        raise LedgerError(f"cannot create the ledger {path}: {err}; nothing was submitted") from err
    finally:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(tmp + suffix)
            except FileNotFoundError:
                pass


class Ledger:
    """An open ledger: `Ledger(path)` a SQLite file, `Ledger("postgresql+psycopg2://...")` a server (PostgresLedger).

    `write()` is one transaction; reads use `conn.execute(sql, args)` directly (`?` placeholders on both backends).
    `where` names the ledger for messages (a path, or the URL, which never holds a password)."""

    dialect = "sqlite"

    def __new__(cls, target=None, **kwargs):
        if cls is Ledger:
            chosen = target if target is not None else default_path()
            cls = PostgresLedger if is_url(chosen) else SqliteLedger
        return super().__new__(cls)

    @property
    def where(self) -> str:
        return str(self.path)

    @property
    def tasks_dir(self) -> Path:
        """Where local simulators keep their tasks for this ledger (beside a SQLite file: `ledger.sqlite.tasks/`),
        so that status, collect and rerun in any later process find them. Results are stored in the ledger too;
        the folder is what a task needs when its result was not (yet) recorded."""
        if self.path is None:  # a server ledger: one folder per user on this host
            return Path.home() / ".local" / "share" / "hybrid-rg" / "local-tasks"
        return self.path.with_name(self.path.name + ".tasks")

    def check_free_space(self) -> None:
        check_free_space(self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SqliteLedger(Ledger):
    """A ledger in one local SQLite file. `write()` is one IMMEDIATE transaction."""

    def __init__(self, path: str | os.PathLike | None = None, *, readonly: bool = False, create: bool = True):
        self.path = Path(path) if path is not None else Path(default_path())
        self.readonly = readonly
        if not self.path.exists():
            if readonly or not create:
                raise LedgerError(f"no ledger at {self.path}; submit something first, or pass --ledger")
            _create(self.path)
        _check_header(self.path)
        if not readonly:
            _check_writable(self.path)
        try:
            if readonly:
                try:
                    self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
                    self.conn.execute("SELECT 1 FROM meta").fetchall()
                except sqlite3.OperationalError:  # read-only media: no -shm can be made
                    self.conn = sqlite3.connect(f"file:{self.path}?immutable=1", uri=True, isolation_level=None)
            else:
                self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
                self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA busy_timeout = 60000")
            check = self.conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as err:
            raise LedgerError(
                f"{self.path} is a damaged ledger ({err}); it was left untouched. Restore it from "
                f"a copy, or pass another --ledger"
            ) from err
        if check != "ok" or not {"entries", "budgets", "events", "entry_tags", "meta"} <= tables:
            self.conn.close()
            raise LedgerError(
                f"{self.path} is a damaged ledger (integrity check: {check}; tables {sorted(tables)});"
                f" it was left untouched. Restore it from a copy, or pass another --ledger"
            )

    @contextmanager
    def write(self):
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, fsync'd); disk errors become LedgerError."""
        if self.readonly:
            raise LedgerError(f"the ledger {self.path} was opened read-only")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise LedgerError(f"cannot write the ledger {self.path}: {err}; nothing was changed") from err
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as err:
            self._rollback()
            raise LedgerError(
                f"cannot write the ledger {self.path}: {err}; that change was not recorded "
                f"(if the disk is full, free space and run the same command again)"
            ) from err
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the transaction dies with the connection; nothing was committed


from .ledger_pg import PostgresLedger  # noqa: E402  (it subclasses Ledger, defined above)
