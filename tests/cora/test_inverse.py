"""The Bayesian inverse (data coarse-graining) against the posterior by enumeration."""

import itertools

import numpy as np
import pytest
import torch

from hybrid_rg.cora.geometry import Geometry
from hybrid_rg.cora.inverse import coarse_grain
from hybrid_rg.cora.model import Cora


def _posterior(model, x, prior):
    """p(y | x) ∝ q(y) Σ_c Π W(c_block | y_s) Π U(x_group | c_group), by enumerating y and c (layer 1)."""
    geo = model.geometry
    M, N = geo.size(1), geo.size(0)
    W, U = model.isometry(1).detach().numpy(), model.disentangler(1).detach().numpy()
    post = {}
    for y in itertools.product(range(2), repeat=M):
        total = 0.0
        for c in itertools.product(range(2), repeat=N):
            p = np.prod([W[y[s], c[2 * s], c[2 * s + 1]] for s in range(M)])
            p *= np.prod([U[c[2 * i + 1], c[(2 * i + 2) % N], x[2 * i + 1], x[(2 * i + 2) % N]] for i in range(M)])
            total += p
        post[y] = prior(y) * total
    z = sum(post.values())
    return {y: v / z for y, v in post.items()}


@pytest.mark.parametrize("side,prior_kind", [(4, "uniform"), (6, "uniform"), (6, "model")])
def test_coarse_grain_samples_the_posterior(side, prior_kind):
    m = Cora(Geometry(1, side, 1), chi=2, top="learned", seed=4, init_noise=1.2, init_identity=0.5)
    with torch.no_grad():
        m.top_logits.normal_(generator=torch.Generator().manual_seed(1))
    M = side // 2
    if prior_kind == "uniform":

        def prior(y):
            return 1.0
    else:  # Markov chain from the exact nearest-neighbour marginals of the top state
        top = m.top().detach().numpy()

        def pair(i, a, b):
            j = (i + 1) % M
            return top.sum(axis=tuple(s for s in range(M) if s not in (i, j))).transpose((0, 1) if i < j else (1, 0))[
                a, b
            ]

        def prior(y):
            single = [top.sum(axis=tuple(s for s in range(M) if s != i))[y[i]] for i in range(M)]
            return np.prod([pair(i, y[i], y[(i + 1) % M]) for i in range(M)]) / np.prod(single)

    x = np.array([1, 0, 0, 1, 1, 1][:side], dtype=np.uint8)
    post = _posterior(m, x, prior)
    n = 20000
    y = coarse_grain(m, 1, np.tile(x, (n, 1)), seed=0, prior=prior_kind)
    flat = (y * (2 ** np.arange(M - 1, -1, -1))).sum(1)
    freq = np.bincount(flat, minlength=2**M) / n
    for k, yy in enumerate(itertools.product(range(2), repeat=M)):
        p = post[yy]
        assert abs(freq[k] - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-12, (yy, freq[k], p)


def test_coarse_grain_rejects_2d():
    m = Cora(Geometry(2, 4, 1), chi=2)
    with pytest.raises(ValueError, match="dim = 1"):
        coarse_grain(m, 1, np.zeros((2, 16), dtype=np.uint8), seed=0)
