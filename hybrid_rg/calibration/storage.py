"""Where a campaign lives: an optuna study in persisted storage, chosen per deployment, and the sampler's state.

    one process              SQLite file (default out/calibration/<name>/study.db), held with an exclusive lock
    several workers          an RDB server URL (postgresql://…); SQLite is refused (optuna #820: "database is
                             locked"; its docs: never SQLite for parallel optimisation)
    journal = PATH           optuna's JournalStorage on a local file (no heartbeat: optuna implements it for RDBs)

SQLite and journal files on a network filesystem are refused (#815 "database disk image is malformed", #5138).
RDB storages get a heartbeat and `RetryHeartbeatStaleTrialCallback`: a trial whose worker vanished is failed after
the grace period and re-enqueued with the same parameters (the campaign maps the retry to the same ledger batch,
so it reattaches instead of paying again). The sampler's random streams are saved into the study's system
attributes after every ask and tell, per worker, and restored on resume (optuna PR #3992 pickles the whole
sampler; a pickle read back from a database could run code, so only the Mersenne-Twister states are stored, as
JSON numbers): seeds are explicit and recorded, never silently changed.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..utils import locks
from ..utils.filesystems import NETWORK_FILESYSTEMS, filesystem_type
from .spec import CampaignSpec, CampaignSpecError


class StorageRefused(CampaignSpecError):
    """The chosen storage is unsafe for this deployment; the message says why and what to use instead."""


def campaign_dir(cspec: CampaignSpec, root: str | Path) -> Path:
    return Path(root) / cspec.name


def storage_url(cspec: CampaignSpec, root: str | Path) -> str:
    """The study's URL (or 'journal:PATH'): the spec's [storage], else a SQLite file under root/<name>/."""
    st = cspec.storage
    if st.journal:
        return "journal:" + str(Path(st.journal).resolve())
    if st.url:
        return str(st.url)
    return "sqlite:///" + str((campaign_dir(cspec, root) / "study.db").resolve())


def file_of(url: str) -> Path | None:
    if url.startswith("journal:"):
        return Path(url[len("journal:") :])
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    return None


def check_policy(url: str, workers: int) -> None:
    """Refuse SQLite for several workers and file storages on network filesystems, saying what to use instead."""
    path = file_of(url)
    if url.startswith("sqlite") and workers > 1:
        raise StorageRefused(
            f"storage {url} is SQLite, which serves one process; {workers} workers would fight over "
            f"its lock ('database is locked'). Use an RDB server: [storage] url = "
            f"'postgresql://user@host/db' (see .ci/postgres.sh), or workers = 1"
        )
    if url.startswith("sqlite") and path is None:
        raise StorageRefused(
            f"storage {url}: an in-memory or relative SQLite URL is not a durable campaign; use "
            f"sqlite:////absolute/path.db"
        )
    if path is not None:
        fs = filesystem_type(path.resolve().parent if not path.exists() else path.resolve())
        if fs in NETWORK_FILESYSTEMS:
            raise StorageRefused(
                f"the campaign storage {path} is on a network filesystem ({fs}), where SQLite and "
                f"journal files get corrupted; put it on a local disk, or use a postgresql:// URL"
            )


def hold_lock(url: str):
    """An exclusive lock beside a file storage, held for the life of the returned lock (utils.locks): a second
    process on the same SQLite or journal campaign is refused, naming the holder, instead of corrupting it."""
    path = file_of(url)
    if path is None:
        return None
    return locks.hold_lock(
        str(path) + ".hybrid-rg.lock",  # not ".lock": optuna's journal lock uses that
        f"the campaign at {path}",
        hint="a SQLite or journal campaign runs in one process. Wait for it to finish, or use a postgresql:// "
        "storage for several workers",
        error=StorageRefused,
    )


def make_storage(cspec: CampaignSpec, url: str, *, readonly: bool = False):
    import optuna

    if url.startswith("journal:"):
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        path = file_of(url)
        if readonly and not path.exists():
            raise CampaignSpecError(f"no campaign journal at {path}; start the campaign first")
        return JournalStorage(JournalFileBackend(str(path)))
    path = file_of(url)
    if path is not None:
        if readonly and not path.exists():
            raise CampaignSpecError(
                f"no campaign storage at {path}; start the campaign first "
                f"(hybrid-rg calibrate {cspec.source or 'SPEC'})"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    st = cspec.storage
    kwargs = {}
    if url.startswith("sqlite"):
        kwargs["engine_kwargs"] = {"connect_args": {"timeout": 60}}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            url,
            heartbeat_interval=int(st.heartbeat_interval_s),
            grace_period=int(st.grace_period_s),
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(st.max_retry),
            **kwargs,
        )


def make_sampler(cspec: CampaignSpec, seed: int):
    import optuna

    s = cspec.sampler
    if s.name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    # constraints (the error bound) are set on each trial (system attribute 'constraints:bound', as
    # Trial.set_constraint does); TPE reads them from there
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=int(s.n_startup_trials))


def worker_seed(cspec: CampaignSpec, worker: int) -> int:
    """Worker k samples with seed + k: explicit, recorded in every trial (optuna reseeds silently otherwise)."""
    return int(cspec.sampler.seed) + int(worker)


def _streams(sampler) -> list:
    """The numpy RandomStates a sampler draws from: its own and, for TPE, its start-up random sampler's."""
    owners = [sampler, getattr(sampler, "_random_sampler", None)]
    return [o._rng.rng for o in owners if o is not None and hasattr(o, "_rng")]


def save_sampler(study, worker: int, sampler) -> None:
    states = []
    for rng in _streams(sampler):
        name, keys, pos, has_gauss, gauss = rng.get_state()
        states.append([name, keys.tolist(), int(pos), int(has_gauss), float(gauss)])
    study._storage.set_study_system_attr(study._study_id, f"hybrid_rg:sampler:{worker}", json.dumps(states))


def load_sampler(storage, study_id: int, worker: int, sampler) -> bool:
    """Restore `sampler`'s random streams as `save_sampler` stored them; False if nothing was stored. Anything
    but the JSON written by save_sampler is refused (the study is not used)."""
    import numpy as np

    blob = storage.get_study_system_attrs(study_id).get(f"hybrid_rg:sampler:{worker}")
    if blob is None:
        return False
    rngs = _streams(sampler)
    try:
        states = json.loads(blob)
        if not isinstance(states, list) or len(states) != len(rngs):
            raise ValueError("wrong number of streams")
        for rng, (name, keys, pos, has_gauss, gauss) in zip(rngs, states):
            rng.set_state((str(name), np.asarray(keys, dtype=np.uint32), int(pos), int(has_gauss), float(gauss)))
    except (ValueError, TypeError) as err:
        raise CampaignSpecError(
            f"the study's saved sampler state for worker {worker} is not what hybrid-rg "
            f"writes ({err}); it was not used. Start the campaign under another name"
        ) from None
    return True
