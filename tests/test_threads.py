"""`limit_threads`: BLAS/OpenMP pools and torch limited to HYBRID_RG_THREADS, before or after they are loaded."""

import subprocess
import sys

CODE = """
import os
os.environ.pop("OPENBLAS_NUM_THREADS", None); os.environ.pop("OMP_NUM_THREADS", None)
os.environ["HYBRID_RG_THREADS"] = "1"
from hybrid_rg.utils.threads import limit_threads
if {before}:
    limit_threads()                      # nothing loaded yet: the environment does it
import numpy, scipy.linalg, threadpoolctl
if not {before}:
    limit_threads()                      # already loaded: threadpoolctl does it
print(sorted({{p["num_threads"] for p in threadpoolctl.threadpool_info()}}))
"""


def test_blas_threads_are_limited_whether_loaded_before_or_after():
    for before in (True, False):
        out = subprocess.run(
            [sys.executable, "-c", CODE.format(before=before)], capture_output=True, text=True, check=True
        ).stdout
        assert out.strip() == "[1]", (before, out)
