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


def train_exact(pair: Pair, model: Monotone, *, iterations: int = 300, batch: int = 128, lr: float = 0.01,
                scale: float = 0.7, mode: str = "euler", seed: int = 0) -> list[float]:
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(iterations), desc=f"train C ({pair.rep.name}, exact KL)"):
        J = scale * torch.randn(batch, pair.n_params, generator=gen, dtype=torch.float64)
        loss = kl(pair, J, model.step(J, mode)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses
