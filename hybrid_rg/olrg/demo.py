"""The OLRG flow of `hybrid-rg demo`: the paper's benchmark (TFIM J = h = 1, ⟨S^z_0 S^z_1⟩(t) from |0…0⟩) at
N = 10 from an exact 4-site block, χ = 8, RDM-initialised linear isometries (untrained, so it takes seconds),
with the rigorous order-2 error bound, beside the exact values at the same times."""

from __future__ import annotations

import numpy as np

from ..exact.olrg_benchmark import TIMES, ZZ01
from .block import SiteModel, exact_block
from .omm import LinearIsometryMap
from .predict import predict

DEMO_TIMES = (0.3, 0.5, 1.0, 2.0)  # points of the exact table's grid (exact.olrg_benchmark.TIMES)


def olrg_demo(exact_n10: np.ndarray) -> dict[str, np.ndarray]:
    """Columns T, olrg, exact, bound at DEMO_TIMES; `exact_n10` is the N = 10 exact curve on TIMES."""
    site = SiteModel.tfim(1.0, 1.0)
    first = exact_block(site, 4, ZZ01.operator(4) * 0.25)
    rows: dict[str, list[float]] = {"T": [], "olrg": [], "exact": [], "bound": []}
    for T in DEMO_TIMES:
        opmap = LinearIsometryMap(8, init="rdm", site=site, T=T)
        p = predict(first, site, 10, opmap, T, K=2, n_grid=21, max_tuples=400)
        rows["T"].append(T)
        rows["olrg"].append(p.value)
        rows["exact"].append(float(exact_n10[int(np.argmin(np.abs(TIMES - T)))]))
        rows["bound"].append(p.bound)
    return {k: np.array(v) for k, v in rows.items()}
