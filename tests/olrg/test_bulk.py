"""Bulk observables by growing on both sides (issue 19, item 4): exact at full χ, close at small χ and short T."""

import pytest

from hybrid_rg.exact import evolve, product_state
from hybrid_rg.olrg import LinearIsometryMap, SiteModel
from hybrid_rg.olrg.block import bulk_block, grow, grow_left
from hybrid_rg.olrg.bulk import bulk_prediction, bulk_sides
from hybrid_rg.operators import PauliExpr, parse_observables

SITE = SiteModel.tfim(1.0, 0.8, 0.2)  # g ≠ 0: not free, so nothing here relies on integrability


def _exact(obs: str, N: int, T: float) -> float:
    O = parse_observables(obs, N)[0].operator(N)
    return float(evolve(SITE.chain(N), product_state(N), [T], {"o": O})["o"][0].real)


def test_growing_left_and_right_builds_the_target_chain():
    b = bulk_block(SITE, 2, PauliExpr.term(2, "Z", (0,)))
    grown = grow(grow_left(grow_left(b, SITE), SITE), SITE)
    from hybrid_rg.operators import to_dense

    H = to_dense(SITE.chain(5))
    assert float(abs(grown.H.numpy() - H).max()) < 1e-13
    assert bulk_sides(3, 1) == ["left", "right", "left", "left"]


@pytest.mark.parametrize("local,target", [("zz:0,1", "zz:2,3"), ("x:1", "x:3")])
def test_bulk_flow_is_exact_at_full_chi_and_close_when_truncated(local, target):
    n0, n_left, n_right, T = 2, 2, 2, 0.6
    N = n0 + n_left + n_right
    first = bulk_block(SITE, n0, parse_observables(local, n0)[0].operator(n0))
    exact = _exact(target, N, T)
    full = bulk_prediction(first, SITE, n_left, n_right, LinearIsometryMap(2 ** (N - 1), init="nrg"), T)
    assert abs(full - exact) < 1e-10
    # the RDM map (density matrix with both neighbours attached) at χ = 8 of up to 32: a stated 2e-3
    cut = bulk_prediction(first, SITE, n_left, n_right, LinearIsometryMap(8, init="rdm", site=SITE, T=T), T)
    assert abs(cut - exact) < 2e-3
