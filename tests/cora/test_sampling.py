"""Exact sampling against exact marginals, within statistical error."""

import numpy as np
import pytest
import torch

from hybrid_rg.cora.geometry import Geometry
from hybrid_rg.cora.marginals import ConeMarginals
from hybrid_rg.cora.model import Cora
from hybrid_rg.cora.sampling import sample


@pytest.mark.parametrize("dim,side,layers,top", [(1, 16, 3, "learned"), (2, 4, 2, "learned"), (1, 8, 3, "uniform")])
def test_sample_histograms_match_exact_marginals(dim, side, layers, top):
    m = Cora(Geometry(dim, side, layers), chi=2, top=top, seed=11, init_noise=1.5, init_identity=0.0)
    if top == "learned":
        with torch.no_grad():
            m.top_logits.normal_(generator=torch.Generator().manual_seed(2))
    n = 40000
    x = sample(m, n, seed=5)
    assert x.shape == (n, side**dim) and set(np.unique(x)) <= {0, 1}
    geo, cones = m.geometry, ConeMarginals(m)
    shape = (3,) if dim == 1 else (2, 2)
    worst = 0.0
    for o in range(geo.size(0)):
        sites = geo.window(0, geo.coords(0, o), shape)
        p = cones.patch(sites).detach().numpy().reshape(-1)
        flat = np.zeros(n, dtype=int)
        for s in sites:
            flat = flat * 2 + x[:, s]
        freq = np.bincount(flat, minlength=p.size) / n
        z = np.abs(freq - p) / np.sqrt(p * (1 - p) / n)
        worst = max(worst, z.max())
    # ~ 16…64 windows × 8…16 cells: a 5σ deviation has probability < 1e-4 anywhere
    assert worst < 5.0, worst


def test_sampling_is_reproducible_from_its_seed():
    m = Cora(Geometry(1, 8, 2), seed=1)
    assert np.array_equal(sample(m, 100, seed=3), sample(m, 100, seed=3))
    assert not np.array_equal(sample(m, 100, seed=3), sample(m, 100, seed=4))
