"""Campaign throughput with 1, 2 and 4 workers sharing a PostgreSQL study and ledger (issue #21): trials per minute.

    HYBRID_RG_POSTGRES_URL=postgresql+psycopg2://... .venv/bin/python benchmarks/ledger_workers.py [--trials 12]
    .venv/bin/python benchmarks/ledger_workers.py         # starts and stops a throwaway server (.ci/postgres.sh)

Each run is a fresh campaign (the HEM smoke experiment on the fake paid device, 200 shots a trial, a budget cap
that does not bind) started by N worker processes, each in its own folder, sharing only the two database URLs, as
tests/calibration/pg_killharness.py sets them up, without kills. The clock runs from the workers' start to the last
one's exit; trials per minute = complete trials / that time. The workers build each trial's program (a few hundred
ms of torch per trial) and wait on the provider's fake queue (1 s, plus 0.3 s before a new task's id returns): the
waits overlap across workers, the torch work scales with the cores the machine gives them, so the figures say as
much about the machine (cores, load) as about the ledger; the load average is printed with them.
Measured (2 cores, load about 2, 24 trials): 50 / 93 / 132 trials per minute with 1 / 2 / 4 workers; with the
machine loaded by other jobs (load 9, an earlier provider queue of 0.3 s, 12 trials): 39 / 34 / 29.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run(url: str, workers: int, trials: int, folder: Path) -> dict:
    import uuid

    from tests.calibration import pg_killharness as h
    from tests.killcore import wait

    ledger_url = f"{url}?schema=bench_{uuid.uuid4().hex[:8]}"
    camp = h.setup(folder, url, workers=workers, n_trials=trials, paid_trials=trials)
    h.SERVER.warm()  # the forkserver's imports are not part of the clock
    t0 = time.monotonic()
    procs = [h.start(camp["folders"][k], ledger_url, k, workers, 0, "") for k in range(workers)]
    codes = [wait(p, 1800) for p in procs]
    wall = time.monotonic() - t0
    fig = h.audit(camp, folder, url, ledger_url)
    return {
        "workers": workers,
        "exit_codes": codes,
        "complete_trials": fig["complete_trials"],
        "wall_s": round(wall, 1),
        "trials_per_minute": round(60 * fig["complete_trials"] / wall, 2),
        "provider_tasks": fig["provider_tasks"],
        "duplicate_submissions": fig["duplicate_submissions"],
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=12)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    url, started = os.environ.get("HYBRID_RG_POSTGRES_URL"), None
    if not url:
        out = subprocess.run(
            [str(ROOT / ".ci" / "postgres.sh"), "start"], check=True, capture_output=True, text=True
        ).stdout
        env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
        url, started = env["HYBRID_RG_POSTGRES_URL"], env["HYBRID_RG_PG_DIR"]
    try:
        rows = []
        for n in a.workers:
            with tempfile.TemporaryDirectory() as d:
                rows.append(run(url, n, a.trials, Path(d)))
                print(json.dumps(rows[-1]), flush=True)
        print(json.dumps({"trials_per_minute": {r["workers"]: r["trials_per_minute"] for r in rows}}))
    finally:
        if started:
            subprocess.run([str(ROOT / ".ci" / "postgres.sh"), "stop", started], check=False)


if __name__ == "__main__":
    main()
