"""How many threads torch and the BLAS/OpenMP libraries may use in the `hybrid-rg` commands (HYBRID_RG_THREADS,
default 1).

Our matrices are small (χ ≤ 64, 2^k-state maps): intra-op threads cost more in synchronisation than they save,
and on a shared 2-core machine they were measured 15–30× slower. OpenBLAS threads did the same to
`scipy.linalg.schur` in the free-fermion solver: `hybrid-rg exact --n 400` took 75–141 s with the default threads
and 25–31 s with one. Set HYBRID_RG_THREADS=0 to keep every library's default.

`limit_threads()` works whether or not the libraries are loaded yet: a library not yet loaded reads the standard
environment variables when it loads (set here unless the user set them), one already loaded is limited through
threadpoolctl, and torch through `torch.set_num_threads`.
"""

from __future__ import annotations

import os
import sys

_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def _wanted() -> int:
    return int(os.environ.get("HYBRID_RG_THREADS", "1"))


def limit_threads() -> None:
    """Limit torch's and the BLAS/OpenMP libraries' threads to HYBRID_RG_THREADS (default 1; 0 = leave them)."""
    n = _wanted()
    if n <= 0:
        return
    for var in _ENV:
        os.environ.setdefault(var, str(n))
    if any(m in sys.modules for m in ("numpy", "scipy", "torch")):
        from threadpoolctl import threadpool_limits

        threadpool_limits(n)  # the BLAS and OpenMP pools already loaded, for this process
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def limit_torch_threads() -> None:
    """Import torch and limit it (and BLAS) to HYBRID_RG_THREADS: the commands call this before torch work."""
    import torch  # noqa: F401  (loaded here so that limit_threads sets it)

    limit_threads()
