"""The Rydberg Hamiltonian of a `RydbergProgram` as sparse matrices and time-dependent coefficients, for the
adapters that integrate it themselves (qiskit-dynamics) and as the independent reference of the tests.

    H(t) = Ω(t) cos φ(t) · ΣX/2 + (−Ω(t) sin φ(t)) · ΣY/2 + Δ(t) · (−Σ n) + Δ_loc(t) · (−Σ h_i n_i) + V,

atom 0 is the most significant bit (the first character of a bitstring); n = |1⟩⟨1| is the Rydberg state.
`segments(program)` gives the knot times where a coefficient has a kink or a jump, so that solvers integrate
smooth pieces only.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...pulse.program import RydbergProgram

_X = sp.csr_matrix(np.array([[0, 1], [1, 0]], dtype=complex))
_Y = sp.csr_matrix(np.array([[0, -1j], [1j, 0]], dtype=complex))
_N = sp.csr_matrix(np.array([[0, 0], [0, 1]], dtype=complex))


def site_op(op, i: int, n: int) -> sp.csr_matrix:
    return sp.kron(sp.kron(sp.identity(2**i, format="csr"), op), sp.identity(2 ** (n - i - 1)), format="csr")


def operators(program: RydbergProgram) -> tuple[sp.csr_matrix, list[sp.csr_matrix]]:
    """(static V, [ΣX/2, ΣY/2, −Σn, −Σ h_i n_i])."""
    n = program.n_atoms
    nops = [site_op(_N, i, n) for i in range(n)]
    static = sp.csr_matrix((2**n, 2**n), dtype=complex)
    for i, j, v in program.interactions():
        static = static + v * (nops[i] @ nops[j])
    ops = [sum(site_op(_X, i, n) for i in range(n)) / 2, sum(site_op(_Y, i, n) for i in range(n)) / 2, -sum(nops)]
    if program.local_detuning is not None:
        ops.append(-sum(h * nop for h, nop in zip(program.local_detuning.pattern, nops)))
    return static.tocsr(), [sp.csr_matrix(o) for o in ops]


def coefficients(program: RydbergProgram):
    """Functions of t (µs) matching `operators`: Ω cos φ, −Ω sin φ, Δ, Δ_loc."""
    amp, ph, det = program.amplitude, program.phase, program.detuning
    fns = [lambda t: amp(t) * np.cos(ph(t)), lambda t: -amp(t) * np.sin(ph(t)), lambda t: det(t)]
    if program.local_detuning is not None:
        fns.append(lambda t: program.local_detuning.magnitude(t))
    return fns


def segments(program: RydbergProgram) -> list[float]:
    return sorted({float(t) for w in program.waveforms().values() for t in w.times_us})


def ground_state(n: int) -> np.ndarray:
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1.0
    return psi


def reference_state(program: RydbergProgram, max_dt_us: float = 0.002) -> np.ndarray:
    """Final state by exponentiating H at midpoints of small steps (second order); tests' independent truth."""
    from scipy.sparse.linalg import expm_multiply

    static, ops = operators(program)
    fns = coefficients(program)
    psi = ground_state(program.n_atoms)
    knots = segments(program)
    for a, b in zip(knots, knots[1:]):
        m = max(1, int(np.ceil((b - a) / max_dt_us)))
        for k in range(m):
            t = a + (k + 0.5) * (b - a) / m
            h = static + sum(float(f(t)) * o for f, o in zip(fns, ops))
            psi = expm_multiply(-1j * (b - a) / m * h, psi)
    return psi


__all__ = ["operators", "coefficients", "segments", "ground_state", "reference_state", "site_op"]
