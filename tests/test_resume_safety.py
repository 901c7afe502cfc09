"""A resume never mixes two specs, and one run folder has one writer (issue 15 §1).

The first test is the issue's reproduction: change h from 1.0 to 0.5 and rerun into the same --out. Before the
fix that finished in under a second, kept the old predictions and the old exact column in result.csv, and
recorded the new spec in provenance.json.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hybrid_rg.cli import main
from hybrid_rg.olrg.experiment import ANY_INIT, check_points
from hybrid_rg.olrg.spec import load_spec
from hybrid_rg.utils.specs import changed_fields

ROOT = Path(__file__).resolve().parents[1]

SPEC = """name = "resume_tiny"
description = "{description}"
[target]
model = "tfim"
N = 5
h = {h}
observable = "zz:0,1"
observable_scale = 0.25
[times]
T = {times}
[map]
kind = "linear"
n0 = 2
chi = 2
[training]
orders = [1]
iterations = {iterations}
n_samples = 4
n_steps = 5
[reference]
method = "{reference}"
[bound]
n_grid = 11
"""


def _spec(tmp_path, name="s.toml", h="1.0", times="[0.3, 0.6]", iterations=2, description="d", reference="krylov"):
    path = tmp_path / name
    path.write_text(SPEC.format(h=h, times=times, iterations=iterations, description=description, reference=reference))
    return path


def _rows(out) -> list[dict]:
    with open(Path(out) / "result.csv") as fh:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(fh)]


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "0")


def test_changed_spec_is_refused_naming_the_field_then_recomputed(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(_spec(tmp_path, h="1.0")), "--out", str(out)]) == 0
    before = _rows(out)
    provenance = (out / "provenance.json").read_text()
    capsys.readouterr()

    assert main(["run", str(_spec(tmp_path, h="0.5")), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "spec changed since this run: target.h 1.0 -> 0.5" in err and "--recompute" in err
    assert _rows(out) == before and (out / "provenance.json").read_text() == provenance  # nothing rewritten

    assert main(["run", str(_spec(tmp_path, h="0.5")), "--out", str(out), "--recompute"]) == 0
    fresh = tmp_path / "fresh"
    assert main(["run", str(_spec(tmp_path, h="0.5")), "--out", str(fresh)]) == 0
    after = _rows(out)
    assert after == _rows(fresh)  # recomputed points equal a run that never saw h = 1.0 (exact column too)
    assert [r["exact"] for r in after] != [r["exact"] for r in before]
    assert [r["prediction"] for r in after] != [r["prediction"] for r in before]


def test_fields_that_change_no_result_resume_and_new_times_add_points(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(_spec(tmp_path, times="[0.3]")), "--out", str(out)]) == 0
    point = out / "checkpoints" / "K1_T0.3.json"
    stamp = point.stat().st_mtime_ns
    # another description, another reference method and one more time: the trained point is kept
    spec = _spec(tmp_path, times="[0.3, 0.6]", description="other words", reference="free-fermion")
    assert main(["run", str(spec), "--out", str(out)]) == 0
    assert point.stat().st_mtime_ns == stamp
    assert [r["T"] for r in _rows(out)] == ["0.3", "0.6"]


def test_an_interrupted_point_or_an_unrecorded_one_is_stale_too(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(_spec(tmp_path)), "--out", str(out)]) == 0
    cp = out / "checkpoints"
    (cp / "K1_T0.6.json").unlink()  # as if killed during training: only its training checkpoint is left
    (cp / "K1_T0.6.pt").unlink()
    capsys.readouterr()
    assert main(["run", str(_spec(tmp_path, iterations=3)), "--out", str(out)]) == 2
    assert "training.iterations 2 -> 3 (2 point(s) stale)" in capsys.readouterr().err
    (cp / "K1_T0.3.spec.json").unlink()  # a folder written before points carried their spec
    assert main(["run", str(_spec(tmp_path)), "--out", str(out)]) == 2
    assert "K1_T0.3 has no spec record" in capsys.readouterr().err
    # readers of a finished run (pulse programs) check the same records
    with pytest.raises(ValueError, match="K1_T0.3 has no spec record"):
        check_points(load_spec(_spec(tmp_path)), out, ANY_INIT)


def test_a_warm_started_run_resumes_only_from_the_same_run(tmp_path, capsys):
    spec = _spec(tmp_path, times="[0.3]")
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(spec), "--out", str(a)]) == 0
    assert main(["run", str(spec), "--out", str(b), "--init-from", str(a)]) == 0
    capsys.readouterr()
    assert main(["run", str(spec), "--out", str(b)]) == 2  # the points started from a, this run would not
    assert f'init_from "{a.resolve()}" -> null' in capsys.readouterr().err
    assert main(["run", str(spec), "--out", str(b), "--init-from", str(a)]) == 0
    assert check_points(load_spec(spec), b, ANY_INIT) == 0  # readers (pulse programs) accept the recorded start


def test_changed_fields_names_nested_paths():
    old = {"target": {"h": 1.0, "N": 5}, "map": {"chi": 2}, "seed": 0}
    new = {"target": {"h": 0.5, "N": 5}, "map": {"chi": 4, "init": "rdm"}, "seed": 0}
    assert changed_fields(old, new) == ["map.chi 2 -> 4", 'map.init (none) -> "rdm"', "target.h 1.0 -> 0.5"]


def _cli(*args, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HYBRID_RG_PROGRESS": "0", "OPENBLAS_NUM_THREADS": "1"}
    code = "import sys; from hybrid_rg.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, text=True, **kwargs)


def test_run_refuses_a_held_folder_and_takes_over_a_dead_holders_lock(tmp_path, capsys):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out / ".hybrid-rg.lock")],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        second = _cli("run", str(_spec(tmp_path)), "--out", str(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 2 and err.count("\n") == 1 and "Traceback" not in err, err
        assert f"the run folder {out} is in use by pid {holder.pid} on host" in err
        assert not (out / "checkpoints").exists()  # refused before anything was computed
    finally:
        holder.send_signal(signal.SIGKILL)  # dies holding the lock: its file stays, naming a dead pid
        holder.wait()
    assert f"pid {holder.pid} " in (out / ".hybrid-rg.lock").read_text()
    assert main(["run", str(_spec(tmp_path)), "--out", str(out)]) == 0
    assert f"pid {os.getpid()} " in (out / ".hybrid-rg.lock").read_text()


HOLDER = """import sys, time
from hybrid_rg.utils.locks import hold_lock
lock = hold_lock(sys.argv[1], "test")
print("held", flush=True)
time.sleep(600)
"""


@pytest.mark.slow  # three fresh processes that import torch: ~45 s on a loaded 2-core machine
def test_second_run_on_one_out_is_refused_naming_the_holder_and_a_dead_holder_is_taken_over(tmp_path):
    out = tmp_path / "out"
    slow = _spec(tmp_path, "slow.toml", times="[0.3]", iterations=100_000)  # runs until killed
    first = _cli("run", str(slow), "--out", str(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        lock = out / ".hybrid-rg.lock"
        deadline = time.monotonic() + 120
        while not (lock.exists() and "pid" in lock.read_text()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert f"pid {first.pid} " in lock.read_text()
        second = _cli("run", str(slow), "--out", str(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 2, err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert f"is in use by pid {first.pid} on host" in err and "started 20" in err
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the kernel dropped the dead holder's lock: the next run takes the folder over, and the killed point (made
    # with another iteration count) is recomputed, not resumed
    fast = _spec(tmp_path, "fast.toml", times="[0.3]", iterations=2)
    third = _cli("run", str(fast), "--out", str(out), "--recompute", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    assert json.loads((out / "checkpoints" / "K1_T0.3.json").read_text())["iterations"] == 2
