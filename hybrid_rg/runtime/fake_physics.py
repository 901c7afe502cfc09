"""A tiny exact Rydberg sampler for the fake devices: dense state vector, piecewise-constant time steps.

The runtime's reliability tests need a device whose answers are physics (so a dry run's predicted observables mean
something) without depending on the devices layer's emulator. This is deliberately small and slow (2^n dense
matrices, n <= 10): it is a stand-in, not the package's emulator. Same (program, shots, seed) -> same counts, bit for
bit, on one machine.
"""

from __future__ import annotations

import numpy as np

MAX_ATOMS = 10
DT_US = 0.005


def _ops(n: int):
    x = np.array([[0, 1], [1, 0]], dtype=np.complex128)
    y = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)
    nr = np.array([[0, 0], [0, 1]], dtype=np.complex128)   # |1> = Rydberg, atom 0 = most significant bit

    def site(op, i):
        out = np.array([[1.0 + 0j]])
        for k in range(n):
            out = np.kron(out, op if k == i else np.eye(2))
        return out

    return [site(x, i) for i in range(n)], [site(y, i) for i in range(n)], [site(nr, i) for i in range(n)]


def final_probabilities(program, dt_us: float = DT_US) -> np.ndarray:
    """|<b|psi(T)>|^2 over the 2^n bitstrings b (index = bitstring read with atom 0 first)."""
    n = program.n_atoms
    if n > MAX_ATOMS:
        raise ValueError(f"the fake sampler handles at most {MAX_ATOMS} atoms (got {n}); use the emulator")
    xs, ys, ns = _ops(n)
    h_int = sum((v * ns[i] @ ns[j] for i, j, v in program.interactions()), np.zeros((2 ** n, 2 ** n), complex))
    pattern = program.local_detuning.pattern if program.local_detuning is not None else (0.0,) * n
    n_sum, n_loc = sum(ns), sum(h * ns[i] for i, h in enumerate(pattern))
    x_sum, y_sum = sum(xs), sum(ys)
    psi = np.zeros(2 ** n, dtype=np.complex128)
    psi[0] = 1.0
    duration = program.duration_us
    steps = max(1, int(np.ceil(duration / dt_us)))
    edges = np.linspace(0.0, duration, steps + 1)
    for a, b in zip(edges[:-1], edges[1:]):
        t = 0.5 * (a + b)
        om, de, ph = float(program.amplitude(t)), float(program.detuning(t)), float(program.phase(t))
        loc = float(program.local_detuning.magnitude(t)) if program.local_detuning is not None else 0.0
        h = om / 2 * (np.cos(ph) * x_sum - np.sin(ph) * y_sum) - de * n_sum - loc * n_loc + h_int
        w, v = np.linalg.eigh(h)                  # h is Hermitian: exact exp(-i h dt)
        psi = v @ (np.exp(-1j * (b - a) * w) * (v.conj().T @ psi))
    p = np.abs(psi) ** 2
    return p / p.sum()


def sample_counts(program, shots: int, seed: int) -> dict[str, int]:
    """Shot counts drawn from the exact final distribution with numpy's PCG64 seeded by `seed`."""
    p = final_probabilities(program)
    draws = np.random.default_rng(seed).multinomial(shots, p)
    n = program.n_atoms
    return {format(k, f"0{n}b"): int(c) for k, c in enumerate(draws) if c}
