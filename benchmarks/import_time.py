"""How long `import hybrid_rg` (with operators and exact) takes in a fresh interpreter; target < ~2 s.

Prints JSON: the median of 5 fresh-process imports, beside `import numpy` and `import scipy.sparse` as peers.
"""

import json
import statistics
import subprocess
import sys


def fresh_import_seconds(stmt: str, repeats: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(repeats)]
    return statistics.median(runs)


if __name__ == "__main__":
    print(json.dumps({
        "hybrid_rg": round(fresh_import_seconds("import hybrid_rg"), 3),
        "hybrid_rg.operators+exact": round(fresh_import_seconds("import hybrid_rg.operators, hybrid_rg.exact"), 3),
        "peer numpy": round(fresh_import_seconds("import numpy"), 3),
        "peer scipy.sparse": round(fresh_import_seconds("import scipy.sparse"), 3),
    }, indent=2))
