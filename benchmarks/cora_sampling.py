"""CORA exact sampling vs Swendsen–Wang at T_c on L×L tori: seconds per independent configuration (JSON).

    .venv/bin/python benchmarks/cora_sampling.py [--sides 32 64] [--n 2000]

A CORA's sampling cost does not depend on its trained values, so a seeded random model of the same geometry
(chi = 2, top learned, single top site) is timed. Swendsen–Wang samples are correlated: its cost per independent
configuration is (seconds per sweep) × 2 τ_int(energy), with τ_int measured on the same run.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from hybrid_rg.cora.geometry import Geometry
from hybrid_rg.cora.ising import T_C, SwendsenWang, energy_per_site, integrated_autocorrelation_time
from hybrid_rg.cora.model import Cora
from hybrid_rg.cora.sampling import sample


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sides", type=int, nargs="+", default=[32, 64])
    p.add_argument("--n", type=int, default=2000)
    args = p.parse_args()
    torch.set_num_threads(1)
    rows = []
    for L in args.sides:
        model = Cora(Geometry(2, L, int(np.log2(L))), chi=2, top="learned", seed=0)
        sample(model, 10, seed=0)  # warm-up
        t0 = time.perf_counter()
        sample(model, args.n, seed=1)
        cora = (time.perf_counter() - t0) / args.n
        sw = SwendsenWang(L, 1.0 / T_C, seed=0)
        spins = sw.run(200, thermalize=200)
        t0 = time.perf_counter()
        spins = sw.run(args.n, thermalize=0)
        per_sweep = (time.perf_counter() - t0) / args.n
        tau = integrated_autocorrelation_time(energy_per_site(spins))
        rows.append(
            {
                "side": L,
                "cora_s_per_sample": cora,
                "sw_s_per_sweep": per_sweep,
                "sw_tau_int_energy": tau,
                "sw_s_per_independent_sample": per_sweep * 2 * tau,
                "ratio_sw_over_cora": per_sweep * 2 * tau / cora,
            }
        )
    print(json.dumps({"benchmark": "cora_sampling", "T": T_C, "n": args.n, "torch_threads": 1, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
