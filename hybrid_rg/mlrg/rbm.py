"""Equivariant RBMs on a Lieb-lattice block: the teacher (square graph) and the student (cross graph).

Conventions (±1 spins, physical units, so the exact critical point is J0c = ½ arccosh(1+√2) = 0.7643):
energy E(x, z) = −Σ_bonds srcᵀ W(θ) tgt, where src is the degree-2 "edge" spin, tgt the degree-4 "vertex" spin,
θ the bond direction and W(θ) = R(θ) W_ref R(θ)ᵀ the reference matrix W_ref = Σ_c J_c B_c carried by the internal
rotation R(θ). The authors' code uses [s≠t] one-hot energies with J_rbm = 2 J0; the maps agree after that rescaling.

Geometry (angles about the block centre, degrees): teacher corners x_k at 45+90k (visible), edge spins z_k at 90+90k
(hidden), bonds z_k→x_k along 90k and z_k→x_{k+1} along 90k+180. Student: visible x_k, hidden centre z0.
- geometry="authors" (the published code): the student bond x_k→z0 is treated as pointing along 90k, i.e. in a frame
  rotated by 45° against the teacher's; p and q are then invariant under *different* C4v actions on x (notes, addendum).
- geometry="consistent": the student sits at the teacher's corners (bonds along 225+90k) and its visible spins carry
  the teacher's C4v action, so p and q share one symmetry; every edge spin's E doublet is turned by −45° against its
  vertex spins' (so that J ↦ R(J) stays in one family); the 45° intertwiner exists for A1, A2 and E only.
Hidden spins are never coupled to each other, so every marginal is a product of 2cosh factors: no hidden enumeration.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import torch

from .irreps import Rep

GEOMETRIES = ("authors", "consistent")
MAX_ENUM_SPINS = 16  # 2^16 visible states (2A1+E); beyond that exact mode refuses


def _check_geometry(geometry: str) -> str:
    if geometry not in GEOMETRIES:
        raise ValueError(f"geometry {geometry!r} is unknown; use one of {', '.join(GEOMETRIES)}")
    return geometry


@lru_cache(maxsize=8)
def all_configs(n_spins: int) -> torch.Tensor:
    """All 2^n ±1 configurations, first spin most significant (so legs reshape site by site). Cached: read only."""
    if n_spins > 24:
        raise ValueError(f"{n_spins} spins is too many to enumerate (2^{n_spins} states); the limit is 24")
    idx = torch.arange(2**n_spins, dtype=torch.int64)
    bits = (idx[:, None] >> torch.arange(n_spins - 1, -1, -1)) & 1
    return (1 - 2 * bits).to(torch.float64)


def logcosh2(h: torch.Tensor) -> torch.Tensor:
    """log(2 cosh h) = log Σ_{z=±1} e^{z h}, stable for large |h|."""
    return torch.logaddexp(h, -h)


@dataclass(frozen=True)
class Block:
    """One RBM (teacher or student) for a representation and a geometry; J lives outside (a tensor of n_params)."""

    rep: Rep
    role: str  # "teacher" | "student"
    geometry: str = "authors"

    def __post_init__(self):
        _check_geometry(self.geometry)
        if self.role not in ("teacher", "student"):
            raise ValueError(f"role {self.role!r} is unknown; use 'teacher' or 'student'")
        if self.geometry == "consistent" and self.role == "student":
            self.rep.rotation(45)  # raises a ValueError for B1/B2

    # -- geometry -------------------------------------------------------------------------------------------
    @property
    def visible_angles(self) -> list[int]:
        if self.role == "student" and self.geometry == "authors":
            return [180 + 90 * k for k in range(4)]
        return [45 + 90 * k for k in range(4)]

    @property
    def hidden_angles(self) -> list[int | None]:
        return [90 + 90 * k for k in range(4)] if self.role == "teacher" else [None]

    @property
    def bonds(self) -> list[tuple[int, int, int]]:
        """(hidden index, visible index, bond direction in degrees) for every bond."""
        if self.role == "teacher":
            return [b for k in range(4) for b in ((k, k, 90 * k), (k, (k + 1) % 4, 90 * k + 180))]
        off = 0 if self.geometry == "authors" else 225
        return [(0, k, off + 90 * k) for k in range(4)]

    @property
    def frames(self) -> tuple[int, int]:
        """(hidden-spin frame, visible-spin frame) in degrees against the teacher's frame (see module docstring)."""
        if self.geometry == "authors":
            return 0, 0
        return (-45, 0) if self.role == "teacher" else (45, 0)

    @cached_property
    def _rotations(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Internal rotations (src side, tgt side) per bond: W(θ) = R_src W_ref R_tgtᵀ.

        "consistent": in each RBM's own frame (that of its vertex spins) the edge spin's frame is turned by −45°,
        W(φ) = R(φ+45) W_ref R(φ)ᵀ. The student's own frame is the coarse lattice's (+45° against the teacher's),
        which puts its visible spins in the teacher's frame, and the student's x become the next teacher's edge
        spins with exactly the same −45° offset: J ↦ R(J) maps the family into itself.
        """
        src, tgt = [], []
        for _, _, th in self.bonds:
            if self.geometry == "authors":
                a, b = th, th
            elif self.role == "teacher":
                a, b = th + 45, th
            else:
                a, b = th, th - 45
            src.append(self.rep.rotation(a % 360))
            tgt.append(self.rep.rotation(b % 360))
        return torch.tensor(np.array(src)), torch.tensor(np.array(tgt))

    @cached_property
    def basis(self) -> torch.Tensor:
        return torch.tensor(self.rep.coupling_basis())

    @property
    def n_params(self) -> int:
        return self.basis.shape[0]

    @property
    def n_visible(self) -> int:
        return 4 * self.rep.dim

    # -- couplings and energies ------------------------------------------------------------------------------
    def bond_matrices(self, J: torch.Tensor) -> torch.Tensor:
        """(..., n_bonds, d, d): W(θ) = R W_ref Rᵀ for each bond (rows: edge spin, columns: vertex spin)."""
        W = torch.einsum("...c,cij->...ij", J, self.basis)
        Rs, Rt = self._rotations
        return Rs @ W.unsqueeze(-3) @ Rt.transpose(-1, -2)  # matrix products: no opt_einsum path search per call

    @cached_property
    def _incidence(self) -> torch.Tensor:
        inc = torch.zeros(len(self.bonds), len(self.hidden_angles), 4, dtype=torch.float64)
        for b, (zi, xi, _) in enumerate(self.bonds):
            inc[b, zi, xi] = 1.0
        return inc

    def field_matrix(self, J: torch.Tensor) -> torch.Tensor:
        """(..., n_hidden·d, 4d): the hidden fields are h = M x (rows: hidden components)."""
        Wb = self.bond_matrices(J)
        d, nh = self.rep.dim, len(self.hidden_angles)
        if self.role == "teacher":  # z^T W x: hidden index on the rows of W
            M = torch.einsum("bhv,...bij->...hivj", self._incidence, Wb)
        else:  # x^T W z0: hidden index on the columns of W
            M = torch.einsum("bhv,...bij->...hjvi", self._incidence, Wb)
        return M.reshape(*J.shape[:-1], nh * d, 4 * d)

    def log_weight(self, J: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """log Σ_z e^{−E(x,z)} for visible configurations x (configs, 4d); J may carry batch dimensions."""
        return logcosh2(x @ self.field_matrix(J).transpose(-1, -2)).sum(-1)

    def energy(self, J: torch.Tensor, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Joint energy E(x, z) for paired configurations x (n, 4d) and z (n, n_hidden·d)."""
        return -((z @ self.field_matrix(J)) * x).sum(-1)

    def log_prob(self, J: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        """Exact normalised log marginal of the visible spins over all 2^(4d) states (or at x)."""
        if self.n_visible > MAX_ENUM_SPINS:
            raise ValueError(
                f"representation {self.rep.name} has {self.n_visible} visible spins per block; exact "
                f"enumeration allows at most {MAX_ENUM_SPINS} (2A1+E); use a smaller representation "
                "or mode='cd'"
            )
        X = all_configs(self.n_visible)
        lw = self.log_weight(J, X)
        logz = torch.logsumexp(lw, dim=-1, keepdim=True)
        return (lw - logz) if x is None else self.log_weight(J, x) - logz


def site_permutation(angles: list, r: int, m: int) -> list[int]:
    """perm[k] = index of the site that site k is carried to by g = C4^r σ^m (σ: θ → −θ, then +90r)."""
    out = []
    for a in angles:
        if a is None:
            out.append(0)
            continue
        b = ((-a if m % 2 else a) + 90 * r) % 360
        out.append([x % 360 for x in angles].index(b))
    return out


def act(rep: Rep, angles: list, config: torch.Tensor, r: int, m: int, frame: int = 0) -> torch.Tensor:
    """Apply g = C4^r σ^m to configurations (n, n_sites·d): (g·s)_{g(k)} = T_f(g) s_k, where a spin whose frame is
    turned by f degrees sees T_f(g) = R(f)ᵀ T(g) R(f) (a signed permutation again for f = ±45)."""
    n_sites = len(angles)
    s = config.reshape(config.shape[0], n_sites, rep.dim)
    Rf = rep.rotation(frame % 360)
    T = torch.tensor(Rf.T @ rep.element(r, m) @ Rf)
    perm = site_permutation(angles, r, m)
    out = torch.empty_like(s)
    for k in range(n_sites):
        out[:, perm[k]] = s[:, k] @ T.T
    return out.reshape(config.shape)
