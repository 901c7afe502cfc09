"""Joint training of the moderator C_θ with the teacher–student loss (paper Fig. 1), exact-KL mode.

Each iteration draws teacher couplings (Gaussian, as in the authors' A1 recipe J_rbm ~ 1.4·N(0,1), i.e. J0 ~ 0.7·N),
maps them to student couplings with the RG step of C_θ (Euler or neural ODE), and minimises the mean exact
KL(p_tch ‖ q_std) over θ only (teacher couplings are detached inputs). With enumeration instead of CD the loss is
deterministic given the batch, so C_θ learns the KL-optimal map R up to the network's smoothness.
"""

from __future__ import annotations

import torch

from ..utils.progress import progress
from .kl import Pair, kl
from .monotone import Monotone


def train_monotone(
    pair: Pair,
    model: Monotone,
    loss_fn,
    *,
    iterations: int = 300,
    batch: int = 128,
    lr: float = 0.01,
    scale: float = 0.7,
    mode: str = "euler",
    seed: int = 0,
    desc: str = "",
) -> list[float]:
    """The one training loop of C_θ (exact KL here, CD-k in cd.py): each iteration draws `batch` teachers
    J ~ scale·N(0, 1), maps them with the RG step of C_θ and takes an Adam step on loss_fn(J, step(J), gen).
    Only θ is trained; all randomness flows from one generator, drawn in the order teachers → loss."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(iterations), desc=desc or f"train C ({pair.rep.name})"):
        J = scale * torch.randn(batch, pair.n_params, generator=gen, dtype=torch.float64)
        loss = loss_fn(J, model.step(J, mode), gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses


def train_exact(
    pair: Pair,
    model: Monotone,
    *,
    iterations: int = 300,
    batch: int = 128,
    lr: float = 0.01,
    scale: float = 0.7,
    mode: str = "euler",
    seed: int = 0,
) -> list[float]:
    """train_monotone with the exact KL(p_tch ‖ q_std) averaged over the batch."""
    return train_monotone(
        pair,
        model,
        lambda J, Js, _gen: kl(pair, J, Js).mean(),
        iterations=iterations,
        batch=batch,
        lr=lr,
        scale=scale,
        mode=mode,
        seed=seed,
        desc=f"train C ({pair.rep.name}, exact KL)",
    )
