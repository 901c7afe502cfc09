"""Lattice models and the Rydberg Hamiltonian against independent constructions and closed forms."""

import numpy as np
import pytest

from hybrid_rg.exact import TFIMFreeFermions
from hybrid_rg.operators import Coefficient, chain_positions, rydberg_hamiltonian, tfim, to_dense, xxz
from tests.operators.test_expression import I2, X, Y, Z, kron

N_OP = (I2 - Z) / 2  # Rydberg projector n = |1⟩⟨1|


def op_at(n, site, m):
    return kron(*[m if k == site else I2 for k in range(n)])


def hermiticity_error(M):
    return np.abs(M - M.conj().T).max()


@pytest.mark.parametrize(
    "H",
    [
        tfim(6, J=[1, -0.5, 2, 0.3, 1], h=[0.2, 1, 1, 3, 0.1, 0.5], g=0.4),
        tfim(5, 1.0, 0.7, boundary="periodic"),
        xxz(6, J=1.3, delta=0.4, hz=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
        rydberg_hamiltonian(chain_positions(5, 6.1), omega=15.0, delta=[1, 2, 3, 4, 5], phi=0.7),
    ],
)
def test_built_hamiltonians_are_hermitian(H):
    assert H.is_hermitian()
    assert hermiticity_error(to_dense(H)) < 1e-13


def test_tfim_matches_a_kron_construction():
    n, J, h, g = 5, [1.0, -0.3, 0.8, 2.0], [0.5, 1.0, 1.5, 0.2, 0.9], 0.25
    ref = sum(-J[i] * op_at(n, i, Z) @ op_at(n, i + 1, Z) for i in range(n - 1))
    ref = ref + sum(-h[i] * op_at(n, i, X) - g * op_at(n, i, Z) for i in range(n))
    assert np.abs(to_dense(tfim(n, J, h, g)) - ref).max() < 1e-14


@pytest.mark.parametrize("h", [0.5, 1.0, 2.0])
def test_tfim_ground_energy_equals_free_fermions(h):
    rng = np.random.default_rng(3)
    n = 9
    J, hs = rng.uniform(0.5, 1.5, n - 1), h * rng.uniform(0.8, 1.2, n)
    e_exact = np.linalg.eigvalsh(to_dense(tfim(n, J, hs)))[0]
    assert abs(e_exact - TFIMFreeFermions(J, hs).ground_energy()) < 1e-10


def test_heisenberg_dimer_spectrum_is_singlet_and_triplet():
    # J (XX + YY + ZZ) on two sites: singlet −3J, triplet +J (closed form)
    ev = np.linalg.eigvalsh(to_dense(xxz(2, J=0.7, delta=1.0)))
    assert np.abs(ev - np.array([-2.1, 0.7, 0.7, 0.7])).max() < 1e-13


def dense_rydberg(pos, omega, delta, phi, c6, nn_only=False):
    n = len(pos)
    H = np.zeros((2**n, 2**n), dtype=complex)
    for i in range(n):
        H += omega[i] / 2 * (np.cos(phi[i]) * op_at(n, i, X) - np.sin(phi[i]) * op_at(n, i, Y))
        H -= delta[i] * op_at(n, i, N_OP)
    d = {(i, j): np.linalg.norm(pos[i] - pos[j]) for i in range(n) for j in range(i + 1, n)}
    dmin = min(d.values())
    for (i, j), r in d.items():
        if nn_only and r > dmin * (1 + 1e-9):
            continue
        H += c6 / r**6 * op_at(n, i, N_OP) @ op_at(n, j, N_OP)
    return H


def test_rydberg_builder_matches_an_independent_dense_construction():
    rng = np.random.default_rng(7)
    pos = rng.uniform(0, 20, size=(5, 2))
    om, de, ph = rng.uniform(0, 15, 5), rng.uniform(-20, 20, 5), rng.uniform(-np.pi, np.pi, 5)
    for nn in (False, True):
        H = rydberg_hamiltonian(pos, om, de, ph, c6=5.42e6, nearest_neighbour_only=nn)
        ref = dense_rydberg(pos, om, de, ph, 5.42e6, nn)
        assert np.abs(to_dense(H) - ref).max() < 1e-9 * np.abs(ref).max()


def test_rydberg_time_dependent_controls():
    omega = Coefficient(lambda t, p: p["om"] * np.sin(np.pi * t), name="Ω(t)")
    delta = Coefficient(lambda t, p: -10 + 20 * t, name="Δ(t)")
    phi = [0.0, Coefficient(lambda t, p: 0.3 * t, name="φ1(t)"), 0.5]
    pos = chain_positions(3, 1.0)
    H = rydberg_hamiltonian(pos, omega, delta, phi, c6=1.0, nearest_neighbour_only=True)
    for t in (0.0, 0.37, 0.9):
        om = [3.0 * np.sin(np.pi * t)] * 3
        ref = dense_rydberg(pos, om, [-10 + 20 * t] * 3, [0.0, 0.3 * t, 0.5], 1.0, True)
        assert np.abs(to_dense(H, t, {"om": 3.0}) - ref).max() < 1e-12


def test_rydberg_rejects_coincident_atoms_and_bad_lengths():
    with pytest.raises(ValueError, match="same position"):
        rydberg_hamiltonian([[0, 0], [0, 0]], 1.0)
    with pytest.raises(ValueError, match="one per atom"):
        rydberg_hamiltonian(chain_positions(3, 5.0), omega=[1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        tfim(3, J=[1.0, float("inf")])
    with pytest.raises(ValueError, match="one number or exactly 2"):
        tfim(3, J=[1.0, 1.0, 1.0])
