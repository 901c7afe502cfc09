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

Two sharper forms (docs/error_bound.md, "Light cone"), both from the first-order Duhamel identity with the norm of
the *first* commutator ‖[B_a(s), O(T)]‖ computed on the block instead of bounded by 2‖B‖‖O‖:

  - the Dyson remainder becomes  ‖ρ‖₁ (2‖V‖)^K ∫_0^T c(s) s^K/K! ds,  c(s) = Σ_a |s_a| ‖[B_a(s), O(T)]‖;
  - attaching L of the remaining sites exactly (Y = E^L X, dimension 2^L · dim X) gives
        |Δ_n| ≤ |F_L(E g) − F_L(E m)| + Σ_{X = Eg, Em} ‖ρ_X‖₁ ∫_0^T c_Y(s) ds,
    with L the largest that the dimension budget allows (L = R_n makes the term exact).

The per-scale term is the smallest of the trivial, Dyson and light-cone bounds; the total is capped by the
trivial whole-flow bound (the exact value lies in the numerical range of O). The signed light-cone differences
F_L(E g) − F_L(E m) also add up to an *estimate* of the signed error exact − p (the telescoping sum (1) with
the environment truncated at L sites): `ErrorBound.estimate`, an estimate, not a bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .block import Block, SiteModel, grow
from .correlators import heisenberg_operators
from .evolution import PREDICTION_MAX_DT, expectation


@dataclass(frozen=True)
class ScaleBound:
    scale: int
    remaining: int  # target sites attached after E (the "environment" of the Dyson expansion)
    orders: tuple[float, ...]  # I_k for k = 0 … K (grid maxima times simplex volumes)
    discretisation: float  # Σ_k disc_k: what the grid maximum may miss between grid points
    tail: float  # Dyson remainder beyond order K (light-cone form when smaller)
    trivial: float  # |F(g)| + |F(m)|, never exceeded
    signed: float | None = None  # F_L(E g) − F_L(E m): the estimate of Δ_n (exact when L = remaining)
    lightcone: float = math.inf  # |signed| + light-cone remainder (+ its discretisation), a bound on |Δ_n|
    lightcone_remainder: float = 0.0
    env_sites: int = 0  # L, the remaining sites attached exactly in the light-cone bound

    @property
    def dyson(self) -> float:
        return sum(self.orders) + self.discretisation + self.tail

    @property
    def value(self) -> float:
        return min(self.trivial, self.dyson, self.lightcone)

    @property
    def remainder(self) -> float:
        """The part of `value` that is a remainder (not computed mismatch): what training cannot lower."""
        if self.value == self.lightcone:
            return min(self.lightcone_remainder, self.value)
        if self.value == self.dyson:
            return min(self.tail, self.value)
        return self.value


@dataclass(frozen=True)
class ErrorBound:
    scales: tuple[ScaleBound, ...]
    whole: float = math.inf  # the trivial bound on the whole flow: exact ∈ numerical range of O

    @property
    def value(self) -> float:
        return min(self.whole, sum(s.value for s in self.scales))

    @property
    def estimate(self) -> float:
        """An ESTIMATE (not a bound) of |exact − p|: |Σ_n (F_L(E g_n) − F_L(E m_n))|, the telescoping sum (1) of
        docs/error_bound.md with each environment truncated to the L sites the light-cone bound attached."""
        return abs(sum(s.signed for s in self.scales if s.signed is not None))


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
    for _ in range(k - 1):  # X grows axes (a_j, t_j, c_j) in front of its matrix indices
        BX = torch.einsum("atij,...jk->...atik", B_t, X)
        XB = torch.einsum("...ij,atjk->...atik", X, B_t)
        X = torch.stack([BX - XB, BX + XB], dim=-3)
    trL = torch.einsum("...ij,atji->...at", X, rho @ B_t)
    trR = torch.einsum("...ij,atji->...at", X, B_t @ rho)
    chi = torch.stack([trL - trR, trL + trR], dim=-1)  # axes a_1 t_1 c_1 … a_k t_k c_k
    return chi.permute(*[3 * j + 1 for j in range(k)], *[3 * j for j in range(k)], *[3 * j + 2 for j in range(k)])


def _cell_maxima(values: torch.Tensor, k: int) -> torch.Tensor:
    """values (G,)*k + (P,) -> for every grid cell, the maximum over its 2^k corners (per trailing entry)."""
    for axis in range(k):
        n = values.shape[axis]
        values = torch.maximum(values.narrow(axis, 0, n - 1), values.narrow(axis, 1, n - 1))
    return values


def _commutator(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    return A @ B - B @ A


def _second_derivative(block: Block, B: torch.Tensor, T: float, n_fine: int) -> float:
    """max_t ‖d²B(t)/dt²‖ ≤ max_t ‖[H(t), [H(t), B]]‖ for B on the site attached last (drives commute with it)."""
    fine = torch.linspace(0.0, T, n_fine, dtype=torch.float64)
    HB = _commutator(block.H, B)
    rate = _spectral(_commutator(block.H, HB))
    for c, M in block.drives:
        if _spectral(_commutator(M, B)) > 1e-12:
            raise NotImplementedError(
                "a drive acts on the site that carries the boundary operator; the bound "
                "assumes drives live on the block only"
            )
        rate += float(c(fine).abs().max()) * _spectral(_commutator(M, HB))
    return rate


def _first_commutators(Y: Block, site: SiteModel, T: float, G: int) -> tuple[torch.Tensor, torch.Tensor]:
    """c(s_j) = Σ_a |s_a| ‖[B_a(s_j), O(T)]‖ on a uniform grid of G times in [0, T], and per grid cell a bound
    κ_j ≥ Σ_a |s_a| sup_cell ‖d²/ds² [B_a(s), O(T)]‖ (so on the cell c exceeds the linear interpolant of its
    corner values by at most δ²/8 · κ_j: the norm is convex and the Peano kernel bound holds for matrices).

    This is the norm of the first commutator of the Dyson/Duhamel expansion in the coupling V = Σ_a s_a B_a ⊗ p_a
    to the next site (‖p_a‖ = 1): small while the next site lies outside the light cone of O(T).

    κ: for static H the second derivative is itself a commutator, −[K_a(s), O(T)] with K_a = [H, [H, B_a]], so
    it is light-cone small too: κ_j = Σ_a |s_a| min(2‖O‖‖K_a‖, max of ‖[K_a, O(T − s)]‖ at the cell's corners
    + δ/2 · 2‖O‖‖[H, K_a]‖) (the third derivative bounds how far the norm moves from the nearer corner). With
    drives, the global bound 2‖O‖ max_t ‖[H(t), [H(t), B_a]]‖."""
    grid = torch.linspace(0.0, T, G, dtype=torch.float64)
    delta = T / (G - 1)
    strengths = [abs(s_a) for s_a, _, _ in site.couplings]
    normO = _spectral(Y.observable)
    c = torch.zeros(G, dtype=torch.float64)
    kappa = torch.zeros(G - 1, dtype=torch.float64)
    if not Y.drives:
        # static H: O(T) and B(s) in the eigenbasis; [B(s), O(T)] = U(s)† [B, O(T − s)] U(s), and O(τ) in the
        # eigenbasis is O_e ∘ exp(i(w_i − w_j)τ): one eigh, then per time one elementwise product and matmuls
        w, V = torch.linalg.eigh(Y.H)
        Vh = V.conj().T
        Oe = Vh @ Y.observable @ V
        gaps = w[:, None] - w[None, :]

        def norms(X: torch.Tensor) -> torch.Tensor:
            Xe = Vh @ X @ V
            parts = []
            for chunk in torch.split(T - grid, 16):  # chunks bound the memory (16 D×D)
                Ot = Oe * torch.exp(1j * chunk[:, None, None] * gaps)
                M = Xe @ Ot - Ot @ Xe  # anti-Hermitian: ‖M‖ = max |eig(iM)|
                parts.append(torch.linalg.eigvalsh(1j * M).abs().amax(-1))
            return torch.cat(parts)

        for s_a, B in zip(strengths, Y.boundary):
            K = _commutator(Y.H, _commutator(Y.H, B))
            c = c + s_a * norms(B)
            c2 = norms(K)
            local = torch.maximum(c2[:-1], c2[1:]) + delta / 2 * 2 * normO * _spectral(_commutator(Y.H, K))
            kappa = kappa + s_a * torch.clamp(local, max=2 * normO * _spectral(K))
    else:
        O_T, B_t = heisenberg_operators(Y, T, grid, max_dt=PREDICTION_MAX_DT)
        for s_a, Bs in zip(strengths, B_t):
            M = Bs @ O_T - O_T @ Bs
            c = c + s_a * torch.linalg.eigvalsh(1j * M).abs().amax(-1)
        kappa = kappa + sum(
            s_a * 2 * normO * _second_derivative(Y, B, T, 10 * G) for s_a, B in zip(strengths, Y.boundary)
        )
    return c, kappa


def _integral(c: torch.Tensor, kappa: torch.Tensor, T: float, weight=None) -> float:
    """A rigorous upper bound on ∫_0^T c(s) w(s) ds from grid values (see _first_commutators), for w ≥ 0
    non-decreasing (w = s^K/K!): cell j contributes w(right end) · (δ (c_j + c_{j+1})/2 + δ³ κ_j/8)."""
    G = len(c)
    delta = T / (G - 1)
    cells = delta * (c[:-1] + c[1:]) / 2 + delta**3 * kappa / 8
    if weight is not None:
        cells = cells * weight(torch.linspace(0.0, T, G, dtype=torch.float64)[1:])
    return float(cells.sum())


def _attach(block: Block, site: SiteModel, L: int) -> Block:
    for _ in range(L):
        block = grow(block, site)
    return block


def _lightcone(
    g1: Block, m1: Block, site: SiteModel, T: float, remaining: int, G: int, max_dim: int
) -> tuple[float, float, float, int]:
    """The light-cone bound on |Δ_n| (docs/error_bound.md): attach L of the remaining sites exactly,
    |Δ_n| ≤ |F_L(E g) − F_L(E m)| + Σ_X ‖ρ_X‖₁ ∫_0^T c_{E^L X}(s) ds. L is the largest that keeps both blocks
    within max_dim (the remainder only shrinks as the next site moves away from O, and the largest L dominates the
    cost anyway); L = remaining makes the term exact. Returns (bound, signed F_L difference, remainder, L)."""
    L = 0
    while L < remaining and max(g1.dim, m1.dim) * 2 ** (L + 1) <= max_dim:
        L += 1
    Ys = [_attach(b, site, L) for b in (g1, m1)]
    signed = float((expectation(Ys[0], T) - expectation(Ys[1], T)).real)
    rem = (
        0.0
        if L == remaining
        else sum(_trace_norm(b.rho) * _integral(*_first_commutators(Y, site, T, G), T) for b, Y in zip((g1, m1), Ys))
    )
    return abs(signed) + rem, signed, rem, L


def _curvature(block: Block, grid: torch.Tensor, k: int) -> float:
    """Bound on |∂²χ^(k)/∂t_j²| for one pattern: ‖ρ‖₁ 2^k ‖O‖ b^{k−1} max_a ‖[H(t), [H(t), B_a]]‖, b = max ‖B_a‖.

    ∂²B(t)/∂t² = U† (−[H,[H,B]] + i[Ḣ, B]) U; drives must commute with B (they act on the block, B on the site
    attached by E), so the Ḣ term vanishes. A drive's |c(t)| enters through its maximum on a 10× finer grid."""
    if k == 0:
        return 0.0
    b = max(_spectral(B) for B in block.boundary)
    worst = max(_second_derivative(block, B, float(grid[-1]), 10 * len(grid)) for B in block.boundary)
    return _trace_norm(block.rho) * 2**k * _spectral(block.observable) * b ** (k - 1) * worst


def _grid_size(n_grid: int, k: int, n_ops: int, max_tuples: int) -> int:
    """Points per time axis at order k, capped so that G^k · A^k correlators fit the budget (at least 2)."""
    if k == 0:
        return n_grid
    return max(2, min(n_grid, int((max_tuples / n_ops**k) ** (1.0 / k))))


def scale_bound(
    grown: Block,
    mapped: Block,
    site: SiteModel,
    T: float,
    K: int,
    remaining: int,
    scale: int,
    n_grid: int = 101,
    max_tuples: int = 40_000,
    lightcone: bool = True,
    lc_grid: int = 41,
    max_dim: int = 128,
) -> ScaleBound:
    """The bound on Δ_n = F(E g_n) − F(E m_n), the part of the final error created at this scale.
    lightcone: also compute the light-cone bound and the light-cone Dyson remainder (grid of lc_grid times,
    environment attached exactly up to dimension max_dim); False gives the original Dyson bound only."""
    if n_grid < 2:
        raise ValueError("n_grid must be >= 2 (the grid includes 0 and T)")
    with torch.no_grad():
        g1, m1 = grow(grown, site), grow(mapped, site)
        size = [_trace_norm(b.rho) * _spectral(b.observable) for b in (g1, m1)]
        # round-off allowance: the same number computed along two float64 paths differs by ~1e-15 relative
        roundoff = 1e-12 * sum(size)
        if remaining == 0:  # nothing attached after E: the error is the order-0 mismatch itself
            grid = torch.zeros(1, dtype=torch.float64)
            chi = [
                _grid_correlators(b.rho, *heisenberg_operators(b, T, grid, max_dt=PREDICTION_MAX_DT), 0)
                for b in (g1, m1)
            ]
            d = chi[0] - chi[1]
            return ScaleBound(scale, 0, (float(d.abs()) + roundoff,), 0.0, 0.0, sum(size) + roundoff, float(d.real))
        strengths = torch.tensor([abs(s) for s, _, _ in site.couplings], dtype=torch.float64)
        A = len(site.couplings)
        orders, disc = [], 0.0
        for k in range(K + 1):
            G = _grid_size(n_grid, k, A, max_tuples)
            grid = torch.linspace(0.0, T, G, dtype=torch.float64)
            g_chi, m_chi = (
                _grid_correlators(b.rho, *heisenberg_operators(b, T, grid, max_dt=PREDICTION_MAX_DT), k)
                for b in (g1, m1)
            )
            weight = torch.ones((), dtype=torch.float64)
            for _ in range(k):  # Π|s_a| over the operator axes
                weight = weight[..., None] * strengths
            weighted = (g_chi - m_chi).abs() * weight.reshape(weight.shape + (1,) * k)
            values = weighted.reshape(*([G] * k), -1) if k else weighted.reshape(1)
            best = float(_cell_maxima(values, k).sum(dim=-1).max()) if k else float(values.sum())
            volume = T**k / math.factorial(k)
            # between grid points, |δχ| can exceed the largest corner of its cell by at most Σ_j δ²/8 · max|∂_j² δχ|
            delta = T / (G - 1)
            curvature = float(strengths.sum()) ** k * 2**k * sum(_curvature(b, grid, k) for b in (g1, m1))
            orders.append(volume * best)
            disc += volume * k * delta**2 / 8 * curvature
        coupling = sum(abs(s) * _spectral(B) for (s, _, _), B in zip(site.couplings, g1.boundary))
        tail = sum(size) * (2 * coupling * T) ** (K + 1) / math.factorial(K + 1)
        if not lightcone:
            return ScaleBound(scale, remaining, tuple(orders), disc + roundoff, tail, sum(size) + roundoff)
        # the same remainder with the first commutator's norm computed: (2‖V‖)^K ∫ c(s) s^K/K! ds per block
        weight = lambda s: s**K / math.factorial(K)
        sharp = sum(
            _trace_norm(b.rho) * (2 * coupling) ** K * _integral(*_first_commutators(b, site, T, lc_grid), T, weight)
            for b in (g1, m1)
        )
        lc, signed, lc_rem, L = _lightcone(g1, m1, site, T, remaining, lc_grid, max_dim)
    return ScaleBound(
        scale,
        remaining,
        tuple(orders),
        disc + roundoff,
        min(tail, sharp),
        sum(size) + roundoff,
        signed,
        lc + roundoff,
        lc_rem,
        L,
    )


def terminal_bound(grown: Block, mapped: Block, T: float) -> ScaleBound:
    """A terminal map's last step (m_N replaces g_N, nothing attached after): its error |F(g_N) − F(m_N)| is
    computed exactly, plus the round-off allowance."""
    with torch.no_grad():
        size = [_trace_norm(b.rho) * _spectral(b.observable) for b in (grown, mapped)]
        grid = torch.zeros(1, dtype=torch.float64)
        chi = [
            _grid_correlators(b.rho, *heisenberg_operators(b, T, grid, max_dt=PREDICTION_MAX_DT), 0)
            for b in (grown, mapped)
        ]
    d = chi[0] - chi[1]
    return ScaleBound(
        grown.n_sites, 0, (float(d.abs()),), 1e-12 * sum(size), 0.0, sum(size) * (1 + 1e-12), float(d.real)
    )


def whole_bound(first: Block, prediction: float) -> float:
    """The trivial bound on the whole flow: for a density matrix ρ (PSD, unit trace) the exact ⟨O(T)⟩ lies in
    [λ_min(O), λ_max(O)] (unitary evolution keeps ρ a density matrix), so |exact − p| ≤ max(λ_max − p, p − λ_min).
    For any other ρ: ‖ρ‖₁‖O‖ + |p|."""
    with torch.no_grad():
        r = torch.linalg.eigvalsh(first.rho)
        lam = torch.linalg.eigvalsh(first.observable)
        slack = 1e-12 * (1 + float(lam.abs().max()))
        if float(r.min()) >= -1e-12 and abs(float(r.sum()) - 1) <= 1e-12:
            return max(float(lam.max()) - prediction, prediction - float(lam.min())) + slack
        return _trace_norm(first.rho) * _spectral(first.observable) + abs(prediction) + slack


def flow_bound(
    pairs,
    site: SiteModel,
    N: int,
    T: float,
    K: int,
    n_grid: int = 101,
    max_tuples: int = 40_000,
    terminal: tuple[Block, Block] | None = None,
    prediction: float | None = None,
    **lightcone,
) -> ErrorBound:
    """The bound for a whole flow: one ScaleBound per (grown, mapped) pair (FlowResult.pairs), plus the exact
    last step of a terminal map (FlowResult.terminal). The triangle inequality adds them; with the flow's
    `prediction` the sum is capped by the trivial whole-flow bound. `lightcone`: options of scale_bound."""
    scales = [
        scale_bound(g, m, site, T, K, N - g.n_sites - 1, g.n_sites, n_grid, max_tuples, **lightcone) for g, m in pairs
    ]
    if terminal is not None:
        scales.append(terminal_bound(*terminal, T))
    whole = math.inf if prediction is None else whole_bound(pairs[0][0], prediction)
    return ErrorBound(tuple(scales), whole)
