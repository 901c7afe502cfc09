"""One bad entry must not block the rest (issue 15 §4, issue 16 §6).

Local simulators submitted through the CLI keep their tasks beside the ledger, so a later process reads them back;
`status`/`collect` report an entry that cannot be polled as an ERROR row and poll the others; a SIGKILL during a
final write leaves a temporary that the next write to the same target removes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from hybrid_rg.testing.fake_provider import FakeRemoteDevice
from hybrid_rg.utils.results import atomic_file

from .helpers import cli, program, write_programs

ROOT = Path(__file__).resolve().parents[2]

SUBMIT = """import sys
from hybrid_rg.cli import main
progs, ledger, provider = sys.argv[1:]
common = ["--shots", "20", "--ledger", ledger]
assert main(["submit", progs, "--device", "emulator", *common]) == 0
assert main(["submit", progs, "--device", "fake_aquila", "--budget-usd", "5", "--adapter-opt", "dir=" + provider,
             "--adapter-opt", "delay_s=0.5", *common]) == 0
"""


def test_local_tasks_live_beside_the_ledger_and_a_broken_entry_does_not_block_the_others(tmp_path, capsys):
    progs = write_programs(tmp_path / "p.json", [program(2), program(3, rabi=3.0)])
    ledger, temp = tmp_path / "l.sqlite", tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SUBMIT, progs, str(ledger), str(tmp_path / "provider")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    tasks = ledger.with_name("l.sqlite.tasks") / "emulator" / "tasks"
    assert len(list(tasks.glob("emu-*.result.json"))) == 2  # beside the ledger, not in a temporary folder
    assert list(temp.iterdir()) == []

    # Entries 1 and 2 (emulator) as if their results had not been recorded; entry 1's task files are gone too.
    with sqlite3.connect(ledger) as db:
        db.execute("UPDATE entries SET state = 'SUBMITTED', result_json = NULL, finished_utc = NULL WHERE id <= 2")
        task1 = db.execute("SELECT task_id FROM entries WHERE id = 1").fetchone()[0]
    for f in tasks.glob(f"{task1}*"):
        f.unlink()
    # the paid tasks answer 0.5 s after creation; a fast machine can reach `status` (one poll) sooner
    FakeRemoteDevice(tmp_path / "provider").finish_now()
    capsys.readouterr()

    # status in this process (not the one that submitted): entry 2 is read from the ledger's task folder, the paid
    # entries are polled to the end, entry 1 is one ERROR row
    assert cli(["status", "--ledger", str(ledger)]) == 1
    out = capsys.readouterr().out
    rows = {int(w[0]): w[1] for w in map(str.split, out.splitlines()) if w[0].isdigit() and w[1].isupper()}
    assert rows == {1: "ERROR", 2: "COMPLETED", 3: "COMPLETED", 4: "COMPLETED"}, out
    assert f"no emulator task {task1!r}" in out and "could not be polled (ERROR rows: 1)" in out

    assert cli(["ls", "--json", "--ledger", str(ledger)]) == 0
    entries = {e["id"]: e for e in json.loads(capsys.readouterr().out)}
    assert [entries[k]["state"] for k in (1, 2, 3, 4)] == ["SUBMITTED", "COMPLETED", "COMPLETED", "COMPLETED"]
    assert sum(entries[2]["result"]["counts"].values()) == 20
    assert cli(["collect", "1", "--ledger", str(ledger), "--timeout-s", "0"]) == 1  # the same, by id
    assert "ERROR" in capsys.readouterr().out
    assert cli(["rerun", "2", "--ledger", str(ledger)]) == 0  # the recovered entry repeats bit for bit
    assert "identical" in capsys.readouterr().out
    assert list(temp.iterdir()) == []


KILLED_WRITER = """import sys, time
from pathlib import Path
from hybrid_rg.utils.results import atomic_dir, atomic_file
kind, target = sys.argv[1], Path(sys.argv[2])
with (atomic_dir if kind == "dir" else atomic_file)(target) as tmp:
    (tmp / "result.csv" if kind == "dir" else tmp).write_text("half")
    print("writing", flush=True)
    time.sleep(600)
"""


def _writer(kind: str, target: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, kind, str(target)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "writing"
    return proc


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()  # reaped: a zombie would still count as alive


def test_a_write_killed_by_sigkill_leaves_temporaries_that_the_next_write_removes(tmp_path, capsys):
    out = tmp_path / "out"

    def temporaries() -> list[str]:
        return sorted(p.name for p in tmp_path.iterdir() if ".tmp-" in p.name)

    killed = _writer("dir", out)
    _kill(killed)
    assert len(temporaries()) == 1 and f"-{killed.pid}-" in temporaries()[0]  # what SIGKILL leaves behind
    live = _writer("dir", out)  # the next writer removes it, and works in its own folder
    try:
        assert len(temporaries()) == 1 and f"-{live.pid}-" in temporaries()[0]
        args = ["exact", "--n", "4", "--observable", "zz:0,1", "--times", "0:1:3", "--out", str(out)]
        assert cli(args) == 0
        assert len(temporaries()) == 1 and f"-{live.pid}-" in temporaries()[0]  # a live writer's is left alone
        assert (out / "result.csv").read_text().startswith("t,")
    finally:
        _kill(live)
    assert cli(args) == 0
    assert temporaries() == []

    target = tmp_path / "state.json"
    killed = _writer("file", target)
    _kill(killed)
    assert [p.name for p in tmp_path.glob(".state.tmp-*")] != []
    with atomic_file(target) as tmp:
        tmp.write_text("{}")
    assert [p.name for p in tmp_path.glob(".state.tmp-*")] == [] and target.read_text() == "{}"


def test_dry_run_and_rerun_leave_no_folder_in_the_temp_dir(tmp_path, monkeypatch, capsys):
    import tempfile

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    progs = write_programs(tmp_path / "p.json", [program(2)])
    assert cli(["dry-run", progs, "--device", "emulator", "--shots", "10", "--out", str(tmp_path / "dry")]) == 0
    ledger = str(tmp_path / "l.sqlite")
    assert cli(["submit", progs, "--device", "emulator", "--shots", "10", "--ledger", ledger]) == 0
    assert cli(["rerun", "1", "--ledger", ledger]) == 0
    assert list(temp.iterdir()) == []  # each used to leave a hybrid-rg-emulator-* folder per process
