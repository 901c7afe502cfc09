"""IBM submission through the ledger: jobs tagged with the intent key via the real SamplerV2 (job_tags), orphaned
intents found by tag on a stateful fake runtime service, the QPU-seconds cost model, and SIGKILLs."""

from __future__ import annotations

import tomllib

import pytest

pytest.importorskip("qiskit_ibm_runtime")

from hybrid_rg.devices.adapters.ibm_digital import INTENT_TAG, IbmRuntimeDevice  # noqa: E402
from hybrid_rg.devices.spec import SNAPSHOT_DIR, load_device_spec  # noqa: E402
from hybrid_rg.runtime.ledger import Ledger  # noqa: E402
from hybrid_rg.runtime.submit import SubmitError, SubmitRequest, submit  # noqa: E402
from hybrid_rg.testing.fake_ibm import FakeIbmService  # noqa: E402
from tests.runtime.helpers import program  # noqa: E402


def _device(path, **kw):
    service = FakeIbmService(path, **kw)
    return service, IbmRuntimeDevice(backend=service.backend(), service=service, max_dt_us=0.25)


def _request():
    return SubmitRequest(
        (program(2), program(2, rabi=6.0)), "ibm_heron", 10, seed=1, campaign="c", adapter="ibm_heron", budget_usd=100.0
    )


def test_jobs_carry_the_intent_tag_through_samplerv2(tmp_path):
    service, device = _device(tmp_path)
    task = device.submit_with_token(program(2), 10, None, "hrg-abc")
    assert service.all_jobs()[0]["tags"] == [f"{INTENT_TAG}=hrg-abc"] and service.all_jobs()[0]["shots"] == 10
    assert device.find_task_by_token("hrg-abc", since_utc="2020-01-01T00:00:00+00:00").id == task.id
    assert device.find_task_by_token("hrg-other") is None


def test_accepted_then_reply_lost_is_recovered_by_tag(tmp_path):
    service, device = _device(tmp_path / "ibm")
    service.drop_replies(1)
    with Ledger(tmp_path / "ledger.sqlite") as led:
        with pytest.raises(SubmitError):
            submit(led, _request(), device=device)
        out = submit(led, _request(), device=device)
    assert (out.submitted, out.recovered, out.unknown) == (1, 1, 0)
    assert {e.task_id for e in out.entries} == {j["id"] for j in service.all_jobs()}
    assert len(service.all_jobs()) == 2


def test_collect_reads_sampler_results(tmp_path):
    import time

    from hybrid_rg.runtime import records
    from hybrid_rg.runtime.collect import collect

    service, device = _device(tmp_path / "ibm", complete_after_s=0.01)
    with Ledger(tmp_path / "ledger.sqlite") as led:
        submit(led, _request(), device=device)
        time.sleep(0.02)
        out = collect(
            led, records.select(led.conn), timeout_s=10, poll_interval_s=0.01, devices={("ibm_heron", "{}"): device}
        )
    assert [e.state for e in out.entries] == ["COMPLETED", "COMPLETED"]
    assert all(sum(e.result["counts"].values()) == 10 for e in out.entries)


def test_cost_model_in_qpu_seconds_is_what_the_budget_uses(tmp_path):
    raw = tomllib.loads((SNAPSHOT_DIR / "ibm_heron.toml").read_text())["price"]
    spec = load_device_spec("ibm_heron")
    assert spec.price_per_task_usd == pytest.approx(raw["qpu_seconds_per_job"] * raw["usd_per_qpu_second"])
    assert spec.price_per_shot_usd == pytest.approx(raw["qpu_seconds_per_shot"] * raw["usd_per_qpu_second"])
    assert "ibm.com/quantum/pricing" in spec.price_source and "2026-12-03" in spec.price_source
    from hybrid_rg.runtime.budget import BudgetExceeded

    service, device = _device(tmp_path / "ibm")
    with Ledger(tmp_path / "ledger.sqlite") as led, pytest.raises(BudgetExceeded):
        submit(
            led,
            SubmitRequest((program(2),), "ibm_heron", 1000, campaign="tight", adapter="ibm_heron", budget_usd=3.0),
            device=device,
        )  # 3.20 + 1000 * 0.00048 = 3.68 > 3.00
    assert service.all_jobs() == []


def test_ten_kills_through_the_real_ibm_adapter(tmp_path):
    from .cloud_killharness import run_kills
    from .test_braket_idempotent import _check

    _check(run_kills(tmp_path, 10, seed=5, provider="ibm"), 10)


@pytest.mark.slow
def test_hundred_kills_through_the_real_ibm_adapter(tmp_path):
    from .cloud_killharness import run_kills
    from .test_braket_idempotent import _check

    fig = run_kills(tmp_path, 100, seed=11, provider="ibm")
    _check(fig, 100)
    assert fig["kills_in_accept_window"] > 0
