"""Local reduced distributions of data, and the model's cross-entropy against them.

The paper's cost function: the probabilities that the model's *reduced states* (exact marginals over small
windows) assign to the training data. The data are translation invariant, so the empirical window distribution
h(x) is pooled over all window origins; the model (a MERA is not translation invariant below the top) is scored at
every origin (or a random subset per step) and averaged:

    loss = − mean_origins Σ_x h(x) log p_origin(x)  =  mean KL(h ‖ p_origin) + H(h).
"""

from __future__ import annotations

from itertools import product

import numpy as np
import torch

from .geometry import Geometry
from .marginals import ConeMarginals


def origins(geo: Geometry, level: int) -> list[tuple[int, ...]]:
    return list(product(range(geo.side_at(level)), repeat=geo.dim))


def window_index(geo: Geometry, level: int, shape) -> np.ndarray:
    """(n_origins, window size) flat site indices of every periodic window of `shape` on Γ_level."""
    return np.array([geo.window(level, o, shape) for o in origins(geo, level)])


def histogram(data: np.ndarray, geo: Geometry, level: int, shape, d: int) -> np.ndarray:
    """Empirical distribution (d^L,) of the window configurations, pooled over samples and origins."""
    idx = window_index(geo, level, shape)
    flat = np.zeros(data.shape[:1] + idx.shape[:1], dtype=np.int64)
    for j in range(idx.shape[1]):
        flat = flat * d + data[:, idx[:, j]]
    counts = np.bincount(flat.ravel(), minlength=d ** idx.shape[1]).astype(float)
    return counts / counts.sum()


def cross_entropy(cones: ConeMarginals, level: int, shape, hist: torch.Tensor, which) -> torch.Tensor:
    """− mean over the origins `which` of Σ_x h(x) log p_origin(x)."""
    geo = cones.geo
    terms = [-(hist * torch.log(cones.patch(geo.window(level, o, shape), level).reshape(-1))).sum() for o in which]
    return torch.stack(terms).mean()


def entropy(hist: np.ndarray) -> float:
    h = hist[hist > 0]
    return float(-(h * np.log(h)).sum())


def mean_kl(cones: ConeMarginals, level: int, shape, hist: np.ndarray, which=None) -> float:
    """mean over the origins `which` (default all) of KL(h ‖ p_origin), in nats (h: held-out pooled windows)."""
    with torch.no_grad():
        ce = cross_entropy(
            cones, level, shape, torch.as_tensor(hist), origins(cones.geo, level) if which is None else which
        )
    return float(ce) - entropy(hist)
