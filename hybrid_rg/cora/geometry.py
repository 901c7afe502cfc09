"""Where the variables of a CORA live: the lattices Γ0, Γ1, …, Γ_J and the boxes that connect them.

A CORA layer π_j : S(Γ_j) → S(Γ_{j-1}) is a binary (1D) or 2×2 (2D) MERA layer read as a generative recipe:

1. every coarse site s of Γ_j goes through an *isometry* box W (one input, B = 2^D outputs) that writes its block
   of B "intermediate" fine sites (block of s = {2s, 2s+1} in 1D, the 2×2 square at (2r, 2c) in 2D);
2. the intermediate fine sites then go, in groups of B that straddle the block boundaries, through a
   *disentangler* box U (B inputs, B outputs): {2i+1, 2i+2} in 1D, the 2×2 square at (2r+1, 2c+1) in 2D.

Both partitions tile the periodic fine lattice, so the layer is a product of local boxes. This module only knows
the index bookkeeping (flat site indices, row-major in 2D); `marginals.py` uses it to build causal cones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product


@dataclass(frozen=True)
class Geometry:
    """dim ∈ {1, 2}; `side` sites per axis on Γ0 (a periodic chain or torus); `n_layers` = J coarse-grainings."""

    dim: int
    side: int
    n_layers: int

    def __post_init__(self):
        if self.dim not in (1, 2):
            raise ValueError(f"dim = {self.dim}: CORA supports dim = 1 (chain) or dim = 2 (square torus)")
        if self.n_layers < 1:
            raise ValueError(f"n_layers = {self.n_layers}: need at least 1 layer")
        if self.side % (2**self.n_layers):
            raise ValueError(
                f"side = {self.side} is not divisible by 2^n_layers = {2**self.n_layers}; "
                "choose side = 2^n_layers × (top side)"
            )
        if self.side // 2 ** (self.n_layers - 1) < 2:
            raise ValueError("the level below the top needs at least 2 sites per axis")

    @property
    def block(self) -> int:
        """B: number of fine sites per coarse site (and per disentangler)."""
        return 2**self.dim

    def side_at(self, level: int) -> int:
        return self.side // 2**level

    def size(self, level: int) -> int:
        return self.side_at(level) ** self.dim

    # ---- flat index <-> coordinates -------------------------------------------------------------------
    def coords(self, level: int, s: int) -> tuple[int, ...]:
        L = self.side_at(level)
        return (s,) if self.dim == 1 else (s // L, s % L)

    def flat(self, level: int, xy) -> int:
        L = self.side_at(level)
        if self.dim == 1:
            return xy[0] % L
        return (xy[0] % L) * L + (xy[1] % L)

    # ---- boxes ------------------------------------------------------------------------------------------
    def children(self, level: int, s: int) -> tuple[int, ...]:
        """Fine sites (on level-1) written by the isometry of coarse site s of `level`, in box-axis order."""
        return _children(self, level, s)

    def parent(self, fine_level: int, t: int) -> int:
        return self.flat(fine_level + 1, tuple(x // 2 for x in self.coords(fine_level, t)))

    def group(self, fine_level: int, t: int) -> int:
        """Index of the disentangler (on fine_level) that fine site t belongs to."""
        Lc = self.side_at(fine_level + 1)
        g = tuple(((x - 1) // 2) % Lc for x in self.coords(fine_level, t))
        return self.flat(fine_level + 1, g)

    def group_sites(self, fine_level: int, g: int) -> tuple[int, ...]:
        return _group_sites(self, fine_level, g)

    # ---- windows ----------------------------------------------------------------------------------------
    def window(self, level: int, origin, shape) -> tuple[int, ...]:
        """Flat indices of a periodic window (row-major), e.g. window(0, (5,), (3,)) = (5, 6, 7)."""
        return tuple(
            self.flat(level, tuple(o + d for o, d in zip(origin, off))) for off in product(*(range(w) for w in shape))
        )


@lru_cache(maxsize=None)
def _children(geo: Geometry, level: int, s: int) -> tuple[int, ...]:
    base = tuple(2 * x for x in geo.coords(level, s))
    return tuple(
        geo.flat(level - 1, tuple(b + d for b, d in zip(base, off))) for off in product((0, 1), repeat=geo.dim)
    )


@lru_cache(maxsize=None)
def _group_sites(geo: Geometry, fine_level: int, g: int) -> tuple[int, ...]:
    base = tuple(2 * x + 1 for x in geo.coords(fine_level + 1, g))
    return tuple(
        geo.flat(fine_level, tuple(b + d for b, d in zip(base, off))) for off in product((0, 1), repeat=geo.dim)
    )
