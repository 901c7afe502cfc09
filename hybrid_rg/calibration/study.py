"""Opening a campaign: its optuna study (created once, then resumed), its search space, and who owns which trial.

The first process to open a campaign scores the warm start (if enabled), enqueues its trials, and writes the
study's user attributes: the spec digest, the exact target, and the search space *as narrowed* — written last,
so a crash during creation is simply redone (enqueueing skips trials that exist). Every later process reads the
space from the study, so all workers and every resume search the same distributions, and a changed spec is
refused instead of silently mixing two problems in one history.

Ownership: a trial records `owner` = host:pid:process-start-time when a worker asks for it or takes it over. A
RUNNING trial whose owner is dead on this host (SIGKILL, or a command that exited to wait for hardware) is taken
over at once by the next worker on this host; with a single-process (locked) storage every RUNNING trial is an
orphan. Trials of vanished hosts are left to the heartbeat (storage.py).
"""

from __future__ import annotations

import os
import socket
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..utils.seeds import derive_seed
from .space import Param, parse_space, space_from_dicts, space_to_dicts
from .spec import CampaignSpec, CampaignSpecError
from .storage import (
    check_policy,
    hold_lock,
    load_sampler,
    make_sampler,
    make_storage,
    storage_url,
    worker_seed,
)


@dataclass(eq=False)
class Campaign:
    cspec: CampaignSpec
    study: object
    url: str
    space: dict[str, Param]
    worker: int = 0
    seed: int = 0
    lock: object = None
    exp: object = None
    info: dict = field(default_factory=dict)

    @property
    def exclusive(self) -> bool:
        """True when this process holds the campaign's lock (SQLite or journal): nobody else can own a trial."""
        return self.lock is not None

    def distributions(self) -> dict:
        return {name: p.distribution() for name, p in self.space.items()}

    def close(self) -> None:
        if self.lock is not None:
            self.lock.close()
            self.lock = None


def _start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def owner_dead(owner: str | None) -> bool:
    """True when `owner` is a process of this host that no longer runs (its pid is gone or reused)."""
    if not owner:
        return False
    host, pid, start = owner.rsplit(":", 2)
    if host != socket.gethostname():
        return False
    return int(pid) != os.getpid() and _start_time(int(pid)) != start


def directions(cspec: CampaignSpec) -> list[str]:
    return ["minimize", "minimize"] if cspec.objective.bound == "objective" else ["minimize"]


def trial_seed(cspec: CampaignSpec, root: int) -> int:
    """The seed of a trial's tasks and of its torch build: from the campaign seed and the trial's root number,
    so a retried trial (same parameters) is the same ledger batch with the same seeds (the batch seed from which
    `runtime.idempotency.task_seed` derives each task's)."""
    return derive_seed(cspec.name, cspec.sampler.seed, root)


def open_campaign(
    cspec: CampaignSpec, root: str | Path, *, worker: int = 0, workers: int | None = None, readonly: bool = False
) -> Campaign:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = storage_url(cspec, root)
    check_policy(url, workers or cspec.storage.workers)
    lock = None if readonly else hold_lock(url)
    try:
        storage = make_storage(cspec, url, readonly=readonly)
        if readonly:
            try:
                study = optuna.load_study(study_name=cspec.name, storage=storage)
            except KeyError:
                raise CampaignSpecError(f"no campaign {cspec.name!r} in {url}; start it first") from None
        else:
            study = optuna.create_study(
                study_name=cspec.name,
                storage=storage,
                directions=directions(cspec),
                load_if_exists=True,
                sampler=optuna.samplers.RandomSampler(0),
            )
        seed = worker_seed(cspec, worker)
        camp = Campaign(cspec, study, url, parse_space(cspec.search), worker, seed, lock)
        attrs = study.user_attrs
        if "space" in attrs:
            if not readonly:
                _check_same_spec(cspec, attrs, url)
            camp.space = space_from_dicts(attrs["space"])
        elif readonly:
            raise CampaignSpecError(f"campaign {cspec.name!r} in {url} has not finished starting; run it first")
        else:
            _initialise(camp)
        if not readonly:
            study.sampler = make_sampler(cspec, seed)
            load_sampler(study._storage, study._study_id, worker, study.sampler)
        return camp
    except BaseException:
        if lock is not None:
            lock.close()
        raise


def _check_same_spec(cspec: CampaignSpec, attrs: dict, url: str) -> None:
    """Refuse to resume a campaign under a spec whose result fields differ from the ones it was started with
    (utils.specs): one history never mixes two problems."""
    from ..utils.specs import changed_fields

    recorded = attrs.get("spec_digest")
    if recorded == cspec.digest() or ("spec_fields" not in attrs and recorded == cspec.legacy_digest()):
        return
    if "spec_fields" in attrs:
        what = "; ".join(changed_fields(attrs["spec_fields"], cspec.result_fields())[:6])
    else:
        what = f"digest {recorded} -> {cspec.digest()}"
    raise CampaignSpecError(
        f"campaign {cspec.name!r} in {url}: spec changed since it started: {what}; only [budget] and [storage] "
        f"(and names, descriptions) may change between runs. Give the new campaign another name"
    )


def _initialise(camp: Campaign) -> None:
    from .build import load_experiment
    from .warm import warm_start

    cspec, study = camp.cspec, camp.study
    camp.exp = load_experiment(cspec)
    info = {
        "target": camp.exp.target,
        "target_method": camp.exp.target_method,
        "spec_digest": cspec.digest(),
        "spec_fields": cspec.result_fields(),  # names what changed, if a later run brings another spec
        "spec": str(cspec.source or ""),
        "T": cspec.T,
        "original_space": space_to_dicts(camp.space),
    }
    if cspec.warm_start.enabled and camp.space:
        ws = warm_start(cspec, camp.exp, camp.space, int(cspec.sampler.seed))
        camp.space = ws.space
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for params, loss in ws.enqueue:
                study.enqueue_trial(params, user_attrs={"warm_start_surrogate_loss": loss}, skip_if_exists=True)
        info["warm_start"] = {
            "enqueued": [p for p, _ in ws.enqueue],
            "best_surrogate_loss": ws.enqueue[0][1],
            "n_candidates": len(ws.scored),
        }
    for key, value in info.items():
        study.set_user_attr(key, value)
    study.set_user_attr("space", space_to_dicts(camp.space))  # last: marks the campaign as started
    camp.info = info
