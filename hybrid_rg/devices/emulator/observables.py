"""What a measurement of every atom sees: bitstring probabilities, exact ⟨Z⟩ and ⟨Z_i Z_j⟩, seeded shots.

Basis index b ↔ bitstring format(b, f"0{n}b"): atom 0 is the most significant bit (hybrid_rg's site order),
'0' = ground, '1' = Rydberg, and Z = 1 − 2n (ground = +1). These functions work on a probability vector of any
length 2^n, whatever the atoms' geometry (1D or 2D), which is what the HEM compares against.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ...pulse.program import RydbergProgram
from .integrator import evolve


def _n_atoms(probs: torch.Tensor) -> int:
    n = int(round(math.log2(probs.shape[-1]))) if probs.shape[-1] > 0 else -1
    if n < 0 or 2**n != probs.shape[-1]:
        raise ValueError(f"a probability vector has length 2^n; got {probs.shape[-1]}")
    return n


def final_state(program: RydbergProgram, tol: float = 1e-4) -> torch.Tensor:
    """The complex128 state after the program (error in 2-norm about `tol`, see `integrator.evolve`)."""
    return evolve(program, tol=tol).state


def probabilities(state: torch.Tensor) -> torch.Tensor:
    """|ψ_b|² renormalised (Richardson values are normalised only to the integrator's accuracy)."""
    p = state.abs() ** 2
    return p / p.sum()


def evolve_probabilities(program: RydbergProgram, tol: float = 1e-4) -> torch.Tensor:
    """Probabilities of all 2^n bitstrings after the program (float64, index = int(bitstring, 2))."""
    return probabilities(final_state(program, tol))


def bitstring_probabilities(probs: torch.Tensor, cutoff: float = 0.0) -> dict[str, float]:
    """{'0101': p, …} for probabilities above `cutoff`."""
    n = _n_atoms(probs)
    return {format(b, f"0{n}b"): float(p) for b, p in enumerate(probs.tolist()) if p > cutoff}


def _signs(n: int, i: int) -> torch.Tensor:
    if not 0 <= i < n:
        raise ValueError(f"atom index {i} out of range for {n} atoms")
    return 1.0 - 2.0 * ((torch.arange(2**n) >> (n - 1 - i)) & 1).to(torch.float64)


def z_expectation(probs: torch.Tensor, i: int) -> float:
    """⟨Z_i⟩, exact (no shots)."""
    return float(probs @ _signs(_n_atoms(probs), i))


def zz_expectation(probs: torch.Tensor, i: int, j: int) -> float:
    """⟨Z_i Z_j⟩, exact (no shots)."""
    n = _n_atoms(probs)
    return float(probs @ (_signs(n, i) * _signs(n, j)))


def sample(probs, shots: int, seed: int) -> dict[str, int]:
    """`shots` bitstrings drawn from `probs` with numpy's Generator seeded by `seed` (same seed, same counts)."""
    if int(shots) != shots or shots < 1:
        raise ValueError(f"shots = {shots}; give a positive whole number of shots")
    p = np.clip(np.asarray(torch.as_tensor(probs, dtype=torch.float64)), 0.0, None)
    n = _n_atoms(torch.as_tensor(p))
    draws = np.random.default_rng(seed).multinomial(int(shots), p / p.sum())
    return {format(int(b), f"0{n}b"): int(c) for b in np.flatnonzero(draws) for c in (draws[b],)}
