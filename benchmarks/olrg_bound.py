"""The OLRG certificate before and after: bound/|exact|, error/|exact| and estimate/error over T.

Loads the trained maps of a finished run (`hybrid-rg run SPEC --out RUN`; its checkpoints/K*_T*.pt and .json) and
recomputes, for every point, the original Dyson bound (uncapped sum of per-scale min(trivial, Dyson): the
bound before the light-cone form), the new bound (light-cone form, sharper Dyson remainder, trivial caps) and the error
estimate. Prints one table row per T and a JSON summary line.

    python benchmarks/olrg_bound.py experiments/olrg/order2_warm.toml RUN [--max-dim 128] [--lc-grid 41]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from hybrid_rg.olrg.bound import flow_bound
from hybrid_rg.olrg.experiment import _key, _load_into, first_block, make_map, site_model
from hybrid_rg.olrg.flow import run_flow
from hybrid_rg.olrg.spec import load_spec
from hybrid_rg.utils.checkpoints import load_checkpoint


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("run")
    ap.add_argument("--max-dim", type=int, default=128)
    ap.add_argument("--lc-grid", type=int, default=41)
    args = ap.parse_args()
    torch.set_num_threads(1)  # shared 2-core machine: one thread per process is fastest under load
    spec = load_spec(args.spec)
    site = site_model(spec)
    first = first_block(spec, site)
    N = spec.target.N
    folder = Path(args.run) / "checkpoints"
    print(
        f"{'K':>2} {'T':>5} {'exact':>9} {'err/|ex|':>9} {'old/|ex|':>9} {'new/|ex|':>9} {'est/err':>8} "
        f"{'L':>10} {'old s':>6} {'new s':>6}"
    )
    rows = []
    for K in spec.training.orders:
        for T in spec.times.T:
            key = _key(K, T)
            if not (folder / f"{key}.pt").exists():
                continue
            point = json.loads((folder / f"{key}.json").read_text())
            opmap = make_map(spec, site, T)
            _load_into(opmap, first, site, N, load_checkpoint(folder / f"{key}.pt"))
            with torch.no_grad():
                flow = run_flow(first, site, N, opmap)
                p = float(flow.prediction(T))
                t0 = time.perf_counter()
                old = flow_bound(
                    flow.pairs, site, N, T, K, spec.bound.n_grid, spec.bound.max_tuples, flow.terminal, lightcone=False
                )
                t1 = time.perf_counter()
                new = flow_bound(
                    flow.pairs,
                    site,
                    N,
                    T,
                    K,
                    spec.bound.n_grid,
                    spec.bound.max_tuples,
                    flow.terminal,
                    p,
                    max_dim=args.max_dim,
                    lc_grid=args.lc_grid,
                )
                t2 = time.perf_counter()
            ex = point["exact"]
            err = abs(p - ex)
            assert new.value >= err and old.value >= err, (T, new.value, old.value, err)
            row = dict(
                K=K,
                T=T,
                exact=ex,
                err=err,
                old=old.value,
                new=new.value,
                estimate=new.estimate,
                old_s=t1 - t0,
                new_s=t2 - t1,
                L=[s.env_sites for s in new.scales],
            )
            rows.append(row)
            print(
                f"{K:2d} {T:5.2f} {ex:9.5f} {err / abs(ex):9.2e} {old.value / abs(ex):9.2e} "
                f"{new.value / abs(ex):9.2e} {new.estimate / err:8.3f} {''.join(map(str, row['L'])):>10} "
                f"{t1 - t0:6.1f} {t2 - t1:6.1f}",
                flush=True,
            )
    ratios = sorted(r["estimate"] / r["err"] for r in rows)
    inside = sum(1 / 3 <= q <= 10 for q in ratios)
    print(
        json.dumps(
            {
                "points": len(rows),
                "estimate_within_1/3_10": inside,
                "estimate_ratio_min": ratios[0],
                "estimate_ratio_max": ratios[-1],
                "max_new_rel_bound_T_le_1": max(r["new"] / abs(r["exact"]) for r in rows if r["T"] <= 1 + 1e-9),
                "max_old_rel_bound_T_le_1": max(r["old"] / abs(r["exact"]) for r in rows if r["T"] <= 1 + 1e-9),
            }
        )
    )


if __name__ == "__main__":
    main()
