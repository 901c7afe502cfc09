"""SIGKILL at random points of calibration campaigns on a paid (fake) device: afterwards every campaign is complete,
the provider holds exactly one task per trial, each known to the ledger, none submitted twice."""

import pytest

from .killharness import run_kills


def _check(fig, n_kills):
    assert fig["kills"] == n_kills
    assert fig["bad_exits"] == 0
    assert fig["lost_task_ids"] == 0
    assert fig["duplicate_submissions"] == 0
    assert (
        fig["provider_counters"]["submit_calls"] - fig["provider_counters"].get("token_hits", 0)
        == fig["provider_tasks"]
    )
    assert fig["complete_trials"] == fig["expected_complete"] > 0
    assert fig["running_trials"] == 0
    assert fig["provider_tasks"] == fig["ledger_entries"] == fig["batches"] == fig["trial_roots"]
    assert fig["complete_told_from_their_own_batch"] == fig["complete_trials"]


def test_ten_kills(tmp_path):
    _check(run_kills(tmp_path, 10, seed=5), 10)


@pytest.mark.slow
def test_fifty_kills(tmp_path):
    _check(run_kills(tmp_path, 50, seed=11), 50)
