"""The OLRG paper's exact benchmark (notes/olrg.md §5): TFIM J = h = 1, open chain, quench from |0…0⟩,
observable ⟨S^z_1 S^z_2⟩(t) = ¼⟨Z_0 Z_1⟩(t) on the first two sites, t = 0 … 2.

Computed two independent ways (Krylov state vector and free fermions) so that each checks the other, and at a
large N by free fermions to show that the edge correlator has converged in N over this time window.
"""

from __future__ import annotations

import numpy as np

from ..operators import lattice
from ..operators.observables import ObservableSpec
from .free_fermions import TFIMFreeFermions, ZeroState
from .krylov import evolve, product_state

TIMES = np.round(np.arange(0, 21) * 0.1, 10)
ZZ01 = ObservableSpec("ZZ", (0, 1))


def sz_sz_krylov(n: int, times=TIMES) -> np.ndarray:
    vals = evolve(lattice.tfim(n, 1.0, 1.0), product_state(n), times, {"zz": ZZ01.operator(n)})["zz"]
    return 0.25 * vals.real


def sz_sz_free_fermions(n: int, times=TIMES) -> np.ndarray:
    vals = TFIMFreeFermions(1.0, np.ones(n)).evolve(times, ZeroState(), [ZZ01])[ZZ01.label]
    return 0.25 * vals


def benchmark_table(n: int = 10, n_large: int = 100, times=TIMES) -> dict[str, np.ndarray]:
    kr = sz_sz_krylov(n, times)
    ff = sz_sz_free_fermions(n, times)
    return {
        f"krylov_N{n}": kr,
        f"free_fermion_N{n}": ff,
        f"abs_diff_N{n}": np.abs(kr - ff),
        f"free_fermion_N{n_large}": sz_sz_free_fermions(n_large, times),
    }
