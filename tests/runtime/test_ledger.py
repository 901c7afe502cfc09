"""The ledger file: created 0600 with an application id, foreign/corrupt files refused and left untouched,
read-only or full disks refused before anything is submitted."""

import os
import shutil
import sqlite3
import stat
import subprocess
import sys

import pytest

from hybrid_rg.runtime.ledger import APPLICATION_ID, Ledger, LedgerError
from hybrid_rg.testing.fake_provider import FakeRemoteDevice

from .helpers import cli, program, write_programs


def _submit_args(tmp_path, ledger):
    progs = write_programs(tmp_path / "p.json", [program(2), program(3)])
    return [
        "submit",
        progs,
        "--device",
        "fake_aquila",
        "--shots",
        "10",
        "--budget-usd",
        "5",
        "--adapter-opt",
        f"dir={tmp_path / 'provider'}",
        "--ledger",
        str(ledger),
    ]


def test_new_ledger_is_0600_with_application_id_and_wal(tmp_path):
    path = tmp_path / "sub" / "ledger.sqlite"
    assert cli(_submit_args(tmp_path, path)) == 0
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, (suffix, oct(p.stat().st_mode))
    head = path.read_bytes()[:100]
    assert int.from_bytes(head[68:72], "big") == APPLICATION_ID
    with Ledger(path) as led:
        assert led.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert led.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert led.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 2
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


def _foreign_sqlite(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()


def _corrupt_ledger(path, tmp_path):
    assert cli(_submit_args(tmp_path, path)) == 0
    data = bytearray(path.read_bytes())
    data[4096:8192] = os.urandom(4096)  # a whole page of garbage after the header page
    path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@pytest.mark.parametrize("kind", ["text", "empty", "foreign_sqlite", "newer_schema", "corrupt"])
def test_foreign_or_corrupt_file_gives_clear_error_and_is_untouched(tmp_path, kind, capsys):
    path = tmp_path / "ledger.sqlite"
    if kind == "text":
        path.write_text("my notes, not a database\n" * 10)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "foreign_sqlite":
        _foreign_sqlite(path)
    elif kind == "newer_schema":
        _foreign_sqlite(path)
        con = sqlite3.connect(path)
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute("PRAGMA user_version = 99")
        con.commit()
        con.close()
    else:
        (tmp_path / "first").mkdir()
        _corrupt_ledger(path, tmp_path / "first")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    with pytest.raises(LedgerError) as err:
        Ledger(path)
    assert str(path) in str(err.value) and "untouched" in str(err.value)
    capsys.readouterr()
    rc = cli(_submit_args(tmp_path, path))
    assert rc == 2
    assert "hybrid-rg: error:" in capsys.readouterr().err
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert FakeRemoteDevice(tmp_path / "provider").tasks() == []  # nothing was submitted


def test_read_only_ledger_fails_before_submitting(tmp_path, capsys):
    path = tmp_path / "ledger.sqlite"
    assert cli(_submit_args(tmp_path, path)) == 0
    n_before = len(FakeRemoteDevice(tmp_path / "provider").tasks())
    path.chmod(0o400)
    progs = write_programs(tmp_path / "q.json", [program(4)])
    rc = cli(
        [
            "submit",
            progs,
            "--device",
            "fake_aquila",
            "--shots",
            "10",
            "--budget-usd",
            "5",
            "--adapter-opt",
            f"dir={tmp_path / 'provider'}",
            "--ledger",
            str(path),
        ]
    )
    assert rc == 2 and "read-only" in capsys.readouterr().err
    assert len(FakeRemoteDevice(tmp_path / "provider").tasks()) == n_before
    assert cli(["ls", "--ledger", str(path)]) == 0  # reading still works
    assert "fake_aquila" in capsys.readouterr().out


def _unshare_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    r = subprocess.run(
        [
            "unshare",
            "-r",
            "-m",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || mount -t tmpfs -o size=64k tmpfs /tmp",
        ],
        capture_output=True,
        timeout=20,
    )
    return r.returncode == 0


SUBMIT_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from tests.runtime.helpers import cli, program, write_programs
from pathlib import Path
progs = write_programs(Path({work!r}) / "p.json", [program(2), program(3)])
sys.exit(cli(["submit", progs, "--device", "fake_aquila", "--shots", "10", "--budget-usd", "5",
              "--adapter-opt", "dir={provider}", "--ledger", {ledger!r}]))
"""


@pytest.mark.skipif(not _unshare_available(), reason="needs unshare -r -m to mount a tmpfs / remount read-only")
@pytest.mark.parametrize("case", ["full_precheck", "full_sqlite", "readonly_fs"])
def test_full_disk_or_read_only_filesystem_fails_before_submitting(tmp_path, case):
    """A real tmpfs of 4 MiB (mounted in a private mount namespace) filled up, or a read-only bind mount."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    work, provider = tmp_path / "work", tmp_path / "provider"
    work.mkdir()
    ledger = mnt / "ledger.sqlite"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = tmp_path / "submit.py"
    script.write_text(SUBMIT_SCRIPT.format(root=root, work=str(work), provider=provider, ledger=str(ledger)))
    py = sys.executable
    first = f"{py} {script}"  # a first batch succeeds and creates the ledger
    script2 = tmp_path / "submit2.py"
    script2.write_text(
        SUBMIT_SCRIPT.format(root=root, work=str(work), provider=provider, ledger=str(ledger)).replace(
            "program(2), program(3)", "program(4)"
        )
    )
    if case == "readonly_fs":
        shell = f"mount --bind {mnt} {mnt} && {first} && mount -o remount,ro,bind {mnt} && {py} {script2}"
        env = {}
    else:
        shell = (
            f"mount -t tmpfs -o size=4m tmpfs {mnt} && {first} && "
            f"(dd if=/dev/zero of={mnt}/filler bs=4k 2>/dev/null; true) && {py} {script2}"
        )
        env = {"HYBRID_RG_LEDGER_MIN_FREE_BYTES": "0"} if case == "full_sqlite" else {}
    r = subprocess.run(
        ["unshare", "-r", "-m", "sh", "-c", shell],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    expected = {"full_precheck": "disk", "full_sqlite": "full", "readonly_fs": "read-only"}[case]
    assert expected in r.stderr, r.stderr
    tasks = FakeRemoteDevice(provider).tasks()
    assert len(tasks) == 2  # the first batch only: the second never reached the device
