"""Blocks and growth: the relevant operators of a simulatable system, and how one target site is attached.

A `Block` carries, as dense complex128 torch matrices of one dimension D:
  H          the static Hamiltonian,
  drives     time-dependent terms (c(t), M): H(t) = H + Σ c(t) M   (c maps a tensor of times to values),
  boundary   the operators B_a on the block's last site through which the next site couples,
  observable O and the initial density matrix rho.

`grow(block, site)` attaches one site of the target model:
    H' = H ⊗ I + Σ_a s_a B_a ⊗ b_a + I ⊗ h,   B'_a = I ⊗ b_a,   O' = O ⊗ I,   ρ' = ρ ⊗ |0⟩⟨0|,
with site 0 the leftmost factor as everywhere in hybrid_rg, so sites are appended on the right.

A bulk block also carries `left`, the operators p_a on its first site through which a site
attached on the LEFT couples (bond s_a P_a(new) p_a(first)); `grow_left` attaches it:
    H' = h ⊗ I + Σ_a s_a P_a ⊗ L_a + I ⊗ H,   L'_a = p_a ⊗ I,   B'_a = I ⊗ B_a,   O' = I ⊗ O,   ρ' = |0⟩⟨0| ⊗ ρ.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

import torch

from ..operators import PauliExpr, lattice, to_dense

DTYPE = torch.complex128


@lru_cache(maxsize=None)
def pauli(letter: str) -> torch.Tensor:
    """2×2 Pauli matrix from the operator layer, cached: grow() runs at every scale of every training step.
    Callers must not modify it in place (nothing here does: kron and + make new tensors)."""
    return torch.from_numpy(to_dense(PauliExpr.term(1, letter, (0,)))) if letter != "I" else torch.eye(2, dtype=DTYPE)


def _up_projector() -> torch.Tensor:
    """|0⟩⟨0|, the state of every newly attached target site."""
    up = torch.zeros(2, 2, dtype=DTYPE)
    up[0, 0] = 1.0
    return up


@dataclass(frozen=True)
class SiteModel:
    """One site of a translation-invariant target chain.

    couplings: (s_a, P_a, p_a) for a bond term s_a · P_a(block's last site) ⊗ p_a(new site);
    onsite:    (c, p) for a field term c · p on the new site.
    Sign conventions match `operators.lattice` (tested: growing reproduces lattice.tfim / lattice.xxz).
    """

    couplings: tuple[tuple[float, str, str], ...]
    onsite: tuple[tuple[float, str], ...]
    model: str  # name of the builder in operators.lattice ("tfim", "xxz")
    params: tuple[tuple[str, float], ...]  # its keyword arguments

    @classmethod
    def tfim(cls, J: float = 1.0, h: float = 1.0, g: float = 0.0) -> "SiteModel":
        return cls(((-J, "Z", "Z"),), ((-h, "X"), (-g, "Z")), "tfim", (("J", J), ("h", h), ("g", g)))

    @classmethod
    def xxz(cls, J: float = 1.0, delta: float = 1.0, hz: float = 0.0) -> "SiteModel":
        return cls(
            ((J, "X", "X"), (J, "Y", "Y"), (J * delta, "Z", "Z")),
            ((hz, "Z"),),
            "xxz",
            (("J", J), ("delta", delta), ("hz", hz)),
        )

    @property
    def name(self) -> str:
        return f"{self.model}({','.join(f'{k}={v}' for k, v in self.params)})"

    def chain(self, n: int) -> PauliExpr:
        """The same model on an open chain of n sites, built independently by operators.lattice."""
        return getattr(lattice, self.model)(n, **dict(self.params))

    def field(self) -> torch.Tensor:
        return sum((c * pauli(p) for c, p in self.onsite), torch.zeros(2, 2, dtype=DTYPE))


@dataclass(frozen=True, eq=False)
class Block:
    n_sites: int
    H: torch.Tensor
    boundary: tuple[torch.Tensor, ...]
    observable: torch.Tensor
    rho: torch.Tensor
    drives: tuple[tuple[Callable[[torch.Tensor], torch.Tensor], torch.Tensor], ...] = ()
    left: tuple[torch.Tensor, ...] = ()  # bulk blocks only: the operators a left neighbour couples through

    @property
    def dim(self) -> int:
        return self.H.shape[-1]

    def apply(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> "Block":
        """The same block with every operator passed through fn (how an operator map acts)."""
        return replace(
            self,
            H=fn(self.H),
            boundary=tuple(fn(b) for b in self.boundary),
            observable=fn(self.observable),
            rho=fn(self.rho),
            drives=tuple((c, fn(m)) for c, m in self.drives),
            left=tuple(fn(x) for x in self.left),
        )


def _hermitian(A: torch.Tensor) -> torch.Tensor:
    return 0.5 * (A + A.conj().transpose(-1, -2))


def grow(block: Block, site: SiteModel) -> Block:
    D = block.dim
    I2, ID = torch.eye(2, dtype=DTYPE), torch.eye(D, dtype=DTYPE)
    if len(block.boundary) != len(site.couplings):
        raise ValueError(
            f"block has {len(block.boundary)} boundary operators, the site model couples through {len(site.couplings)}"
        )
    H = torch.kron(block.H, I2) + torch.kron(ID, site.field())
    for B, (s, _, p) in zip(block.boundary, site.couplings):
        H = H + s * torch.kron(B, pauli(p))
    return Block(
        n_sites=block.n_sites + 1,
        H=_hermitian(H),
        boundary=tuple(torch.kron(ID, pauli(p)) for _, _, p in site.couplings),
        observable=torch.kron(block.observable, I2),
        rho=torch.kron(block.rho, _up_projector()),
        drives=tuple((c, torch.kron(m, I2)) for c, m in block.drives),
        left=tuple(torch.kron(x, I2) for x in block.left),
    )


def grow_left(block: Block, site: SiteModel) -> Block:
    """Attach one target site on the left of a bulk block (one that carries `left` operators)."""
    if len(block.left) != len(site.couplings):
        raise ValueError("grow_left needs a bulk block: one left operator per bond term of the site model")
    D = block.dim
    I2, ID = torch.eye(2, dtype=DTYPE), torch.eye(D, dtype=DTYPE)
    H = torch.kron(I2, block.H) + torch.kron(site.field(), ID)
    for L, (s, P, _) in zip(block.left, site.couplings):
        H = H + s * torch.kron(pauli(P), L)
    return Block(
        n_sites=block.n_sites + 1,
        H=_hermitian(H),
        boundary=tuple(torch.kron(I2, b) for b in block.boundary),
        observable=torch.kron(I2, block.observable),
        rho=torch.kron(_up_projector(), block.rho),
        drives=tuple((c, torch.kron(I2, m)) for c, m in block.drives),
        left=tuple(torch.kron(pauli(p), ID) for _, _, p in site.couplings),
    )


def bulk_block(site: SiteModel, n0: int, observable: PauliExpr) -> Block:
    """The exact n0-site block of `exact_block`, made able to grow on both sides (left operators p_a on site 0)."""
    block = exact_block(site, n0, observable)
    I_rest = torch.eye(2 ** (n0 - 1), dtype=DTYPE)
    return replace(block, left=tuple(torch.kron(pauli(p), I_rest) for _, _, p in site.couplings))


def exact_block(site: SiteModel, n0: int, observable: PauliExpr) -> Block:
    """The exact n0-site block in state |0…0⟩, built by growing from one site; O must act within n0 sites."""
    if n0 < 1:
        raise ValueError(f"n0 = {n0}; the first block needs at least one site")
    if observable.n_sites > n0 or (observable.support() and max(observable.support()) >= n0):
        raise ValueError(
            f"the observable acts on sites {observable.support()}, outside the first block of "
            f"{n0} sites; choose n0 > {max(observable.support())}"
        )
    block = Block(
        1, site.field(), tuple(pauli(P) for _, P, _ in site.couplings), torch.zeros(2, 2, dtype=DTYPE), _up_projector()
    )
    for _ in range(n0 - 1):
        block = grow(block, site)
    O = PauliExpr(n0, observable.terms) if observable.n_sites < n0 else observable
    return replace(block, observable=torch.from_numpy(to_dense(O)))
