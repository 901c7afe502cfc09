"""C4v irreps, on-site representations and the mirror-symmetric coupling matrices of the equivariant RBMs.

Every spin component is a Z2-odd Ising variable; a site carries a direct sum of C4v irreps (paper Tab. I), so the
group acts on a site's d components by signed permutations and Ising configurations stay Ising configurations.
A bond's coupling matrix W (energy −srcᵀ W tgt) must be invariant under the mirror that preserves the bond; with the
bond along the x axis that mirror is σ = diag(...) and the allowed entries are those with σ_i σ_j = +1. Ordering
them row-major reproduces the paper's parameter labels J0…J9 (Eqs. 16–18): 1, 5 and 10 parameters for A1, A1+E
and 2A1+E.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# (T_C4, T_sigma) for each irrep, sigma = reflection y -> -y (the x axis lies along the representative bond)
IRREPS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "A1": (np.array([[1.0]]), np.array([[1.0]])),
    "A2": (np.array([[1.0]]), np.array([[-1.0]])),
    "B1": (np.array([[-1.0]]), np.array([[1.0]])),
    "B2": (np.array([[-1.0]]), np.array([[-1.0]])),
    "E": (np.array([[0.0, -1.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, -1.0]])),
}

# A rotation by 45 degrees is not in C4v; the "consistent" geometry needs it to carry the reference bond onto a
# diagonal bond. It exists (as an intertwiner rho(g) -> rho(psi(g)), psi the outer automorphism) for A1, A2 and E only.
_ROT45 = {"A1": np.array([[1.0]]), "A2": np.array([[1.0]]), "E": np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2.0)}


def _blockdiag(blocks: list[np.ndarray]) -> np.ndarray:
    d = sum(b.shape[0] for b in blocks)
    out = np.zeros((d, d))
    i = 0
    for b in blocks:
        n = b.shape[0]
        out[i : i + n, i : i + n] = b
        i += n
    return out


@dataclass(frozen=True)
class Rep:
    """A direct sum of C4v irreps carried by every spin (visible and hidden) of both RBMs."""

    irreps: tuple[str, ...]

    @staticmethod
    def parse(text: str) -> "Rep":
        """'A1', 'A1+E', '2A1+E', 'A1+B1+E' (also ⊕ as separator)."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"representation {text!r} is empty; write e.g. 'A1', 'A1+E' or '2A1+E'")
        out: list[str] = []
        for term in re.split(r"[+⊕]", text.replace(" ", "")):
            m = re.fullmatch(r"(\d*)(A1|A2|B1|B2|E)", term)
            if not m:
                raise ValueError(
                    f"unknown C4v irrep {term!r} in representation {text!r}; "
                    f"use sums of {', '.join(IRREPS)} such as '2A1+E'"
                )
            out += [m.group(2)] * int(m.group(1) or 1)
        return Rep(tuple(out))

    @property
    def name(self) -> str:
        parts, i = [], 0
        while i < len(self.irreps):
            j = i
            while j < len(self.irreps) and self.irreps[j] == self.irreps[i]:
                j += 1
            parts.append(f"{j - i if j - i > 1 else ''}{self.irreps[i]}")
            i = j
        return "+".join(parts)

    @property
    def dim(self) -> int:
        return sum(IRREPS[r][0].shape[0] for r in self.irreps)

    def c4(self) -> np.ndarray:
        return _blockdiag([IRREPS[r][0] for r in self.irreps])

    def sigma(self) -> np.ndarray:
        return _blockdiag([IRREPS[r][1] for r in self.irreps])

    def element(self, r: int, m: int) -> np.ndarray:
        """T(g) for g = C4^r sigma^m (sigma applied first)."""
        return np.linalg.matrix_power(self.c4(), r % 4) @ np.linalg.matrix_power(self.sigma(), m % 2)

    def rotation(self, angle_deg: int) -> np.ndarray:
        """Internal matrix of a rotation by a multiple of 45 degrees (45-degree steps only for A1, A2, E)."""
        if angle_deg % 90 == 0:
            return self.element(angle_deg // 90, 0)
        bad = sorted({r for r in self.irreps if r not in _ROT45})
        if bad:
            raise ValueError(
                f"representation {self.name} contains {', '.join(bad)}, which a 45-degree rotation "
                "maps to another irrep; the 'consistent' geometry supports A1, A2 and E only "
                "(use geometry='authors')"
            )
        return _blockdiag([_ROT45[r] for r in self.irreps]) @ self.element((angle_deg - 45) // 90, 0)

    def copies(self) -> list[tuple[str, slice]]:
        """(irrep, component slice) of every irrep copy: the units a hidden-spin gauge flip acts on."""
        out, i = [], 0
        for r in self.irreps:
            n = IRREPS[r][0].shape[0]
            out.append((r, slice(i, i + n)))
            i += n
        return out

    def coupling_basis(self) -> np.ndarray:
        """(c, d, d) basis of mirror-symmetric coupling matrices, in the paper's row-major J0, J1, … order."""
        s = np.diag(self.sigma())
        if not np.allclose(self.sigma(), np.diag(s)):
            raise AssertionError("sigma is diagonal for every irrep in this convention")
        d = self.dim
        basis = []
        for i in range(d):
            for j in range(d):
                if s[i] * s[j] > 0:
                    b = np.zeros((d, d))
                    b[i, j] = 1.0
                    basis.append(b)
        return np.array(basis)

    @property
    def n_params(self) -> int:
        return len(self.coupling_basis())
