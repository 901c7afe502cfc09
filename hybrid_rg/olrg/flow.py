"""The OLRG flow: exact block at n0 sites, then map, grow, map, grow … up to N sites.

    g_{n0} = exact block,   m_n = map(g_n, n),   g_{n+1} = grow(m_n)      for n = n0 … N−1

The prediction is ⟨O(T)⟩ on g_N. A map with `terminal = True` (the HEM, so that the whole prediction system is
device-native) also maps g_N itself: the prediction is then ⟨O(T)⟩ on m_N = map(g_N, N), and the pair (g_N, m_N)
is compared at the same size (nothing is attached after it). An operator map is any callable (block, scale) -> block;
`OperatorMap` is the
torch base class that learnable maps derive from.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .block import Block, SiteModel, grow
from .evolution import expectation


class OperatorMap(torch.nn.Module):
    """Scale-indexed operator map: forward(block, scale) returns the mapped block."""

    def forward(self, block: Block, scale: int) -> Block:  # pragma: no cover - interface
        raise NotImplementedError


class IdentityMap(OperatorMap):
    def forward(self, block: Block, scale: int) -> Block:
        return block


@dataclass(frozen=True, eq=False)
class FlowResult:
    pairs: tuple[tuple[Block, Block], ...]  # (g_n, m_n) for n = n0 … N−1
    final: Block  # g_N, or m_N for a terminal map
    terminal: tuple[Block, Block] | None = None  # (g_N, m_N) for a terminal map

    def prediction(self, T: float, substeps: int = 8) -> torch.Tensor:
        """⟨O(T)⟩ on the final block (driven blocks: CF4 steps of at most evolution.PREDICTION_MAX_DT)."""
        return expectation(self.final, T, substeps).real


def run_flow(first: Block, site: SiteModel, N: int, opmap) -> FlowResult:
    if N <= first.n_sites:
        raise ValueError(f"N = {N} must exceed the first block's n0 = {first.n_sites}")
    pairs, g = [], first
    for n in range(first.n_sites, N):
        m = opmap(g, n)
        pairs.append((g, m))
        g = grow(m, site)
    if getattr(opmap, "terminal", False):
        m = opmap(g, N)
        return FlowResult(tuple(pairs), m, (g, m))
    return FlowResult(tuple(pairs), g)
