"""Per-step times of OLRG training: one Adam step of the OMM on the paper's case, with the static
propagators from matrix_exp (before) and from the Daleckii–Krein hermitian_expm (after); one CF4 Taylor
exponential batch (64 × 64×64, forward+backward) and one Adam step of the N = 6 HEM (before: Horner, degree ≤ 12;
after: Paterson–Stockmeyer).

    python benchmarks/olrg_step_time.py [--steps 10] [--repeat 5] [--hem-steps 3]

Times are medians (this machine is shared; medians of a few repeats are what is comparable).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from hybrid_rg.olrg import LinearIsometryMap, LossConfig, SiteModel, evolution, exact_block
from hybrid_rg.olrg.trainer import flow_loss
from hybrid_rg.operators import PauliExpr


def _median_step_time(first, site, N: int, model, cfg, steps: int, lr: float) -> float:
    """Median wall time of one Adam step of the flow loss (one untimed forward first, to warm caches)."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        flow_loss(first, site, N, model, cfg, gen)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        flow_loss(first, site, N, model, cfg, gen).backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def adam_step_time(steps: int, expm) -> float:
    evolution.hermitian_expm = expm
    site = SiteModel.tfim(1.0, 1.0)
    first = exact_block(site, 4, PauliExpr.term(4, "ZZ", (0, 1), 0.25))
    opmap = LinearIsometryMap(8, init="rdm", site=site, T=1.0, n_steps=10)
    cfg = LossConfig(T=1.0, K=2, n_steps=10, n_samples=20)
    return _median_step_time(first, site, 10, opmap, cfg, steps, lr=3e-3)


def hem_step_time(steps: int, expm) -> float:
    """One Adam step of the width figure's HEM at N = 6 (hem_width6.toml: nearest-neighbour, MLP width 6, depth 4,
    K = 2, 16 grid steps, 20 samples) at T = 1, with the CF4 exponential `expm`."""
    from hybrid_rg.olrg.hem import DeviceFamily, HamiltonianExpressionMap

    evolution.expm_taylor = expm
    site = SiteModel.tfim(-1.0, 1.0)
    first = exact_block(site, 2, PauliExpr.term(2, "ZZ", (0, 1), 0.25))
    hem = HamiltonianExpressionMap(1.0, DeviceFamily(interaction="nearest"), control="mlp", width=6, depth=4, seed=0)
    cfg = LossConfig(T=1.0, K=2, n_steps=16, n_samples=20)
    return _median_step_time(first, site, 6, hem, cfg, steps, lr=2e-2)


def taylor_time(fn, repeat: int, D: int = 64, batch: int = 64) -> float:
    g = torch.Generator().manual_seed(0)
    A = torch.randn(batch, D, D, dtype=torch.complex128, generator=g)
    A = -1j * 0.02 * (A + A.conj().transpose(-1, -2)) / 2  # a CF4 step's exponent: −i dt H, ‖·‖₁ ≲ 1/2
    times = []
    for _ in range(repeat):
        X = A.clone().requires_grad_(True)
        t0 = time.perf_counter()
        fn(X).real.sum().backward()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--hem-steps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    from hybrid_rg.olrg.expm import hermitian_expm

    old = lambda H, t: torch.linalg.matrix_exp(-1j * torch.as_tensor(t, dtype=torch.float64)[:, None, None] * H)
    out = {
        "omm_adam_step_s": {
            "matrix_exp": adam_step_time(args.steps, old),
            "daleckii_krein": adam_step_time(args.steps, hermitian_expm),
        }
    }
    evolution.hermitian_expm = hermitian_expm
    ps, horner = evolution.expm_taylor, evolution.expm_taylor_horner
    out["taylor_fwd_bwd_s"] = {
        "horner": taylor_time(horner, args.repeat),
        "paterson_stockmeyer": taylor_time(ps, args.repeat),
    }
    out["hem_adam_step_s"] = {
        "horner": hem_step_time(args.hem_steps, horner),
        "paterson_stockmeyer": hem_step_time(args.hem_steps, ps),
    }
    evolution.expm_taylor = ps
    print(json.dumps(out))


if __name__ == "__main__":
    main()
