"""Submit a batch through the ledger: validate all, reserve budget and write intents, then submit, then record ids.

    outcome = submit(ledger, SubmitRequest(programs, device="quera_aquila", shots=100, seed=7, campaign="c1",
                                           budget_usd=50.0))

Order of events for every program, each step durable before the next starts:
  1. the whole batch is validated against the device snapshot (nothing is written if one program is invalid);
  2. one transaction checks the budget caps and writes every intent of the batch (all or none);
  3. the adapter submits with the intent key as client token; 4. the task id is recorded.
A local simulator (the emulator, Braket's local simulator) computes its task at once: its result is stored with the
task id in step 4, in the ledger itself, so any worker can read it, on any host, without the simulator's folder. Its
task folder is `ledger.tasks_dir` (beside the ledger file) unless the adapter options name one, never a new temporary
folder per process, so that `status` and `collect` in a later process find a task whose result was not recorded.
Running the same request again (after success, a refusal or a SIGKILL anywhere) reattaches: intents with a task id
are left alone, intents without one are looked up on the device by their key and resubmitted only if the device
has never seen them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from ..devices.registry import (
    TASK_FOLDER_OPTION,
    adapter_options,
    default_adapter,
    estimate_cost_usd,
    get_device,
    with_task_folder,
)
from ..devices.spec import load_device_spec
from ..devices.validation import ValidationError, validate_batch
from ..errors import BadInput, NotFinished
from . import budget, records
from .idempotency import batch_id, find_task, intent_key, submit_one, supports_tokens, task_seed
from .ledger import Ledger, for_update

SECRET_OPTION = re.compile(r"key|secret|token|passw|credential", re.IGNORECASE)


# One class for "a program of the batch violates the device snapshot", raised by adapters and by submit alike.
ValidationFailed = ValidationError


class SubmitError(NotFinished):
    """The device failed while submitting; the ledger says what is known. Run the same command again: it resumes
    (intents with a task id are reattached, the others looked up by their key before any resubmission)."""


@dataclass(frozen=True)
class SubmitRequest:
    programs: tuple
    device: str
    shots: int
    seed: int = 0
    campaign: str = "default"
    batch: str | None = None
    tags: tuple[str, ...] = ()
    adapter: str | None = None
    adapter_options: dict = field(default_factory=dict)
    budget_usd: float | None = None
    device_daily_usd: float | None = None
    daily_usd: float | None = None


@dataclass
class SubmitOutcome:
    batch: str
    entries: list = field(default_factory=list)
    submitted: int = 0  # new tasks created by this call
    reattached: int = 0  # already had a task id
    recovered: int = 0  # an orphaned intent found on the device by its key
    unknown: int = 0  # orphaned intents the device cannot be asked about


def _check_request(req: SubmitRequest) -> None:
    from ..utils.argtypes import check_label

    if not req.programs:
        raise BadInput("the batch is empty; pass at least one program")
    if int(req.shots) < 1:
        raise BadInput(f"shots = {req.shots}; must be >= 1")
    for what, text in [("campaign", req.campaign), ("batch", req.batch), *(("tag", t) for t in req.tags)]:
        if text is not None:
            check_label(text, what)  # stored and printed by `ls`: no terminal escapes, bidi marks or newlines
    for flag, value in _caps(req).items():
        if value is not None and not (0 <= value < float("inf")):
            raise BadInput(f"{flag} {value}: a budget cap is a finite number >= 0")
    bad = [k for k in req.adapter_options if SECRET_OPTION.search(k)]
    if bad:
        raise BadInput(
            f"adapter options {bad} look like credentials; the ledger records adapter options, so "
            f"credentials must come from the environment or the provider's config files instead"
        )


@dataclass(frozen=True)
class Prepared:
    """A request checked in full, before any file is opened: what `submit` then writes and sends."""

    req: SubmitRequest
    spec: object
    adapter: str
    device: object
    digests: list
    batch: str
    per_task_usd: float
    day: str
    seeds: list
    keys: list


def prepare(req: SubmitRequest, device=None) -> Prepared:
    """Everything that can refuse a request without the ledger: programs, shots, tags, options, the device
    snapshot and its limits, credentials, the provider's reachability and the caps given with the request. Writes
    nothing, so a refusal leaves no ledger and no provider folder behind."""
    from ..devices.byo import as_programs

    req = replace(req, programs=as_programs(req.programs))  # Braket AHS programs are accepted as they are
    _check_request(req)
    spec = load_device_spec(req.device)
    reports = validate_batch(req.programs, spec, req.shots)
    bad = [f"program {k}: {r}" for k, r in enumerate(reports) if not r.ok]
    if bad:
        raise ValidationError(
            [r for r in reports if not r.ok],
            f"{len(bad)} of {len(reports)} programs violate {spec.name}'s limits (nothing was "
            f"submitted): " + " | ".join(bad),
        )
    adapter = req.adapter or default_adapter(spec)
    digests = [p.digest() for p in req.programs]
    batch = req.batch or batch_id(req.campaign, spec.name, adapter, req.shots, req.seed, digests)
    per_task_usd = estimate_cost_usd(spec, 1, req.shots)
    budget.precheck(req.campaign, spec.name, per_task_usd * len(digests), _caps(req))
    options = adapter_options(adapter, req.adapter_options)  # an unknown or malformed option is refused here
    if device is None and adapter not in TASK_FOLDER_OPTION:  # a local simulator is made in submit (its folder)
        device = get_device(adapter, **options)
        check = getattr(device, "check_reachable", None)
        if check is not None:
            check()  # a cloud provider: one short call, so a dead network fails here and not after the intents
    day = datetime.now(timezone.utc).date().isoformat()
    seeds = [task_seed(req.seed, k) for k in range(len(req.programs))]
    keys = [intent_key(batch, k, d, req.shots, s) for k, (d, s) in enumerate(zip(digests, seeds))]
    return Prepared(req, spec, adapter, device, digests, batch, per_task_usd, day, seeds, keys)


def _caps(req: SubmitRequest) -> dict:
    return {"--budget-usd": req.budget_usd, "--device-daily-usd": req.device_daily_usd, "--daily-usd": req.daily_usd}


def submit(ledger: Ledger, req: SubmitRequest, device=None, prepared: Prepared | None = None) -> SubmitOutcome:
    """Submit `req` through `ledger` (module docstring); `prepared`: the result of `prepare(req)` when the caller
    checked the request before opening the ledger."""
    from ..utils.provenance import provenance

    p = prepared if prepared is not None else prepare(req, device)
    req, spec, adapter, device, digests = p.req, p.spec, p.adapter, p.device, p.digests
    if device is None:  # a local simulator keeps its tasks beside the ledger (not recorded: they move with it)
        device = get_device(
            adapter, **with_task_folder(adapter, adapter_options(adapter, req.adapter_options), ledger.tasks_dir)
        )
    batch, per_task_usd, day, seeds, keys = p.batch, p.per_task_usd, p.day, p.seeds, p.keys
    prov = provenance(
        inputs={
            "device": spec.name,
            "spec_digest": spec.digest(),
            "adapter": adapter,
            "adapter_options": req.adapter_options,
            "shots": req.shots,
            "batch": batch,
        },
        seeds={"batch_seed": req.seed},
    )
    ledger.check_free_space()

    fresh: set[int] = set()
    with ledger.write() as conn:
        budget.lock(conn)  # before anything is read: the batch check below must see other workers' intents
        for scope, key, value in (
            ("campaign", req.campaign, req.budget_usd),
            ("device_daily", spec.name, req.device_daily_usd),
            ("daily", "*", req.daily_usd),
        ):
            if value is not None:
                budget.set_cap(conn, scope, key, value)
        existing = {e.intent_key: e for e in records.select(conn, batch=batch)}
        if existing and set(existing) != set(keys):
            raise BadInput(
                f"batch {batch!r} already holds other programs, shots or seeds; pass another --batch "
                f"name (or none, to derive one from the request)"
            )
        if not existing:
            budget.check(conn, req.campaign, spec.name, day, per_task_usd * len(keys))
            for k, (program, key) in enumerate(zip(req.programs, keys)):
                fresh.add(
                    records.insert_intent(
                        conn,
                        {
                            "intent_key": key,
                            "batch": batch,
                            "position": k,
                            "campaign": req.campaign,
                            "tags": tuple(req.tags),
                            "device": spec.name,
                            "spec_digest": spec.digest(),
                            "adapter": adapter,
                            "adapter_options": req.adapter_options,
                            "program_digest": digests[k],
                            "program_json": program.to_json(None),
                            "shots": int(req.shots),
                            "seed": seeds[k],
                            "cost_estimate_usd": per_task_usd,
                            "day_utc": day,
                            "provenance": {**prov, "seeds": {"batch_seed": req.seed, "task_seed": seeds[k]}},
                        },
                    )
                )

    out = SubmitOutcome(batch)
    paid = per_task_usd > 0
    local = spec.kind == "simulator"
    for program, key in zip(req.programs, keys):
        entry = records.by_key(ledger.conn, key)
        if entry.task_id is not None or entry.state in ("REJECTED", "UNKNOWN"):
            out.reattached += entry.task_id is not None
            out.unknown += entry.state == "UNKNOWN"
            continue
        if entry.id not in fresh:  # an intent left by an earlier (crashed) run
            if supports_tokens(device):
                task = find_task(device, key, entry.created_utc)
                if task is not None:
                    _record(ledger, entry.id, task.id, "recovered")
                    out.recovered += 1
                    continue
            elif paid:
                with ledger.write() as conn:
                    records.update(
                        conn,
                        entry.id,
                        state="UNKNOWN",
                        failure_reason=(
                            f"a crash left this intent unconfirmed and {adapter} cannot be asked whether it received "
                            f"it; check the provider's console, it was not resubmitted"
                        ),
                    )
                    records.event(conn, entry.id, "unknown")
                out.unknown += 1
                continue
        try:
            task = submit_one(device, program, entry.shots, entry.seed, key)
        except ValueError as err:  # refused before a task existed (validation, bad input)
            with ledger.write() as conn:
                records.update(conn, entry.id, state="REJECTED", failure_reason=f"{type(err).__name__}: {err}")
                records.event(conn, entry.id, "rejected", str(err))
            continue
        except Exception as err:  # ambiguous (network, provider): keep the intent
            with ledger.write() as conn:
                records.update(conn, entry.id, failure_reason=f"submission interrupted: {type(err).__name__}: {err}")
            raise SubmitError(
                f"submitting ledger entry {entry.id} to {adapter} failed ({type(err).__name__}: "
                f"{err}); run the same command again to resume (the intent key {key} prevents a "
                f"double submission)"
            ) from err
        _record(ledger, entry.id, task.id, "submitted", _local_result(task) if local else None)
        out.submitted += 1
    out.entries = records.select(ledger.conn, batch=batch)
    return out


def _local_result(task) -> dict | None:
    """A local simulator's result, already computed by its `run` (None if it is not ready at once)."""
    try:
        result = task.result(timeout_s=0)
    except Exception:  # not ready, or failed: `collect` asks again and stores why
        return None
    return {**result.to_dict(), "collected_utc": records.utc_now()}


def _record(ledger: Ledger, entry_id: int, task_id: str, how: str, result: dict | None = None) -> None:
    with ledger.write() as conn:
        # a row lock on PostgreSQL: two workers recovering the same intent record one task id, not two
        current = conn.execute("SELECT task_id FROM entries WHERE id = ?" + for_update(conn), (entry_id,)).fetchone()[0]
        if current is None:
            now = records.utc_now()
            fields = {"task_id": task_id, "state": "SUBMITTED", "submitted_utc": now, "failure_reason": None}
            if result is not None:
                fields.update(state="COMPLETED", result=result, finished_utc=now)
            records.update(conn, entry_id, **fields)
            records.event(conn, entry_id, how, task_id)
            if result is not None:
                records.event(conn, entry_id, "completed", None)
        elif current != task_id:
            records.event(conn, entry_id, "conflict", f"device returned {task_id}, ledger holds {current}")
