"""The full-grid loss without enumerated tuples, the L-BFGS polish that never raises it, the start chosen by it."""

import itertools

import pytest
import torch

from hybrid_rg.olrg import LinearIsometryMap, LossConfig, SiteModel, exact_block, run_flow
from hybrid_rg.olrg.block import grow
from hybrid_rg.olrg.correlators import correlators_from, full_grid_correlators, heisenberg_operators
from hybrid_rg.olrg.experiment import run_experiment
from hybrid_rg.olrg.spec import SpecError, parse_spec
from hybrid_rg.olrg.trainer import choose_start, flow_loss, polish
from hybrid_rg.operators import PauliExpr

SITE = SiteModel.tfim(1.0, 0.9, 0.3)
O = PauliExpr.term(2, "ZZ", (0, 1), 0.25)


@pytest.mark.parametrize("site", [SiteModel.tfim(1.0, 0.7, 0.3), SiteModel.xxz(1.0, 0.5, 0.2)], ids=["tfim", "xxz"])
def test_split_full_grid_correlators_equal_the_enumerated_tuples(site):
    b = grow(exact_block(site, 3, PauliExpr.term(3, "ZZ", (0, 1))), site)
    n_t, K = (3, 4) if site.model == "tfim" else (2, 3)  # enumerating xxz's 3 operators to K = 4 takes ~40 s
    O_T, B_t = heisenberg_operators(b, 0.9, torch.linspace(0, 0.9, n_t, dtype=torch.float64))
    fast = full_grid_correlators(b.rho, O_T, B_t, K)
    pairs = list(itertools.product(range(n_t), range(B_t.shape[0])))
    for k in range(K + 1):
        combos = list(itertools.product(pairs, repeat=k)) if k else [()]
        t = torch.tensor([[p[0] for p in c] + [0] * (K - k) for c in combos])
        a = torch.tensor([[p[1] for p in c] + [0] * (K - k) for c in combos])
        ref = correlators_from(b.rho, O_T, B_t, t, a, K)[k]
        assert fast[k].shape == ref.shape
        assert float((fast[k] - ref).abs().max()) < 1e-12 * float(ref.abs().max())


def _trained_map(T, init="rdm", seed=0):
    opmap = LinearIsometryMap(4, init=init, site=SITE, T=T, seed=seed)
    with torch.no_grad():
        run_flow(exact_block(SITE, 3, O), SITE, 6, opmap)
    return opmap


@pytest.mark.parametrize("init,seed", [("rdm", 0), ("random", 1), ("random", 2), ("nrg", 0)])
def test_polish_never_raises_the_full_grid_loss(init, seed):
    first, T = exact_block(SITE, 3, O), 1.1
    cfg = LossConfig(T=T, K=2, n_steps=4, full_grid=True)
    opmap = _trained_map(T, init, seed)
    with torch.no_grad():
        before = float(flow_loss(first, SITE, 6, opmap, cfg))
    losses = polish(first, SITE, 6, opmap, cfg, iterations=2, max_eval=4)
    with torch.no_grad():
        after = float(flow_loss(first, SITE, 6, opmap, cfg))
    assert losses[0] == pytest.approx(before, rel=1e-12) and losses[-1] == pytest.approx(after, rel=1e-12)
    assert after <= before
    assert all(b <= a * (1 + 1e-12) for a, b in zip(losses, losses[1:]))  # each iteration, not only the end
    if init == "random":  # a random start is far from optimal: the polish must actually move it
        assert after < 0.5 * before


def test_choose_start_takes_the_lower_full_grid_loss():
    first, T = exact_block(SITE, 3, O), 1.1
    cfg = LossConfig(T=T, K=2, n_steps=4)
    good, bad = _trained_map(T, "rdm"), _trained_map(T, "random", 3)
    full = LossConfig(T=T, K=2, n_steps=4, full_grid=True)
    with torch.no_grad():
        lg, lb = (float(flow_loss(first, SITE, 6, m, full)) for m in (good, bad))
    assert lg < lb
    for order in ([bad.state_dict(), good.state_dict()], [good.state_dict(), bad.state_dict()]):
        target = LinearIsometryMap(4, init="nrg", site=SITE, T=T)
        i = choose_start(first, SITE, 6, target, cfg, order)
        assert i == [k for k, st in enumerate(order) if torch.equal(st["W.3"], good.state_dict()["W.3"])][0]
        with torch.no_grad():
            assert float(flow_loss(first, SITE, 6, target, full)) == pytest.approx(lg, rel=1e-12)


BASE = {
    "target": {"model": "tfim", "N": 5, "h": 0.9, "observable": "zz:0,1", "observable_scale": 0.25},
    "times": {"T": [0.6, 1.2]},
    "map": {"kind": "linear", "n0": 2, "chi": 2, "init": "rdm"},
    "training": {"orders": [2], "iterations": 0, "n_steps": 4},
    "reference": {"method": "krylov"},
    "bound": {"n_grid": 5, "max_tuples": 200},
}


def test_polish_in_a_spec_lowers_every_points_loss_and_defaults_keep_the_old_behaviour(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "0")
    plain = parse_spec(BASE)
    assert (plain.training.polish_iterations, plain.training.warm_choice) == (0, "previous")
    spec = parse_spec(
        {
            **BASE,
            "training": {**BASE["training"], "polish_iterations": 3, "warm_start": True, "warm_choice": "lower_loss"},
        }
    )
    before, _ = run_experiment(plain, tmp_path / "plain")
    after, _ = run_experiment(spec, tmp_path / "polished")
    site = SiteModel.tfim(1.0, 0.9)
    for p0, p1 in zip(before, after):
        assert p0.final_loss is None and p0.iterations == 0
        assert p1.iterations == 3 and p1.final_loss is not None
        cfg = LossConfig(T=p1.T, K=2, n_steps=4, full_grid=True)
        own = LinearIsometryMap(2, init="rdm", site=site, T=p1.T, n_steps=4)
        with torch.no_grad():
            start = float(flow_loss(exact_block(site, 2, O), site, 5, own, cfg))
        assert p1.final_loss <= start  # never worse than its own (untrained) initialisation
    assert max(p.error for p in after) < max(p.error for p in before)
    with pytest.raises(SpecError, match="polish_iterations"):
        parse_spec({**BASE, "training": {**BASE["training"], "polish_iterations": 2, "ensemble": 2}})


def test_lookahead_term_is_the_squared_error_of_the_scale_grown_exactly_to_the_end():
    from dataclasses import replace

    from hybrid_rg.exact import evolve, product_state
    from hybrid_rg.olrg.block import grow
    from hybrid_rg.olrg.evolution import expectation
    from hybrid_rg.olrg.loss import scale_loss

    N, T = 5, 0.9
    first = exact_block(SITE, 3, O)
    opmap = LinearIsometryMap(4, init="nrg")
    g, m = run_flow(first, SITE, N, opmap).pairs[0]  # g is exact; one site after E remains
    cfg = LossConfig(T=T, K=1, n_steps=3, full_grid=True)
    with torch.no_grad():
        plain = float(scale_loss(g, m, SITE, cfg, remaining=1))
        ahead = float(scale_loss(g, m, SITE, replace(cfg, lookahead=3, lookahead_weight=2.0), remaining=1))
        mapped_to_N = float(expectation(grow(grow(m, SITE), SITE), T).real)
    exact = float(evolve(SITE.chain(N), product_state(N), [T], {"o": PauliExpr(N, O.terms)})["o"][0].real)
    assert abs(exact - mapped_to_N) > 1e-4  # a real truncation error
    assert ahead - plain == pytest.approx(2.0 * (exact - mapped_to_N) ** 2, rel=1e-8)
    with torch.no_grad():  # nothing remains after E: no look-ahead term
        assert float(scale_loss(g, m, SITE, replace(cfg, lookahead=3), remaining=0)) == pytest.approx(plain, rel=1e-14)
