"""Four workers, each in its own folder, share one budget-capped campaign through two PostgreSQL URLs only (the
study and the ledger), under SIGKILLs at random times (issue #21). The fake provider's records are the truth: no
task unknown to the ledger, none submitted twice, the bill within the cap, every trial told, the password in no file,
output or table. Needs a server: `eval "$(.ci/postgres.sh start)"` (`make test` does it)."""

import os

import pytest

from .pg_killharness import run_kills

URL = os.environ.get("HYBRID_RG_POSTGRES_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not URL, reason='HYBRID_RG_POSTGRES_URL is not set: start a server with `eval "$(.ci/postgres.sh start)"`'
    ),
]


def test_four_workers_fifty_kills_one_budget(tmp_path):
    pytest.importorskip("psycopg2", reason="psycopg2-binary is not installed (the postgres extra)")
    # 50 kills take about 35 s; on a loaded machine the time budget may end the kill phase first (>= 20 kills)
    fig = run_kills(tmp_path, URL, 50, time_budget_s=60, seed=21, workers=4, n_trials=48, paid_trials=40)
    print(fig)
    assert fig["kills"] >= 20
    assert fig["bad_exits"] == 0
    assert fig["lost_task_ids"] == 0 and fig["duplicate_submissions"] == 0
    assert fig["calls_minus_token_hits"] == fig["provider_tasks"]  # every create call made one task
    assert fig["budget_overruns"] == 0 and fig["provider_bill_usd"] <= fig["cap_usd"]
    assert fig["provider_tasks"] == fig["ledger_entries"] == fig["batches"] == 40  # the cap was reached
    assert fig["budget_refused_trials"] >= 1
    assert fig["running_trials"] == 0 and fig["waiting_trials"] == 0  # every trial told
    assert fig["complete_trials"] == fig["complete_batches"] == fig["complete_told_from_their_own_batch"] == 40
    assert fig["complete_trials"] + fig["failed_trials"] == fig["trials"]
    assert fig["entries_not_completed"] == 0
    assert fig["password_found_in"] == []
