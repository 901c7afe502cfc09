"""Two worker processes on one campaign in PostgreSQL (issue #7 §4). Needs a server: `eval "$(.ci/postgres.sh start)"`
sets HYBRID_RG_POSTGRES_URL (and `.ci/postgres.sh stop` removes it), and psycopg2-binary installed."""

import os
import uuid

import pytest

from hybrid_rg.calibration import load_campaign
from hybrid_rg.calibration.workers import run_workers
from hybrid_rg.testing.fake_provider import FakeRemoteDevice

from .helpers import fake_options, write_spec

URL = os.environ.get("HYBRID_RG_POSTGRES_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not URL,
        reason="HYBRID_RG_POSTGRES_URL is not set: start a server with "
        '`eval "$(.ci/postgres.sh start)"` to run the many-worker test',
    ),
]


def test_two_workers_share_one_campaign(tmp_path):
    import optuna

    pytest.importorskip("psycopg2", reason="psycopg2-binary is not installed (the postgres extra)")
    name = f"pg-{uuid.uuid4().hex[:8]}"
    provider = tmp_path / "provider"
    spec = write_spec(
        tmp_path,
        name,
        device="fake_aquila",
        # each result takes 2 s, so one worker alone needs > 12 s for the 6 trials: more than the two spawned
        # workers' start-up times differ by (about 1 s measured; at 0.05 s, a worker that started a few seconds
        # late on a loaded machine could find every trial told and fail the both-workers check)
        options=fake_options(provider, delay_s=2.0),
        n_trials=6,
        batch_size=1,
        budget_usd=100.0,
        storage=f'[storage]\nurl = "{URL}"\nworkers = 2',
    )
    cspec = load_campaign(spec)
    outs = run_workers(cspec, root=tmp_path / "root", ledger_path=tmp_path / "l.sqlite", workers=2)
    study = optuna.load_study(study_name=name, storage=URL)
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(done) >= 6 and not [t for t in study.trials if t.state.name == "RUNNING"]
    assert {t.user_attrs["worker"] for t in done} == {0, 1}  # both workers told trials
    assert {t.user_attrs["sampler_seed"] for t in done} == {3, 4}  # seed + worker, recorded
    tasks = FakeRemoteDevice(provider).tasks()
    assert len(tasks) == len({t.user_attrs["batch"] for t in done}) == len(done)  # one paid task per trial
    assert sum(len(o.told) for o in outs) == len(done)
    optuna.delete_study(study_name=name, storage=URL)
