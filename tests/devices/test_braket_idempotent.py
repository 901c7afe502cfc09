"""Braket submission that cannot pay twice: the exact requests (botocore's Stubber), the stateful fake service behind
real boto3 clients (client tokens honoured, replies dropped after acceptance), the ledger's recovery through the real
adapter, and SIGKILLs at random points (0 lost, 0 duplicates, 0 UNKNOWN on the service's own record)."""

from __future__ import annotations

import pytest

pytest.importorskip("braket.aws")

import boto3  # noqa: E402
from botocore.stub import ANY, Stubber  # noqa: E402

from hybrid_rg.devices.adapters.braket_aws import AQUILA_ARN, INTENT_TAG, BraketAwsDevice  # noqa: E402
from hybrid_rg.devices.braket_ir import to_ahs  # noqa: E402
from hybrid_rg.runtime.ledger import Ledger  # noqa: E402
from hybrid_rg.runtime.submit import SubmitError, SubmitRequest, submit  # noqa: E402
from hybrid_rg.testing.fake_braket import FakeBraket  # noqa: E402
from tests.runtime.helpers import program  # noqa: E402

KEY = "hrg-" + "a" * 40
TASK = "arn:aws:braket:us-east-1:123456789012:quantum-task/11111111-2222-3333-4444-555555555555"


def _plain_session():
    return boto3.Session(aws_access_key_id="FAKE", aws_secret_access_key="fake", region_name="us-east-1")


@pytest.fixture
def stubbed():
    device = BraketAwsDevice(boto_session=_plain_session(), s3_destination=("my-bucket", "hrg"))
    with Stubber(device.aws_session.braket_client) as stub:
        yield device, stub
        stub.assert_no_pending_responses()


def test_create_request_carries_the_intent_key_as_client_token_and_tag(stubbed):
    device, stub = stubbed
    p = program(2)
    stub.add_response(
        "create_quantum_task",
        {"quantumTaskArn": TASK},
        {
            "deviceArn": AQUILA_ARN,
            "outputS3Bucket": "my-bucket",
            "outputS3KeyPrefix": "hrg",
            "shots": 10,
            "action": to_ahs(p).to_ir().json(),
            "clientToken": KEY,
            "tags": {INTENT_TAG: KEY},
        },
    )
    assert device.submit_with_token(p, shots=10, seed=3, client_token=KEY).id == TASK


def test_search_request_filters_device_and_window_and_matches_the_tag(stubbed):
    device, stub = stubbed
    other = TASK.replace("1111", "9999")
    listing = [
        {
            "quantumTaskArn": other,
            "status": "COMPLETED",
            "deviceArn": AQUILA_ARN,
            "shots": 10,
            "outputS3Bucket": "b",
            "outputS3Directory": "d",
            "createdAt": "2026-12-03T10:00:01Z",
            "tags": {INTENT_TAG: "hrg-someone-else"},
        },
        {
            "quantumTaskArn": TASK,
            "status": "QUEUED",
            "deviceArn": AQUILA_ARN,
            "shots": 10,
            "outputS3Bucket": "b",
            "outputS3Directory": "d",
            "createdAt": "2026-12-03T10:00:02Z",
            "tags": {INTENT_TAG: KEY},
        },
    ]
    expected = {
        "filters": [
            {"name": "deviceArn", "operator": "EQUAL", "values": [AQUILA_ARN]},
            {"name": "createdAt", "operator": "BETWEEN", "values": ANY},
        ],
        "maxResults": 100,
    }
    stub.add_response("search_quantum_tasks", {"quantumTasks": listing[:1], "nextToken": "p2"}, expected)
    stub.add_response("search_quantum_tasks", {"quantumTasks": listing[1:]}, {**expected, "nextToken": "p2"})
    assert device.find_task_by_token(KEY, since_utc="2026-12-03T10:00:00.000+00:00").id == TASK


def test_search_window_is_iso_utc_around_the_intent():
    device = BraketAwsDevice(boto_session=_plain_session(), s3_destination=("hrg-bucket", "tasks"))
    start, end = device.search_window("2026-12-03T10:00:00.000+00:00")
    assert start == "2026-12-03T09:45:00Z" and end.endswith("Z") and end > start


def test_a_refused_time_filter_falls_back_to_the_device_alone(stubbed):
    device, stub = stubbed
    stub.add_client_error("search_quantum_tasks", "ValidationException", "bad createdAt")
    stub.add_response(
        "search_quantum_tasks",
        {"quantumTasks": []},
        {"filters": [{"name": "deviceArn", "operator": "EQUAL", "values": [AQUILA_ARN]}], "maxResults": 100},
    )
    assert device.find_task_by_token(KEY) is None


def test_the_sdk_alone_sends_a_fresh_token_per_call(tmp_path):
    """Why the adapter sets clientToken: without it botocore fills a new uuid4 on every call, so a retry after a
    dropped reply is a second paid task (shown on the fake service)."""
    fake = FakeBraket(tmp_path)
    device = BraketAwsDevice(boto_session=fake.session(), s3_destination=("hrg-bucket", "tasks"))
    kwargs = device.create_kwargs(program(2), 10, KEY)
    del kwargs["clientToken"]
    device.aws_session.create_quantum_task(**kwargs)
    device.aws_session.create_quantum_task(**kwargs)
    assert fake.counters()["tasks_created"] == 2
    device.submit_with_token(program(2), 10, None, KEY)
    device.submit_with_token(program(2), 10, None, KEY)
    assert fake.counters()["tasks_created"] == 3 and fake.counters()["token_hits"] == 1


def _request(**kw):
    return SubmitRequest(
        (program(2), program(2, rabi=6.0)),
        "quera_aquila",
        10,
        seed=1,
        campaign="c",
        adapter="braket_aquila",
        budget_usd=100.0,
        **kw,
    )


def test_accepted_then_reply_dropped_is_recovered_by_the_tag_search(tmp_path):
    fake = FakeBraket(tmp_path / "braket")
    device = BraketAwsDevice(boto_session=fake.session(), s3_destination=("hrg-bucket", "tasks"))
    fake.drop_replies(1)
    with Ledger(tmp_path / "ledger.sqlite") as led:
        with pytest.raises(SubmitError):
            submit(led, _request(), device=device)
        out = submit(led, _request(), device=device)
    assert (out.submitted, out.recovered, out.unknown) == (1, 1, 0)
    tasks = fake.tasks()
    assert len(tasks) == 2 and {e.task_id for e in out.entries} == {t["arn"] for t in tasks}
    assert fake.counters()["search_calls"] == 2  # both intents predate the second run


def test_a_search_that_misses_still_cannot_pay_twice(tmp_path, monkeypatch):
    """A lagging search index: the lookup answers None, the resubmission carries the same clientToken and the
    service hands back the task it already holds."""
    fake = FakeBraket(tmp_path / "braket")
    device = BraketAwsDevice(boto_session=fake.session(), s3_destination=("hrg-bucket", "tasks"))
    fake.drop_replies(1)
    with Ledger(tmp_path / "ledger.sqlite") as led:
        with pytest.raises(SubmitError):
            submit(led, _request(), device=device)
        monkeypatch.setattr(device, "find_task_by_token", lambda key, since_utc=None: None)
        out = submit(led, _request(), device=device)
    assert len(fake.tasks()) == 2 and fake.counters()["token_hits"] == 1 and out.unknown == 0
    assert {e.task_id for e in out.entries} == {t["arn"] for t in fake.tasks()}


def test_collect_reads_results_through_the_sdk(tmp_path):
    import time

    from hybrid_rg.runtime import records
    from hybrid_rg.runtime.collect import collect

    fake = FakeBraket(tmp_path / "braket", complete_after_s=0.01)
    device = BraketAwsDevice(boto_session=fake.session(), s3_destination=("hrg-bucket", "tasks"))
    with Ledger(tmp_path / "ledger.sqlite") as led:
        submit(led, _request(), device=device)
        time.sleep(0.02)
        out = collect(
            led, records.select(led.conn), timeout_s=10, poll_interval_s=0.01, devices={("braket_aquila", "{}"): device}
        )
    assert [e.state for e in out.entries] == ["COMPLETED", "COMPLETED"]
    assert all(sum(e.result["counts"].values()) == 10 for e in out.entries)


def _check(fig, n):
    assert fig["kills"] == n and fig["bad_exits"] == 0
    assert fig["lost_task_ids"] == 0 and fig["duplicate_submissions"] == 0 and fig["unknown"] == 0
    assert fig["intents_without_task"] == 0 and fig["not_collected"] == 0
    assert fig["service_tasks"] == fig["ledger_entries"] > 0


def test_ten_kills_through_the_real_adapter(tmp_path):
    from .cloud_killharness import run_kills

    _check(run_kills(tmp_path, 10, seed=5), 10)


@pytest.mark.slow
def test_hundred_kills_through_the_real_adapter(tmp_path):
    from .cloud_killharness import run_kills

    fig = run_kills(tmp_path, 100, seed=11)
    _check(fig, 100)
    assert fig["kills_in_accept_window"] > 0
