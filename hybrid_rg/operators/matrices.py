"""Exact matrices of a `PauliExpr`: dense numpy, scipy.sparse (CSR) and dense torch, all complex128.

All three go through qiskit's SparsePauliOp.to_matrix (compiled), so they agree by construction; the site order
is the one documented in `expression.py` (site 0 = leftmost tensor factor).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import scipy.sparse as sp

from .expression import PauliExpr

# A dense complex128 matrix on 14 sites is 4 GiB; refuse before allocating rather than swapping the machine.
MAX_DENSE_SITES = 13


def to_sparse(expr: PauliExpr, t: float | None = None, params: Mapping | None = None) -> sp.csr_matrix:
    """CSR matrix of expr (evaluated at time t for time-dependent terms)."""
    op = expr.to_sparse_pauli_op(t, params).simplify(atol=0.0)
    return sp.csr_matrix(op.to_matrix(sparse=True), dtype=np.complex128)


def to_dense(expr: PauliExpr, t: float | None = None, params: Mapping | None = None) -> np.ndarray:
    """Dense numpy matrix of expr."""
    if expr.n_sites > MAX_DENSE_SITES:
        raise ValueError(
            f"a dense matrix on {expr.n_sites} sites needs {16 * 4**expr.n_sites / 2**30:.0f} GiB; "
            f"use to_sparse() (or n_sites <= {MAX_DENSE_SITES})"
        )
    op = expr.to_sparse_pauli_op(t, params).simplify(atol=0.0)
    return np.asarray(op.to_matrix(), dtype=np.complex128)


def to_torch(expr: PauliExpr, t: float | None = None, params: Mapping | None = None):
    """Dense torch.complex128 tensor of expr."""
    import torch

    return torch.from_numpy(to_dense(expr, t, params))


def diagonal(expr: PauliExpr) -> np.ndarray:
    """The diagonal of a static expression made only of I/Z strings, without building a matrix.

    Used for cheap expectation values of Z-type observables on large state vectors.
    """
    if not expr.is_static:
        raise ValueError("diagonal() needs a static expression")
    n = expr.n_sites
    idx = np.arange(2**n, dtype=np.int64)
    out = np.zeros(2**n, dtype=np.complex128)
    for term in expr.terms:
        if set(term.paulis) - {"Z"}:
            raise ValueError(f"term {term.paulis}{list(term.sites)} is not diagonal (only I and Z are)")
        parity = np.zeros(2**n, dtype=np.int64)
        for s in term.sites:
            parity ^= (idx >> (n - 1 - s)) & 1
        out += term.coeff * (1 - 2 * parity)
    return out
