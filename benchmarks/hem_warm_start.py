"""HEM warm start against a cold start: iterations to reach a loss target.

A van der Waals HEM (PWL pulses inside Aquila's limits at 13 µm, terminal) is trained at T_prev, then at T from
(a) its own initialisation (cold) and (b) the T_prev map (warm, what `hybrid-rg run --init-from` and
`training.warm_start` do). Both run the same optimiser with the same seed until the loss target or the iteration
cap. Prints one JSON line per T with the iterations each needed and their loss curves' endpoints.

    python benchmarks/hem_warm_start.py [--N 4] [--T 0.6 1.0 1.4] [--target 1e-3] [--cap 150]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from hybrid_rg.olrg.block import SiteModel, exact_block
from hybrid_rg.olrg.experiment import make_hem
from hybrid_rg.olrg.flow import run_flow
from hybrid_rg.olrg.loss import LossConfig
from hybrid_rg.olrg.spec import DeviceSection, MapSpec
from hybrid_rg.olrg.trainer import train
from hybrid_rg.operators import PauliExpr
from hybrid_rg.utils.threads import limit_torch_threads

MAP = MapSpec(
    kind="hem",
    interaction="vdw",
    control="pwl",
    n_knots=8,
    learn_positions=True,
    min_gap=0.7,
    max_gap=1.4,
    terminal=True,
)
DEVICE = DeviceSection(profile="quera_aquila", spacing_um=13.0)


def fit(first, site, N, T, state, target, cap):
    hem = make_hem(MAP, DEVICE, T, seed=0)
    with torch.no_grad():
        run_flow(first, site, N, hem)
    if state is not None:
        hem.load_state_dict(state)
    cfg = LossConfig(T=T, K=2, n_steps=12, n_samples=16, substeps=2)
    t0 = time.perf_counter()
    r = train(first, site, N, hem, cfg, iterations=cap, lr=0.02, loss_target=target, seed=0)
    return hem, r, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--N", type=int, default=4)
    ap.add_argument("--T", type=float, nargs="+", default=[0.6, 1.0, 1.4])
    ap.add_argument("--step", type=float, default=0.2, help="warm start from the map trained at T - step")
    ap.add_argument("--target", type=float, default=1e-3)
    ap.add_argument("--cap", type=int, default=150)
    args = ap.parse_args()
    limit_torch_threads()
    site = SiteModel.tfim(J=-1.0, h=1.0)
    first = exact_block(site, 2, PauliExpr.term(2, "ZZ", (0, 1), 0.25))
    for T in args.T:
        prev, _, _ = fit(first, site, args.N, T - args.step, None, args.target, args.cap)
        _, cold, t_cold = fit(first, site, args.N, T, None, args.target, args.cap)
        _, warm, t_warm = fit(first, site, args.N, T, prev.state_dict(), args.target, args.cap)
        print(
            json.dumps(
                {
                    "N": args.N,
                    "T": T,
                    "from_T": round(T - args.step, 6),
                    "loss_target": args.target,
                    "cold_iterations": len(cold.losses),
                    "cold_reached": cold.stopped_early,
                    "cold_first_loss": cold.losses[0],
                    "cold_best_loss": min(cold.losses),
                    "warm_iterations": len(warm.losses),
                    "warm_reached": warm.stopped_early,
                    "warm_first_loss": warm.losses[0],
                    "warm_best_loss": min(warm.losses),
                    "cold_seconds": round(t_cold, 1),
                    "warm_seconds": round(t_warm, 1),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
