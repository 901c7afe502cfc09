"""Exact state-vector evolution: the reference for any `PauliExpr` up to N ≈ 22 sites on a 24 GiB machine.

Static H: scipy.sparse.linalg.expm_multiply (Al-Mohy–Higham truncated Taylor, exact to ~1e-13) on the CSR of −iH,
in its interval form on equally spaced grids. Time-dependent H(t): scipy's DOP853 on the Schrödinger equation
i dψ/dt = H(t) ψ, forward in time (rtol 1e-10), which is the independent truth for time-ordered pulse evolution.

Two-time correlators ⟨ψ0| A(t) B(0) |ψ0⟩ = ⟨ψ(t)| A |φ(t)⟩ with φ(0) = B ψ0: ψ and every φ are evolved together as
the columns of one block, so one Krylov run serves all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

from ..operators.expression import PauliExpr
from ..operators.matrices import diagonal, to_sparse
from ..utils.memory import require_memory
from ..utils.progress import progress
from ..utils.timegrid import check_times, uniform_step

# CSR of −iH at N = 22 is 1.8 GiB and expm_multiply copies it (notes/baselines.md §2): 22 is the ceiling on a
# 24 GiB machine, which the OLRG spec checks statically; runs check their memory need (memory_bytes) up front.
MAX_KRYLOV_SITES = 22
# States kept in memory at once while stepping through a long grid (bounds memory at large N).
_CHUNK_BYTES = 256 * 2**20


def product_state(n: int, bits: str | None = None) -> np.ndarray:
    """|b_0 b_1 … b_{n−1}⟩ with b_i ∈ {0, 1} (0 = Z up); default |0…0⟩."""
    bits = "0" * n if bits is None else bits
    if len(bits) != n or set(bits) - {"0", "1"}:
        raise ValueError(f"bits must be a string of {n} zeros and ones, got {bits!r}")
    psi = np.zeros(2**n, dtype=np.complex128)
    psi[int(bits, 2)] = 1.0
    return psi


def ground_state(H: PauliExpr) -> tuple[float, np.ndarray]:
    """Lowest eigenpair of a static H (Lanczos via scipy eigsh; dense eigh for small n)."""
    from scipy.sparse.linalg import eigsh

    M = to_sparse(H)
    if M.shape[0] <= 256:
        w, v = np.linalg.eigh(M.toarray())
        return float(w[0]), v[:, 0]
    w, v = eigsh(M, k=1, which="SA", tol=1e-13)
    return float(w[0]), v[:, 0]


class _Expectation:
    """⟨bra| O |ket⟩ for one operator, using its diagonal when it is made of Z's only (no matrix needed)."""

    def __init__(self, op: PauliExpr):
        try:
            self.diag = diagonal(op.simplify())
            self.mat = None
        except ValueError:
            self.diag, self.mat = None, to_sparse(op)

    def __call__(self, bra: np.ndarray, ket: np.ndarray) -> complex:
        applied = self.diag * ket if self.diag is not None else self.mat @ ket
        return complex(np.vdot(bra, applied))


@dataclass(frozen=True)
class _Plan:
    """What to measure: equal-time observables on ψ, two-time ones on (ψ, φ_k)."""

    names: tuple[str, ...]
    measures: tuple[_Expectation, ...]
    columns: tuple[int, ...]  # which evolved column is the ket (0 = ψ itself)


def _plan(
    n: int, psi0: np.ndarray, observables: Mapping[str, PauliExpr], two_time: Mapping[str, tuple[PauliExpr, PauliExpr]]
) -> tuple[_Plan, np.ndarray]:
    names, measures, columns, block = [], [], [], [psi0]
    for name, op in observables.items():
        if op.n_sites != n:
            raise ValueError(f"observable {name} acts on {op.n_sites} sites, the Hamiltonian on {n}")
        names.append(name), measures.append(_Expectation(op)), columns.append(0)
    for name, (A, B) in two_time.items():
        block.append(to_sparse(B) @ psi0)
        names.append(name), measures.append(_Expectation(A)), columns.append(len(block) - 1)
    return _Plan(tuple(names), tuple(measures), tuple(columns)), np.stack(block, axis=1)


def _measure(plan: _Plan, states: np.ndarray, out: dict[str, list]) -> None:
    """states: (dim, 1 + #two-time) block at one time."""
    psi = states[:, 0]
    for name, measure, col in zip(plan.names, plan.measures, plan.columns):
        out[name].append(measure(psi, states[:, col]))


def memory_bytes(n_sites: int, nnz_per_row: int, columns: int = 1) -> int:
    """What a static Krylov run holds at once: the CSR of −iH three times (the matrix, −iH, expm_multiply's copy;
    16-byte values and 4-byte indices) and about eight work vectors per evolved column."""
    dim = 2**n_sites
    return 3 * dim * nnz_per_row * 20 + 8 * dim * 16 * columns


def require_krylov_memory(n_sites: int, nnz_per_row: int, columns: int = 1, option: str = "N") -> None:
    require_memory(
        memory_bytes(n_sites, nnz_per_row, columns),
        f"exact state-vector evolution on {option} = {n_sites} sites",
        "lower it, or use the free-fermion solver (TFIM)",
    )


def _check_size(H: PauliExpr) -> None:
    rows = {tuple(s for p, s in zip(t.paulis, t.sites) if p in "XY") for t in H.terms}  # flip patterns
    require_krylov_memory(H.n_sites, len(rows) + 1)


def evolve(
    H: PauliExpr,
    psi0: np.ndarray,
    times,
    observables: Mapping[str, PauliExpr] | None = None,
    two_time: Mapping[str, tuple[PauliExpr, PauliExpr]] | None = None,
    params: Mapping | None = None,
) -> dict[str, np.ndarray]:
    """Expectation values ⟨O(t)⟩ and two-time correlators ⟨A(t) B(0)⟩ on the given times (t ≥ 0, increasing).

    Returns {name: complex array over times}. Static H uses expm_multiply, time-dependent H the forward ODE.
    """
    _check_size(H)
    times = check_times(times)
    psi0 = np.asarray(psi0, dtype=np.complex128)
    if psi0.shape != (2**H.n_sites,):
        raise ValueError(f"psi0 has shape {psi0.shape}, expected ({2**H.n_sites},)")
    plan, block = _plan(H.n_sites, psi0, observables or {}, two_time or {})
    out: dict[str, list] = {name: [] for name in plan.names}
    if H.is_static:
        _evolve_static(H, block, times, plan, out)
    else:
        _evolve_time_dependent(H, block, times, plan, out, params)
    return {name: np.asarray(vals) for name, vals in out.items()}


def _evolve_static(H, block, times, plan, out) -> None:
    A = (-1j * to_sparse(H)).tocsr()
    state, t_now = block, 0.0
    step = uniform_step(times)
    per_chunk = max(1, _CHUNK_BYTES // max(1, block.nbytes))
    if step is None:
        chunks = [[i] for i in range(times.size)]
    else:
        chunks = [list(range(i, min(i + per_chunk, times.size))) for i in range(0, times.size, per_chunk)]
    for chunk in progress(chunks, desc="krylov", unit="chunk"):
        ts = times[chunk]
        if len(ts) == 1:
            states = [expm_multiply(A * (ts[0] - t_now), state) if ts[0] > t_now else state]
        else:
            states = expm_multiply(A, state, start=ts[0] - t_now, stop=ts[-1] - t_now, num=len(ts), endpoint=True)
        for s in states:
            _measure(plan, np.asarray(s).reshape(block.shape), out)
        state, t_now = np.asarray(states[-1]).reshape(block.shape), ts[-1]


def _evolve_time_dependent(H, block, times, plan, out, params, rtol=1e-10, atol=1e-12) -> None:
    static = to_sparse(H.static_part()) if H.static_part().terms else None
    # Each time-dependent term c_k(t) P_k: keep the matrix of P_k (coefficient 1) and evaluate c_k(t) per step.
    dynamic = [(t.coeff, _unit_term(H.n_sites, t)) for t in H.dynamic_part().terms]
    shape = block.shape

    def rhs(t, y):
        Y = y.reshape(shape)
        acc = static @ Y if static is not None else np.zeros_like(Y)
        for coeff, mat in dynamic:
            acc = acc + coeff(t, params) * (mat @ Y)
        return (-1j * acc).ravel()

    if times[-1] == 0.0:
        for _ in times:
            _measure(plan, block, out)
        return
    sol = solve_ivp(rhs, (0.0, times[-1]), block.ravel(), method="DOP853", t_eval=times, rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"time-dependent evolution failed: {sol.message}")
    for k in range(sol.y.shape[1]):
        _measure(plan, sol.y[:, k].reshape(shape), out)


def _unit_term(n: int, term) -> sp.csr_matrix:
    """Matrix of a term's Pauli string with coefficient 1; its time-dependent coefficient is applied per step."""
    from ..operators.expression import PauliTerm

    return to_sparse(PauliExpr(n, (PauliTerm(term.paulis, term.sites, 1.0),)))
