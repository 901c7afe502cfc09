"""How many threads torch may use in the `hybrid-rg` commands (HYBRID_RG_THREADS, default 1).

Our matrices are small (χ ≤ 64, 2^k-state maps): intra-op threads cost more in synchronisation than they save,
and on a shared 2-core machine they were measured 15–30× slower. Set HYBRID_RG_THREADS=0 to keep torch's default.
"""

from __future__ import annotations

import os


def limit_torch_threads() -> None:
    import torch

    n = int(os.environ.get("HYBRID_RG_THREADS", "1"))
    if n > 0:
        torch.set_num_threads(n)
