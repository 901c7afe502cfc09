"""Exact sums over the visible states of a block, reduced to orbits of C4 × Z2.

Both marginals (teacher p and student q, in either geometry) are invariant under the global spin flip and under the
cyclic C4 rotation of the block (the mirrors differ between the geometries), so Σ_x f(x) = Σ_orbits n_o f(x_o) for
any invariant f: 65536 states of 2A1+E become 8264 orbits. Hidden fields are linear in the couplings, h = Σ_c J_c D_c,
and the (orbit, hidden component) pairs share few distinct coupling vectors D[:, o, a] (`Design`), so every
log-weight, gradient and Hessian is a few small matrix products and sparse sums over those rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property, lru_cache

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


@dataclass(frozen=True, eq=False)
class Design:
    """Hidden-field design of one block over the orbit representatives, compressed to its distinct rows.

    h[o, a] = Σ_c J_c D[c, o, a], and D's entries are small integers: the (orbit, hidden component) pairs share few
    distinct coupling vectors (2A1+E student: 233 rows for 8264 × 4 pairs, teacher 81 for 8264 × 16). So
    h = (rows @ J)[index]: every tanh / log cosh is evaluated once per distinct row, and sums over the pairs are
    scatter-adds onto the rows (this is what makes `critical` fit in 2 minutes).
    """

    rows: torch.Tensor  # (n_rows, c): the distinct coupling vectors of one hidden field
    index: torch.Tensor  # (n_orbits, n_hidden·d): row of each (orbit, hidden component), int64

    @property
    def D(self) -> torch.Tensor:
        """The full design tensor (c, n_orbits, n_hidden·d) (tests, and callers that want it dense)."""
        return self.rows[self.index].permute(2, 0, 1)

    @staticmethod
    def of(block: Block) -> "Design":
        X, _ = orbits(block.rep)
        eye = torch.eye(block.n_params, dtype=torch.float64)
        dense = torch.einsum("chv,nv->nhc", block.field_matrix(eye), X)
        n, nh, c = dense.shape
        flat = dense.reshape(n * nh, c)
        # group on rounded keys (the consistent geometry's entries are multiples of √2/2, equal up to round-off);
        # each row keeps an exact value of its group
        _, index = torch.unique(torch.round(flat * 2.0**30), dim=0, return_inverse=True)
        rows = torch.zeros(int(index.max()) + 1, c, dtype=torch.float64).index_copy_(0, index, flat)
        return Design(rows, index.reshape(n, nh))

    def row_fields(self, J: torch.Tensor) -> torch.Tensor:
        return J @ self.rows.T  # (..., n_rows)

    def fields(self, J: torch.Tensor) -> torch.Tensor:
        return self.row_fields(J)[..., self.index]

    def log_weight(self, J: torch.Tensor) -> torch.Tensor:
        return logcosh2(self.row_fields(J))[..., self.index].sum(-1)

    def scores(self, J: torch.Tensor) -> torch.Tensor:
        """∂ log w_o / ∂J_c, (n_orbits, c) (J without batch dimensions)."""
        return (torch.tanh(self.row_fields(J))[:, None] * self.rows)[self.index].sum(1)

    @cached_property
    def sums(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Sparse (CSR) count matrices of the compression. A (n_orbits, n_rows), A[o, r] = #{a: index[o, a] = r}, and
        its transpose: Σ_a f(h_oa) = (A f)_o and Σ_(o,a) w_o f_(index[o,a]) = (Aᵀ w)·f. When n_rows² ≤ n_orbits · c
        also Q (n_rows², n_orbits), Q[r·n_rows + r', o] = #{(a, b): index[o, a] = r, index[o, b] = r'}, so that the
        covariance of the per-orbit scores is Σ_o q_o g_o g_oᵀ = trᵀ (Q q) tr with tr = tanh(h) · rows (cheaper than
        forming g = A tr when there are few rows: 2A1+E authors' student, 233 rows; 4A1's 1517 rows are not)."""
        n, nh = self.index.shape
        U, c = self.rows.shape
        orbit = torch.arange(n).repeat_interleave(nh)
        ones = torch.ones(n * nh, dtype=torch.float64)
        A = torch.sparse_coo_tensor(torch.stack([orbit, self.index.reshape(-1)]), ones, (n, U), check_invariants=True)
        Q = None
        if U * U <= n * c:
            pair = (self.index[:, :, None] * U + self.index[:, None, :]).reshape(n, -1)
            key, counts = torch.unique(pair * n + torch.arange(n)[:, None], return_counts=True)
            Q = torch.sparse_coo_tensor(
                torch.stack([key // n, key % n]), counts.to(torch.float64), (U * U, n), check_invariants=True
            )
        with warnings.catch_warnings():  # "sparse CSR support is in beta": matrix products are all we use
            warnings.simplefilter("ignore", UserWarning)
            A = A.coalesce()  # sums repeated (orbit, row) entries
            csr = lambda m: m.coalesce().to_sparse_csr()  # noqa: E731
            return A.to_sparse_csr(), csr(A.t()), None if Q is None else csr(Q)


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

    With h = (rows @ J)[index] (Design): log w_o = Σ_a L(h_oa), ∂/∂J = Σ_a t_oa r_oa (t = tanh h, r the row),
    ∂² log w_o = Σ_a (1 − t²) r rᵀ. F's gradient Σ_o w_o ∂ log w_o and the first Hessian term Σ_o w_o ∂² log w_o
    (w = q − n p) only need w summed onto the rows; the covariance term needs the per-orbit scores. Runs ~10⁴ times
    per critical search (a three-operand einsum here re-planned its path every call: 46 % of `critical`).
    """
    des = design(block)
    A, At, Q = des.sums
    _, mult = orbits(block.rep)
    h = des.row_fields(J)  # (n_rows,)
    lw = A @ logcosh2(h)
    logz = torch.logsumexp(lw + mult.log(), 0)
    q = torch.exp(lw - logz) * mult
    t = torch.tanh(h)
    tr = t[:, None] * des.rows  # ∂ L(h_r) / ∂J per row, (n_rows, c)
    F = -(p_mult * lw).sum() + logz
    w_rows = At @ (q - p_mult)
    grad = w_rows @ tr
    mean_q = (At @ q) @ tr
    hess = (des.rows * (w_rows * (1.0 - t * t))[:, None]).T @ des.rows
    if Q is not None:  # few rows: the covariance through row pairs
        hess = hess + tr.T @ ((Q @ q).reshape(len(h), len(h)) @ tr)
    else:  # many rows: through the per-orbit scores g = A tr
        g_x = A @ tr
        hess = hess + (g_x * q[:, None]).T @ g_x
    hess = hess - torch.outer(mean_q, mean_q)
    return F, grad, hess


def field_scores(block: Block, J: torch.Tensor) -> torch.Tensor:
    """∂ log w_o / ∂J_c per orbit representative, (n_orbits, c): Σ_h tanh(h_oh) D_ohc (log w = Σ_h log 2cosh h)."""
    return design(block).scores(J)


def numpy_orbit_count(rep: Rep) -> int:
    return int(np.asarray(orbits(rep)[1]).size)
