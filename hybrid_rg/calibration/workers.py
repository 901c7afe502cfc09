"""Several worker processes on one campaign (an RDB storage such as PostgreSQL; SQLite is refused).

The parent opens the campaign once (so the warm start is scored and enqueued once), then starts `workers`
processes (spawned, not forked: each opens its own database connections) that run `run_campaign` with worker
index k: sampler seed = campaign seed + k, recorded in every trial. They share the ledger (a SQLite file on one host,
where BEGIN IMMEDIATE serialises them, or a PostgreSQL URL, where the budget lock row does, on any number of hosts)
and the study; the study's RUNNING count keeps them from asking past n_trials.
"""

from __future__ import annotations

import multiprocessing as mp

from .campaign import Outcome, run_campaign
from .spec import CampaignSpec
from .study import open_campaign


def _worker(cspec: CampaignSpec, root: str, ledger_path: str, worker: int, workers: int, queue) -> None:
    from ..utils.threads import limit_torch_threads

    limit_torch_threads()
    try:
        out = run_campaign(
            cspec, root=root, ledger_path=ledger_path, worker=worker, workers=workers, log=lambda msg: None
        )
        queue.put((worker, out, None))
    except BaseException as err:  # reported by the parent, with the worker's index
        queue.put((worker, None, f"{type(err).__name__}: {err}"))


def run_workers(cspec: CampaignSpec, *, root, ledger_path, workers: int) -> list[Outcome]:
    if workers < 2:
        return [run_campaign(cspec, root=root, ledger_path=ledger_path)]
    open_campaign(cspec, root, workers=workers).close()  # create + warm start, once
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(cspec, str(root), str(ledger_path), k, workers, queue))
        for k in range(workers)
    ]
    for p in procs:
        p.start()
    results = _results(procs, queue)
    for p in procs:
        p.join()
    errors = [f"worker {k}: {err}" for k, _, err in results if err]
    if errors:
        raise RuntimeError("; ".join(errors))
    return [out for _, out, _ in sorted(results, key=lambda r: r[0])]


def _results(procs, queue) -> list[tuple]:
    """One (worker, outcome, error) per worker. A worker that dies without reporting (killed, out of memory, or a
    script without `if __name__ == "__main__":` that spawn cannot import) is reported as an error naming its exit
    code; a bare `queue.get()` would wait for it forever."""
    import queue as queue_mod

    results: dict[int, tuple] = {}
    while len(results) < len(procs):
        try:
            r = queue.get(timeout=1.0)
            results[r[0]] = r
            continue
        except queue_mod.Empty:
            pass
        for k, p in enumerate(procs):
            if k not in results and p.exitcode is not None:
                try:  # a worker flushes its report before it exits: read what is there before calling it silent
                    r = queue.get(timeout=5.0)
                    results[r[0]] = r
                except queue_mod.Empty:
                    results[k] = (k, None, f"exited with code {p.exitcode} without reporting")
    return list(results.values())
