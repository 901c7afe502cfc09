"""exp(−i t H) of a Hermitian H for many times at once, with a Daleckii–Krein (divided-difference) backward.

Forward: one eigh, H = V diag(w) V†, then U(t) = V diag(e^{−i t w}) V† for every t. Backward: the Fréchet
derivative of H ↦ f(H) at a Hermitian H in any direction E (Hermitian or not) is V (Γ ∘ V†EV) V† with the
first divided differences Γ_ij = (f(w_i) − f(w_j)) / (w_i − w_j), Γ_ii = f'(w_i) (Daleckii–Krein); the gradient
is its adjoint, V (conj Γ ∘ V†GV) V†, summed over the times. For f(w) = e^{−i t w},

    Γ_ij = −i t · e^{−i t (w_i + w_j)/2} · sinc(t (w_i − w_j)/2)        (sinc x = sin x / x)

which is one formula for all gaps: exactly degenerate, nearly degenerate and well separated eigenvalues alike,
so the gradient stays finite and accurate where eigh's own backward divides by zero (mapped Hamiltonians are
often degenerate). It equals torch.linalg.matrix_exp's gradient (tested to ~1e-12, by gradcheck too) at a
fraction of the cost: matrix_exp's backward exponentiates a doubled (2D × 2D) matrix per time.
"""

from __future__ import annotations

import math

import torch


def _divided_differences(w: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
    """Γ (n_t, D, D) of f_t(w) = e^{−i t w}, stable for any gap (see the module docstring)."""
    mean = (w[:, None] + w[None, :]) / 2
    half_gap = (w[:, None] - w[None, :]) / 2
    t = times[:, None, None]
    # torch.sinc is sin(πx)/(πx)
    return -1j * t * torch.exp(-1j * t * mean) * torch.sinc(t * half_gap / math.pi)


class _HermitianExpm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, H: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        w, V = torch.linalg.eigh(H)
        phases = torch.exp(-1j * times[:, None] * w[None, :])  # (n_t, D)
        ctx.save_for_backward(w, V, times)
        return (V[None] * phases[:, None, :]) @ V.conj().T

    @staticmethod
    def backward(ctx, G: torch.Tensor):
        if ctx.needs_input_grad[1]:
            raise NotImplementedError("hermitian_expm: no gradient with respect to the times")
        w, V, times = ctx.saved_tensors
        Vh = V.conj().T
        inner = (Vh @ G @ V) * _divided_differences(w, times).conj()  # (n_t, D, D)
        return V @ inner.sum(0) @ Vh, None


def hermitian_expm(H: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
    """exp(−i t H) for every t in `times` (real, 1-D): shape (len(times), D, D). H must be Hermitian (only its
    lower triangle is read, as by eigh); the gradient with respect to H is matrix_exp's, in every direction."""
    times = torch.as_tensor(times, dtype=torch.float64)
    return _HermitianExpm.apply(H, times)
