"""The hardware-in-the-loop campaign: ask → build → validate → submit (ledger) → collect later → tell.

    outcome = run_campaign(cspec, root="out/calibration", ledger_path=path)

Every step is durable before the next one starts, and every trial maps to one ledger batch named after its *root*
trial (itself, or the trial a heartbeat retry copied), with seeds derived from that root:

  1. a trial is asked (enqueued warm-start and retry trials first) and tagged with its owner;
  2. its program is built (seeded torch, so the same parameters give the same digest) and the torch model's bound
     and consistency terms are stored on the trial;
  3. runtime.submit validates the program against the device snapshot, writes intents (budget-capped), submits
     with the intent keys as client tokens, records task ids — a rerun of a batch reattaches, never pays twice;
  4. runtime.collect polls (bounded) and stores results in the ledger;
  5. the loss is computed from the counts and told to the study; the sampler's state is saved.

Killed anywhere, the next run takes its orphaned trials over (study.py) and repeats from the first step that did not
finish: a batch already in the ledger is resubmitted from the ledger's own program JSON (same intent keys), so the
provider sees each task once. Results not ready within collect_timeout_s leave the trials RUNNING and the outcome
says so (`hybrid-rg calibrate` exits 4: run it again later).
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..utils.progress import note, progress
from .build import build, for_device, load_experiment, observable_from_counts
from .spec import CampaignSpec
from .study import Campaign, me, open_campaign, owner_dead, trial_seed


@dataclass
class Outcome:
    complete: int = 0
    n_trials: int = 0
    told: list = field(default_factory=list)  # trial numbers told by this run
    failed: list = field(default_factory=list)
    pending: list = field(default_factory=list)  # waiting for results: run again
    taken_over: list = field(default_factory=list)
    stopped: str | None = None  # why the campaign stopped early (budget refusal)

    @property
    def finished(self) -> bool:
        return self.complete >= self.n_trials and not self.pending


class Heartbeats:
    """Records optuna heartbeats for this worker's active trials (RDB storages; a no-op otherwise)."""

    def __init__(self, storage):
        from optuna.storages._heartbeat import is_heartbeat_enabled

        self.storage, self.ids, self.stop = storage, set(), threading.Event()
        self.enabled = is_heartbeat_enabled(storage)
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def add(self, trial_id: int) -> None:
        if self.enabled and trial_id not in self.ids:
            self.storage.record_heartbeat(trial_id)
            self.ids.add(trial_id)

    def _loop(self):
        while not self.stop.wait(self.storage.get_heartbeat_interval()):
            for tid in list(self.ids):
                try:
                    self.storage.record_heartbeat(tid)
                except Exception:  # a transient storage error: the next beat tries again
                    pass

    def __enter__(self):
        if self.enabled:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)


def adapter_options(cspec: CampaignSpec, root) -> dict:
    opts = dict(cspec.device.options)
    if cspec.device.name == "emulator" and "directory" not in opts:
        opts["directory"] = str((Path(root) / cspec.name / "emulator").resolve())
    return opts


class _Run:
    def __init__(self, camp: Campaign, root, ledger, log):
        from ..devices.spec import load_device_spec

        self.camp, self.study, self.cspec, self.ledger, self.log = camp, camp.study, camp.cspec, ledger, log
        self.storage = camp.study._storage
        self.exp = camp.exp or load_experiment(self.cspec)
        self.device_spec = load_device_spec(self.cspec.device.name)
        self.options = adapter_options(self.cspec, root)
        self.me = me()

    def trial(self, number: int):
        return self.storage.get_trial(
            self.storage.get_trial_id_from_study_id_trial_number(self.study._study_id, number)
        )

    def set(self, number: int, **attrs) -> None:
        from optuna.exceptions import UpdateFinishedTrialError

        tid = self.trial(number)._trial_id
        try:
            for k, v in attrs.items():
                self.storage.set_trial_user_attr(tid, k, v)
        except UpdateFinishedTrialError:  # another worker that took the same orphan over has told it meanwhile
            pass

    def claim(self, frozen) -> None:
        from optuna.storages import RetryHeartbeatStaleTrialCallback as Retry

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root = Retry.retried_trial_number(frozen)
        root = frozen.number if root is None else root
        self.set(
            frozen.number,
            owner=self.me,
            worker=self.camp.worker,
            sampler_seed=self.camp.seed,
            root=root,
            task_seed=trial_seed(self.cspec, root),
            batch=f"{self.cspec.name}-t{root}",
        )

    def orphans(self) -> list[int]:
        from datetime import datetime, timedelta

        from optuna.trial import TrialState

        # a worker killed between study.ask and claim leaves a trial without an owner (and maybe without a
        # heartbeat, so optuna never fails it as stale); a live worker claims within milliseconds of asking, so an
        # ownerless trial older than the grace period is an orphan
        stale = datetime.now() - timedelta(seconds=float(self.cspec.storage.grace_period_s))
        out = []
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            owner = t.user_attrs.get("owner")
            ownerless = owner is None and t.datetime_start is not None and t.datetime_start < stale
            if self.camp.exclusive or owner == self.me or owner_dead(owner) or ownerless:
                out.append(t.number)
        return out

    def counts(self) -> tuple[int, int]:
        from optuna.trial import TrialState

        trials = self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING))
        done = sum(t.state == TrialState.COMPLETE for t in trials)
        return done, len(trials) - done

    # --- one trial: build and submit --------------------------------------------------------------------------
    def submit(self, number: int) -> str | None:
        """Build (if needed) and submit the trial's batch; returns a failure reason, or None."""
        from ..pulse.program import RydbergProgram
        from ..runtime import records
        from ..runtime.submit import SubmitRequest, ValidationFailed, submit

        t = self.trial(number)
        ua = t.user_attrs
        entries = records.select(self.ledger.conn, batch=ua["batch"])
        if entries:
            programs = [RydbergProgram.from_json(e.program_json) for e in entries]
            shots = entries[0].shots
        else:
            try:
                b = build(self.cspec, self.exp, t.params, ua["task_seed"])
                program = for_device(b.program, self.device_spec)
            except ValueError as err:
                return f"the trial's program could not be built: {err}"
            o = self.cspec.objective
            self.set(
                number,
                surrogate_value=b.surrogate_value,
                consistency=b.consistency,
                bound=b.bound,
                hyperparameters=b.params,
            )
            if o.bound == "constraint":  # feasible when <= 0 (what Trial.set_constraint stores)
                self.storage.set_trial_system_attr(t._trial_id, "constraints:bound", b.bound - o.bound_max)
            programs, shots = [program], int(b.params["shots"])
        req = SubmitRequest(
            tuple(programs),
            self.cspec.device.name,
            shots,
            seed=ua["task_seed"],
            campaign=self.cspec.name,
            batch=ua["batch"],
            tags=(f"calibration:{self.cspec.name}", f"trial:{ua['root']}"),
            adapter=self.cspec.device.adapter,
            adapter_options=self.options,
            budget_usd=self.cspec.budget.budget_usd,
        )
        try:
            submit(self.ledger, req)
        except ValidationFailed as err:
            return f"invalid on {self.cspec.device.name}: {err}"
        return None

    # --- one trial: tell ------------------------------------------------------------------------------------
    def tell(self, number: int, entries) -> str:
        """'told', 'failed' or 'pending' for a trial whose ledger entries are `entries`."""
        from optuna.trial import TrialState

        bad = [e for e in entries if e.state in ("FAILED", "CANCELLED", "REJECTED", "UNKNOWN")]
        if bad:
            return self.fail(number, "; ".join(f"ledger entry {e.id} {e.state}: {e.failure_reason}" for e in bad))
        if not entries or any(e.state != "COMPLETED" for e in entries):
            return "pending"
        t = self.trial(number)
        if t.state != TrialState.RUNNING:
            return "told"  # another worker told it meanwhile
        counts: dict[str, int] = {}
        for e in entries:
            for bits, c in e.result["counts"].items():
                counts[bits] = counts.get(bits, 0) + int(c)
        est, err = observable_from_counts(counts, self.exp)
        loss0 = (est - self.exp.target) ** 2
        loss = loss0 + self.cspec.objective.consistency_weight * t.user_attrs.get("consistency", 0.0)
        values = [loss] + ([t.user_attrs["bound"]] if self.cspec.objective.bound == "objective" else [])
        self.set(
            number,
            estimate=est,
            stderr=err,
            loss0=loss0,
            target=self.exp.target,
            ledger_entries=[e.id for e in entries],
            task_ids=[e.task_id for e in entries],
            cost_estimate_usd=sum(e.cost_estimate_usd for e in entries),
        )
        return self._tell(number, values=values)

    def fail(self, number: int, reason: str) -> str:
        from optuna.trial import TrialState

        self.set(number, fail_reason=reason[:2000])
        self.log(f"trial {number} failed: {reason[:300]}")
        return "failed" if self._tell(number, state=TrialState.FAIL) == "told" else "told"

    def _tell(self, number: int, **kw) -> str:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.study.tell(number, **kw)
        except (ValueError, RuntimeError) as err:  # finished by another worker in the meantime
            # optuna says "Cannot tell a COMPLETE trial." when two workers that took over one orphan both tell it
            if "finished" not in str(err) and "already" not in str(err) and "Cannot tell a" not in str(err):
                raise
        return "told"


def run_campaign(
    cspec: CampaignSpec, *, root: str | Path, ledger_path, worker: int = 0, workers: int | None = None, log=print
) -> Outcome:
    """Run (or resume) the campaign until n_trials are complete, or until results must be waited for."""
    from optuna.storages import fail_stale_trials

    from ..runtime import records
    from ..runtime.budget import BudgetExceeded
    from ..runtime.collect import collect
    from ..runtime.ledger import Ledger
    from .storage import save_sampler

    camp = open_campaign(cspec, root, worker=worker, workers=workers)
    b = cspec.budget
    out = Outcome(n_trials=b.n_trials)
    bar = None
    try:
        with Ledger(ledger_path) as ledger, Heartbeats(camp.study._storage) as hb:
            run = _Run(camp, root, ledger, log)
            bar = progress(
                desc=f"calibrate {cspec.name}" + (f" (worker {worker})" if workers and workers > 1 else ""),
                total=b.n_trials,
                initial=run.counts()[0],
                unit="trial",
            )
            while True:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fail_stale_trials(camp.study)
                active = run.orphans()
                for n in active:
                    if run.trial(n).user_attrs.get("owner") != run.me:
                        out.taken_over.append(n)
                        run.claim(run.trial(n))
                done, running = run.counts()
                while len(active) < b.batch_size and done + running < b.n_trials:
                    with warnings.catch_warnings():  # "heartbeat is supposed to be used with optimize":
                        warnings.simplefilter("ignore")  # this loop records the heartbeats itself (Heartbeats)
                        trial = camp.study.ask(camp.distributions())
                    hb.add(trial._trial_id)
                    run.claim(run.trial(trial.number))
                    active.append(trial.number)
                    running += 1
                save_sampler(camp.study, worker, camp.study.sampler)
                if not active:
                    break
                live = []
                for n in active:
                    hb.add(run.trial(n)._trial_id)
                    try:
                        reason = run.submit(n)
                    except BudgetExceeded as err:
                        # go on with the other active trials (orphans taken over may hold paid intents already):
                        # returning here would leave them RUNNING under this worker's name
                        run.fail(n, str(err))
                        out.stopped = str(err)
                        continue
                    if reason:
                        run.fail(n, reason)
                        out.failed.append(n)
                    else:
                        live.append(n)
                batches = {n: run.trial(n).user_attrs["batch"] for n in live}
                entries = [e for n in live for e in records.select(ledger.conn, batch=batches[n])]
                collect(ledger, entries, timeout_s=b.collect_timeout_s, poll_interval_s=b.poll_interval_s)
                for n in live:
                    verdict = run.tell(n, records.select(ledger.conn, batch=batches[n]))
                    {"told": out.told, "failed": out.failed, "pending": out.pending}[verdict].append(n)
                    if verdict != "pending":
                        bar.update(1)
                        note(trial_line(run, n))
                save_sampler(camp.study, worker, camp.study.sampler)
                if out.pending or out.stopped:  # stopped: the cap refuses every new batch from now on
                    return _finish(out, run)
    finally:
        if bar is not None:
            bar.close()
        camp.close()
    return _finish(out, run)


def trial_line(run: _Run, number: int) -> str:
    """The progress line of a finished trial: its loss with the shot-noise error, the floor, and the trials noise
    cannot tell apart from the lowest loss so far (floor.py)."""
    from optuna.trial import TrialState

    from .floor import floor, indistinguishable, loss_sd

    t = run.trial(number)
    ua = t.user_attrs
    if t.state != TrialState.COMPLETE:
        return f"trial {number}: {t.state.name.lower()}" + (
            f" ({ua['fail_reason'][:200]})" if "fail_reason" in ua else ""
        )
    done = [
        x
        for x in run.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if all(v <= 0 for k, v in x.system_attrs.items() if k.startswith("constraints:"))
    ]
    line = f"trial {number}: loss {t.values[0]:.2e}"
    if ua.get("stderr") is not None:
        line += (
            f" ± {loss_sd(ua['loss0'], ua['stderr']):.1e}  (⟨O⟩ = {ua['estimate']:.4f} ± {ua['stderr']:.4f}, "
            f"target {ua['target']:.4f})"
        )
    if done:
        best = min(done, key=lambda x: x.values[0])
        ties = indistinguishable(done, best)
        fl = floor(done)
        line += f"; lowest so far: trial {best.number} ({best.values[0]:.2e})"
        line += f", {len(ties)} within shot noise of it" if len(ties) > 1 else ""
        line += f"; floor σ² = {fl:.1e}" if fl else ""
    return line


def _finish(out: Outcome, run: _Run) -> Outcome:
    out.complete = run.counts()[0]
    return out
