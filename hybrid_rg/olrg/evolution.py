"""Time evolution of a block, forward in time: propagators U(t) and Heisenberg operators X(t) = U(t)† X U(t).

Static H: U(t) = exp(−iHt) for all grid times at once (torch.linalg.matrix_exp, batched). When a gradient is
needed we use the matrix exponential rather than eigh because its gradient stays finite when the spectrum is
degenerate, which mapped Hamiltonians often are (eigh's backward divides by eigenvalue gaps); without one
(predictions, bounds) one eigh serves all times.

Time-dependent H(t) = H + Σ c(t) M: U is the time-ordered product of midpoint exponentials,
U(t + dt) = exp(−i H(t + dt/2) dt) U(t), later times on the LEFT. (The authors' operator ODE dX/dt = i[H(t), X]
applies H in the reverse order, which is the same only for static H; notes/olrg.md §7.3.) Global error O(dt²)
with dt = (grid spacing)/substeps.
"""

from __future__ import annotations

import torch

from .block import Block


def propagators(block: Block, times: torch.Tensor, substeps: int = 8) -> torch.Tensor:
    """U(t_j) for an increasing grid starting at t_0 ≥ 0; shape (len(times), D, D)."""
    times = torch.as_tensor(times, dtype=torch.float64)
    if not block.drives:
        if torch.is_grad_enabled() and block.H.requires_grad:
            return torch.linalg.matrix_exp(-1j * times[:, None, None] * block.H)
        # no gradient needed (predictions, bounds): one eigendecomposition serves every time, ~10× faster
        w, V = torch.linalg.eigh(block.H)
        return (V[None] * torch.exp(-1j * times[:, None] * w[None, :])[:, None, :]) @ V.conj().T
    if substeps < 1:
        raise ValueError("substeps must be >= 1")
    edges = torch.cat([torch.zeros(1, dtype=torch.float64), times])
    U = torch.eye(block.dim, dtype=block.H.dtype)
    out = []
    for j in range(len(times)):
        t0, t1 = edges[j], edges[j + 1]
        dt = (t1 - t0) / substeps
        for m in range(substeps):
            if dt == 0:
                break
            tm = t0 + (m + 0.5) * dt
            Hm = block.H + sum(c(tm.reshape(1))[0] * M for c, M in block.drives)
            U = torch.linalg.matrix_exp(-1j * dt * Hm) @ U
        out.append(U)
    return torch.stack(out)


def heisenberg(U: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """U† X U, batched over leading dimensions of U."""
    return U.conj().transpose(-1, -2) @ X @ U


def expectation(block: Block, T: float, substeps: int = 8) -> torch.Tensor:
    """⟨O(T)⟩ = Tr[ρ U(T)† O U(T)] (complex; real for Hermitian O and ρ)."""
    U = propagators(block, torch.tensor([float(T)], dtype=torch.float64), substeps)[0]
    return torch.trace(block.rho @ heisenberg(U, block.observable))
