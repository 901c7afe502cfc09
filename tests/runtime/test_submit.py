"""Submission through the ledger: intents before submitting, idempotent reattach, crash-window recovery by intent
key, budget caps refused with nothing written, bounded resumable collection, failure reasons, provenance."""

import json

import pytest

from hybrid_rg.runtime import records
from hybrid_rg.runtime.budget import BudgetExceeded
from hybrid_rg.runtime.collect import collect
from hybrid_rg.runtime.idempotency import intent_key, task_seed
from hybrid_rg.runtime.ledger import Ledger
from hybrid_rg.runtime.submit import SubmitRequest, ValidationFailed, submit
from hybrid_rg.testing.fake_provider import FakeRemoteDevice

from .helpers import cli, program, write_programs

PRICE = 0.30 + 10 * 0.01  # fake_aquila, 10 shots


def _req(tmp_path, programs=None, **kw):
    opts = {"dir": str(tmp_path / "provider"), "delay_s": "0.02"}
    base = dict(
        programs=tuple(programs or (program(2), program(3))),
        device="fake_aquila",
        shots=10,
        seed=5,
        campaign="c",
        adapter_options=opts,
        budget_usd=10.0,
    )
    return SubmitRequest(**{**base, **kw})


class NoTokenDevice:
    """A paid device without the idempotency extension (only the Device protocol)."""

    def __init__(self, inner):
        self._inner, self.name = inner, inner.name

    def run(self, programs, shots, seed=None):
        return self._inner.run(programs, shots, seed)

    def task(self, task_id):
        return self._inner.task(task_id)


def test_submit_twice_reattaches_and_collect_stores_results(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as led:
        first = submit(led, _req(tmp_path))
        again = submit(led, _req(tmp_path))
        assert (first.submitted, again.submitted, again.reattached) == (2, 0, 2)
        device = FakeRemoteDevice(tmp_path / "provider")
        assert len(device.tasks()) == 2 and device.counters()["submit_calls"] == 2
        out = collect(led, records.select(led.conn), timeout_s=10, poll_interval_s=0.01)
        assert not out.timed_out and [e.state for e in out.entries] == ["COMPLETED", "COMPLETED"]
        for e in out.entries:
            assert sum(e.result["counts"].values()) == 10
            assert e.result["counts"] == device.task(e.task_id).result().counts
            assert e.seed == task_seed(5, e.position)
            assert e.provenance["seeds"] == {"batch_seed": 5, "task_seed": e.seed}
            assert e.provenance["inputs"]["spec_digest"] == e.spec_digest and "sha" in e.provenance["git"]
            assert e.provenance["packages"]["numpy"]


def test_crash_after_provider_accepted_is_recovered_by_intent_key(tmp_path):
    req = _req(tmp_path)
    with Ledger(tmp_path / "l.sqlite") as led:
        submit(led, req)
        first = records.select(led.conn)
        with led.write() as conn:  # simulate: the second task was accepted but its id never recorded
            records.update(conn, first[1].id, task_id=None, state="INTENT")
        device = FakeRemoteDevice(tmp_path / "provider")
        out = submit(led, req)
        assert (out.submitted, out.recovered, out.reattached) == (0, 1, 1)
        assert records.by_id(led.conn, first[1].id).task_id == first[1].task_id
        assert len(device.tasks()) == 2


def test_orphan_intent_on_a_device_without_tokens_becomes_unknown_not_resubmitted(tmp_path):
    req = _req(tmp_path)
    dev = NoTokenDevice(FakeRemoteDevice(tmp_path / "provider"))
    with Ledger(tmp_path / "l.sqlite") as led:
        submit(led, req, device=dev)
        e = records.select(led.conn)[0]
        with led.write() as conn:
            records.update(conn, e.id, task_id=None, state="INTENT")
        out = submit(led, req, device=dev)
        assert out.unknown == 1 and out.submitted == 0
        assert records.by_id(led.conn, e.id).state == "UNKNOWN"
        assert "not resubmitted" in records.by_id(led.conn, e.id).failure_reason
    assert len(FakeRemoteDevice(tmp_path / "provider").tasks()) == 2


@pytest.mark.parametrize(
    "caps, words",
    [
        ({"budget_usd": None}, "no budget"),
        ({"budget_usd": 2 * PRICE - 0.01}, "campaign 'c'"),
        ({"device_daily_usd": PRICE}, "device 'fake_aquila'"),
        ({"daily_usd": 1.5 * PRICE}, "all devices"),
    ],
)
def test_budget_caps_refuse_before_anything_is_written(tmp_path, caps, words):
    with Ledger(tmp_path / "l.sqlite") as led:
        with pytest.raises(BudgetExceeded) as err:
            submit(led, _req(tmp_path, **caps))
        assert words in str(err.value) and "Nothing was submitted" in str(err.value)
        assert led.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 0
    assert FakeRemoteDevice(tmp_path / "provider").tasks() == []


def test_budget_counts_earlier_batches_and_the_cli_exits_3(tmp_path, capsys):
    progs = write_programs(tmp_path / "p.json", [program(2), program(3)])
    base = [
        "submit",
        progs,
        "--device",
        "fake_aquila",
        "--shots",
        "10",
        "--ledger",
        str(tmp_path / "l.sqlite"),
        "--adapter-opt",
        f"dir={tmp_path / 'provider'}",
        "--budget-usd",
        str(3 * PRICE),
    ]
    assert cli(base + ["--seed", "1"]) == 0
    assert cli(base + ["--seed", "2"]) == 3  # 4 tasks would pass a 3-task cap
    assert "refused" in capsys.readouterr().err  # one line on stderr, from cli.main
    assert cli(base + ["--seed", "1"]) == 0  # the first batch again: reattached, costs nothing
    assert len(FakeRemoteDevice(tmp_path / "provider").tasks()) == 2


def test_invalid_batch_and_secret_options_write_nothing(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as led:
        with pytest.raises(ValidationFailed, match="program 1"):
            submit(led, _req(tmp_path, programs=(program(2), program(2, rabi=50.0))))
        with pytest.raises(ValueError, match="credentials"):
            submit(led, _req(tmp_path, adapter_options={"dir": "x", "aws_secret_access_key": "s"}))
        submit(led, _req(tmp_path, batch="mine"))
        with pytest.raises(ValueError, match="another --batch"):
            submit(led, _req(tmp_path, batch="mine", seed=6))
        assert led.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 2


def test_collect_is_bounded_resumable_and_stores_failure_reasons(tmp_path):
    progs = (program(2), program(2, rabi=6.0, metadata=(("fake_fail", "laser unlocked (test)"),)))
    # tasks that end only on finish_now(): a 0.5 s delay raced a paused or loaded machine's first poll
    req = _req(tmp_path, programs=progs, adapter_options={"dir": str(tmp_path / "provider"), "delay_s": "3600"})
    with Ledger(tmp_path / "l.sqlite") as led:
        submit(led, req)
        first = collect(led, records.select(led.conn), timeout_s=0.0, poll_interval_s=0.01)
        assert first.timed_out and len(first.pending) == 2
        assert all(e.polls == 1 and e.state in ("QUEUED", "RUNNING") for e in first.pending)
    assert FakeRemoteDevice(tmp_path / "provider").finish_now() == 2
    with Ledger(tmp_path / "l.sqlite") as led:  # another process, later
        out = collect(led, records.select(led.conn, pending_only=True), timeout_s=10, poll_interval_s=0.05)
        assert not out.timed_out
        ok, bad = out.entries
        assert ok.state == "COMPLETED" and ok.result is not None
        assert bad.state == "FAILED" and "laser unlocked (test)" in bad.failure_reason and bad.result is None


def test_status_collect_ls_reattach_by_id_tag_and_batch(tmp_path, capsys):
    progs = write_programs(tmp_path / "p.json", [program(2), program(3)])
    ledger = str(tmp_path / "l.sqlite")
    assert (
        cli(
            [
                "submit",
                progs,
                "--device",
                "fake_aquila",
                "--shots",
                "10",
                "--ledger",
                ledger,
                "--tag",
                "run-a",
                "--adapter-opt",
                f"dir={tmp_path / 'provider'}",
                "--adapter-opt",
                "delay_s=0.02",
                "--budget-usd",
                "5",
                "--batch",
                "b1",
            ]
        )
        == 0
    )
    assert cli(["status", "--tag", "run-a", "--ledger", ledger]) == 0
    assert cli(["collect", "--batch", "b1", "--ledger", ledger, "--timeout-s", "10", "--poll-interval-s", "0.02"]) == 0
    assert cli(["ls", "--tag", "nope", "--ledger", ledger, "--json"]) == 0
    capsys.readouterr()
    assert cli(["ls", "1", "--ledger", ledger, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in listed] == [1] and listed[0]["state"] == "COMPLETED" and listed[0]["tags"] == ["run-a"]
    key = intent_key("b1", 0, program(2).digest(), 10, task_seed(0, 0))
    assert listed[0]["intent_key"] == key
