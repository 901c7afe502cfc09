"""`run_workers` collects one report per worker process; a worker that dies without one (killed, out of memory, or
a user's script that spawn cannot import) is an error naming its exit code, not a parent waiting forever."""

import multiprocessing as mp
import os

from hybrid_rg.calibration.workers import _results


def test_a_worker_that_dies_without_reporting_is_an_error_not_a_hang():
    ctx = mp.get_context("spawn")  # as run_workers starts them; stdlib targets, so a child imports nothing heavy
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=queue.put, args=((0, "outcome 0", None),)),
        ctx.Process(target=os._exit, args=(3,)),
        ctx.Process(target=queue.put, args=((2, "outcome 2", None),)),
    ]
    for p in procs:
        p.start()
    results = sorted(_results(procs, queue), key=lambda r: r[0])
    for p in procs:
        p.join()
    assert results == [
        (0, "outcome 0", None),
        (1, None, "exited with code 3 without reporting"),
        (2, "outcome 2", None),
    ]
