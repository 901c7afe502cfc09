"""Campaigns end to end on the emulator and the fake paid device: results, reattachment, heartbeat retries, storage
policy, the CLI."""

import argparse
import json
import socket
import time

import optuna
import pytest

from hybrid_rg.calibration import CampaignSpecError, StorageRefused, load_campaign, run_campaign
from hybrid_rg.calibration.study import open_campaign
from hybrid_rg.errors import BadInput
from hybrid_rg.testing.fake_provider import FakeRemoteDevice

from .helpers import fake_options, write_spec


def _study(tmp_path, name):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path / 'root' / name / 'study.db'}")


def test_emulator_campaign_measures_the_observable_it_claims(tmp_path):
    """Each trial's shot estimate agrees with the torch model's exact value (an independent integrator) within
    5 standard errors, and its loss is (estimate − exact TFIM value)², the exact value from hybrid_rg.exact."""
    from hybrid_rg.exact.runner import ExactRequest, run_exact

    spec = write_spec(tmp_path, "emu", n_trials=3, warm=True, bound="constraint")
    out = run_campaign(
        load_campaign(spec), root=tmp_path / "root", ledger_path=tmp_path / "l.sqlite", log=lambda m: None
    )
    assert out.finished and len(out.told) == 3
    _, values = run_exact(
        ExactRequest(
            model="tfim", n=4, times=(1.0,), observables=("zz:0,1",), J=-1.0, h=1.0, method="krylov"
        ).validate()
    )
    exact = 0.25 * float(next(iter(values.values()))[0].real)
    study = _study(tmp_path, "emu")
    assert abs(study.user_attrs["target"] - exact) < 1e-6
    assert len(study.user_attrs["warm_start"]["enqueued"]) == 2
    for t in study.trials:
        ua = t.user_attrs
        assert abs(ua["estimate"] - ua["surrogate_value"]) < 5 * ua["stderr"] + 1e-3
        assert abs(t.values[0] - (ua["estimate"] - exact) ** 2) < 1e-12
        assert ("constraints:bound" in t.system_attrs) and ua["bound"] > 0


def test_warm_start_enqueues_the_surrogates_best_and_narrows(tmp_path):
    spec = load_campaign(write_spec(tmp_path, "w", warm=True))
    camp = open_campaign(spec, tmp_path / "root")
    try:
        info = camp.study.user_attrs["warm_start"]
        waiting = [t.system_attrs["fixed_params"] for t in camp.study.trials]
        assert waiting == info["enqueued"]
        original = camp.study.user_attrs["original_space"]
        for name, p in camp.space.items():
            assert original[name]["low"] <= p.low < p.high <= original[name]["high"]
            assert all(p.low <= pt[name] <= p.high for pt in waiting)
        assert sum(p.high - p.low for p in camp.space.values()) < sum(o["high"] - o["low"] for o in original.values())
    finally:
        camp.close()


def test_waiting_for_results_then_resuming_pays_once(tmp_path):
    provider = tmp_path / "provider"
    spec = write_spec(
        tmp_path,
        "slow",
        device="fake_aquila",
        # the tasks answer only when finish_now() says so: a short delay raced the first run's own duration (a
        # loaded machine took 0.7 s of a 1.5 s delay between the first submission and the last poll)
        options=fake_options(provider, delay_s=3600),
        n_trials=2,
        budget_usd=50.0,
        extra="",
    )
    cspec = load_campaign(spec).with_changes(budget={"collect_timeout_s": 0.05})
    first = run_campaign(cspec, root=tmp_path / "root", ledger_path=tmp_path / "l.sqlite", log=lambda m: None)
    assert sorted(first.pending) == [0, 1] and not first.finished
    assert len(FakeRemoteDevice(provider).tasks()) == 2
    assert FakeRemoteDevice(provider).finish_now() == 2  # the provider ends both tasks while no one is polling
    second = run_campaign(cspec, root=tmp_path / "root", ledger_path=tmp_path / "l.sqlite", log=lambda m: None)
    assert second.finished and sorted(second.told) == [0, 1]  # the same process: resumed, not taken over
    assert len(FakeRemoteDevice(provider).tasks()) == 2  # reattached, not resubmitted
    assert FakeRemoteDevice(provider).counters()["submit_calls"] == 2


def test_a_stale_trial_is_retried_with_its_parameters_and_reattaches(tmp_path):
    """A trial whose worker vanished on another host: the heartbeat fails it after the grace period, the retry
    callback enqueues the same parameters, and the retry finds the first trial's tasks in the ledger."""
    provider = tmp_path / "provider"
    storage = "[storage]\nheartbeat_interval_s = 1\ngrace_period_s = 1"
    spec = write_spec(
        tmp_path,
        "hb",
        device="fake_aquila",
        options=fake_options(provider, delay_s=3600),  # ends on finish_now() (a 1 s delay raced the first run)
        n_trials=1,
        batch_size=1,
        budget_usd=50.0,
        storage=storage,
    )
    cspec = load_campaign(spec).with_changes(budget={"collect_timeout_s": 0.0})
    first = run_campaign(cspec, root=tmp_path / "root", ledger_path=tmp_path / "l.sqlite", log=lambda m: None)
    assert first.pending == [0]
    study = _study(tmp_path, "hb")
    tid = study.trials[0]._trial_id
    study._storage.set_trial_user_attr(tid, "owner", "another-host:1:1")  # its worker lives elsewhere
    time.sleep(2.5)  # past the grace period
    FakeRemoteDevice(provider).finish_now()
    cspec = cspec.with_changes(budget={"collect_timeout_s": 10.0})
    second = run_campaign(cspec, root=tmp_path / "root", ledger_path=tmp_path / "l.sqlite", log=lambda m: None)
    study = _study(tmp_path, "hb")
    states = [t.state.name for t in study.trials]
    assert second.finished
    assert states == ["FAIL", "COMPLETE"]  # failed by the heartbeat, retried: same parameters and batch
    retry = study.trials[1]
    assert retry.params == study.trials[0].params
    assert retry.user_attrs["batch"] == study.trials[0].user_attrs["batch"] and retry.user_attrs["root"] == 0
    assert len(FakeRemoteDevice(provider).tasks()) == 1


def test_storage_policy(tmp_path, monkeypatch):
    spec = load_campaign(write_spec(tmp_path, "p"))
    with pytest.raises(StorageRefused, match="serves one process"):
        open_campaign(spec, tmp_path / "root", workers=2)
    camp = open_campaign(spec, tmp_path / "root")
    try:
        with pytest.raises(StorageRefused, match="in use by pid"):
            open_campaign(spec, tmp_path / "root")
    finally:
        camp.close()
    open_campaign(spec, tmp_path / "root").close()  # the lock went with the first holder
    from hybrid_rg.calibration import storage

    monkeypatch.setattr(storage, "filesystem_type", lambda path: "nfs4")
    with pytest.raises(StorageRefused, match="network filesystem"):
        open_campaign(spec, tmp_path / "root")
    changed = spec.with_changes(objective={"loss_order": 1})
    monkeypatch.undo()
    with pytest.raises(CampaignSpecError, match=r"spec changed since it started: objective.loss_order 0 -> 1"):
        open_campaign(changed, tmp_path / "root")
    renamed = spec.with_changes(description="other words", budget={"n_trials": 7})
    open_campaign(renamed, tmp_path / "root").close()  # non-result fields may change


@pytest.mark.parametrize(
    "text, match",
    [
        ("[search]\nomegaa = { low = 0, high = 1 }", "not a known hyperparameter"),
        ("[search]\nomega = { low = 2, high = 1 }", "must be below"),
        ("[objective]\nbound = 'maybe'", "objective.bound"),
        ("[budget]\nn_trials = 0", "budget.n_trials"),
        ("[storage]\nworkrs = 2", "unknown field 'storage.workrs'"),
        ("[device]\nshots = 1", "device.shots = 1"),
        ("[sampler]\nname = 'grid'", "sampler.name = 'grid'"),
    ],
)
def test_spec_errors_name_the_field(tmp_path, text, match):
    from .helpers import EXPERIMENT

    path = tmp_path / "bad.toml"
    path.write_text(f'name = "b"\nexperiment = "{EXPERIMENT}"\nT = 1.0\n{text}\n')
    with pytest.raises(CampaignSpecError, match=match):
        load_campaign(path)


def test_journal_storage(tmp_path):
    spec = write_spec(tmp_path, "j", n_trials=2, storage=f'[storage]\njournal = "{tmp_path / "j.log"}"')
    out = run_campaign(
        load_campaign(spec), root=tmp_path / "root", ledger_path=tmp_path / "l.sqlite", log=lambda m: None
    )
    assert out.finished and (tmp_path / "j.log").stat().st_size > 0


def test_cli_start_status_report_best(tmp_path, capsys, monkeypatch):
    from hybrid_rg.calibration.cli import register
    from hybrid_rg.devices.spec import load_device_spec
    from hybrid_rg.devices.validation import validate
    from hybrid_rg.pulse.program import RydbergProgram

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    spec = write_spec(tmp_path, "cli", n_trials=2)
    common = ["--root", str(tmp_path / "root"), "--ledger", str(tmp_path / "l.sqlite")]

    def run(*argv):
        args = parser.parse_args(["calibrate", *argv, *common])
        return args.func(args)

    monkeypatch.setenv("HYBRID_RG_PROGRESS", "lines")
    assert run(str(spec)) == 0
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "off")
    started = capsys.readouterr()
    trial_lines = [ln for ln in started.err.splitlines() if ln.startswith("trial ")]  # one progress line per trial
    assert len(trial_lines) == 2 and all(" loss " in ln and "floor σ² = " in ln for ln in trial_lines), trial_lines
    assert started.out.splitlines()[1].startswith("best: ")  # the verdict on shot noise, after the trial count
    assert run("status", str(spec)) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["indistinguishable_from_best"][0] == status["best"]["trial"] and status["shot_noise_floor"] > 0
    assert status["states"] == {"COMPLETE": 2}
    assert run("report", str(spec), "--out", str(tmp_path / "rep")) == 0
    assert (tmp_path / "rep" / "history.png").stat().st_size > 0
    assert (tmp_path / "rep" / "best_program.png").stat().st_size > 0
    with pytest.raises(BadInput, match="--export"):  # cli.main reports it: one line, exit 2
        run("best", str(spec))
    assert run("best", str(spec), "--export", str(tmp_path / "best.json")) == 0
    program = RydbergProgram.from_json((tmp_path / "best.json").read_text())
    assert validate(program, load_device_spec("emulator")).ok
    assert program.metadata and dict(program.metadata)["calibration_trial"] == str(status["best"]["trial"])
    with pytest.raises(BadInput, match="missing.toml"):
        run("status", str(tmp_path / "missing.toml"))
    assert socket.gethostname()
