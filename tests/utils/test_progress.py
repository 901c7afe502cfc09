"""Progress of long commands: a line per finished point in a log, a heartbeat when a log would stay silent, and a
bar with an ETA on a terminal (also on one that reports its size as 0 x 0, where tqdm alone drew nothing)."""

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hybrid_rg.cli import main
from hybrid_rg.utils import progress as P

ROOT = Path(__file__).resolve().parents[2]
TINY = """
name = "tiny_progress"
[target]
model = "tfim"
N = 4
observable = "zz:0,1"
observable_scale = 0.25
[times]
T = [0.2, 0.4, 0.6]
[map]
kind = "linear"
n0 = 2
chi = 2
[training]
orders = [1]
iterations = 3
n_samples = 4
n_steps = 5
[bound]
n_grid = 11
"""


def test_a_run_in_a_log_prints_one_line_per_point(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HYBRID_RG_PROGRESS", raising=False)  # auto: stderr is captured, not a terminal
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    assert main(["run", str(spec), "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("[")]
    assert len(lines) == 3, err
    for k, (line, T) in enumerate(zip(lines, ("0.2", "0.4", "0.6"))):
        assert line.startswith(f"[{k + 1}/3] K=1 T={T} ")
        assert re.search(r"prediction -?\d\.\d{8}  exact -?\d\.\d{8}  \|error\| \d\.\de-\d\d  bound \d\.\de-\d\d", line)
        assert re.search(r"\((\d+(\.\d)? s|\d+ min \d+ s)(, ETA [\w. ]+)?\)$", line), line  # seconds, ETA
    assert "%|" not in err  # no bar drawn into a log


def test_off_is_silent_and_a_rerun_says_resumed(tmp_path, monkeypatch, capsys):
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    assert main(["--progress", "off", "run", str(spec), "--out", str(tmp_path / "run")]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "lines")
    assert main(["run", str(spec), "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert err.count("resumed from its checkpoint") == 3, err


def test_heartbeat_names_the_running_loops_and_is_rate_limited(monkeypatch, capsys):
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "lines")
    monkeypatch.setenv("HYBRID_RG_HEARTBEAT_S", "0.2")
    t0 = time.monotonic()
    with P.activity("hybrid-rg test"):
        outer = P.progress(range(2), desc="points", unit="point")
        for _ in outer:
            inner = P.progress(range(3), desc="train", unit="it")
            for i in inner:
                inner.set_postfix(loss=f"{1e-3 / (i + 1):.1e}")
                time.sleep(0.25)  # one slow iteration: the heartbeat thread speaks during it
    busy_s = time.monotonic() - t0  # >= 1.5 s; more where a loaded machine oversleeps
    time.sleep(0.3)  # nothing runs any more: no more heartbeats
    err = capsys.readouterr().err.splitlines()
    beats = [ln for ln in err if ln.startswith("hybrid-rg test › points")]
    # one line per 0.2 s at most, over the time the loops really ran (a fixed 14 failed when the sleeps overran)
    assert 3 <= len(beats) <= busy_s / 0.2 + 1, (busy_s, err)
    assert any("› train 1/3 it, ETA" in ln and "loss=" in ln for ln in beats), beats
    assert all(re.search(r"\(\d+(\.\d)? s\)$", ln) for ln in beats), beats
    assert not P._stack


def _on_a_terminal(cmd: list[str], rows: int, cols: int, env: dict) -> str:
    """Run cmd with stdin/stdout/stderr on a pseudo-terminal of the given size; returns what it showed."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the command exited
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
    return out.decode(errors="replace")


# 0 x 0: the terminals where bars "never showed" (the regression, in the default suite); an ordinary size: slow
@pytest.mark.parametrize("rows, cols", [pytest.param(40, 100, marks=pytest.mark.slow), (0, 0)])
def test_a_terminal_shows_a_bar_with_an_eta(tmp_path, rows, cols):
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYBRID_RG_PROGRESS", "COLUMNS", "LINES"))}
    env["PYTHONPATH"] = str(ROOT)
    code = "import sys; from hybrid_rg.cli import main; sys.exit(main())"
    shown = _on_a_terminal(
        [sys.executable, "-c", code, "run", str(spec), "--out", str(tmp_path / "r")], rows, cols, env
    )
    frames = shown.replace("\r", "\n").splitlines()
    bars = [f for f in frames if re.match(r"tiny_progress:\s+\d+%\|.*\| \d/3 \[", f)]
    assert bars, shown[-3000:]
    assert any(re.search(r"\d/3 \[\d\d:\d\d<\d\d:\d\d", f) for f in bars), bars  # elapsed<remaining: the ETA
    assert "[3/3] K=1 T=0.6" in shown  # the point lines are printed above the bar


def test_fmt_seconds():
    assert [P.fmt_seconds(s) for s in (3.21, 42.4, 303, 7500)] == ["3.2 s", "42 s", "5 min 3 s", "2 h 05 min"]
