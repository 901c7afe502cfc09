"""Operators as expressions: sums of Pauli strings with constant or time-dependent coefficients.

A `PauliExpr` is an immutable, hashable value. Each term is a Pauli string on a few sites (e.g. "ZZ" on sites
(0, 1)) times a coefficient that is either a complex number or a `Coefficient`, a named function of
(time, params). Pauli algebra and matrix building are delegated to qiskit.quantum_info.SparsePauliOp.

Site convention (used everywhere in hybrid_rg): site 0 is the LEFTMOST tensor factor, so a basis index
b = Σ_i s_i 2^(n-1-i) with s_i = 0 for Z = +1 ("up", |0⟩) and s_i = 1 for Z = −1. qiskit orders qubits the
other way (qubit 0 is the rightmost factor); the conversion `site i -> qubit n-1-i` happens only in
`to_sparse_pauli_op`, so kron-based code (H ⊗ I when a site is attached on the right) reads naturally.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

_PAULI_LETTERS = frozenset("IXYZ")


@dataclass(frozen=True)
class Coefficient:
    """A named time-dependent coefficient c(t, params) -> complex.

    Hashing uses the function object's identity and the name, so two Coefficients are equal only if they wrap
    the same function. `scale` multiplies the function value; it lets expressions be scaled without wrapping
    functions in new closures.
    """

    fn: Callable[[float, Mapping], complex]
    name: str = "c(t)"
    scale: complex = 1.0

    def __call__(self, t: float, params: Mapping | None = None) -> complex:
        return self.scale * self.fn(t, params if params is not None else {})

    def scaled(self, factor: complex) -> "Coefficient":
        return Coefficient(self.fn, self.name, self.scale * factor)


def _check_number(value, what: str) -> complex:
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{what} must be a number or a Coefficient, got {type(value).__name__}")
    c = complex(value)
    if not (math.isfinite(c.real) and math.isfinite(c.imag)):
        raise ValueError(f"{what} is {value!r}; coefficients must be finite numbers")
    return c


@dataclass(frozen=True)
class PauliTerm:
    """coefficient × (product of single-site Paulis). `paulis[k]` acts on `sites[k]`; sites are sorted, distinct."""

    paulis: str
    sites: tuple[int, ...]
    coeff: complex | Coefficient

    @property
    def is_static(self) -> bool:
        return not isinstance(self.coeff, Coefficient)

    def value(self, t: float | None, params: Mapping | None) -> complex:
        if self.is_static:
            return self.coeff
        if t is None:
            raise ValueError(
                f"term {self.paulis}{list(self.sites)} has a time-dependent coefficient "
                f"'{self.coeff.name}': pass t= (and params=) to evaluate it"
            )
        return self.coeff(t, params)


def _normalise(paulis: str, sites) -> tuple[str, tuple[int, ...]]:
    paulis = paulis.upper()
    sites = tuple(int(s) for s in sites)
    if len(paulis) != len(sites):
        raise ValueError(f"Pauli string '{paulis}' has {len(paulis)} letters but {len(sites)} sites {sites}")
    if not set(paulis) <= _PAULI_LETTERS:
        raise ValueError(f"Pauli string '{paulis}' may only contain I, X, Y, Z")
    if len(set(sites)) != len(sites):
        raise ValueError(f"sites {sites} repeat; give each site once (multiply Paulis on one site yourself)")
    pairs = sorted((s, p) for s, p in zip(sites, paulis) if p != "I")
    return "".join(p for _, p in pairs), tuple(s for s, _ in pairs)


@dataclass(frozen=True)
class PauliExpr:
    """Σ_k c_k P_k on `n_sites` qubits; see the module docstring for the site order."""

    n_sites: int
    terms: tuple[PauliTerm, ...] = field(default=())

    def __post_init__(self):
        if self.n_sites < 1:
            raise ValueError(f"n_sites = {self.n_sites}; an expression needs at least one site")
        for term in self.terms:
            if term.sites and (term.sites[0] < 0 or term.sites[-1] >= self.n_sites):
                raise ValueError(f"term {term.paulis}{list(term.sites)} acts outside sites 0..{self.n_sites - 1}")

    # ---------------------------------------------------------------- construction
    @classmethod
    def term(cls, n_sites: int, paulis: str, sites, coeff: complex | Coefficient = 1.0) -> "PauliExpr":
        """One Pauli string, e.g. PauliExpr.term(4, "ZZ", (0, 1), -1.0)."""
        paulis, sites = _normalise(paulis, sites)
        if not isinstance(coeff, Coefficient):
            coeff = _check_number(coeff, f"coefficient of {paulis}{list(sites)}")
        return cls(n_sites, (PauliTerm(paulis, sites, coeff),))

    @classmethod
    def identity(cls, n_sites: int, coeff: complex | Coefficient = 1.0) -> "PauliExpr":
        return cls.term(n_sites, "", (), coeff)

    @classmethod
    def zero(cls, n_sites: int) -> "PauliExpr":
        return cls(n_sites, ())

    # ---------------------------------------------------------------- algebra
    def _check_same_size(self, other: "PauliExpr") -> None:
        if other.n_sites != self.n_sites:
            raise ValueError(f"cannot combine expressions on {self.n_sites} and {other.n_sites} sites")

    def __add__(self, other: "PauliExpr") -> "PauliExpr":
        if not isinstance(other, PauliExpr):
            return NotImplemented
        self._check_same_size(other)
        return PauliExpr(self.n_sites, self.terms + other.terms)

    def __sub__(self, other: "PauliExpr") -> "PauliExpr":
        return self + (-1.0) * other

    def __neg__(self) -> "PauliExpr":
        return (-1.0) * self

    def __mul__(self, factor) -> "PauliExpr":
        if isinstance(factor, PauliExpr):
            return self @ factor
        factor = _check_number(factor, "scalar factor")
        terms = tuple(
            PauliTerm(
                t.paulis, t.sites, t.coeff.scaled(factor) if isinstance(t.coeff, Coefficient) else t.coeff * factor
            )
            for t in self.terms
        )
        return PauliExpr(self.n_sites, terms)

    __rmul__ = __mul__

    def __matmul__(self, other: "PauliExpr") -> "PauliExpr":
        """Operator product (static expressions only), computed by qiskit's Pauli algebra."""
        self._check_same_size(other)
        if not (self.is_static and other.is_static):
            raise ValueError("operator products are defined for static expressions; evaluate with .at(t) first")
        # qiskit: a.dot(b) is the matrix product a·b (a.compose(b) would be b·a, "apply a first").
        return PauliExpr.from_sparse_pauli_op(self.to_sparse_pauli_op().dot(other.to_sparse_pauli_op()))

    def simplify(self, atol: float = 1e-14) -> "PauliExpr":
        """Merge equal static Pauli strings and drop |c| <= atol. Time-dependent terms are kept as they are."""
        static = {}
        dynamic = []
        for t in self.terms:
            if t.is_static:
                key = (t.paulis, t.sites)
                static[key] = static.get(key, 0.0) + t.coeff
            else:
                dynamic.append(t)
        merged = tuple(PauliTerm(p, s, c) for (p, s), c in sorted(static.items()) if abs(c) > atol)
        return PauliExpr(self.n_sites, merged + tuple(dynamic))

    # ---------------------------------------------------------------- time dependence
    @property
    def is_static(self) -> bool:
        return all(t.is_static for t in self.terms)

    def at(self, t: float, params: Mapping | None = None) -> "PauliExpr":
        """The static expression H(t; params)."""
        return PauliExpr(self.n_sites, tuple(PauliTerm(x.paulis, x.sites, x.value(t, params)) for x in self.terms))

    def static_part(self) -> "PauliExpr":
        return PauliExpr(self.n_sites, tuple(t for t in self.terms if t.is_static))

    def dynamic_part(self) -> "PauliExpr":
        return PauliExpr(self.n_sites, tuple(t for t in self.terms if not t.is_static))

    # ---------------------------------------------------------------- qiskit bridge
    def to_sparse_pauli_op(self, t: float | None = None, params: Mapping | None = None):
        from qiskit.quantum_info import SparsePauliOp

        n = self.n_sites
        sparse = [(x.paulis, [n - 1 - s for s in x.sites], x.value(t, params)) for x in self.terms]
        if not sparse:
            sparse = [("", [], 0.0)]
        return SparsePauliOp.from_sparse_list(sparse, num_qubits=n)

    @classmethod
    def from_sparse_pauli_op(cls, op) -> "PauliExpr":
        n = op.num_qubits
        terms = []
        for label, coeff in zip(op.paulis.to_labels(), op.coeffs):
            # qiskit labels are written with qubit n-1 first, i.e. label[k] acts on qubit n-1-k = our site k.
            paulis = "".join(p for p in label if p != "I")
            sites = tuple(k for k, p in enumerate(label) if p != "I")
            terms.append(PauliTerm(paulis, sites, complex(coeff)))
        return cls(n, tuple(terms)).simplify()

    # ---------------------------------------------------------------- checks and display
    def is_hermitian(self, t: float | None = None, params: Mapping | None = None, atol: float = 1e-12) -> bool:
        op = self.to_sparse_pauli_op(t, params).simplify(atol=atol)
        return bool(np.all(np.abs(op.coeffs.imag) <= atol))

    def support(self) -> tuple[int, ...]:
        return tuple(sorted({s for t in self.terms for s in t.sites}))

    def __str__(self) -> str:
        parts = []
        for t in self.terms:
            c = t.coeff.name if isinstance(t.coeff, Coefficient) else f"{t.coeff:.6g}"
            ops = " ".join(f"{p}{s}" for p, s in zip(t.paulis, t.sites)) or "I"
            parts.append(f"({c}) {ops}")
        return " + ".join(parts) if parts else "0"
