"""`hybrid-rg cora fit` resumes after a crash and ends exactly as an uninterrupted run (model, curves, traces)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from hybrid_rg.cora import resume
from hybrid_rg.cora.run import fit_run
from hybrid_rg.cora.spec import parse_spec
from hybrid_rg.errors import UnusableFile
from hybrid_rg.utils.specs import read_toml_text

BASE = """
[data]
model = "ising1d"
side = 16
K = 0.8
n_train = 200
n_test = 200
seed = 3
[model]
n_layers = 3
seed = 1
[fit]
method = "{method}"
further_passes = {passes}
steps = 12
lr = 0.1
em_iterations = 6
polish_steps = {polish}
em_burn_in = 3
checkpoint_every = 5
[eval]
r_max = 8
n_speed = 50
n_correlation = 200
"""


def _spec(tmp_path, method="method2", passes=0, polish=0):
    path = tmp_path / f"{method}{passes}{polish}.toml"
    path.write_text(BASE.format(method=method, passes=passes, polish=polish))
    table, text = read_toml_text(path, "x")
    return parse_spec(table, path), text


def _same_run(a: Path, b: Path) -> None:
    sa, sb = torch.load(a / "model.pt", weights_only=True), torch.load(b / "model.pt", weights_only=True)
    assert sa["state"].keys() == sb["state"].keys()
    for k in sa["state"]:
        assert torch.equal(sa["state"][k], sb["state"][k]), k
    for name in ("correlations.csv", "training.csv"):
        assert (a / name).read_text() == (b / name).read_text(), name


@pytest.mark.parametrize(
    "method,passes,polish,crash_at",
    [("method2", 0, 0, 2), ("method2", 0, 0, 4), ("method1", 1, 0, 5), ("method2", 0, 7, 6)],
    ids=["in-method2", "in-em", "in-layerwise", "in-polish"],
)
def test_a_crashed_fit_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch, method, passes, polish, crash_at):
    spec, text = _spec(tmp_path, method, passes, polish)
    fit_run(spec, text, str(tmp_path / "clean"))
    assert not resume.checkpoint_path(tmp_path / "clean").exists()  # removed once the run dir is written

    real_save, calls = resume.FitCheckpoint.save, []

    def crashing_save(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        calls.append(args[0])
        if len(calls) == crash_at:
            raise KeyboardInterrupt("simulated crash after a checkpoint")

    monkeypatch.setattr(resume.FitCheckpoint, "save", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        fit_run(spec, text, str(tmp_path / "run"))
    assert resume.checkpoint_path(tmp_path / "run").exists() and not (tmp_path / "run").exists()
    monkeypatch.setattr(resume.FitCheckpoint, "save", real_save)
    fit_run(spec, text, str(tmp_path / "run"))
    _same_run(tmp_path / "clean", tmp_path / "run")
    # it did resume (a rerun from scratch would also be equal): the summary names the stage and step it took up
    stage, step = calls[-1], json.loads((tmp_path / "run" / "summary.json").read_text())["resumed_from"]
    assert step is not None and step.startswith(stage), (stage, step)


def test_a_checkpoint_of_another_spec_is_refused(tmp_path, monkeypatch):
    spec, text = _spec(tmp_path)
    monkeypatch.setattr(resume.FitCheckpoint, "remove", lambda self: None)
    fit_run(spec, text, str(tmp_path / "run"))
    other, other_text = _spec(tmp_path, "method1")
    with pytest.raises(UnusableFile, match="different spec"):
        fit_run(other, other_text, str(tmp_path / "run"))


@pytest.mark.slow
def test_sigkill_during_cora_fit_then_rerun(tmp_path):
    """The real thing: the CLI killed with SIGKILL once a checkpoint exists, then the same command again."""
    spec = tmp_path / "s.toml"
    spec.write_text(BASE.format(method="method2", passes=0, polish=0).replace("steps = 12", "steps = 400"))
    cmd = [sys.executable, "-c", "import sys; from hybrid_rg.cli import main; sys.exit(main())", "cora", "fit"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    assert subprocess.run([*cmd, str(spec), "--out", str(tmp_path / "clean")], env=env).returncode == 0
    proc = subprocess.Popen([*cmd, str(spec), "--out", str(tmp_path / "run")], env=env)
    ck = resume.checkpoint_path(tmp_path / "run")
    t0 = time.time()
    while not ck.exists() and proc.poll() is None and time.time() - t0 < 600:
        time.sleep(0.05)
    time.sleep(0.3)
    assert proc.poll() is None, "the fit ended before it could be killed: make it longer"
    proc.kill()
    proc.wait()
    assert ck.exists() and not (tmp_path / "run").exists()
    assert subprocess.run([*cmd, str(spec), "--out", str(tmp_path / "run")], env=env).returncode == 0
    _same_run(tmp_path / "clean", tmp_path / "run")
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["resumed_from"].startswith("method2 step")
