"""Spin-chain models as `PauliExpr`: transverse-field Ising and XXZ / Heisenberg.

Conventions (Pauli matrices, ħ = 1):

    TFIM:  H = − Σ_i J_i Z_i Z_{i+1} − Σ_i h_i X_i − Σ_i g_i Z_i
    XXZ:   H =   Σ_i J_i (X_i X_{i+1} + Y_i Y_{i+1} + Δ Z_i Z_{i+1}) + Σ_i hz_i Z_i

Couplings may be one number (uniform) or one value per bond / site. Bond i joins sites i and i+1; a periodic chain
has n bonds, the last joining n−1 and 0. The OLRG paper writes its TFIM as +ZZ + hX; for the |0…0⟩ quench its
⟨S^z S^z⟩(t) is the same for every sign choice (notes/olrg.md §5.1), so J = h = 1 here reproduces it.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .expression import PauliExpr

Couplings = float | Sequence[float]


def _per(values: Couplings, count: int, name: str) -> tuple[float, ...]:
    """Broadcast a coupling to `count` finite floats, with an error that says what was expected."""
    if np.isscalar(values):
        values = [values] * count
    values = tuple(float(v) for v in values)
    if len(values) != count:
        raise ValueError(
            f"{name} has {len(values)} values; give one number or exactly {count} (one per "
            f"{'bond' if name.startswith('J') else 'site'})"
        )
    bad = [v for v in values if not math.isfinite(v)]
    if bad:
        raise ValueError(f"{name} contains {bad[0]!r}; couplings must be finite numbers")
    return values


def _bonds(n: int, boundary: str) -> list[tuple[int, int]]:
    if boundary not in ("open", "periodic"):
        raise ValueError(f"boundary must be 'open' or 'periodic', got {boundary!r}")
    bonds = [(i, i + 1) for i in range(n - 1)]
    if boundary == "periodic":
        if n < 3:
            raise ValueError(
                "a periodic chain needs n >= 3 sites (for n = 2 the wrap-around bond doubles the open one)"
            )
        bonds.append((n - 1, 0))
    return bonds


def _check_n(n: int) -> int:
    if int(n) != n or n < 1:
        raise ValueError(f"number of sites n = {n!r}; it must be a positive integer")
    return int(n)


def tfim(n: int, J: Couplings = 1.0, h: Couplings = 1.0, g: Couplings = 0.0, boundary: str = "open") -> PauliExpr:
    """Transverse-field Ising chain H = −Σ J ZZ − Σ h X − Σ g Z."""
    n = _check_n(n)
    bonds = _bonds(n, boundary)
    Js, hs, gs = _per(J, len(bonds), "J"), _per(h, n, "h"), _per(g, n, "g")
    H = PauliExpr.zero(n)
    for (i, j), Jb in zip(bonds, Js):
        if Jb != 0.0:
            H = H + PauliExpr.term(n, "ZZ", (i, j), -Jb)
    for i in range(n):
        if hs[i] != 0.0:
            H = H + PauliExpr.term(n, "X", (i,), -hs[i])
        if gs[i] != 0.0:
            H = H + PauliExpr.term(n, "Z", (i,), -gs[i])
    return H


def xxz(n: int, J: Couplings = 1.0, delta: float = 1.0, hz: Couplings = 0.0, boundary: str = "open") -> PauliExpr:
    """XXZ chain H = Σ J (XX + YY + Δ ZZ) + Σ hz Z; Δ = 1 is the Heisenberg chain."""
    n = _check_n(n)
    bonds = _bonds(n, boundary)
    Js, hzs = _per(J, len(bonds), "J"), _per(hz, n, "hz")
    (delta,) = _per(delta, 1, "delta")
    H = PauliExpr.zero(n)
    for (i, j), Jb in zip(bonds, Js):
        for pp, c in (("XX", Jb), ("YY", Jb), ("ZZ", Jb * delta)):
            if c != 0.0:
                H = H + PauliExpr.term(n, pp, (i, j), c)
    for i in range(n):
        if hzs[i] != 0.0:
            H = H + PauliExpr.term(n, "Z", (i,), hzs[i])
    return H


def pauli_string(n: int, paulis: str, sites: Sequence[int], coeff: complex = 1.0) -> PauliExpr:
    """An observable such as Z_0 Z_5: pauli_string(n, "ZZ", (0, 5))."""
    return PauliExpr.term(_check_n(n), paulis, sites, coeff)
