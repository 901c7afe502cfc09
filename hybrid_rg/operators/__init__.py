"""Operator layer: Pauli expressions, lattice models, the Rydberg device Hamiltonian, matrix builders."""

import importlib

# Lazy (PEP 562): pulse programs import `operators.rydberg` for one constant, and the eager `matrices` import
# (scipy.sparse) cost about a second of every `hybrid-rg` command's start. Each name is imported on first use.
_WHERE = {
    "Coefficient": "expression",
    "PauliExpr": "expression",
    "PauliTerm": "expression",
    "pauli_string": "lattice",
    "tfim": "lattice",
    "xxz": "lattice",
    "diagonal": "matrices",
    "to_dense": "matrices",
    "to_sparse": "matrices",
    "to_torch": "matrices",
    "ObservableError": "observables",
    "ObservableSpec": "observables",
    "parse_observables": "observables",
    "C6_AQUILA_RAD_PER_US_UM6": "rydberg",
    "chain_positions": "rydberg",
    "interaction_pairs": "rydberg",
    "rydberg_hamiltonian": "rydberg",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Coefficient",
    "PauliExpr",
    "PauliTerm",
    "pauli_string",
    "tfim",
    "xxz",
    "diagonal",
    "to_dense",
    "to_sparse",
    "to_torch",
    "ObservableError",
    "ObservableSpec",
    "parse_observables",
    "C6_AQUILA_RAD_PER_US_UM6",
    "chain_positions",
    "interaction_pairs",
    "rydberg_hamiltonian",
]
