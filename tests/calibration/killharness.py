"""SIGKILL harness for calibration campaigns: forked children run one campaign on the fake paid device; the parent
kills them at random times, then lets one run finish. The fake provider's own records are the truth:

    .venv/bin/python -m tests.calibration.killharness --kills 50 --seed 1
"""

from __future__ import annotations

import random
import time
import traceback
from pathlib import Path

from hybrid_rg.calibration import load_campaign, run_campaign
from hybrid_rg.runtime import records
from hybrid_rg.runtime.ledger import Ledger
from hybrid_rg.testing.fake_provider import FakeRemoteDevice

from ..killcore import ForkServer, kill_runs, provider_vs_ledger, script, timed, wait
from .helpers import CAMPAIGN_MODULES, fake_options, write_spec

N_TRIALS = 4
SHOTS = 200
PER_TASK_USD = 0.30 + SHOTS * 0.01


def setup(workdir: Path, k: int) -> Path:
    """Campaign k (its own study; one ledger and one provider for all)."""
    return write_spec(
        workdir,
        f"kill{k}",
        device="fake_aquila",
        options=fake_options(workdir / "provider"),
        n_trials=N_TRIALS,
        batch_size=2,
        budget_usd=100.0,
    )


def child(spec: Path, workdir: Path, ledger: Path) -> int:
    try:
        out = run_campaign(load_campaign(spec), root=workdir / "root", ledger_path=ledger, log=lambda m: None)
        return 0 if out.finished else 1
    except BaseException:
        traceback.print_exc()
        return 1


SERVER = ForkServer(CAMPAIGN_MODULES)


def run_kills(workdir: Path, n_kills: int, seed: int = 0) -> dict:
    """Kill campaign k's runs at random times until it finishes, then go on with campaign k+1, until n_kills."""
    workdir = Path(workdir)
    ledger, provider = workdir / "ledger.sqlite", workdir / "provider"
    SERVER.warm()
    t0 = time.monotonic()
    specs = [setup(workdir, 0)]
    duration = timed(SERVER.start(child, specs[0], workdir, ledger))  # an unkilled campaign: a run's duration
    specs.append(setup(workdir, 1))
    bad = [0]

    def on_exit(code):  # finished between two kills: the next campaign
        bad[0] += code != 0
        specs.append(setup(workdir, len(specs)))

    kills, attempts = kill_runs(
        n_kills,
        lambda: SERVER.start(child, specs[-1], workdir, ledger),
        random.Random(seed),
        0.7 * duration,
        lambda: None,
        on_exit,
    )
    for spec in specs:  # recovery: every campaign once more, unkilled
        bad[0] += wait(SERVER.start(child, spec, workdir, ledger)) != 0
    return {
        **audit(specs, workdir, ledger, provider),
        "kills": kills,
        "attempts": attempts,
        "campaigns": len(specs),
        "campaign_duration_s": round(duration, 3),
        "bad_exits": bad[0],
        "wall_s": round(time.monotonic() - t0, 2),
    }


def audit(specs: list[Path], workdir: Path, ledger: Path, provider: Path) -> dict:
    """The provider's tasks against the ledger and the study: every task known, none twice, one batch per trial."""
    import optuna
    from optuna.trial import TrialState

    tasks = FakeRemoteDevice(provider).tasks()
    with Ledger(ledger, readonly=True) as led:
        entries = records.select(led.conn)
    trials = []
    for spec in specs:
        cspec = load_campaign(spec)
        url = f"sqlite:///{(workdir / 'root' / cspec.name / 'study.db').resolve()}"
        storage = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
        study = optuna.load_study(study_name=cspec.name, storage=storage)
        trials += [(cspec.name, t) for t in study.get_trials(deepcopy=False)]
    roots = {(c, t.user_attrs.get("root")) for c, t in trials if "root" in t.user_attrs}
    trials = [t for _, t in trials]
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    batches = {e.batch for e in entries}
    told_with_own_tasks = sum(
        1
        for t in complete
        if set(t.user_attrs.get("task_ids", [])) <= {e.task_id for e in entries if e.batch == t.user_attrs["batch"]}
    )
    return {
        **provider_vs_ledger(tasks, entries),
        "batches": len(batches),
        "trial_roots": len(roots),
        "complete_trials": len(complete),
        "expected_complete": N_TRIALS * len(specs),
        "running_trials": sum(t.state == TrialState.RUNNING for t in trials),
        "failed_trials": sum(t.state == TrialState.FAIL for t in trials),
        "complete_told_from_their_own_batch": told_with_own_tasks,
        "provider_bill_usd": round(len(tasks) * PER_TASK_USD, 4),
        "provider_counters": FakeRemoteDevice(provider).counters(),
    }


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    script(run_kills, default_kills=50)
