"""Start-up cost in fresh interpreters: `import hybrid_rg` (with operators and exact) and the `hybrid-rg` command.

Prints JSON: medians of 5 fresh processes each, beside the peers `import numpy`, `import scipy.sparse` and an empty
interpreter (`python -c pass`). The command line is measured end to end (`hybrid-rg --help`, and a bad-input error,
which must answer as fast as --help: it exits before any numerics). Compare the ratios to `python -c pass`: on a
loaded machine every absolute time grows, the ratios much less. Target: `--help` under 0.5 s on an idle machine.
"""

import json
import os
import statistics
import subprocess
import sys
import time

REPEATS = 5


def fresh_import_seconds(stmt: str, repeats: int = REPEATS) -> float:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(repeats)
    ]
    return statistics.median(runs)


def process_seconds(argv: list[str], repeats: int = REPEATS) -> float:
    """Wall time of a whole process, interpreter start included (what a user waits for)."""
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=os.environ.copy())
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


if __name__ == "__main__":
    empty = process_seconds(["-c", "pass"])
    cli_help = process_seconds(["-m", "hybrid_rg.cli", "--help"])
    bad_input = process_seconds(["-m", "hybrid_rg.cli", "validate", "/nonexistent/program.json"])
    print(
        json.dumps(
            {
                "hybrid_rg": round(fresh_import_seconds("import hybrid_rg"), 3),
                "hybrid_rg.operators+exact": round(
                    fresh_import_seconds("import hybrid_rg.operators, hybrid_rg.exact"), 3
                ),
                "peer numpy": round(fresh_import_seconds("import numpy"), 3),
                "peer scipy.sparse": round(fresh_import_seconds("import scipy.sparse"), 3),
                "process python -c pass": round(empty, 3),
                "process hybrid-rg --help": round(cli_help, 3),
                "process hybrid-rg bad input (validate, missing file)": round(bad_input, 3),
                "ratio --help / python -c pass": round(cli_help / empty, 1),
                "ratio bad input / python -c pass": round(bad_input / empty, 1),
                "load average (1 min)": round(os.getloadavg()[0], 2),
            },
            indent=2,
        )
    )
