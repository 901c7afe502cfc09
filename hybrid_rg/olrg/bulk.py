"""Bulk observables: grow the exact block on both sides, so the observable stays in the bulk.

The exact n0-site block holds the sites around the observable; the flow then maps and attaches one target site,
alternately on the left and on the right (left first), until `n_left` and `n_right` sites are attached:

    g_{n0} = exact block,   m_n = map(g_n, n),   g_{n+1} = grow_side(n)(m_n)

so the observable, on block sites j, ends on target sites n_left + j. The map is any OLRG operator map; a
`LinearIsometryMap` with init = "rdm" takes the block's density matrix in the system grown on both sides.
Only prediction is offered here: the scaling-consistency loss and the bound are written for right growth.
"""

from __future__ import annotations

import torch

from ..operators import PauliExpr
from .block import Block, SiteModel, bulk_block, grow, grow_left
from .evolution import expectation

__all__ = ["bulk_first_block", "bulk_sides", "run_bulk_flow", "bulk_prediction"]


def bulk_sides(n_left: int, n_right: int) -> list[str]:
    """The order of attachments: alternate left and right (left first) while both remain, then the rest."""
    sides = []
    while n_left or n_right:
        if n_left:
            sides.append("left")
            n_left -= 1
        if n_right:
            sides.append("right")
            n_right -= 1
    return sides


def bulk_first_block(site: SiteModel, n0: int, observable: PauliExpr) -> Block:
    return bulk_block(site, n0, observable)


def run_bulk_flow(first: Block, site: SiteModel, n_left: int, n_right: int, opmap) -> Block:
    """The final block of the two-sided flow (n0 + n_left + n_right target sites)."""
    if not first.left:
        raise ValueError("run_bulk_flow needs a bulk first block (block.bulk_block)")
    g = first
    for side in bulk_sides(n_left, n_right):
        m = opmap(g, g.n_sites)
        g = grow_left(m, site) if side == "left" else grow(m, site)
    return g


def bulk_prediction(first: Block, site: SiteModel, n_left: int, n_right: int, opmap, T: float) -> float:
    """⟨O(T)⟩ from the two-sided flow (no gradient)."""
    with torch.no_grad():
        return float(expectation(run_bulk_flow(first, site, n_left, n_right, opmap), T).real)
