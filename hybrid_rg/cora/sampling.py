"""Exact sampling of whole configurations: run the generative recipe top-down (ancestral sampling).

Why it is exact: π_J … π_1(e) is a Bayesian network whose boxes are stochastic maps, so drawing the top state from
e, then every isometry's block given its input, then every disentangler's outputs given its inputs, draws a
configuration from the model's joint distribution. Each layer is one vectorised multinomial draw per box type,
so a batch of configurations costs O(N) work and no Markov chain (no autocorrelation, no thermalisation).
"""

from __future__ import annotations

import numpy as np
import torch

from .model import Cora


def _digits(idx: torch.Tensor, d: int, width: int) -> torch.Tensor:
    """Base-d digits (most significant first) of idx, as a new trailing axis of length width."""
    powers = d ** torch.arange(width - 1, -1, -1)
    return (idx.unsqueeze(-1) // powers) % d


def _index(digits: torch.Tensor, d: int) -> torch.Tensor:
    powers = d ** torch.arange(digits.shape[-1] - 1, -1, -1)
    return (digits * powers).sum(-1)


def _draw(probs: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """One categorical draw per row of probs (..., K)."""
    flat = probs.reshape(-1, probs.shape[-1])
    return torch.multinomial(flat, 1, replacement=True, generator=gen).reshape(probs.shape[:-1])


@torch.no_grad()
def sample(model: Cora, n: int, seed: int, batch: int = 4096) -> np.ndarray:
    """n configurations on Γ0, shape (n, sites) (row-major in 2D), states 0…n_states-1, as uint8."""
    if n < 1:
        raise ValueError(f"n = {n}: ask for at least one sample")
    gen = torch.Generator().manual_seed(seed)
    out = [_sample_batch(model, min(batch, n - i), gen) for i in range(0, n, batch)]
    return torch.cat(out).numpy().astype(np.uint8)


def _sample_batch(model: Cora, n: int, gen: torch.Generator) -> torch.Tensor:
    geo, B = model.geometry, model.geometry.block
    J = geo.n_layers
    top = model.top().reshape(-1)
    x = _digits(torch.multinomial(top, n, replacement=True, generator=gen), model.chi, geo.size(J))
    for k in range(J, 0, -1):
        d, m = model.dim(k - 1), geo.size(k)
        children = torch.tensor([geo.children(k, s) for s in range(m)])  # (m, B)
        groups = torch.tensor([geo.group_sites(k - 1, g) for g in range(m)])  # (m, B)
        iso = model.isometry(k).reshape(model.dim(k), d**B)
        blocks = _digits(_draw(iso[x], gen), d, B)  # (n, m, B)
        c = torch.empty(n, geo.size(k - 1), dtype=torch.long)
        c[:, children.reshape(-1)] = blocks.reshape(n, -1)
        dis = model.disentangler(k).reshape(d**B, d**B)
        outs = _digits(_draw(dis[_index(c[:, groups], d)], gen), d, B)  # (n, m, B)
        x = torch.empty_like(c)
        x[:, groups.reshape(-1)] = outs.reshape(n, -1)
    return x
