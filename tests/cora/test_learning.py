"""Learning against independent truths: the exact Ising chain and the exact (Kaufman) 2D torus energy."""

import numpy as np

from hybrid_rg.cora.geometry import Geometry
from hybrid_rg.cora.ising import SwendsenWang, chain_correlation, chain_samples
from hybrid_rg.cora.ising_exact import energy_torus
from hybrid_rg.cora.learning import FitOptions, fit, fit_layerwise
from hybrid_rg.cora.marginals import ConeMarginals
from hybrid_rg.cora.model import Cora
from hybrid_rg.cora.observables import model_energy
from hybrid_rg.cora.patches import histogram, mean_kl

N, K = 16, 0.8


def _chain_data():
    return chain_samples(N, K, 2000, seed=0), chain_samples(N, K, 2000, seed=1)


def _kl(model, test):
    return mean_kl(ConeMarginals(model), 0, (4,), histogram(test, model.geometry, 0, (4,), 2))


def test_method2_learns_the_ising_chain():
    train, test = _chain_data()
    m = Cora(Geometry(1, N, 3), chi=2, top="learned", seed=0)
    kl0 = _kl(m, test)
    fit(m, train, "method2", FitOptions((4,), steps=60, lr=0.1))
    kl = _kl(m, test)
    assert kl0 > 0.3 and kl < 0.01, (kl0, kl)
    assert abs(model_energy(m) + chain_correlation(N, K, 1)) < 0.02


def test_method1_then_further_pass_improves_held_out_kl():
    train, test = _chain_data()
    m = Cora(Geometry(1, N, 3), chi=2, top="learned", seed=0)
    kl0 = _kl(m, test)
    traces = fit(m, train, "method1", FitOptions((4,), steps=60, lr=0.1))
    kl1 = _kl(m, test)
    assert all(t[-1] < t[0] for t in traces.values())
    fit_layerwise(m, train, FitOptions((4,), steps=60, lr=0.1, seed=100), prior="model")
    kl2 = _kl(m, test)
    assert kl1 < 0.5 * kl0 and kl2 < kl1, (kl0, kl1, kl2)


def test_method2_in_2d_reproduces_the_exact_torus_energy_above_tc():
    K2 = 0.3
    spins = SwendsenWang(8, K2, seed=0).run(1000, thermalize=100)
    x = ((spins.reshape(1000, -1) + 1) // 2).astype(np.uint8)
    m = Cora(Geometry(2, 8, 2), chi=2, top="learned", seed=0)
    fit(m, x, "method2", FitOptions((2, 2), steps=60, lr=0.1, origins_per_step=8))
    assert abs(model_energy(m) - energy_torus(8, 8, K2)) < 0.05
