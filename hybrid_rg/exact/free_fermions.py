"""Exact real-time dynamics of the open transverse-field Ising chain by free fermions, at any N in O(N³).

    H = − Σ_j J_j Z_j Z_{j+1} − Σ_j h_j X_j         (open chain, site-dependent J_j, h_j)

Jordan–Wigner Majoranas w_{2j} = a_j = (Π_{k<j} X_k) Z_j, w_{2j+1} = b_j = (Π_{k<j} X_k) Y_j give X_j = i a_j b_j and
Z_j Z_{j+1} = i b_j a_{j+1}, so H = (i/4) wᵀ A w with A_{2j,2j+1} = −2h_j, A_{2j+1,2j+2} = −2J_j (antisymmetric).
Heisenberg: w(t) = R(t) w with R(t) = e^{At}; the covariance Γ_mn = ⟨w_m w_n⟩ − δ_mn evolves as Γ(t) = R Γ(0) Rᵀ.
Γ is purely imaginary, so we carry the real antisymmetric Ω = −iΓ. Wick's theorem then gives

    ⟨X_j⟩        = −Ω_{2j,2j+1}
    ⟨Z_i Z_j⟩    = (−1)^{j−i} Pf Ω[2i+1 … 2j]                               (i < j)
    ⟨Z_i(t) Z_j(0)⟩ = i^{i+j} Pf [[Γ(t)[0…2i], C], [−Cᵀ, Γ(0)[0…2j]]],  C = [R(t)(1 + Γ(0))][0…2i, 0…2j]

Initial states (notes/baselines.md §3): the ground state of another TFIM is Gaussian, Γ(0) = sign(iA₀). The
product state |0…0⟩ is not (it breaks fermion parity) but equals (|cat₊⟩ + |cat₋⟩)/√2 with Gaussian cats
(i b_j a_{j+1} = +1 on every bond, i a_0 b_{N−1} = ±1); parity-even observables are the average over the two cats.
⟨Z_i(t)⟩ (parity-odd) from |0…0⟩ is ⟨Z_anc Z_i(t)⟩ on a chain with a decoupled ancilla site in front.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from ..operators.observables import ObservableSpec
from ..utils.progress import progress
from ..utils.timegrid import check_times
from .pfaffian import pfaffian


@dataclass(frozen=True)
class ZeroState:
    """|0…0⟩: every spin up along Z."""


@dataclass(frozen=True)
class GroundState:
    """Ground state of the TFIM with couplings J (per bond) and h (per site), e.g. before a quench."""

    J: tuple[float, ...]
    h: tuple[float, ...]


def _couplings(J, h, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    h = np.atleast_1d(np.asarray(h, dtype=float))
    n = len(h) if n is None else n
    h = np.broadcast_to(h, (n,)).copy() if h.size == 1 else h
    J = np.atleast_1d(np.asarray(J, dtype=float))
    J = np.broadcast_to(J, (n - 1,)).copy() if J.size == 1 else J
    if h.shape != (n,) or J.shape != (n - 1,):
        raise ValueError(
            f"need {n} fields h and {n - 1} bonds J for an open chain of {n} sites, got {h.size} and {J.size}"
        )
    if not (np.all(np.isfinite(J)) and np.all(np.isfinite(h))):
        raise ValueError("couplings J and h must be finite numbers")
    return J, h


def majorana_matrix(J, h) -> np.ndarray:
    """The real antisymmetric A with H = (i/4) wᵀ A w."""
    J, h = _couplings(J, h)
    n = len(h)
    A = np.zeros((2 * n, 2 * n))
    A[2 * np.arange(n), 2 * np.arange(n) + 1] = -2 * h
    A[2 * np.arange(n - 1) + 1, 2 * np.arange(n - 1) + 2] = -2 * J
    return A - A.T


def _real_normal_form(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A = Z T Zᵀ with Z orthogonal and T a direct sum of 2×2 blocks [[0, ε], [−ε, 0]] (and 1×1 zeros).

    Returns Z, the block start indices and ε per block. Real Schur form of a normal matrix is block-diagonal.
    """
    T, Z = sla.schur(A, output="real")
    starts, eps, k, m = [], [], 0, A.shape[0]
    while k < m:
        if k + 1 < m and abs(T[k + 1, k]) > 1e-14 * max(1.0, abs(T).max()):
            starts.append(k)
            eps.append(T[k, k + 1])
            k += 2
        else:
            k += 1  # a zero mode (decoupled Majorana)
    starts, eps = np.array(starts, dtype=int), np.array(eps)
    # Check the block-diagonal reading against A itself, so a failure cannot pass silently.
    Tb = np.zeros_like(T)
    Tb[starts, starts + 1], Tb[starts + 1, starts] = eps, -eps
    resid = np.abs(Z @ Tb @ Z.T - A).max()
    if resid > 1e-9 * max(1.0, np.abs(A).max()):
        raise RuntimeError(f"normal form of the Majorana matrix failed (residual {resid:.2e})")
    return Z, starts, eps


class TFIMFreeFermions:
    """Exact dynamics of H = −Σ J_j Z_j Z_{j+1} − Σ h_j X_j on an open chain of n = len(h) sites."""

    def __init__(self, J, h):
        self.J, self.h = _couplings(J, h)
        self.n = len(self.h)
        if self.n < 2:
            raise ValueError("the free-fermion chain needs at least 2 sites")
        self.A = majorana_matrix(self.J, self.h)

    @cached_property
    def _normal_form(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # On first use only: ⟨Z_i⟩ from |0…0⟩ runs on the extended chain, and a Schur of this one (seconds at
        # N = 400) would then be thrown away.
        return _real_normal_form(self.A)

    # ------------------------------------------------------------------ building blocks
    def rotation(self, t: float) -> np.ndarray:
        """R(t) = e^{At} = Z ⊕_k e^{t [[0, ε_k], [−ε_k, 0]]} Zᵀ (one (2n)³ matmul)."""
        Z, s, e = self._normal_form
        c, sn = np.cos(e * t), np.sin(e * t)
        ZB = Z.copy()
        ZB[:, s] = Z[:, s] * c - Z[:, s + 1] * sn
        ZB[:, s + 1] = Z[:, s] * sn + Z[:, s + 1] * c
        return ZB @ Z.T

    def initial_omegas(self, state) -> list[tuple[float, np.ndarray | sp.csr_matrix]]:
        """[(weight, Ω(0))]: one Gaussian for a ground state, two equally weighted cats for |0…0⟩."""
        n = self.n
        if isinstance(state, ZeroState):
            out = []
            for s in (+1, -1):
                rows = list(2 * np.arange(n - 1) + 1) + [0]
                cols = list(2 * np.arange(n - 1) + 2) + [2 * n - 1]
                vals = [-1.0] * (n - 1) + [-float(s)]
                O = sp.coo_matrix((vals, (rows, cols)), shape=(2 * n, 2 * n)).tocsr()
                out.append((0.5, (O - O.T).tocsr()))
            return out
        if isinstance(state, GroundState):
            J0, h0 = _couplings(state.J, state.h, n)
            Z, s, e = _real_normal_form(majorana_matrix(J0, h0))
            if len(e) < n or np.min(np.abs(e)) < 1e-10:
                raise ValueError(
                    "the initial Hamiltonian has a zero mode, so its ground state is degenerate; "
                    "choose nonzero couplings for the initial state"
                )
            Tb = np.zeros((2 * n, 2 * n))
            Tb[s, s + 1], Tb[s + 1, s] = np.sign(e), -np.sign(e)
            return [(1.0, Z @ Tb @ Z.T)]  # Ω(0) = −i sign(iA₀)
        raise TypeError(f"unknown initial state {state!r}; use ZeroState() or GroundState(J, h)")

    # ------------------------------------------------------------------ observables
    @staticmethod
    def supports(spec: ObservableSpec) -> bool:
        if spec.two_time:
            return spec.paulis == "ZZ"
        return spec.paulis in ("X", "Z", "ZZ")

    def evolve(self, times, state, observables: Sequence[ObservableSpec]) -> dict[str, np.ndarray]:
        """{label: values over times}; equal-time values are real, two-time values complex."""
        times = check_times(times)
        unsupported = [o.label for o in observables if not self.supports(o)]
        if unsupported:
            raise ValueError(
                f"free fermions give x:i, z:i, zz:i,j and tt:zz:i,j; not {unsupported[0]} (use the Krylov solver)"
            )
        if isinstance(state, ZeroState) and any(o.paulis == "Z" for o in observables):
            return self._on_extended_chain(times, observables)
        out: dict[str, np.ndarray] = {}
        z_specs = [o for o in observables if o.paulis == "Z"]
        if z_specs:  # a ground state: unique, so of definite parity Π X_j, which Z_i flips: ⟨Z_i(t)⟩ = 0
            out.update({o.label: np.zeros(times.size) for o in z_specs})
        rest = [o for o in observables if o.paulis != "Z"]
        cats = self.initial_omegas(state)
        pf_blocks: dict[str, list] = {o.label: [] for o in rest if o.paulis == "ZZ"}
        x_vals = {o.label: np.zeros(times.size) for o in rest if o.paulis == "X"}
        for it, t in enumerate(progress(times, desc="free fermions", unit="t")):
            R = self.rotation(t)
            for weight, O0 in cats:
                RO = np.asarray(O0.T @ R.T).T if sp.issparse(O0) else R @ O0  # R Ω(0)
                for o in rest:
                    if o.paulis == "X":
                        j = o.sites[0]
                        x_vals[o.label][it] += weight * -(RO[2 * j] @ R[2 * j + 1])
                    elif o.two_time:
                        pf_blocks[o.label].append(self._two_time_block(R, RO, O0, *o.sites))
                    else:
                        i, j = sorted(o.sites)
                        S = slice(2 * i + 1, 2 * j + 1)
                        pf_blocks[o.label].append(RO[S] @ R[S].T)
        out.update(x_vals)
        weights = np.array([w for w, _ in cats])
        for o in rest:
            if o.paulis != "ZZ":
                continue
            pf = pfaffian(np.array(pf_blocks[o.label])).reshape(times.size, len(cats)) @ weights
            if o.two_time:
                i, j = o.sites
                out[o.label] = (1j ** (i + j)) * pf
            else:
                i, j = sorted(o.sites)
                out[o.label] = (-1) ** (j - i) * pf.real
        return {o.label: out[o.label] for o in observables}

    def _two_time_block(self, R, RO, O0, i: int, j: int) -> np.ndarray:
        """The antisymmetric matrix whose Pfaffian, times i^{i+j}, is ⟨Z_i(t) Z_j(0)⟩ (module docstring)."""
        a, b = 2 * i + 1, 2 * j + 1
        O0d = O0.toarray() if sp.issparse(O0) else O0
        G_t = 1j * (RO[:a] @ R[:a].T)  # Γ(t)[0…2i]
        G_0 = 1j * O0d[:b, :b]  # Γ(0)[0…2j]
        C = R[:a, :b] + 1j * RO[:a, :b]  # [R (1 + Γ(0))][0…2i, 0…2j]
        return np.block([[G_t, C], [-C.T, G_0]])

    def _on_extended_chain(self, times, observables) -> dict[str, np.ndarray]:
        """Every observable from |0…0⟩ on the chain with a decoupled ancilla in front (site 0): ⟨Z_i⟩ is
        ⟨Z_anc Z_{i+1}⟩ there, and the others are the same observables one site further on (the ancilla does not
        move). One Schur decomposition and one rotation per time serve them all; the rotation of this chain is
        a block of the extended one's, so computing it as well would only repeat the work."""
        ext = TFIMFreeFermions(np.concatenate([[0.0], self.J]), np.concatenate([[0.0], self.h]))
        moved = [
            ObservableSpec("ZZ", (0, o.sites[0] + 1))
            if o.paulis == "Z"
            else ObservableSpec(o.paulis, tuple(s + 1 for s in o.sites), o.two_time)
            for o in observables
        ]
        vals = ext.evolve(times, ZeroState(), moved)
        return {o.label: vals[m.label] for o, m in zip(observables, moved)}

    def ground_energy(self) -> float:
        """E_0 = −½ Σ_k |ε_k| (the single-particle energies are 2·|ε_k|/2 = |ε_k|)."""
        return -0.5 * float(np.sum(np.abs(self._normal_form[2])))
