"""A rigorous a-posteriori bound on the error of an OLRG prediction, from per-scale correlator mismatches.

Statement and proof: docs/error_bound.md. In short, with g_n the grown and m_n the mapped block at scale n,
E the attachment of one target site and R_n = N − n − 1 the target sites still to come after E,

    |⟨O(T)⟩_exact − ⟨O(T)⟩_OLRG|  ≤  Σ_n  min( trivial_n ,  Σ_{k≤K} I_k(n) + disc_k(n) + tail_K(n) )

    I_k    = (T^k / k!) · max over ordered grid tuples t_1 ≥ … ≥ t_k of
             Σ_{a_1..a_k} Π|s_a| Σ_{c∈{±}^k} |χ^(k)(E g_n) − χ^(k)(E m_n)|
    disc_k = (T^k / k!) · k · L_k · δ/2          (grid spacing δ; L_k bounds ∂χ/∂t_j, from operator norms)
    tail_K = (‖ρ_g‖₁‖O_g‖ + ‖ρ_m‖₁‖O_m‖) (2‖V‖T)^{K+1} / (K+1)!      (Dyson remainder, V the coupling)
    trivial= ‖ρ_g‖₁‖O_g‖ + ‖ρ_m‖₁‖O_m‖

and at the last scale (R_n = 0) the term is the computed |χ^(0)(E g) − χ^(0)(E m)| itself. Every quantity is
computed from the two blocks of one scale: no N-site object is ever formed, so the bound costs what the loss costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .block import Block, SiteModel, grow
from .correlators import heisenberg_operators
from .evolution import PREDICTION_MAX_DT


@dataclass(frozen=True)
class ScaleBound:
    scale: int
    remaining: int                  # target sites attached after E (the "environment" of the Dyson expansion)
    orders: tuple[float, ...]       # I_k for k = 0 … K (grid maxima times simplex volumes)
    discretisation: float           # Σ_k disc_k: what the grid maximum may miss between grid points
    tail: float                     # Dyson remainder beyond order K
    trivial: float                  # |F(g)| + |F(m)|, never exceeded

    @property
    def value(self) -> float:
        return min(self.trivial, sum(self.orders) + self.discretisation + self.tail)


@dataclass(frozen=True)
class ErrorBound:
    scales: tuple[ScaleBound, ...]

    @property
    def value(self) -> float:
        return sum(s.value for s in self.scales)


def _spectral(A: torch.Tensor) -> float:
    return float(torch.linalg.matrix_norm(A, ord=2))


def _trace_norm(A: torch.Tensor) -> float:
    return float(torch.linalg.svdvals(A).sum())


def _grid_correlators(rho: torch.Tensor, O_T: torch.Tensor, B_t: torch.Tensor, k: int) -> torch.Tensor:
    """χ^(k) at every tuple of grid times: shape (G,)*k + (A,)*k + (2,)*k (times t_1…t_k, operators, signs).

    The outermost ad is never formed: Tr[ρ (B X + c X B)] = Tr[(ρB) X] + c Tr[(Bρ) X], so the last order is one
    contraction of the (k−1)-fold nests with ρB and Bρ. That makes the full grid affordable."""
    if k == 0:
        return torch.einsum("ij,ji->", rho, O_T).reshape(())
    X = O_T
    for _ in range(k - 1):       # X grows axes (a_j, t_j, c_j) in front of its matrix indices
        BX = torch.einsum("atij,...jk->...atik", B_t, X)
        XB = torch.einsum("...ij,atjk->...atik", X, B_t)
        X = torch.stack([BX - XB, BX + XB], dim=-3)
    trL = torch.einsum("...ij,atji->...at", X, rho @ B_t)
    trR = torch.einsum("...ij,atji->...at", X, B_t @ rho)
    chi = torch.stack([trL - trR, trL + trR], dim=-1)                 # axes a_1 t_1 c_1 … a_k t_k c_k
    return chi.permute(*[3 * j + 1 for j in range(k)], *[3 * j for j in range(k)], *[3 * j + 2 for j in range(k)])


def _cell_maxima(values: torch.Tensor, k: int) -> torch.Tensor:
    """values (G,)*k + (P,) -> for every grid cell, the maximum over its 2^k corners (per trailing entry)."""
    for axis in range(k):
        n = values.shape[axis]
        values = torch.maximum(values.narrow(axis, 0, n - 1), values.narrow(axis, 1, n - 1))
    return values


def _commutator(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    return A @ B - B @ A


def _curvature(block: Block, grid: torch.Tensor, k: int) -> float:
    """Bound on |∂²χ^(k)/∂t_j²| for one pattern: ‖ρ‖₁ 2^k ‖O‖ b^{k−1} max_a ‖[H(t), [H(t), B_a]]‖, b = max ‖B_a‖.

    ∂²B(t)/∂t² = U† (−[H,[H,B]] + i[Ḣ, B]) U; drives must commute with B (they act on the block, B on the site
    attached by E), so the Ḣ term vanishes. A drive's |c(t)| enters through its maximum on a 10× finer grid."""
    if k == 0:
        return 0.0
    fine = torch.linspace(0.0, float(grid[-1]), 10 * len(grid), dtype=torch.float64)
    b = max(_spectral(B) for B in block.boundary)
    worst = 0.0
    for B in block.boundary:
        HB = _commutator(block.H, B)
        rate = _spectral(_commutator(block.H, HB))
        for c, M in block.drives:
            if _spectral(_commutator(M, B)) > 1e-12:
                raise NotImplementedError("a drive acts on the site that carries the boundary operator; the bound "
                                          "assumes drives live on the block only")
            rate += float(c(fine).abs().max()) * _spectral(_commutator(M, HB))
        worst = max(worst, rate)
    return _trace_norm(block.rho) * 2 ** k * _spectral(block.observable) * b ** (k - 1) * worst


def _grid_size(n_grid: int, k: int, n_ops: int, max_tuples: int) -> int:
    """Points per time axis at order k, capped so that G^k · A^k correlators fit the budget (at least 2)."""
    if k == 0:
        return n_grid
    return max(2, min(n_grid, int((max_tuples / n_ops ** k) ** (1.0 / k))))


def scale_bound(grown: Block, mapped: Block, site: SiteModel, T: float, K: int, remaining: int, scale: int,
                n_grid: int = 101, max_tuples: int = 40_000) -> ScaleBound:
    """The bound on Δ_n = F(E g_n) − F(E m_n), the part of the final error created at this scale."""
    if n_grid < 2:
        raise ValueError("n_grid must be >= 2 (the grid includes 0 and T)")
    with torch.no_grad():
        g1, m1 = grow(grown, site), grow(mapped, site)
        size = [_trace_norm(b.rho) * _spectral(b.observable) for b in (g1, m1)]
        # round-off allowance: the same number computed along two float64 paths differs by ~1e-15 relative
        roundoff = 1e-12 * sum(size)
        if remaining == 0:        # nothing attached after E: the error is the order-0 mismatch itself
            grid = torch.zeros(1, dtype=torch.float64)
            chi = [_grid_correlators(b.rho, *heisenberg_operators(b, T, grid, max_dt=PREDICTION_MAX_DT), 0) for b in (g1, m1)]
            return ScaleBound(scale, 0, (float((chi[0] - chi[1]).abs()) + roundoff,), 0.0, 0.0, sum(size))
        strengths = torch.tensor([abs(s) for s, _, _ in site.couplings], dtype=torch.float64)
        A = len(site.couplings)
        orders, disc = [], 0.0
        for k in range(K + 1):
            G = _grid_size(n_grid, k, A, max_tuples)
            grid = torch.linspace(0.0, T, G, dtype=torch.float64)
            g_chi, m_chi = (_grid_correlators(b.rho, *heisenberg_operators(b, T, grid, max_dt=PREDICTION_MAX_DT), k) for b in (g1, m1))
            weight = torch.ones((), dtype=torch.float64)
            for _ in range(k):                   # Π|s_a| over the operator axes
                weight = weight[..., None] * strengths
            weighted = (g_chi - m_chi).abs() * weight.reshape(weight.shape + (1,) * k)
            values = weighted.reshape(*([G] * k), -1) if k else weighted.reshape(1)
            best = float(_cell_maxima(values, k).sum(dim=-1).max()) if k else float(values.sum())
            volume = T ** k / math.factorial(k)
            # between grid points, |δχ| can exceed the largest corner of its cell by at most Σ_j δ²/8 · max|∂_j² δχ|
            delta = T / (G - 1)
            curvature = float(strengths.sum()) ** k * 2 ** k * sum(_curvature(b, grid, k) for b in (g1, m1))
            orders.append(volume * best)
            disc += volume * k * delta ** 2 / 8 * curvature
        coupling = sum(abs(s) * _spectral(B) for (s, _, _), B in zip(site.couplings, g1.boundary))
        tail = sum(size) * (2 * coupling * T) ** (K + 1) / math.factorial(K + 1)
    return ScaleBound(scale, remaining, tuple(orders), disc + roundoff, tail, sum(size))


def terminal_bound(grown: Block, mapped: Block, T: float) -> ScaleBound:
    """A terminal map's last step (m_N replaces g_N, nothing attached after): its error |F(g_N) − F(m_N)| is
    computed exactly, plus the round-off allowance."""
    with torch.no_grad():
        size = [_trace_norm(b.rho) * _spectral(b.observable) for b in (grown, mapped)]
        grid = torch.zeros(1, dtype=torch.float64)
        chi = [_grid_correlators(b.rho, *heisenberg_operators(b, T, grid, max_dt=PREDICTION_MAX_DT), 0) for b in (grown, mapped)]
    return ScaleBound(grown.n_sites, 0, (float((chi[0] - chi[1]).abs()),), 1e-12 * sum(size), 0.0, sum(size))


def flow_bound(pairs, site: SiteModel, N: int, T: float, K: int, n_grid: int = 101,
               max_tuples: int = 40_000, terminal: tuple[Block, Block] | None = None) -> ErrorBound:
    """The bound for a whole flow: one ScaleBound per (grown, mapped) pair (FlowResult.pairs), plus the exact
    last step of a terminal map (FlowResult.terminal). The triangle inequality adds them."""
    scales = [scale_bound(g, m, site, T, K, N - g.n_sites - 1, g.n_sites, n_grid, max_tuples) for g, m in pairs]
    if terminal is not None:
        scales.append(terminal_bound(*terminal, T))
    return ErrorBound(tuple(scales))
