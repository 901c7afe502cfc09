"""What a user acts on after a campaign: the shot-noise floor and the trials noise cannot tell apart from the best
(floor.py), and the optuna-dashboard command that `calibrate status` prints, run for real on loopback."""

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from hybrid_rg.calibration.floor import floor, indistinguishable, loss_sd, verdict


def _trial(number, estimate, stderr, target=0.1, consistency=0.0):
    loss0 = (estimate - target) ** 2
    return SimpleNamespace(
        number=number,
        values=[loss0 + consistency],
        user_attrs={"loss0": loss0, "stderr": stderr, "estimate": estimate},
    )


def test_the_floor_is_the_mean_loss_of_a_perfect_pulse():
    # independent truth: simulate shots of a perfect pulse (mean = target) and average the squared deviation
    rng = np.random.default_rng(1)
    shots, target = 1000, 0.1
    p = (1 + target) / 2  # a ±1 observable with mean `target`
    means = 2 * rng.binomial(shots, p, size=20000) / shots - 1
    sigma = np.sqrt(1 - target**2) / np.sqrt(shots)
    mean_loss = float(np.mean((means - target) ** 2))
    assert abs(mean_loss / sigma**2 - 1) < 0.03
    trials = [_trial(k, target, sigma) for k in range(5)]
    assert floor(trials) == pytest.approx(sigma**2)
    # the loss's error bar (delta method + chi-square term) against the simulated spread at a biased pulse
    biased = means + 0.05
    assert float(np.std((biased - target) ** 2)) == pytest.approx(loss_sd(0.05**2, sigma), rel=0.05)


def test_trials_within_shot_noise_of_the_best_are_reported_together():
    s = 0.016  # 1000 shots
    best = _trial(4, 0.1007, s)  # loss 5e-7, far below the floor 2.6e-4: noise, not skill
    close = _trial(3, 0.080, s)  # 1.2σ of the difference away: a tie
    far = _trial(1, 0.045, s)  # 2.4σ away: worse beyond noise, although its loss' own error bar is wide
    worse = _trial(5, 0.210, s)
    trials = [far, close, best, worse]
    ties = indistinguishable(trials, best)
    assert ties == [4, 3]
    text = verdict(best, ties, floor(trials))
    assert "indistinguishable" in text and "4, 3" in text and "at or below the floor" in text
    # with 100x the shots the same estimates separate
    sharp = [_trial(t.number, t.user_attrs["estimate"], s / 10) for t in trials]
    assert indistinguishable(sharp, sharp[2]) == [4]
    assert "better than every other trial" in verdict(sharp[2], [4], floor(sharp))
    # a deterministic consistency penalty is not noise: it can lift a close trial out of the tie
    penalised = [far, _trial(3, 0.080, s, consistency=1e-3), best, worse]
    assert indistinguishable(penalised, best) == [4]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(command: str) -> tuple[subprocess.Popen, int, dict | None, str]:
    """Start the printed command on a free port; (process, port, /api/studies or None, why not). The port is free
    when picked but another process can take it before the dashboard binds it: a server that exits without answering
    is started again on another port (three tries)."""
    for _ in range(3):
        port = _free_port()
        proc = subprocess.Popen(  # the printed line as a user pastes it, with a free port appended
            ["bash", "-c", f"{command} --host 127.0.0.1 --port {port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120  # the dashboard imports optuna and its web stack: slow on a loaded box
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=10) as r:
                    return proc, port, json.loads(r.read()), ""
            except OSError:
                time.sleep(0.3)
        if proc.poll() is None:
            return proc, port, None, "no answer"
        out = proc.stdout.read().decode(errors="replace")
        if "in use" not in out:
            return proc, port, None, out
    return proc, port, None, out


def _stop(proc: subprocess.Popen) -> None:
    import os
    import signal

    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a server stuck on a loaded box: not what this test is about
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_the_printed_dashboard_command_serves_the_study(tmp_path):
    import os

    optuna = pytest.importorskip("optuna")
    pytest.importorskip("optuna_dashboard")
    from hybrid_rg.calibration.report import dashboard_hint

    # the hint copies the study to /tmp/<stem>-<folder>-copy.db: a folder named after this process keeps two test
    # sessions on one machine (or a copy left by a killed run) from sharing, or deleting, each other's copy
    db = tmp_path / f"camp{os.getpid()}" / "study.db"
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    study = optuna.create_study(study_name="dash_test", storage=url)
    study.optimize(lambda t: t.suggest_float("omega", 0, 1) ** 2, n_trials=3)
    command = dashboard_hint(url)
    assert "optuna-dashboard" in command and "pip install" not in command
    copy = Path(command.split("sqlite:///")[-1].split()[0])
    assert copy.name == f"study-camp{os.getpid()}-copy.db"
    proc, port, studies, why = _serve(command)
    try:
        assert studies is not None, why
        names = [s["study_name"] for s in studies["study_summaries"]]
        assert names == ["dash_test"]
        sid = studies["study_summaries"][0]["study_id"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/dashboard/studies/{sid}", timeout=30) as r:
            page = r.read().decode()
        assert r.status == 200 and "<html" in page.lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies/{sid}", timeout=30) as r:
            detail = json.loads(r.read())
        assert len(detail["trials"]) == 3
    finally:
        _stop(proc)
        if copy.exists() and copy.parent == Path("/tmp"):
            copy.unlink()


def test_without_the_dashboard_status_says_how_to_install_it(monkeypatch, tmp_path):
    import sys

    from hybrid_rg.calibration import report

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))  # no optuna-dashboard beside it
    assert "pip install 'hybrid-rg[calibration]'" in report.dashboard_hint("sqlite:////x/study.db")


def test_the_dashboard_words_cite_no_upstream_issue_number():
    """What `calibrate status` prints about the dashboard, and the docs' paragraph on it, explain without '#NNN'."""
    import re

    from hybrid_rg.calibration import report

    texts = [report.dashboard_hint(url) for url in ("sqlite:////x/study.db", "journal:/x/j.log", "postgresql://h/db")]
    docs = (Path(__file__).resolve().parents[2] / "docs" / "calibration.md").read_text()
    texts.append(next(par for par in docs.split("\n\n") if par.startswith("**optuna-dashboard**")))
    assert "SQLite" in texts[-1]  # the paragraph that explains the copy
    for text in texts:
        assert not re.search(r"#\d", text), text
