"""Training an operator map on the scaling-consistency loss (all scales together), seeded and interruptible.

Each iteration re-runs the flow (so every scale sees the current maps of the scales below it), sums the
per-scale losses and takes one optimiser step. Adam by default; L-BFGS on the deterministic full-grid loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..utils.progress import progress
from .block import Block, SiteModel
from .flow import run_flow
from .loss import LossConfig, scale_loss


@dataclass
class TrainResult:
    losses: list[float] = field(default_factory=list)
    stopped_early: bool = False


def flow_loss(first: Block, site: SiteModel, N: int, opmap, cfg: LossConfig,
              generator: torch.Generator | None = None) -> torch.Tensor:
    flow = run_flow(first, site, N, opmap)
    return sum(scale_loss(g, m, site, cfg, generator) for g, m in flow.pairs)


def train(first: Block, site: SiteModel, N: int, opmap, cfg: LossConfig, iterations: int = 200,
          lr: float = 1e-2, optimizer: str = "adam", seed: int = 0, loss_target: float = 0.0) -> TrainResult:
    """Optimise opmap's parameters in place; returns the loss history."""
    generator = torch.Generator().manual_seed(seed)
    flow_loss(first, site, N, opmap, cfg, generator)          # first pass creates the per-scale parameters
    params = [p for p in opmap.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the operator map has no trainable parameters")
    if optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr)
    elif optimizer == "lbfgs":
        opt = torch.optim.LBFGS(params, lr=lr, max_iter=20, line_search_fn="strong_wolfe")
    else:
        raise ValueError(f"optimizer '{optimizer}' unknown; choose adam or lbfgs")
    result = TrainResult()
    bar = progress(range(iterations), desc="train", unit="it")
    for _ in bar:
        def closure():
            opt.zero_grad()
            loss = flow_loss(first, site, N, opmap, cfg, generator)
            loss.backward()
            return loss

        loss = opt.step(closure)
        result.losses.append(float(loss.detach()))
        bar.set_postfix(loss=f"{result.losses[-1]:.2e}")
        if result.losses[-1] <= loss_target:
            result.stopped_early = True
            break
    return result
