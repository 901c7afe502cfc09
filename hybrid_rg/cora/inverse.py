"""Bayesian inverse of one 1D CORA layer: coarse-grain data x on Γ_{k-1} to y on Γ_k by sampling p(y | x).

The paper's learning step renormalises the training data with the Bayesian inverse of π_k: given a prior q on
Γ_k, p(y | x) ∝ q(y) π_k(x | y). In 1D the layer's hidden variables form a ring: with
z_i = (y_i, c_{2i}, c_{2i+1}) (coarse site + its isometry block),

    q(y) π_k(x | y) = Π_i  q-factors · W(c_{2i}, c_{2i+1} | y_i) · U(x_{2i+1}, x_{2i+2} | c_{2i+1}, c_{2i+2}),

a product of factors A_i(z_i, z_{i+1}) around the ring (U couples neighbouring blocks). Such a ring is sampled
exactly by transfer matrices: p(z_0) ∝ [A_0 A_1 … A_{M-1}]_{z_0 z_0}, then z_1, z_2, … forward given z_0.

Priors: "uniform" (method 1) is a product; "model" uses the state that the trained layers above generate on Γ_k,
approximated by the Markov chain built from its exact nearest-neighbour marginals,
q(y) ≈ Π p(y_i, y_{i+1}) / Π p(y_i) (exact marginals from the causal cone; the approximation drops only the
longer-range correlations of the prior, which the paper notes are not needed at this scale).
2D has no such transfer-matrix trick (the posterior is a 2D field); it is not implemented.
"""

from __future__ import annotations

import numpy as np
import torch

from .marginals import ConeMarginals
from .model import Cora


def _prior_factors(model: Cora, k: int, prior: str):
    """Node and edge prior factors on Γ_k: node (M, chi), edge (M, chi, chi) for edge (i, i+1)."""
    M, chi = model.geometry.size(k), model.dim(k)
    if prior == "uniform":
        return torch.ones(M, chi, dtype=torch.float64), torch.ones(M, chi, chi, dtype=torch.float64)
    if prior != "model":
        raise ValueError(f"prior = {prior!r}: use 'uniform' or 'model'")
    cones = ConeMarginals(model)
    with torch.no_grad():
        pairs = torch.stack([cones.patch((i, (i + 1) % M), level=k) for i in range(M)])
        singles = pairs.sum(2)
    return 1.0 / singles, pairs


@torch.no_grad()
def coarse_grain(model: Cora, k: int, x: np.ndarray, seed: int, prior: str = "uniform") -> np.ndarray:
    """Samples y ~ p(y | x) for each row of x (shape (n, size(k-1))), returns (n, size(k)) states on Γ_k."""
    geo = model.geometry
    if geo.dim != 1:
        raise ValueError("the Bayesian inverse is implemented for dim = 1 only (2D posteriors are 2D fields)")
    M, chi, d = geo.size(k), model.dim(k), model.dim(k - 1)
    if M < 2:
        raise ValueError(f"layer {k} has a single coarse site; fit its top state directly")
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(np.asarray(x), dtype=torch.long)
    n, K = x.shape[0], chi * d * d
    z = torch.arange(K)
    y_of, c0_of, c1_of = z // (d * d), (z // d) % d, z % d
    W = model.isometry(k)  # (chi, d, d)
    U = model.disentangler(k)  # (d, d, d, d): in0, in1, out0, out1
    node, edge = _prior_factors(model, k, prior)
    A = []
    for i in range(M):
        phi = node[i][y_of] * W[y_of, c0_of, c1_of]  # (K,)
        Ux = U[:, :, x[:, (2 * i + 1) % (2 * M)], x[:, (2 * i + 2) % (2 * M)]]  # (d, d, n)
        Ux = Ux.permute(2, 0, 1)[:, c1_of][:, :, c0_of]  # (n, K, K)
        A.append(phi[None, :, None] * Ux * edge[i][y_of][:, y_of][None])
    # backward matrices R_i(z_i, z_0) = A_i … A_{M-1}, normalised per sample
    R = [None] * M
    R[M - 1] = A[M - 1]
    for i in range(M - 2, 0, -1):
        r = A[i] @ R[i + 1]
        R[i] = r / r.amax(dim=(1, 2), keepdim=True)
    p0 = torch.diagonal(A[0] @ R[1], dim1=1, dim2=2)
    zs = torch.empty(n, M, dtype=torch.long)
    zs[:, 0] = torch.multinomial(p0 / p0.sum(1, keepdim=True), 1, generator=gen)[:, 0]
    rows = torch.arange(n)
    for i in range(1, M):
        w = A[i - 1][rows, zs[:, i - 1]] * R[i][rows, :, zs[:, 0]]
        zs[:, i] = torch.multinomial(w / w.sum(1, keepdim=True), 1, generator=gen)[:, 0]
    return y_of[zs].numpy().astype(np.uint8)
