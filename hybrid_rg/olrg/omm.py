"""Operator matrix maps (OMM): X -> V† X V with an isometry V (D × χ) per scale, learned in torch.

`LinearIsometryMap` is the NRG/DMRG limit of OLRG: one V for all operators of a scale. V = Q of the QR
decomposition of a free complex parameter W (with R's diagonal made positive), so V stays exactly isometric
whatever the optimiser does to W. χ_n = min(χ, D_n): when the block is small enough V is square (a unitary),
and the flow is exact.

Initialisation, on the first pass through each scale:
  "nrg": the χ lowest eigenvectors of the block Hamiltonian H_n;
  "rdm": the χ dominant eigenvectors of the block's reduced density matrix, averaged over the time grid, in the
         system grown by `rdm_env` target sites (default 1; on each side for a bulk block; a DMRG-like choice tuned
         to the dynamics rather than the ground state). A one-site environment sees almost none of the entanglement
         the rest of the chain builds up by time T, so at long T its basis is wrong whatever χ: at N = 32, h = 1,
         T = 3 the untrained χ = 8 / 16 / 32 maps are 17 % / 15 % / 21 % off, while a 3-site environment brings χ = 16
         to 6 % (and T = 2 from 13 % to 0.9 %). The environment is made of target sites attached to the
         approximate block, as in the loss's look-ahead: no reference beyond the small systems is used;
  "random": a Haar-random isometry (seeded).
"""

from __future__ import annotations

import torch

from .block import Block, SiteModel, grow, grow_left
from .evolution import propagators
from .flow import OperatorMap

INITS = ("nrg", "rdm", "random")


def isometry_from(W: torch.Tensor) -> torch.Tensor:
    Q, R = torch.linalg.qr(W)
    phases = torch.diagonal(R)
    phases = phases / phases.abs().clamp_min(1e-300)
    return Q * phases.conj()[None, :]


class LinearIsometryMap(OperatorMap):
    def __init__(
        self,
        chi: int,
        init: str = "nrg",
        site: SiteModel | None = None,
        T: float = 1.0,
        n_steps: int = 20,
        seed: int = 0,
        rdm_env: int = 1,
    ):
        super().__init__()
        if chi < 1:
            raise ValueError(f"chi = {chi}; the kept dimension must be >= 1")
        if init not in INITS:
            raise ValueError(f"init '{init}' unknown; choose one of {', '.join(INITS)}")
        if init == "rdm" and site is None:
            raise ValueError(
                "init='rdm' needs the target SiteModel (the block is grown by rdm_env target sites to form ρ(t))"
            )
        if rdm_env < 1:
            raise ValueError(f"rdm_env = {rdm_env}; the RDM initialisation needs at least one environment site")
        self.rdm_env = rdm_env
        self.chi, self.init, self.site, self.T, self.n_steps = chi, init, site, T, n_steps
        self.generator = torch.Generator().manual_seed(seed)
        self.W = torch.nn.ParameterDict()

    def isometry(self, scale: int) -> torch.Tensor:
        return isometry_from(self.W[str(scale)])

    def _initial_basis(self, block: Block, chi: int) -> torch.Tensor:
        with torch.no_grad():
            if self.init == "nrg":
                return torch.linalg.eigh(block.H)[1][:, :chi]
            if self.init == "random":
                W = torch.randn(block.dim, chi, dtype=torch.complex128, generator=self.generator)
                return isometry_from(W)
            g, D, E = block, block.dim, 2**self.rdm_env
            for _ in range(self.rdm_env):
                g = grow(g, self.site)
                if block.left:  # a bulk block: grown on both sides, all new sites traced out
                    g = grow_left(g, self.site)
            U = propagators(g, torch.linspace(0, self.T, self.n_steps, dtype=torch.float64))
            rho_t = U @ g.rho @ U.conj().transpose(-1, -2)
            if block.left:  # sites: E left, the block, E right (grow_left puts each new site first)
                rho_block = torch.einsum("tbiabja->tij", rho_t.reshape(-1, E, D, E, E, D, E)).mean(0)
            else:
                rho_block = torch.einsum("tiaja->tij", rho_t.reshape(-1, D, E, D, E)).mean(0)
            w, v = torch.linalg.eigh(rho_block)
            return v[:, torch.argsort(w.real, descending=True)[:chi]]

    def forward(self, block: Block, scale: int) -> Block:
        key = str(scale)
        chi = min(self.chi, block.dim)
        if key not in self.W:
            # contiguous: eigh and QR return column-major factors, and L-BFGS flattens gradients with view()
            self.W[key] = torch.nn.Parameter(
                self._initial_basis(block, chi).clone(memory_format=torch.contiguous_format)
            )
        V = self.isometry(scale)
        if V.shape != (block.dim, chi):
            raise ValueError(
                f"scale {scale}: stored isometry is {tuple(V.shape)}, the block needs ({block.dim}, {chi})"
            )
        Vh = V.conj().T
        return block.apply(lambda X: Vh @ X @ V)
