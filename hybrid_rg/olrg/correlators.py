"""Time-ordered boundary correlators (TOBCs), kept complex.

    χ^(k)_{a,t,c} = Tr[ ρ · ad_{B_{a_k}(t_k), c_k} ∘ … ∘ ad_{B_{a_1}(t_1), c_1} ( O(T) ) ],   ad_{B,c}(X) = B X + c X B

c = −1 is the commutator, c = +1 the anticommutator; k = 0 gives ⟨O(T)⟩. These are exactly the block data that
enter the Dyson expansion of ⟨O(T)⟩ once the next site is attached (docs/error_bound.md). The authors' code keeps only
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


def full_grid_correlators(rho: torch.Tensor, O_T: torch.Tensor, B_t: torch.Tensor, K: int) -> list[torch.Tensor]:
    """Every TOBC of orders 0 … K on the whole (time, operator) grid, without enumerating tuples.

    The nested ad's are split between the two sides of the trace: with ad*_{B,c}(R) = R B + c B R,
        Tr[ρ ad_k ∘ … ∘ ad_1 (O)] = Tr[ ad*_{j+1} ∘ … ∘ ad*_k (ρ) · ad_j ∘ … ∘ ad_1 (O) ],   j = ⌈k/2⌉,
    so order k costs (2M)^⌈k/2⌉ + (2M)^⌊k/2⌋ matrix products (M = grid times × operators) and one (2M)^k · D²
    contraction, instead of (2M)^k nested products per order. Layout as `correlators_from` on the tuples
    itertools.product(product(range(n_t), range(A)), repeat=k) (time-major pairs, the first pair most
    significant): out[k] has shape (M^k, 2^k)."""
    A, n_t, D = B_t.shape[0], B_t.shape[1], O_T.shape[-1]
    Bm = B_t.transpose(0, 1).reshape(A * n_t, D, D)  # index m = t·A + a
    M = Bm.shape[0]
    # L[j]: ad_j ∘ … ∘ ad_1 (O), shape (M^j, 2^j, D, D), (m_1 … m_j) and (c_1 … c_j) with the first most significant
    L = [O_T.reshape(1, 1, D, D)]
    for _ in range((K + 1) // 2):
        X = L[-1]
        BX = torch.einsum("mab,spbc->smpac", Bm, X)
        XB = torch.einsum("spab,mbc->smpac", X, Bm)
        L.append(torch.stack([BX - XB, BX + XB], dim=3).reshape(X.shape[0] * M, X.shape[1] * 2, D, D))
    # R[r]: ad*_{i} ∘ … ∘ ad*_{i+r-1}(ρ) for the last r operators (m_i … m_{i+r-1}), the first most significant
    R = [rho.reshape(1, 1, D, D)]
    for _ in range(K // 2):
        Y = R[-1]
        YB = torch.einsum("spab,mbc->mspac", Y, Bm)
        BY = torch.einsum("mab,spbc->mspac", Bm, Y)
        R.append(torch.stack([YB - BY, YB + BY], dim=2).reshape(M * Y.shape[0], 2 * Y.shape[1], D, D))
    out = []
    for k in range(K + 1):
        Lj, Rr = L[(k + 1) // 2], R[k // 2]
        # Tr[R L] = Σ_ab R_ab L_ba, as one matrix product over the flattened D² index
        c = Lj.transpose(-1, -2).reshape(-1, D * D) @ Rr.reshape(-1, D * D).T  # (S·P, T·Q)
        S, P, Tn, Q = Lj.shape[0], Lj.shape[1], Rr.shape[0], Rr.shape[1]
        out.append(c.reshape(S, P, Tn, Q).permute(0, 2, 1, 3).reshape(S * Tn, P * Q))
    return out
