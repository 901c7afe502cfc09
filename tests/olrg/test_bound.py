"""The error bound is never below the true error: per scale (against exact growth of the remaining sites) and
for the whole flow (against Krylov), for linear, generative and driven (time-dependent) blocks."""

import pytest
import torch

from hybrid_rg.exact import evolve, product_state
from hybrid_rg.olrg import Block, LinearIsometryMap, SiteModel, exact_block, expectation, grow, run_flow
from hybrid_rg.olrg.bound import flow_bound
from hybrid_rg.olrg.generative import GenerativeMap
from hybrid_rg.olrg.predict import predict
from hybrid_rg.operators import PauliExpr

O2 = PauliExpr.term(3, "ZZ", (0, 1), 0.25)


def _exact(site, N, T):
    return evolve(site.chain(N), product_state(N), [T], {"o": PauliExpr(N, O2.terms)})["o"][0].real


def _scale_errors(flow, site, T, bound):
    """|Δ_n| = |F(E g_n) − F(E m_n)| by growing both blocks exactly to N sites."""
    out = []
    for (g, m), sb in zip(flow.pairs, bound.scales):
        G, M = grow(g, site), grow(m, site)
        for _ in range(sb.remaining):
            G, M = grow(G, site), grow(M, site)
        out.append(abs(float((expectation(G, T) - expectation(M, T)).real)))
    return out


@pytest.mark.parametrize("site", [SiteModel.tfim(1.0, 1.0), SiteModel.tfim(1.0, 1.0, 0.5)], ids=["tfim", "tfim_g"])
@pytest.mark.parametrize("T", [0.1, 0.3, 1.0])
@pytest.mark.parametrize("K", [0, 2])
def test_bound_is_never_below_the_true_error(site, T, K):
    N = 7
    flow = run_flow(exact_block(site, 3, O2), site, N, LinearIsometryMap(4, init="rdm", site=site, T=T))
    with torch.no_grad():
        bound = flow_bound(flow.pairs, site, N, T, K, n_grid=41)
        err = abs(float(flow.prediction(T)) - _exact(site, N, T))
        per_scale = _scale_errors(flow, site, T, bound)
    assert err > 1e-9  # a real truncation error, so the check means something
    assert bound.value >= err
    for sb, d in zip(bound.scales, per_scale):
        assert sb.value >= d, (sb, d)
        assert sb.dyson >= d and sb.lightcone >= d  # each form is a bound on its own, not only their minimum
    # the last scale has no environment: its term is the computed mismatch, equal to the true one
    assert abs(bound.scales[-1].value - per_scale[-1]) < 1e-10


def test_bound_holds_for_the_generative_map_ensemble():
    site, N, T = SiteModel.tfim(1.0, 1.0), 6, 0.3
    opmap = GenerativeMap(4, depth=1, width=16, seed=2)
    first = exact_block(site, 3, O2)
    pred = predict(first, site, N, opmap, T, K=2, ensemble=3, seed=5, n_grid=21)
    err = abs(pred.value - _exact(site, N, T))
    assert err > 1e-6 and pred.bound >= err
    assert 0.0 <= pred.tail_share <= 1.0


def test_bound_holds_for_a_driven_block():
    # HEM-like: the mapped block's Hamiltonian is replaced by a time-dependent one (drives on the block only)
    site, N, T = SiteModel.tfim(1.0, 0.8), 6, 0.4
    first = exact_block(site, 3, O2)
    drive = lambda t: 0.3 * torch.sin(4.0 * t)
    X0 = torch.kron(
        torch.kron(torch.eye(2, dtype=torch.complex128), torch.tensor([[0, 1], [1, 0]], dtype=torch.complex128)),
        torch.eye(2, dtype=torch.complex128),
    )

    def drive_map(block, scale):
        pad = torch.eye(block.dim // 8, dtype=torch.complex128)
        return Block(
            block.n_sites,
            block.H,
            block.boundary,
            block.observable,
            block.rho,
            drives=tuple(block.drives) + ((drive, torch.kron(X0, pad)),) if scale == 3 else block.drives,
        )

    flow = run_flow(first, site, N, drive_map)
    with torch.no_grad():
        bound = flow_bound(flow.pairs, site, N, T, 2, n_grid=21, lc_grid=21)
        per_scale = _scale_errors(flow, site, T, bound)
    assert per_scale[0] > 1e-5  # the drive really changes the answer
    for sb, d in zip(bound.scales, per_scale):
        assert sb.value >= d and sb.dyson >= d and sb.lightcone >= d
    # a light-cone remainder was really used (the driven block with the environment partly attached)
    small = flow_bound(flow.pairs, site, N, T, 2, n_grid=21, max_dim=32, lc_grid=21)
    assert any(sb.lightcone_remainder > 0 for sb in small.scales)
    for sb, d in zip(small.scales, per_scale):
        assert sb.lightcone >= d


@pytest.mark.parametrize("site", [SiteModel.tfim(1.0, 1.0), SiteModel.tfim(1.0, 0.7, 0.4)], ids=["tfim", "tfim_g"])
@pytest.mark.parametrize("max_dim", [16, 32, 64, 128])
@pytest.mark.parametrize("T", [0.3, 1.0, 2.0])
def test_light_cone_bound_with_a_truncated_environment_is_never_below_the_true_error(site, max_dim, T):
    """The light-cone remainder (environment attached only up to max_dim) and the light-cone Dyson tail are
    bounds per scale on their own; the whole-flow value never exceeds the trivial whole bound."""
    N = 7
    first = exact_block(site, 3, O2)
    opmap = LinearIsometryMap(4, init="rdm", site=site, T=T)
    flow = run_flow(first, site, N, opmap)
    with torch.no_grad():
        p = float(flow.prediction(T))
        bound = flow_bound(flow.pairs, site, N, T, 1, n_grid=21, prediction=p, max_dim=max_dim, lc_grid=41)
        err = abs(p - _exact(site, N, T))
        per_scale = _scale_errors(flow, site, T, bound)
    assert err > 1e-9 and bound.value >= err
    assert bound.value <= bound.whole and bound.whole <= 0.25 + abs(p) + 1e-9
    assert any(sb.lightcone_remainder > 0 for sb in bound.scales) == (max_dim < 128)
    for sb, d in zip(bound.scales, per_scale):
        assert sb.dyson >= d and sb.lightcone >= d, (sb, d)
    # the estimate is the signed telescoping sum with truncated environments: within the light-cone remainders
    # of the true error, so exact when nothing is truncated
    assert abs(bound.estimate - err) <= sum(sb.lightcone_remainder for sb in bound.scales) + 1e-10


@pytest.mark.parametrize("k", [1, 2, 3])
def test_grid_correlators_agree_with_the_tuple_correlators(k):
    from hybrid_rg.olrg.bound import _grid_correlators
    from hybrid_rg.olrg.correlators import correlators_from, heisenberg_operators

    site = SiteModel.xxz(1.0, 0.6, 0.2)  # three boundary operators
    b = grow(exact_block(site, 2, PauliExpr.term(2, "XZ", (0, 1))), site)
    b = Block(
        b.n_sites,
        b.H,
        b.boundary,
        b.observable,
        torch.diag(torch.tensor([0.4, 0.3, 0.2, 0.1, 0, 0, 0, 0], dtype=torch.complex128)),
    )
    grid = torch.linspace(0, 0.9, 4, dtype=torch.float64)
    O_T, B_t = heisenberg_operators(b, 0.9, grid)
    full = _grid_correlators(b.rho, O_T, B_t, k)
    gen = torch.Generator().manual_seed(k)
    t = torch.randint(4, (6, k), generator=gen)
    a = torch.randint(3, (6, k), generator=gen)
    ref = correlators_from(b.rho, O_T, B_t, t, a, k)[k]  # (6, 2^k), first sign = highest bit
    for s in range(6):
        got = full[tuple(t[s])][tuple(a[s])].reshape(-1)
        assert float((got - ref[s]).abs().max()) < 1e-13
