"""SIGKILL at random points across submit and collect (forked children), and two submitters at once:
0 lost task ids, 0 duplicate submissions, budget never exceeded — measured on the fake provider's own records."""

import pytest

from hybrid_rg.testing.fake_provider import FakeRemoteDevice

from .killharness import BATCH, PER_TASK_USD, _fork_child, _wait, audit, run_kills


def _check(fig, n_kills):
    assert fig["kills"] == n_kills
    assert fig["lost_task_ids"] == 0
    assert fig["duplicate_submissions"] == 0
    assert fig["budget_overruns"] == 0
    assert fig["intents_without_task"] == 0 and fig["not_collected"] == 0
    assert fig["bad_exits"] == 0
    assert fig["provider_tasks"] == fig["ledger_entries"] > 0


def test_twenty_kills(tmp_path):
    _check(run_kills(tmp_path, 20, seed=3), 20)


@pytest.mark.slow
def test_hundred_kills(tmp_path):
    fig = run_kills(tmp_path, 100, seed=11)
    _check(fig, 100)
    assert fig["kills_in_accept_window"] > 0  # the dangerous window was actually hit


def test_two_processes_submit_into_one_ledger_at_once(tmp_path):
    ledger, provider = tmp_path / "ledger.sqlite", tmp_path / "provider"
    for round_ in range(3):
        # the same batch from two processes, and two different batches of one campaign (cap: 3 of 4 batches)
        base = 4 * round_
        batches = (base, base, base + 1, base + 2, base + 3)
        children = [_fork_child(ledger, provider, b) for b in batches]
        codes = [_wait(p) for p in children]
        assert codes.count(1) == 0, codes
        refused = {b for b, c in zip(batches, codes) if c == 3}
        assert len(refused) == 1, codes  # exactly one of the four batches refused
    fig = audit(ledger, FakeRemoteDevice(provider))
    assert fig["duplicate_submissions"] == 0 and fig["lost_task_ids"] == 0 and fig["budget_overruns"] == 0
    assert fig["provider_tasks"] == 3 * 3 * BATCH
    assert abs(fig["max_campaign_spend_usd"] - 3 * BATCH * PER_TASK_USD) < 1e-9


def test_the_audit_sees_lost_duplicate_and_overspent_tasks(tmp_path):
    """Negative control: the figures above can fail. Provider tasks the ledger does not know, a second task for one
    intent and a campaign over its cap are all counted."""
    from hybrid_rg.runtime.ledger import Ledger
    from hybrid_rg.runtime.submit import submit

    from .killharness import PROGRAMS, _request

    ledger, provider = tmp_path / "ledger.sqlite", tmp_path / "provider"
    with Ledger(ledger) as led:
        submit(led, _request(provider, 0))
    device = FakeRemoteDevice(provider)
    device.submit_with_token(PROGRAMS[0], 10, 123, "hrg-not-in-the-ledger")  # lost
    first = device.tasks()[0]
    import sqlite3

    con = sqlite3.connect(provider / "provider.sqlite")  # a duplicate of task 0
    row = con.execute("SELECT * FROM tasks WHERE id = ?", (first["id"],)).fetchone()
    con.execute("INSERT INTO tasks VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)", ("dup", *row[2:]))
    con.commit()
    con.close()
    fig = audit(ledger, device)
    assert fig["lost_task_ids"] == 2  # the unknown token, and the duplicate (no ledger entry)
    assert fig["duplicate_submissions"] == 1
    with Ledger(ledger) as led, led.write() as conn:
        conn.execute("UPDATE budgets SET cap_usd = 0.5")
    assert audit(ledger, device)["budget_overruns"] >= 1
