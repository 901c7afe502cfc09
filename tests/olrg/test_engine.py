"""OLRG engine: growth, time ordering, complex correlators, exactness at full χ, isometry, gradients."""

import itertools

import numpy as np
import pytest
import scipy.linalg as sla
import torch

from hybrid_rg.exact import evolve, product_state
from hybrid_rg.olrg import (
    Block,
    LinearIsometryMap,
    LossConfig,
    SiteModel,
    boundary_correlators,
    exact_block,
    expectation,
    grow,
    run_flow,
    scale_loss,
)
from hybrid_rg.olrg.omm import isometry_from
from hybrid_rg.olrg.trainer import flow_loss, train
from hybrid_rg.operators import PauliExpr, to_dense

SITES = [SiteModel.tfim(1.0, 0.7, 0.4), SiteModel.xxz(0.9, 0.6, 0.3)]


@pytest.mark.parametrize("site", SITES, ids=["tfim_g", "xxz"])
def test_growth_reproduces_the_lattice_model(site):
    b = exact_block(site, 5, PauliExpr.term(5, "Z", (0,)))
    assert np.abs(b.H.numpy() - to_dense(site.chain(5))).max() < 1e-14
    assert b.rho[0, 0] == 1 and float(b.rho.abs().sum()) == 1.0


@pytest.mark.parametrize("site", SITES, ids=["tfim_g", "xxz"])
def test_full_chi_flow_is_exact(site):
    # χ = full dimension with a random unitary at every scale must reproduce exact dynamics (non-integrable here).
    n0, N, T = 2, 7, 1.3
    O = PauliExpr.term(2, "ZZ", (0, 1), 0.25)
    flow = run_flow(exact_block(site, n0, O), site, N, LinearIsometryMap(2**N, init="random", seed=3))
    exact = evolve(site.chain(N), product_state(N), [T], {"o": PauliExpr(N, O.terms)})["o"][0].real
    assert abs(float(flow.prediction(T).detach()) - exact) < 1e-10


def test_complex_correlators_match_a_direct_dense_computation():
    site = SiteModel.tfim(1.0, 0.8, 0.2)
    g = grow(exact_block(site, 3, PauliExpr.term(3, "Z", (2,))), site)
    T, grid, K = 1.1, torch.linspace(0, 1.1, 5, dtype=torch.float64), 3
    rng = np.random.default_rng(0)
    t_idx = torch.tensor(rng.integers(0, 5, size=(4, K)))
    a_idx = torch.zeros((4, K), dtype=torch.long)
    chis = boundary_correlators(g, T, grid, t_idx, a_idx, K)
    H, B, O, rho = (x.numpy() for x in (g.H, g.boundary[0], g.observable, g.rho))
    heis = lambda X, t: sla.expm(1j * H * t) @ X @ sla.expm(-1j * H * t)
    for s in range(4):
        for k in range(K + 1):
            for p, signs in enumerate(itertools.product((-1, 1), repeat=k)):
                X = heis(O, T)
                for j, c in enumerate(signs):
                    Bt = heis(B, float(grid[t_idx[s, j]]))
                    X = Bt @ X + c * X @ Bt
                direct = np.trace(rho @ X)
                assert abs(complex(chis[k][s, p]) - direct) < 1e-11
    # an odd number of commutators makes χ purely imaginary: kept (not dropped as in the authors' code)
    odd = chis[1][:, 0]
    assert torch.all(odd.real.abs() < 1e-12) and float(odd.imag.abs().max()) > 1e-3


def test_time_dependent_evolution_is_forward_ordered():
    site = SiteModel.tfim(1.0, 0.5)
    base = exact_block(site, 3, PauliExpr.term(3, "Z", (1,)))
    drive = lambda t: torch.sin(3.0 * t) + 0.5 * t
    X0 = torch.from_numpy(to_dense(PauliExpr.term(3, "Y", (0,))))
    block = Block(3, base.H, base.boundary, base.observable, base.rho, drives=((drive, X0),))
    T = 1.7
    ours = float(expectation(block, T, substeps=400).real)
    from hybrid_rg.operators import Coefficient

    H = site.chain(3) + PauliExpr.term(3, "Y", (0,), Coefficient(lambda t, p: np.sin(3 * t) + 0.5 * t))
    ref = evolve(H, product_state(3), [T], {"o": PauliExpr.term(3, "Z", (1,))})["o"][0].real
    assert abs(ours - ref) < 1e-6
    rev = Block(3, base.H, base.boundary, base.observable, base.rho, drives=((lambda t: drive(T - t), X0),))
    assert abs(float(expectation(rev, T, substeps=400).real) - ref) > 1e-2


def test_loss_vanishes_for_an_exact_map_and_not_for_a_truncation():
    site = SiteModel.tfim(1.0, 1.0)
    b = exact_block(site, 3, PauliExpr.term(3, "ZZ", (0, 1), 0.25))
    cfg = LossConfig(T=1.0, K=2, n_steps=4, full_grid=True)
    m_full = LinearIsometryMap(8, init="random")
    assert float(scale_loss(b, m_full(b, 3), site, cfg).detach()) < 1e-20
    m_cut = LinearIsometryMap(4, init="nrg")
    assert float(scale_loss(b, m_cut(b, 3), site, cfg).detach()) > 1e-6


class _FixedMap:
    def __init__(self, Ws):
        self.Ws = Ws

    def __call__(self, block, scale):
        V = isometry_from(self.Ws[scale])
        return block.apply(lambda X: V.conj().T @ X @ V)


def test_gradcheck_of_the_loss_in_float64():
    site = SiteModel.tfim(1.0, 0.9)
    b = exact_block(site, 2, PauliExpr.term(2, "Z", (0,)))
    cfg = LossConfig(T=0.8, K=2, n_steps=3, full_grid=True)
    g = torch.Generator().manual_seed(1)
    Ws = [
        torch.randn(4, 2, dtype=torch.complex128, generator=g, requires_grad=True),
        torch.randn(4, 2, dtype=torch.complex128, generator=g, requires_grad=True),
    ]
    f = lambda w2, w3: flow_loss(b, site, 4, _FixedMap({2: w2, 3: w3}), cfg)
    assert torch.autograd.gradcheck(f, tuple(Ws), eps=1e-6, atol=1e-7)


def test_training_lowers_the_loss_and_keeps_isometries_exact():
    site = SiteModel.tfim(1.0, 1.0)
    b = exact_block(site, 3, PauliExpr.term(3, "ZZ", (0, 1), 0.25))
    m = LinearIsometryMap(4, init="nrg")
    cfg = LossConfig(T=0.5, K=1, n_steps=5, full_grid=True)
    res = train(b, site, 6, m, cfg, iterations=25, lr=3e-2, seed=0)
    assert res.losses[-1] < 0.5 * res.losses[0]
    for key in m.W:
        V = m.isometry(int(key)).detach()
        assert float((V.conj().T @ V - torch.eye(V.shape[1], dtype=V.dtype)).abs().max()) < 1e-12


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="positive"):
        LossConfig(T=-1.0)
    with pytest.raises(ValueError, match="weights"):
        LossConfig(T=1.0, weights="cubic")
    with pytest.raises(ValueError, match="outside the first block"):
        exact_block(SiteModel.tfim(), 2, PauliExpr.term(4, "Z", (3,)))
    with pytest.raises(ValueError, match="exceed"):
        run_flow(exact_block(SiteModel.tfim(), 3, PauliExpr.term(3, "Z", (0,))), SiteModel.tfim(), 3, lambda b, n: b)
