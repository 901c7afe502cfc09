"""Teacher → student training by contrastive divergence (CD-k) on block-Gibbs samples, as in the paper.

The exact-KL mode (kl.py) is the deterministic truth; this is the stochastic route the authors' code takes:
1. data: visible corner spins of the teacher drawn by block Gibbs sampling (hidden edge spins | corners, corners |
   edge spins), `sweeps` sweeps from uniform random states, chains not persistent (authors' `sample_tgt`);
2. the student's log-likelihood gradient is estimated as ⟨∂F⟩_data − ⟨∂F⟩_k with F(x) = log Σ_z e^{−E(x,z)} the
   (analytic) free energy and the negative samples x_k from k Gibbs sweeps of the student started at the data.
Hidden fields are linear in J (h = M(J) x), so both samplers are two matrix products per sweep; all randomness flows
from one explicit torch.Generator.
"""

from __future__ import annotations

import torch

from .kl import Pair
from .monotone import Monotone
from .rbm import Block, logcosh2


def _spin(p_up: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    return torch.where(torch.rand(p_up.shape, generator=gen, dtype=p_up.dtype) < p_up, 1.0, -1.0).to(p_up.dtype)


def gibbs_visible(
    block: Block, J: torch.Tensor, n: int, sweeps: int, gen: torch.Generator, x0: torch.Tensor | None = None
) -> torch.Tensor:
    """(…, n, 4d) visible samples; J may be batched (…, c). Starts from uniform random spins unless x0 is given."""
    M = block.field_matrix(J.detach())  # (…, nh, nv): h = M x, E = −zᵀ M x
    if x0 is None:
        x = _spin(torch.full((*J.shape[:-1], n, block.n_visible), 0.5, dtype=torch.float64), gen)
    else:
        x = x0.detach().clone()
    for _ in range(sweeps):
        h = x @ M.transpose(-1, -2)
        z = _spin(torch.sigmoid(2 * h), gen)
        x = _spin(torch.sigmoid(2 * (z @ M)), gen)
    return x


def free_energy(block: Block, J: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """F(x) = log Σ_z e^{−E(x, z)} (differentiable in J); J (…, c), x (…, n, 4d) → (…, n)."""
    return logcosh2(x @ block.field_matrix(J).transpose(-1, -2)).sum(-1)


def cd_loss(block: Block, J: torch.Tensor, data: torch.Tensor, k: int, gen: torch.Generator) -> torch.Tensor:
    """Surrogate whose gradient in J is the CD-k estimate of −∇ log-likelihood (mean over samples and batch)."""
    neg = gibbs_visible(block, J, data.shape[-2], k, gen, x0=data)
    return (free_energy(block, J, neg) - free_energy(block, J, data)).mean()


def train_student_cd(
    pair: Pair,
    J_tch: torch.Tensor,
    *,
    samples: int = 4000,
    sweeps: int = 50,
    k: int = 5,
    iterations: int = 300,
    lr: float = 0.02,
    seed: int = 0,
    init: torch.Tensor | None = None,
    average_last: int = 100,
) -> torch.Tensor:
    """Student couplings fitted to one teacher by CD-k (fresh teacher samples every iteration); returns the mean of
    the last `average_last` iterates (Polyak averaging, so the spread measures the estimator, not the last step)."""
    gen = torch.Generator().manual_seed(seed)
    Js = (J_tch.detach().clone() if init is None else init.detach().clone()).requires_grad_(True)
    opt = torch.optim.Adam([Js], lr=lr)
    tail = []
    for it in range(iterations):
        data = gibbs_visible(pair.teacher, J_tch, samples, sweeps, gen)
        loss = cd_loss(pair.student, Js, data, k, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if it >= iterations - average_last:
            tail.append(Js.detach().clone())
    return torch.stack(tail).mean(0)


def train_monotone_cd(
    pair: Pair,
    model: Monotone,
    *,
    iterations: int = 200,
    batch: int = 200,
    samples: int = 1000,
    sweeps: int = 20,
    k: int = 1,
    lr: float = 0.01,
    scale: float = 0.7,
    mode: str = "euler",
    seed: int = 0,
) -> list[float]:
    """The paper's Fig. 1 loop in CD mode (authors' A1 recipe by default: J_rbm ~ 1.4 N(0,1), i.e. J0 ~ 0.7 N;
    1000 Gibbs samples after 20 sweeps; CD-1; Adam 0.01; 200 iterations). Only θ is trained (training.py's loop)."""
    from .training import train_monotone

    def loss(J, Js, gen):
        data = gibbs_visible(pair.teacher, J, samples, sweeps, gen)
        return cd_loss(pair.student, Js, data, k, gen)

    return train_monotone(
        pair,
        model,
        loss,
        iterations=iterations,
        batch=batch,
        lr=lr,
        scale=scale,
        mode=mode,
        seed=seed,
        desc=f"train C ({pair.rep.name}, CD-{k})",
    )
