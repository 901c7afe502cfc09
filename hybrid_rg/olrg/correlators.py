"""Time-ordered boundary correlators (TOBCs), kept complex.

    χ^(k)_{a,t,c} = Tr[ ρ · ad_{B_{a_k}(t_k), c_k} ∘ … ∘ ad_{B_{a_1}(t_1), c_1} ( O(T) ) ],   ad_{B,c}(X) = B X + c X B

c = −1 is the commutator, c = +1 the anticommutator; k = 0 gives ⟨O(T)⟩. These are exactly the block data that
enter the Dyson expansion of ⟨O(T)⟩ once the next site is attached (docs/olrg.md). The authors' code keeps only
Re χ, which is identically 0 for every pattern with an odd number of commutators; we keep the complex value.

Sign patterns of order k are numbered by the binary digits of p = 0 … 2^k − 1: bit (k − j) of p is 1 when
c_j = +1 (the last operator applied is the lowest bit).
"""

from __future__ import annotations

import torch

from .block import Block
from .evolution import heisenberg, propagators


def heisenberg_operators(
    block: Block, T: float, grid: torch.Tensor, substeps: int = 8, max_dt: float | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """O(T) (D, D) and B_a(t_j) for every boundary operator and grid time (A, n_t, D, D)."""
    grid = torch.as_tensor(grid, dtype=torch.float64)
    U = propagators(block, torch.cat([grid, torch.tensor([float(T)], dtype=torch.float64)]), substeps, max_dt)
    return heisenberg(U[-1], block.observable), torch.stack([heisenberg(U[:-1], B) for B in block.boundary])


def correlators_from(
    rho: torch.Tensor, O_T: torch.Tensor, B_t: torch.Tensor, time_idx: torch.Tensor, op_idx: torch.Tensor, K: int
) -> list[torch.Tensor]:
    """The nested ad's of `boundary_correlators`, from already evolved operators (reused across orders)."""
    S = time_idx.shape[0]
    X = O_T.expand(S, 1, *O_T.shape)  # (S, 1, D, D)
    out = [torch.einsum("ij,spji->sp", rho, X)]
    for k in range(K):
        Bk = B_t[op_idx[:, k], time_idx[:, k]][:, None]  # (S, 1, D, D)
        BX, XB = Bk @ X, X @ Bk
        X = torch.stack([BX - XB, BX + XB], dim=2).reshape(S, -1, *O_T.shape)  # new sign is the lowest bit
        out.append(torch.einsum("ij,spji->sp", rho, X))
    return out


def boundary_correlators(
    block: Block, T: float, grid: torch.Tensor, time_idx: torch.Tensor, op_idx: torch.Tensor, K: int, substeps: int = 8
) -> list[torch.Tensor]:
    """[χ^(0) (shape (S, 1)), χ^(1) (S, 2), …, χ^(K) (S, 2^K)] for S index tuples.

    grid: times in [0, T] at which B may be evaluated; time_idx, op_idx: (S, K) integer tensors, order k uses the
    first k columns.
    """
    O_T, B_t = heisenberg_operators(block, T, grid, substeps)
    return correlators_from(block.rho, O_T, B_t, time_idx, op_idx, K)
