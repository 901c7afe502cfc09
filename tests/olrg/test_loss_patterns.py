"""The loss on the relevant sign patterns only (innermost ad a commutator), against nested ad's written out by hand."""

import itertools

import pytest
import torch

from hybrid_rg.olrg import LinearIsometryMap, LossConfig, SiteModel, exact_block
from hybrid_rg.olrg.block import grow
from hybrid_rg.olrg.correlators import heisenberg_operators
from hybrid_rg.olrg.loss import scale_loss
from hybrid_rg.olrg.spec import parse_spec
from hybrid_rg.operators import PauliExpr

SITE = SiteModel.tfim(1.0, 0.8, 0.3)
O = PauliExpr.term(2, "ZZ", (0, 1), 0.25)


def _ad(B, X, c):
    return B @ X + c * X @ B


def _by_hand(g, m, cfg, tuples, innermost):
    """Σ_k mean over `tuples` of Σ_patterns |χ(E g) − χ(E m)|², with the order ≥ 1 patterns restricted to c_1 in
    `innermost`; every correlator from its explicit nested ad's."""
    ev = []
    for b in (grow(g, SITE), grow(m, SITE)):
        O_T, B_t = heisenberg_operators(b, cfg.T, cfg.grid, cfg.substeps)
        ev.append((b.rho, O_T, B_t))
    total = 0.0
    for k in range(cfg.K + 1):
        terms = []
        for tup in tuples[k]:
            s = 0.0
            for signs in itertools.product((-1.0, 1.0), repeat=k):
                if k and signs[0] not in innermost:
                    continue
                vals = []
                for rho, O_T, B_t in ev:
                    X = O_T
                    for (t, a), c in zip(tup, signs):
                        X = _ad(B_t[a, t], X, c)
                    vals.append(torch.trace(rho @ X))
                s += float(abs(vals[0] - vals[1]) ** 2)
            terms.append(s)
        total += sum(terms) / len(terms)
    return total


def _blocks(T):
    g = grow(exact_block(SITE, 2, O), SITE)
    opmap = LinearIsometryMap(3, init="random", site=SITE, T=T, seed=5)
    with torch.no_grad():
        return g, opmap(g, 3)


@pytest.mark.parametrize("patterns,innermost", [("all", (-1.0, 1.0)), ("relevant", (-1.0,))])
def test_full_grid_loss_keeps_the_patterns_it_names(patterns, innermost):
    T = 0.8
    g, m = _blocks(T)
    cfg = LossConfig(T=T, K=2, n_steps=2, full_grid=True, patterns=patterns)
    pairs = list(itertools.product(range(cfg.n_steps), range(len(SITE.couplings))))
    tuples = [list(itertools.product(pairs, repeat=k)) for k in range(cfg.K + 1)]
    with torch.no_grad():
        got = float(scale_loss(g, m, SITE, cfg))
    assert got == pytest.approx(_by_hand(g, m, cfg, tuples, innermost), rel=1e-10)


def test_sampled_loss_keeps_the_relevant_patterns_and_they_are_a_part():
    T = 0.8
    g, m = _blocks(T)
    cfg = LossConfig(T=T, K=2, n_steps=3, n_samples=5, patterns="relevant")
    gen = torch.Generator().manual_seed(3)
    t = torch.randint(cfg.n_steps, (cfg.n_samples, cfg.K), generator=gen)  # the sampler's own draws (loss._tuples)
    a = torch.randint(len(SITE.couplings), (cfg.n_samples, cfg.K), generator=gen)
    tuples = [[tuple(zip(t[s, :k].tolist(), a[s, :k].tolist())) for s in range(cfg.n_samples)] for k in range(3)]
    with torch.no_grad():
        got = float(scale_loss(g, m, SITE, cfg, torch.Generator().manual_seed(3)))
        every = float(
            scale_loss(g, m, SITE, LossConfig(**{**cfg.__dict__, "patterns": "all"}), torch.Generator().manual_seed(3))
        )
    assert got == pytest.approx(_by_hand(g, m, cfg, tuples, (-1.0,)), rel=1e-10)
    assert 0 < got < every  # the anticommutator-first patterns differ here: leaving them out changes the loss


def test_innermost_anticommutator_never_reaches_the_grown_system():
    # why they are irrelevant: with a site attached, the first commutator of the Dyson series is
    # [B⊗p, O⊗I] = [B, O]⊗p, the {B, O} half carrying [p, I] = 0
    g, _ = _blocks(0.5)
    B, Ob = g.boundary[0], g.observable
    p, I2 = torch.tensor([[1.0, 0], [0, -1.0]], dtype=B.dtype), torch.eye(2, dtype=B.dtype)
    lhs = torch.kron(B, p) @ torch.kron(Ob, I2) - torch.kron(Ob, I2) @ torch.kron(B, p)
    assert float((lhs - torch.kron(B @ Ob - Ob @ B, p)).abs().max()) < 1e-14
    assert float((B @ Ob + Ob @ B).abs().max()) > 1e-3  # while the anticommutator itself is not zero


def test_patterns_validation_and_spec_record():
    with pytest.raises(ValueError, match="patterns"):
        LossConfig(T=1.0, patterns="some")
    base = {
        "name": "x",
        "target": {"model": "tfim", "N": 6, "observable": "zz:0,1"},
        "times": {"T": [0.5]},
        "map": {"kind": "linear", "n0": 2, "chi": 2},
    }
    default, relevant = parse_spec(base), parse_spec(base | {"training": {"patterns": "relevant"}})
    assert "patterns" not in default.result_fields()["training"]  # older runs' records stay valid
    assert relevant.result_fields()["training"]["patterns"] == "relevant"
