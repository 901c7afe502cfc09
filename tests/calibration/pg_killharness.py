"""SIGKILL harness for one campaign run by several workers that share nothing but two PostgreSQL URLs.

Each worker k has its own working directory (w{k}/: its copy of the spec, its campaign root, its logs); the study and
the ledger live on the server (the ledger in a schema of its own). The fake paid provider (FakeRemoteDevice under
provider/) stands in for the remote service: it is the one thing outside the database the workers reach, and its
own records are the truth the audit compares the ledger and the study with. The parent kills a random worker at
random times and starts it again in the same folder, until `n_kills` or `time_budget_s`, then lets every worker run
unkilled until the campaign is done. The campaign's budget cap admits fewer paid tasks than n_trials, so refusals
race with submissions across workers.

PGPASSWORD is set to a random secret for the workers (the loopback server trusts its user and never asks for it):
the audit looks for it in every file under the work folder, the workers' logs, the figures, and every row of the
ledger's and the study's tables.

    HYBRID_RG_POSTGRES_URL=... .venv/bin/python -m tests.calibration.pg_killharness --kills 50 --time-budget-s 120
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import uuid
from pathlib import Path

from ..killcore import ForkServer, provider_vs_ledger, wait
from .helpers import CAMPAIGN_MODULES, fake_options, write_spec

SHOTS = 200
PER_TASK_USD = 0.30 + SHOTS * 0.01
PRELOAD = [*CAMPAIGN_MODULES, "sqlalchemy", "psycopg2", "hybrid_rg.runtime.ledger_pg"]
SERVER = ForkServer(PRELOAD)
GRACE_S = 4


def _worker(folder: str, ledger_url: str, k: int, workers: int, run_no: int, secret: str) -> int:
    """One worker run in its own folder; exit 0 finished, 3 stopped by the budget cap, 4 results pending, 1 error."""
    os.environ["PGPASSWORD"] = secret  # what libpq would send if the server asked (it trusts loopback)
    os.chdir(folder)
    fd = os.open(f"log-{run_no}.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    code = 1
    try:
        import warnings

        warnings.simplefilter("ignore")
        from hybrid_rg.calibration import load_campaign, run_campaign

        out = run_campaign(
            load_campaign("campaign.toml"),
            root="root",
            ledger_path=ledger_url,
            worker=k,
            workers=workers,
            log=lambda m: print(m, flush=True),
        )
        code = 3 if out.stopped else 0 if out.finished else 4
        print(
            json.dumps(
                {
                    "told": out.told,
                    "failed": out.failed,
                    "pending": out.pending,
                    "taken_over": out.taken_over,
                    "stopped": out.stopped,
                }
            ),
            flush=True,
        )
    except BaseException:
        import traceback

        traceback.print_exc()
    sys.stdout.flush()
    return code


def start(folder, ledger_url, k, workers, run_no, secret):
    return SERVER.start(_worker, str(folder), ledger_url, k, workers, run_no, secret)


def setup(workdir: Path, url: str, *, workers: int, n_trials: int, paid_trials: int) -> dict:
    """The campaign: one spec copied into each worker's folder; the study created once (as run_workers does)."""
    from hybrid_rg.calibration import load_campaign
    from hybrid_rg.calibration.study import open_campaign

    name = f"pgk-{uuid.uuid4().hex[:8]}"
    cap = round(PER_TASK_USD * paid_trials + PER_TASK_USD / 2, 2)  # room for paid_trials tasks, not one more
    # a worker killed between asking a trial and claiming it leaves a RUNNING trial without an owner: only the
    # heartbeat's grace period frees it (failed, then retried on the same ledger batch); 4 s instead of 120 s here
    storage = f'[storage]\nurl = "{url}"\nworkers = {workers}\nheartbeat_interval_s = 1\ngrace_period_s = {GRACE_S}'
    folders = []
    for k in range(workers):
        folder = workdir / f"w{k}"
        folder.mkdir(parents=True)
        # the provider answers after 1 s and holds each new task 0.3 s before returning its id: wide windows
        # (accepted but unrecorded, submitted but uncollected) for the kills to land in
        spec = write_spec(
            folder,
            name,
            device="fake_aquila",
            options=fake_options(workdir / "provider", 1.0, 0.3),
            n_trials=n_trials,
            batch_size=1,
            budget_usd=cap,
            storage=storage,
        )
        # a given target skips the exact reference each (re)started worker would compute again: restarts stay cheap
        # enough for many kills to land in the submit/collect/tell steps the ledger is about
        text = spec.read_text().replace("bound_max = 1.0", "bound_max = 1.0\ntarget = 0.1")
        (folder / "campaign.toml").write_text(text)
        spec.unlink()
        folders.append(folder)
    cspec = load_campaign(folders[0] / "campaign.toml")
    open_campaign(cspec, folders[0] / "root", workers=workers).close()
    return {"name": name, "cap": cap, "folders": folders, "cspec": cspec}


def run_kills(
    workdir: Path,
    url: str,
    n_kills: int,
    *,
    time_budget_s: float = 120.0,
    seed: int = 0,
    workers: int = 4,
    n_trials: int = 48,
    paid_trials: int = 40,
) -> dict:
    workdir = Path(workdir)
    secret = f"hrg-secret-{uuid.uuid4().hex}"
    ledger_url = f"{url}?schema=kill_{uuid.uuid4().hex[:8]}"
    camp = setup(workdir, url, workers=workers, n_trials=n_trials, paid_trials=paid_trials)
    rng = random.Random(seed)
    SERVER.warm()  # the forkserver's imports are not part of the clock
    t0 = time.monotonic()
    runs = [0] * workers
    procs = [start(camp["folders"][k], ledger_url, k, workers, 0, secret) for k in range(workers)]
    kills = bad = 0
    done = False
    exits: dict[int, int] = {}
    while kills < n_kills and time.monotonic() - t0 < time_budget_s and not done:
        time.sleep(rng.uniform(0.05, 0.8))
        k = rng.randrange(workers)
        if procs[k].exitcode is None:
            procs[k].kill()  # not os.kill: a worker that exited since the check may be reaped already
            procs[k].join()
            kills += procs[k].exitcode == -signal.SIGKILL
        for j, p in enumerate(procs):  # restart the killed one, and any that stopped by itself
            if p.exitcode is None:
                continue
            code = p.exitcode
            if code != -signal.SIGKILL:
                exits[code] = exits.get(code, 0) + 1
                bad += code not in (0, 3, 4)
                done = done or code in (0, 3)  # the campaign is finished (or its budget spent)
            runs[j] += 1
            procs[j] = start(camp["folders"][j], ledger_url, j, workers, runs[j], secret)
    kill_phase_s = time.monotonic() - t0
    for _ in range(6):  # recovery: unkilled runs until every worker says done
        codes = [wait(p, 300) for p in procs]
        for c in codes:
            exits[c] = exits.get(c, 0) + 1
        bad += sum(c not in (0, 3, 4) for c in codes)
        if all(c in (0, 3) for c in codes) and not _running(camp["name"], url):
            break
        time.sleep(GRACE_S + 1)  # a trial left RUNNING without an owner goes stale, is retried
        for j in range(workers):
            runs[j] += 1
        procs = [start(camp["folders"][j], ledger_url, j, workers, runs[j], secret) for j in range(workers)]
    wall = time.monotonic() - t0
    fig = audit(camp, workdir, url, ledger_url)
    fig.update(
        kills=kills,
        bad_exits=bad,
        exit_codes=exits,
        worker_runs=sum(runs) + workers,
        kill_phase_s=round(kill_phase_s, 1),
        wall_s=round(wall, 1),
        trials_per_minute=round(60 * fig["complete_trials"] / wall, 1),
    )
    fig["password_found_in"] = find_secret(secret, workdir, url, ledger_url, camp["name"], json.dumps(fig))
    return fig


def _running(name: str, url: str) -> int:
    import optuna
    from optuna.trial import TrialState

    study = optuna.load_study(study_name=name, storage=url)
    return len(study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)))


def audit(camp: dict, workdir: Path, url: str, ledger_url: str) -> dict:
    """The provider's tasks against the ledger, the budget cap and the study."""
    import optuna
    from optuna.trial import TrialState

    from hybrid_rg.runtime import records
    from hybrid_rg.runtime.ledger import Ledger
    from hybrid_rg.testing.fake_provider import FakeRemoteDevice

    provider = FakeRemoteDevice(workdir / "provider")
    tasks = provider.tasks()
    with Ledger(ledger_url, readonly=True) as led:
        entries = records.select(led.conn)
        # 'recovered': an intent a killed worker left without its task id, found on the provider by its key
        events = dict(led.conn.execute("SELECT event, COUNT(*) FROM events GROUP BY event").fetchall())
    study = optuna.load_study(study_name=camp["name"], storage=url)
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    committed = sum(e.cost_estimate_usd for e in entries if e.state != "REJECTED")
    told_own = sum(
        1
        for t in complete
        if t.user_attrs.get("task_ids")
        and set(t.user_attrs["task_ids"]) <= {e.task_id for e in entries if e.batch == t.user_attrs["batch"]}
    )
    counters = provider.counters()
    return {
        **provider_vs_ledger(tasks, entries),
        "calls_minus_token_hits": counters.get("submit_calls", 0) - counters.get("token_hits", 0),
        "cap_usd": camp["cap"],
        "provider_bill_usd": round(len(tasks) * PER_TASK_USD, 2),
        "ledger_committed_usd": round(committed, 2),
        "budget_overruns": int(len(tasks) * PER_TASK_USD > camp["cap"] + 1e-9) + int(committed > camp["cap"] + 1e-9),
        "trials": len(trials),
        "complete_trials": len(complete),
        "running_trials": sum(t.state == TrialState.RUNNING for t in trials),
        "waiting_trials": sum(t.state == TrialState.WAITING for t in trials),
        "failed_trials": sum(t.state == TrialState.FAIL for t in trials),
        "budget_refused_trials": sum(
            t.state == TrialState.FAIL and "budget" in t.user_attrs.get("fail_reason", "") for t in trials
        ),
        "complete_told_from_their_own_batch": told_own,
        "batches": len({e.batch for e in entries}),
        "complete_batches": len({t.user_attrs["batch"] for t in complete}),
        "workers_that_told": sorted({t.user_attrs["worker"] for t in complete}),
        "entries_not_completed": sum(e.state != "COMPLETED" for e in entries),
        "ledger_events": events,
    }


def find_secret(secret: str, workdir: Path, url: str, ledger_url: str, study_name: str, *texts: str) -> list[str]:
    """Where the password turned up: files under workdir, the given texts, rows of the ledger and study tables."""
    import sqlalchemy

    from hybrid_rg.runtime.ledger_pg import parse_url

    found = [str(p) for p in Path(workdir).rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    found += [f"text {k}" for k, t in enumerate(texts) if secret in t]
    _, schema, _ = parse_url(ledger_url)
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as c:
        tables = [
            (s, t)
            for s, t in c.execute(
                sqlalchemy.text(
                    "SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_schema IN ('public', :s)"
                ),
                {"s": schema},
            )
        ]
        for s, t in tables:
            hits = c.execute(
                sqlalchemy.text(f'SELECT COUNT(*) FROM "{s}"."{t}" x WHERE x::text LIKE :p'), {"p": f"%{secret}%"}
            ).scalar()
            if hits:
                found.append(f"table {s}.{t} ({hits} rows)")
    engine.dispose()
    return found


if __name__ == "__main__":
    import argparse
    import tempfile
    import warnings

    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--time-budget-s", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--n-trials", type=int, default=48)
    ap.add_argument("--paid-trials", type=int, default=40)
    ap.add_argument("--workdir", default=None, help="keep the workers' folders here (default: a temporary one)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        print(
            json.dumps(
                run_kills(
                    Path(a.workdir or d),
                    os.environ["HYBRID_RG_POSTGRES_URL"],
                    a.kills,
                    time_budget_s=a.time_budget_s,
                    seed=a.seed,
                    workers=a.workers,
                    n_trials=a.n_trials,
                    paid_trials=a.paid_trials,
                ),
                indent=1,
            )
        )
