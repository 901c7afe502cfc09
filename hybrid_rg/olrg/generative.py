"""The paper's generative operator matrix map: an MLP reads an operator's entries plus noise and writes an isometry.

    W = MLP([Re X, Im X, ξ]),  ξ ~ N(0, 1)^noise_dim,   V = Q(QR(W)) (D × χ),   X -> V† X V

Two variants:
  per_operator=True  (the authors' code, notes/olrg.md §3): every operator X gets its own V(X). Products and
                     commutators are then not preserved by the map; consistency comes only from the loss
                     (notes §7.5). At χ_n = D nothing needs truncating and the map passes the block through
                     unchanged: per-operator unitaries would otherwise break exactness (a test shows they do).
  per_operator=False one V per block, generated from the block Hamiltonian's entries plus noise and applied to
                     every operator; at χ_n = D it is a unitary change of basis and the flow is exact.

The map is stochastic. An `ensemble` of replicas (independent noise) is averaged: predictions are ensemble
means, and the training loss is the mean of the replicas' losses (an upper bound, by Jensen, on the loss of
the ensemble-averaged correlators that the authors compare). One MLP is shared by all scales whose block has the
same dimension D (with χ = 2^{n0−1}, as in the authors' runs, that is every scale).
"""

from __future__ import annotations

import torch

from .block import Block
from .flow import OperatorMap
from .omm import isometry_from


class _MLP(torch.nn.Module):
    def __init__(self, n_in: int, n_out: int, width: int, depth: int, generator: torch.Generator):
        super().__init__()
        sizes = [n_in] + [width] * depth + [n_out]
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b, dtype=torch.float64) for a, b in zip(sizes, sizes[1:]))
        with torch.no_grad():
            for layer in self.layers:  # seeded init (torch's default init uses the global generator)
                bound = layer.in_features**-0.5
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)


class GenerativeMap(OperatorMap):
    def __init__(
        self,
        chi: int,
        width: int | None = None,
        depth: int = 3,
        noise_dim: int | None = None,
        per_operator: bool = True,
        seed: int = 0,
    ):
        super().__init__()
        if chi < 1 or depth < 0:
            raise ValueError(f"need chi >= 1 and depth >= 0 (got chi={chi}, depth={depth})")
        self.chi, self.width, self.depth, self.noise_dim = chi, width, depth, noise_dim
        self.per_operator = per_operator
        self.init_generator = torch.Generator().manual_seed(seed)
        self.noise = torch.Generator().manual_seed(seed + 1)
        self.nets = torch.nn.ModuleDict()

    def reseed(self, seed: int) -> None:
        """Fix the noise stream (before a prediction, so it can be repeated)."""
        self.noise.manual_seed(seed)

    def _net(self, D: int, chi: int) -> _MLP:
        key = f"{D}x{chi}"
        if key not in self.nets:
            width = self.width or D * chi  # the authors' width χ·D
            noise = self.noise_dim if self.noise_dim is not None else D * D
            self.nets[key] = _MLP(2 * D * D + noise, 2 * D * chi, width, self.depth, self.init_generator)
        return self.nets[key]

    def isometry(self, X: torch.Tensor, chi: int) -> torch.Tensor:
        D = X.shape[-1]
        net = self._net(D, chi)
        n_noise = net.layers[0].in_features - 2 * D * D
        xi = torch.randn(n_noise, dtype=torch.float64, generator=self.noise)
        scale = X.abs().max().clamp_min(1e-12)  # entries normalised, so H and ρ see inputs of similar size
        W = net(torch.cat([(X.real / scale).reshape(-1), (X.imag / scale).reshape(-1), xi]))
        W = torch.complex(W[: D * chi], W[D * chi :]).reshape(D, chi)
        return isometry_from(W)

    def forward(self, block: Block, scale: int) -> Block:
        chi = min(self.chi, block.dim)
        if self.per_operator:
            if chi == block.dim:
                return block

            def compress(X):
                V = self.isometry(X, chi)
                return V.conj().T @ X @ V

            return block.apply(compress)
        V = self.isometry(block.H, chi)
        Vh = V.conj().T
        return block.apply(lambda X: Vh @ X @ V)
