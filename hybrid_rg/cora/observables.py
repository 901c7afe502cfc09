"""Physics read-outs of a CORA and of data: two-point correlations vs distance and nearest-neighbour energy.

The model's numbers are exact (two-site marginals from the causal cone, averaged over all origins because a MERA
is not translation invariant below its top); the data's are sample means. States x ↔ spins σ = 2x − 1.
"""

from __future__ import annotations

import numpy as np
import torch

from .marginals import ConeMarginals
from .model import Cora


def _sigma(d: int) -> torch.Tensor:
    return 2.0 * torch.arange(d, dtype=torch.float64) / (d - 1) - 1.0


def site_subset(model: Cora, n_sites: int = 0, seed: int = 0) -> list[int]:
    """All sites of Γ0 (n_sites = 0 or >= size), else a seeded random subset: the model's exact local numbers
    depend on position (a MERA is translation invariant only up to its top), so averages over a subset estimate
    the lattice average, with their spread as the error."""
    size = model.geometry.size(0)
    if not n_sites or n_sites >= size:
        return list(range(size))
    return sorted(np.random.default_rng(seed).choice(size, n_sites, replace=False).tolist())


@torch.no_grad()
def model_correlation(
    model: Cora, r: int, axis: int = 0, cones: ConeMarginals | None = None, sites: list[int] | None = None
) -> float:
    """⟨σ_i σ_{i+r e_axis}⟩ averaged over the sites i (default: all), each term exact."""
    cones = cones or ConeMarginals(model)
    geo, s = model.geometry, _sigma(model.n_states)
    vals = []
    for i in range(geo.size(0)) if sites is None else sites:
        xy = list(geo.coords(0, i))
        xy[axis] += r
        j = geo.flat(0, tuple(xy))
        if j == i:
            vals.append(float((cones.marginal(0, (i,)) * s * s).sum()))
        else:
            vals.append(float(torch.einsum("ab,a,b->", cones.patch((i, j)), s, s)))
    return float(np.mean(vals))


def data_correlation(data: np.ndarray, side: int, dim: int, r: int, axis: int = 0) -> float:
    """Sample mean of σ_i σ_{i+r e_axis} over samples and sites; data (n, side**dim) of 0/1 states."""
    s = 2.0 * data.reshape((-1,) + (side,) * dim).astype(float) - 1.0
    return float((s * np.roll(s, -r, axis=1 + axis)).mean())


def correlation_curve(model: Cora, r_max: int, sites: list[int] | None = None) -> np.ndarray:
    cones = ConeMarginals(model)
    return np.array(
        [
            np.mean([model_correlation(model, r, a, cones, sites) for a in range(model.geometry.dim)])
            for r in range(1, r_max + 1)
        ]
    )


def model_energy(model: Cora, sites: list[int] | None = None) -> float:
    """Nearest-neighbour energy per site −Σ_axes ⟨σ_i σ_{i+e}⟩ (J = 1): exact, averaged over `sites` (all)."""
    cones = ConeMarginals(model)
    return -sum(model_correlation(model, 1, a, cones, sites) for a in range(model.geometry.dim))


def sample_correlation_curve(samples: np.ndarray, side: int, dim: int, r_max: int) -> tuple[np.ndarray, np.ndarray]:
    """Correlation vs distance from independent configurations (e.g. exact CORA samples), with its standard
    error from the per-configuration means (valid because the samples are independent)."""
    s = 2.0 * samples.reshape((-1,) + (side,) * dim).astype(float) - 1.0
    means, errs = [], []
    for r in range(1, r_max + 1):
        per = np.mean([(s * np.roll(s, -r, axis=1 + a)).reshape(len(s), -1).mean(1) for a in range(dim)], axis=0)
        means.append(per.mean())
        errs.append(per.std(ddof=1) / np.sqrt(len(per)))
    return np.array(means), np.array(errs)
