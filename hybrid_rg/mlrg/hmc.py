"""HMC sampler of teacher couplings with p(J) ∝ exp(−β |∇C(J)|²), replica exchange, and β annealing (paper Sec. II).

Why: training the moderator on Gaussian teachers wastes samples far from the critical manifold; the paper draws
teachers where the flow is slow (|∇C| small), i.e. near fixed points and the critical surface. The authors' code
uses |∇C| (not squared) and no replica exchange (notes §0.2); this module follows the paper.

- `hmc_sweep`: leapfrog (unit mass, step `dt`, `n_leap` steps) and a Metropolis test per chain;
- replicas r = 0..R−1 at inverse temperatures β_r (geometric ladder up to β), each with its own chains; after every
  sweep neighbouring replicas propose to swap configurations with acceptance min(1, e^{(β_i − β_j)(U_i − U_j)});
- annealing: the whole ladder is scaled from `beta_start` to `beta` over the sweeps (geometric schedule).
U is any batched energy (e.g. `gradC_energy(model)`); its gradient comes from autograd. All randomness from `seed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

Energy = Callable[[torch.Tensor], torch.Tensor]


def gradC_energy(model) -> Energy:
    """U(J) = |∇C(J)|² for a monotone network (batched J → (batch,))."""
    return lambda J: (model.grad(J, create_graph=True) ** 2).sum(-1)


def _grad_u(U: Energy, J: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.enable_grad():
        Jg = J.detach().requires_grad_(True)
        u = U(Jg)
        (g,) = torch.autograd.grad(u.sum(), Jg)
    return u.detach(), g.detach()


def hmc_sweep(
    U: Energy, J: torch.Tensor, beta: torch.Tensor, dt: float, n_leap: int, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """One HMC update of every chain; beta broadcasts over chains. Returns (J, accepted mask)."""
    p = torch.randn(J.shape, generator=gen, dtype=J.dtype)
    u0, g = _grad_u(U, J)
    h0 = beta * u0 + 0.5 * (p * p).sum(-1)
    b = beta[..., None] if beta.dim() else beta
    q = J.clone()
    p = p - 0.5 * dt * b * g
    for i in range(n_leap):
        q = q + dt * p
        u, g = _grad_u(U, q)
        if i < n_leap - 1:
            p = p - dt * b * g
    p = p - 0.5 * dt * b * g
    h1 = beta * u + 0.5 * (p * p).sum(-1)
    log_acc = torch.nan_to_num(h0 - h1, nan=-np.inf)
    accept = torch.log(torch.rand(log_acc.shape, generator=gen, dtype=J.dtype)) < log_acc
    return torch.where(accept[..., None], q, J), accept


@dataclass(frozen=True)
class HMCResult:
    samples: torch.Tensor  # (chains, c) from the coldest replica (β_max) after the last sweep
    trace: torch.Tensor  # (kept sweeps, chains, c) coldest-replica history after burn-in
    accept_rate: tuple[float, ...]  # per replica
    swap_rate: tuple[float, ...]  # per neighbouring pair
    betas: tuple[float, ...]  # final ladder


def sample_couplings(
    U: Energy,
    n_params: int,
    *,
    beta: float = 10.0,
    beta_start: float | None = None,
    replicas: int = 4,
    ladder_ratio: float = 0.5,
    chains: int = 64,
    sweeps: int = 200,
    burn_in: int = 100,
    dt: float = 0.05,
    n_leap: int = 16,
    init_scale: float = 1.0,
    seed: int = 0,
) -> HMCResult:
    """Replica-exchange HMC for p(J) ∝ exp(−β U(J)); ladder β_r = β ladder_ratio^r, annealed from beta_start."""
    if replicas < 1 or chains < 1 or sweeps < 1 or not 0 <= burn_in < sweeps:
        raise ValueError(
            f"replicas={replicas}, chains={chains}, sweeps={sweeps}, burn_in={burn_in}: need replicas, "
            "chains, sweeps >= 1 and 0 <= burn_in < sweeps"
        )
    gen = torch.Generator().manual_seed(seed)
    ladder = beta * ladder_ratio ** np.arange(replicas)
    J = init_scale * torch.randn(replicas, chains, n_params, generator=gen, dtype=torch.float64)
    acc = np.zeros(replicas)
    swaps, tries = np.zeros(max(replicas - 1, 1)), np.zeros(max(replicas - 1, 1))
    trace = []
    b0 = beta if beta_start is None else beta_start
    for s in range(sweeps):
        frac = min(1.0, s / max(1, burn_in))  # anneal during burn-in, then sample at the target ladder
        betas = torch.tensor(ladder * (b0 / beta) ** (1 - frac), dtype=torch.float64)
        J, a = hmc_sweep(U, J, betas[:, None], dt, n_leap, gen)
        acc += a.double().mean(1).numpy()
        if replicas > 1:
            u = U(J.reshape(-1, n_params)).detach().reshape(replicas, chains)
            for r in range(s % 2, replicas - 1, 2):  # alternate even/odd pairs
                log_a = (betas[r] - betas[r + 1]) * (u[r] - u[r + 1])
                ok = torch.log(torch.rand(chains, generator=gen, dtype=torch.float64)) < log_a
                Jr, Jn = J[r].clone(), J[r + 1].clone()
                J[r] = torch.where(ok[:, None], Jn, Jr)
                J[r + 1] = torch.where(ok[:, None], Jr, Jn)
                swaps[r] += float(ok.double().mean())
                tries[r] += 1
        if s >= burn_in:
            trace.append(J[0].clone())
    return HMCResult(
        J[0],
        torch.stack(trace),
        tuple(acc / sweeps),
        tuple(swaps / np.maximum(tries, 1)) if replicas > 1 else (),
        tuple(float(b) for b in betas),
    )
