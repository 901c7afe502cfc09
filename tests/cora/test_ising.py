"""The training data against exact results: chain correlations, Kaufman vs enumeration, Monte Carlo vs Kaufman."""

import itertools

import numpy as np
import pytest

from hybrid_rg.cora.ising import T_C, SwendsenWang, binned_mean, chain_correlation, chain_samples, energy_per_site
from hybrid_rg.cora.ising_exact import energy_onsager, energy_torus

KC = 1.0 / T_C


@pytest.mark.parametrize("K", [0.2, KC, 0.7])
def test_kaufman_matches_enumeration_of_the_4x4_torus(K):
    confs = np.array(list(itertools.product([-1, 1], repeat=16)), dtype=np.int8).reshape(-1, 4, 4)
    E = energy_per_site(confs)
    w = np.exp(-K * 16 * (E - E.min()))
    assert abs((E * w).sum() / w.sum() - energy_torus(4, 4, K)) < 1e-8


def test_onsager_at_tc_and_large_torus_limit():
    assert abs(energy_onsager(KC) + np.sqrt(2.0)) < 1e-12
    for K in (0.3, 0.6):  # away from T_c the finite-size correction is exponentially small
        assert abs(energy_torus(64, 64, K) - energy_onsager(K)) < 1e-8


def test_chain_samples_reproduce_exact_ring_correlations():
    N, K, n = 12, 0.8, 40000
    s = 2.0 * chain_samples(N, K, n, seed=0) - 1.0
    for r in range(1, 7):
        prod = s * np.roll(s, -r, axis=1)
        est = prod.mean()
        err = prod.mean(1).std() / np.sqrt(n)  # per-sample means are independent
        assert abs(est - chain_correlation(N, K, r)) < 5 * err, r
    assert abs(s.mean()) < 5 / np.sqrt(n)


def _mc_energy_at_tc(L, n_samples, seed):
    sw = SwendsenWang(L, KC, seed=seed)
    e = energy_per_site(sw.run(n_samples, thermalize=200))
    return binned_mean(e, n_bins=20)


def test_swendsen_wang_reproduces_exact_energy_at_tc_small():
    mean, err = _mc_energy_at_tc(8, 6000, seed=1)
    exact = energy_torus(8, 8, KC)
    assert err < 0.01  # the test must be able to fail
    assert abs(mean - exact) < 4 * err, (mean, exact, err)


@pytest.mark.slow
def test_swendsen_wang_reproduces_exact_energy_at_tc_32():
    mean, err = _mc_energy_at_tc(32, 20000, seed=2)
    exact = energy_torus(32, 32, KC)
    assert err < 0.002
    assert abs(mean - exact) < 4 * err, (mean, exact, err)


def test_autocorrelation_time_of_an_ar1_series():
    from hybrid_rg.cora.ising import integrated_autocorrelation_time

    rng = np.random.default_rng(0)
    a, n = 0.8, 200000
    x = np.empty(n)
    x[0] = 0.0
    noise = rng.normal(size=n)
    for t in range(1, n):
        x[t] = a * x[t - 1] + noise[t]
    exact = 0.5 + a / (1 - a)  # ½ + Σ_{t≥1} a^t
    assert abs(integrated_autocorrelation_time(x) - exact) < 0.1 * exact
    assert abs(integrated_autocorrelation_time(rng.normal(size=20000)) - 0.5) < 0.05


@pytest.mark.parametrize("K", [0.3, KC, 0.5])
def test_infinite_lattice_nearest_neighbour_correlation_is_onsagers(K):
    from hybrid_rg.cora.ising_exact import row_correlation_infinite

    assert abs(row_correlation_infinite(K, 1)[0] + energy_onsager(K) / 2) < 1e-10


def test_infinite_lattice_correlations_at_tc_decay_as_r_to_minus_a_quarter():
    from hybrid_rg.cora.ising_exact import row_correlation_infinite

    c = row_correlation_infinite(KC, 16)
    assert abs(c[0] - 1 / np.sqrt(2)) < 1e-12
    # asymptotically A r^{-1/4} with A = 2^{1/12} e^{3ζ'(−1)} 2^{1/8} = 0.70338 (the diagonal constant at distance r)
    assert abs(c[15] * 16**0.25 - 0.70338) < 2e-4
    assert np.all(np.diff(c) < 0)
    below = row_correlation_infinite(0.5, 12)  # ordered: tends to M² = (1 − sinh^{−4} 2K)^{1/4}
    assert abs(below[-1] - (1 - np.sinh(1.0) ** -4) ** 0.25) < 1e-4


def test_wolff_reference_matches_enumeration_of_the_4x4_torus():
    from tests.cora.wolff import wolff_correlations

    confs = np.array(list(itertools.product([-1, 1], repeat=16)), dtype=np.int8).reshape(-1, 4, 4)
    w = np.exp(-KC * 16 * energy_per_site(confs))
    exact = [(w * (confs * np.roll(confs, -r, 2)).mean((1, 2))).sum() / w.sum() for r in (1, 2)]
    mean, err, _ = wolff_correlations(4, KC, 8000, seed=0, r_max=2, thermalize=100)
    assert np.all(err < 0.01)
    assert np.all(np.abs(mean - exact) < 4 * err), (mean, exact, err)
