"""Exact teacher → student training: KL(p_tch ‖ q_std) by enumeration, its optimum, and dJ'/dJ by implicit
differentiation.

All 2^(4d) visible states are enumerated (16, 4096, 65536); hidden spins are summed analytically (rbm.py), so the KL,
its gradient and its Hessian in the ≤ 10 student couplings are exact and cheap. The objective is not convex: on the
A1 axis the E channels of the student sit at a symmetric saddle (gradient zero by symmetry), so a start at
J' = J_tch returns the A1-only optimum (notes, addendum 2). `optimal_student` therefore runs several starts (the
teacher's couplings, perturbed copies and random ones, all from a fixed seed), keeps the best and polishes it with
damped Newton steps until the gradient is below `gtol`.

Sums run over C4 × Z2 orbits (enumeration.py); Newton uses the closed-form gradient and Hessian.

Implicit function theorem: at the optimum g(J, J') = ∂_J' F = 0, so dJ'/dJ = −(∂²_J'J' F)⁻¹ ∂²_J'J F.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .enumeration import cross_entropy_derivs, field_scores, log_prob, orbits
from .irreps import Rep
from .newton import minimize
from .rbm import Block


@dataclass(frozen=True)
class Pair:
    """Teacher and student of one representation and geometry."""

    rep: Rep
    geometry: str = "consistent"

    @property
    def teacher(self) -> Block:
        return Block(self.rep, "teacher", self.geometry)

    @property
    def student(self) -> Block:
        return Block(self.rep, "student", self.geometry)

    @property
    def n_params(self) -> int:
        return self.rep.n_params


def kl(pair: Pair, J_tch: torch.Tensor, J_std: torch.Tensor) -> torch.Tensor:
    """KL(p_tch ‖ q_std) in nats (differentiable in both arguments; J may carry batch dimensions)."""
    _, mult = orbits(pair.rep)
    logp = log_prob(pair.teacher, J_tch)
    logq = log_prob(pair.student, J_std)
    return (mult * logp.exp() * (logp - logq)).sum(-1)


def teacher_weights(pair: Pair, J_tch: torch.Tensor) -> torch.Tensor:
    """n_o p_o over the orbit representatives (sums to 1)."""
    _, mult = orbits(pair.rep)
    return mult * log_prob(pair.teacher, J_tch).exp()


def _newton(pair: Pair, pm: torch.Tensor, J: torch.Tensor, gtol: float, max_iter: int) -> tuple[torch.Tensor, float]:
    """Damped Newton on the cross entropy (newton.minimize), closed-form gradient and Hessian."""
    J, F, _, _ = minimize(lambda x: cross_entropy_derivs(pair.student, pm, x), J, gtol=gtol, max_iter=max_iter)
    return J, float(F)


def optimal_student(
    pair: Pair,
    J_tch: torch.Tensor,
    *,
    starts: int = 6,
    seed: int = 0,
    gtol: float = 1e-11,
    init: torch.Tensor | None = None,
) -> tuple[torch.Tensor, float]:
    """argmin_J' KL(p_tch(J_tch) ‖ q_std(J')) and the minimum (nats). `init` adds a warm start."""
    J_tch = J_tch.detach()
    with torch.no_grad():
        pm = teacher_weights(pair, J_tch)
    gen = torch.Generator().manual_seed(seed)
    scale = 0.5 + float(J_tch.abs().max())
    cands = [J_tch.clone()] + ([init.detach().clone()] if init is not None else [])
    while len(cands) < starts:
        noise = torch.randn(pair.n_params, generator=gen, dtype=torch.float64)
        cands.append(J_tch + 0.3 * scale * noise if len(cands) % 2 else scale * noise)
    best, best_f = None, float("inf")
    for c in cands:
        J, F = _newton(pair, pm, c, 1e-7, max_iter=60)
        if F < best_f - 1e-12:
            best, best_f = J, F
    best, _ = _newton(pair, pm, best, gtol, max_iter=30)
    with torch.no_grad():
        value = float(kl(pair, J_tch, best))
    return best, value


def student_jacobian(pair: Pair, J_tch: torch.Tensor, J_std: torch.Tensor) -> torch.Tensor:
    """dJ'/dJ at an optimum J' of the KL (implicit differentiation; (c, c) matrix).

    The mixed derivative is in closed form: ∂F/∂J' = Σ_o (q_o − n_o p_o) g_o with g_o = ∂ log w_std(o)/∂J', so
    ∂²F/∂J'∂J = −Σ_o n_o p_o g_o (s_o − ⟨s⟩_p)ᵀ with s_o = ∂ log w_tch(o)/∂J (no autograd: Newton on R(J) − J
    needs it at every trial point)."""
    J_tch, J_std = J_tch.detach(), J_std.detach()
    pm = teacher_weights(pair, J_tch)
    _, _, H_ss = cross_entropy_derivs(pair.student, pm, J_std)
    g = field_scores(pair.student, J_std)
    s = field_scores(pair.teacher, J_tch)
    H_st = -(g * pm[:, None]).T @ (s - pm @ s)
    return -torch.linalg.solve(H_ss, H_st)
