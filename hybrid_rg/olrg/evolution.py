"""Time evolution of a block, forward in time: propagators U(t) and Heisenberg operators X(t) = U(t)† X U(t).

Static H: U(t) = exp(−iHt) for all grid times at once from one eigh. When a gradient is needed we use
`expm.hermitian_expm`, whose Daleckii–Krein backward is matrix_exp's gradient (finite on degenerate spectra,
which mapped Hamiltonians often have; eigh's own backward divides by eigenvalue gaps) at a fraction of
matrix_exp's cost.

Time-dependent H(t) = H + Σ c(t) M: U is the time-ordered product of fourth-order commutator-free Magnus steps
(two exponentials per step, H at the Gauss points), later times on the LEFT. (The authors' operator ODE dX/dt = i[H(t),
X]
applies H in the reverse order, which is the same only for static H; notes/olrg.md §7.3.) Global error O(dt⁴)
with dt = (grid spacing)/substeps.
"""

from __future__ import annotations

import math

import torch

from .block import Block
from .expm import hermitian_expm

PREDICTION_MAX_DT = 0.02  # CF4 step for predictions and bounds: error ~ dt⁴ ‖…‖ ≈ 1e-7 for ‖H‖ ~ 10


def propagators(block: Block, times: torch.Tensor, substeps: int = 8, max_dt: float | None = None) -> torch.Tensor:
    """U(t_j) for an increasing grid starting at t_0 ≥ 0; shape (len(times), D, D). With drives, each grid
    interval is cut into `substeps` steps, or more if needed to keep every step ≤ max_dt."""
    times = torch.as_tensor(times, dtype=torch.float64)
    if not block.drives:
        if torch.is_grad_enabled() and block.H.requires_grad:
            return hermitian_expm(block.H, times)
        # no gradient needed (predictions, bounds): one eigendecomposition serves every time, ~10× faster
        w, V = torch.linalg.eigh(block.H)
        return (V[None] * torch.exp(-1j * times[:, None] * w[None, :])[:, None, :]) @ V.conj().T
    if substeps < 1:
        raise ValueError("substeps must be >= 1")
    # Fourth-order commutator-free Magnus step (Alvermann & Fehske 2011, CF4:2) with H at the two Gauss points
    # t1,2 = t + (1/2 ∓ √3/6) dt:  U(t+dt) = exp(−i dt (α1 H1 + α2 H2)) · exp(−i dt (α2 H1 + α1 H2)) · U(t),
    # α1,2 = (3 ∓ 2√3)/12. Global error O(dt⁴) (midpoint: O(dt²)); tested: 1.5e-6 at 20 steps where the
    # midpoint rule gives 2.6e-3. Every drive is evaluated once on the vector of all Gauss points, all the
    # exponentials are taken in one batch, then multiplied in order. Zero-length intervals give identity steps.
    edges = torch.cat([torch.zeros(1, dtype=torch.float64), times])
    lengths = edges[1:] - edges[:-1]
    counts = torch.full((len(times),), substeps, dtype=torch.long)
    if max_dt is not None:
        counts = torch.maximum(counts, torch.ceil(lengths / max_dt).long())
    dt = (lengths / counts).repeat_interleave(counts)
    within = torch.cat([torch.arange(int(c), dtype=torch.float64) for c in counts])
    start = edges[:-1].repeat_interleave(counts) + within * dt
    last_step = torch.cumsum(counts, 0) - 1  # the step that ends each grid interval
    r = math.sqrt(3.0) / 6.0
    gauss = torch.cat([start + (0.5 - r) * dt, start + (0.5 + r) * dt])
    Hg = block.H.expand(len(gauss), -1, -1)
    for c, M in block.drives:
        Hg = Hg + c(gauss).to(M.dtype)[:, None, None] * M
    H1, H2 = Hg[: len(dt)], Hg[len(dt) :]
    a1, a2 = (3.0 - 2.0 * math.sqrt(3.0)) / 12.0, (3.0 + 2.0 * math.sqrt(3.0)) / 12.0
    first = expm_taylor(-1j * dt[:, None, None] * (a2 * H1 + a1 * H2))
    second = expm_taylor(-1j * dt[:, None, None] * (a1 * H1 + a2 * H2))
    steps = second @ first
    U = torch.eye(block.dim, dtype=block.H.dtype)
    out = []
    ends = set(last_step.tolist())
    for s in range(len(dt)):
        U = steps[s] @ U
        if s in ends:
            out.append(U)
    return torch.stack(out)


def _taylor_scaling(A: torch.Tensor, max_degree: int) -> tuple[int, int]:
    """(degree, s): scale so that max ‖A‖₁ / 2^s ≤ 1/2, then the smallest degree whose remainder bound
    x^(d+1)/(d+1)! is below 1e-16 for the scaled norm x (12 at x = 1/2); s = 0 for the short CF4 steps."""
    norm = float(A.detach().abs().sum(-2).amax()) if A.numel() else 0.0
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    x, degree, term = norm / 2**s, 1, norm / 2**s
    while degree < max_degree and term * x / (degree + 1) > 1e-16:
        degree += 1
        term *= x / degree
    return degree, s


def expm_taylor(A: torch.Tensor, max_degree: int = 12) -> torch.Tensor:
    """exp(A) for a batch of small matrices: the degree-d Taylor polynomial after scaling by 2^−s (see
    _taylor_scaling), then s squarings, evaluated by Paterson–Stockmeyer: with p ≈ √(d+1) and the powers
    A … A^p, the polynomial is Σ_j (A^p)^j B_j with B_j = Σ_{i<p} A^i/(jp+i)! (the 1/k! folded into scalar
    coefficients, so the B_j cost no matrix product), evaluated by Horner in A^p: (p − 1) + ⌈(d+1)/p⌉ − 1
    products, 6 at d = 12 instead of Horner's 11. The same polynomial as Horner, so the same truncation error;
    differentiated by autograd through plain matmuls: several times cheaper than matrix_exp's backward, which
    exponentiates doubled (2D × 2D) block matrices (tested equal to matrix_exp to 1e-12)."""
    degree, s = _taylor_scaling(A, max_degree)
    A = A / 2**s
    eye = torch.eye(A.shape[-1], dtype=A.dtype)
    p = max(1, math.isqrt(degree + 1))
    if p * p < degree + 1 and (p + 1) * math.ceil((degree + 1) / (p + 1)) <= p * math.ceil((degree + 1) / p):
        p += 1
    powers = [eye.expand_as(A), A]
    for _ in range(p - 1):
        powers.append(powers[-1] @ A)
    Ap = powers[p]
    coef = [1.0 / math.factorial(k) for k in range(degree + 1)]

    def block(j: int) -> torch.Tensor:
        out = None
        for i in range(p):
            k = j * p + i
            if k > degree:
                break
            term = coef[k] * powers[i]
            out = term if out is None else out + term
        return out

    n_blocks = degree // p + 1
    P = block(n_blocks - 1)
    for j in range(n_blocks - 2, -1, -1):
        P = block(j) + Ap @ P
    for _ in range(s):
        P = P @ P
    return P


def expm_taylor_horner(A: torch.Tensor, max_degree: int = 12) -> torch.Tensor:
    """The same Taylor exponential by Horner's rule (degree − 1 products): the reference expm_taylor is tested
    against, and the "before" of benchmarks/olrg_step_time.py."""
    degree, s = _taylor_scaling(A, max_degree)
    A = A / 2**s
    eye = torch.eye(A.shape[-1], dtype=A.dtype)
    P = eye + A / degree
    for k in range(degree - 1, 0, -1):
        P = eye + (A @ P) / k
    for _ in range(s):
        P = P @ P
    return P


def heisenberg(U: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """U† X U, batched over leading dimensions of U."""
    return U.conj().transpose(-1, -2) @ X @ U


def expectation(block: Block, T: float, substeps: int = 8, max_dt: float | None = PREDICTION_MAX_DT) -> torch.Tensor:
    """⟨O(T)⟩ = Tr[ρ U(T)† O U(T)] (complex; real for Hermitian O and ρ)."""
    U = propagators(block, torch.tensor([float(T)], dtype=torch.float64), substeps, max_dt)[0]
    return torch.trace(block.rho @ heisenberg(U, block.observable))
