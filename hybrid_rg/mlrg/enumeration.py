"""Exact sums over the visible states of a block, reduced to orbits of C4 × Z2.

Both marginals (teacher p and student q, in either geometry) are invariant under the global spin flip and under the
cyclic C4 rotation of the block (the mirrors differ between the geometries), so Σ_x f(x) = Σ_orbits n_o f(x_o) for
any invariant f: 65536 states of 2A1+E become 8264 orbits. Hidden fields are linear in the couplings, h = Σ_c J_c D_c,
so the design tensors D are computed once and every log-weight, gradient and Hessian is an einsum.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from .irreps import Rep
from .rbm import MAX_ENUM_SPINS, Block, act, all_configs, logcosh2


@lru_cache(maxsize=16)
def orbits(rep: Rep) -> tuple[torch.Tensor, torch.Tensor]:
    """(representatives (n_o, 4d), multiplicities (n_o,)) of the visible states under C4 × Z2."""
    n = 4 * rep.dim
    if n > MAX_ENUM_SPINS:
        raise ValueError(
            f"representation {rep.name} has {n} visible spins per block; exact enumeration allows at "
            f"most {MAX_ENUM_SPINS} (2A1+E); use a smaller representation or mode='cd'"
        )
    X = all_configs(n)
    weights = 2 ** torch.arange(n - 1, -1, -1)
    angles = [45 + 90 * k for k in range(4)]
    index = lambda c: (((1 - c) / 2).round().long() * weights).sum(-1)  # noqa: E731
    images = [index(s * act(rep, angles, X, r, 0)) for r in range(4) for s in (1, -1)]
    rep_idx = torch.stack(images).min(0).values
    uniq, counts = torch.unique(rep_idx, return_counts=True)
    return X[uniq], counts.to(torch.float64)


@dataclass(frozen=True)
class Design:
    """Hidden-field design tensor of one block over the orbit representatives: h = einsum('c,cnh->nh', J, D)."""

    D: torch.Tensor  # (c, n_orbits, n_hidden·d)

    @property
    def flat(self) -> torch.Tensor:
        """D as (n_orbits, n_hidden·d, c), contiguous: h = D_flat @ J is one matrix product."""
        cached = self.__dict__.get("_flat")
        if cached is None:
            cached = self.D.permute(1, 2, 0).contiguous()
            object.__setattr__(self, "_flat", cached)
        return cached

    @staticmethod
    def of(block: Block) -> "Design":
        X, _ = orbits(block.rep)
        eye = torch.eye(block.n_params, dtype=torch.float64)
        return Design(torch.einsum("chv,nv->cnh", block.field_matrix(eye), X))

    def fields(self, J: torch.Tensor) -> torch.Tensor:
        return torch.einsum("...c,cnh->...nh", J, self.D)  # two operands: no opt_einsum path search

    def log_weight(self, J: torch.Tensor) -> torch.Tensor:
        return logcosh2(self.fields(J)).sum(-1)


@lru_cache(maxsize=32)
def design(block: Block) -> Design:
    return Design.of(block)


def log_prob(block: Block, J: torch.Tensor) -> torch.Tensor:
    """Normalised log-probability of each orbit representative (differentiable)."""
    _, mult = orbits(block.rep)
    lw = design(block).log_weight(J)
    return lw - torch.logsumexp(lw + mult.log(), dim=-1, keepdim=True)


def cross_entropy_derivs(block: Block, p_mult: torch.Tensor, J: torch.Tensor):
    """F(J) = −Σ_o n_o p_o log q_o(J) with its exact gradient and Hessian (no autograd: Newton's inner loop).

    The contractions are written as matrix products on the (n·h, c) layout of D: a three-operand torch.einsum asks
    opt_einsum for a contraction path on every call, and this function runs ~10⁴ times per critical search (the
    path search was 46 % of the time of `critical`, issue 20).
    """
    Dt = design(block).flat  # (n, h, c)
    n, nh, c = Dt.shape
    _, mult = orbits(block.rep)
    h = Dt @ J  # (n, h)
    lw = logcosh2(h).sum(-1)
    logz = torch.logsumexp(lw + mult.log(), 0)
    q = torch.exp(lw - logz) * mult
    t = torch.tanh(h)
    g_x = (t.unsqueeze(1) @ Dt).squeeze(1)  # ∂ lw / ∂J, (n, c)
    s2 = 1.0 - t * t
    F = -(p_mult * lw).sum() + logz
    w = q - p_mult
    grad = w @ g_x
    mean_q = q @ g_x
    D2 = Dt.reshape(n * nh, c)
    hess = (D2 * (w[:, None] * s2).reshape(-1, 1)).T @ D2 + (g_x * q[:, None]).T @ g_x - torch.outer(mean_q, mean_q)
    return F, grad, hess


def field_scores(block: Block, J: torch.Tensor) -> torch.Tensor:
    """∂ log w_o / ∂J_c per orbit representative, (n_orbits, c): Σ_h tanh(h_oh) D_ohc (log w = Σ_h log 2cosh h)."""
    Dt = design(block).flat
    return (torch.tanh(Dt @ J).unsqueeze(1) @ Dt).squeeze(1)


def numpy_orbit_count(rep: Rep) -> int:
    return int(np.asarray(orbits(rep)[1]).size)
