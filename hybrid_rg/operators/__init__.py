"""Operator layer: Pauli expressions, lattice models, the Rydberg device Hamiltonian, matrix builders."""

from .expression import Coefficient, PauliExpr, PauliTerm
from .lattice import pauli_string, tfim, xxz
from .matrices import diagonal, to_dense, to_sparse, to_torch
from .observables import ObservableError, ObservableSpec, parse_observables
from .rydberg import C6_AQUILA_RAD_PER_US_UM6, chain_positions, interaction_pairs, rydberg_hamiltonian

__all__ = [
    "Coefficient", "PauliExpr", "PauliTerm", "pauli_string", "tfim", "xxz", "diagonal", "to_dense", "to_sparse",
    "to_torch", "ObservableError", "ObservableSpec", "parse_observables", "C6_AQUILA_RAD_PER_US_UM6",
    "chain_positions", "interaction_pairs", "rydberg_hamiltonian",
]
