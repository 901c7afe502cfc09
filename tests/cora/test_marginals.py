"""Causal-cone marginals against the brute-force joint of the whole lattice."""

import numpy as np
import pytest
import torch

from hybrid_rg.cora.geometry import Geometry
from hybrid_rg.cora.marginals import ConeMarginals, patch_log_prob
from hybrid_rg.cora.model import Cora
from tests.cora.dense import dense_joint, dense_marginal

CASES = [  # (dim, side, layers, n_states, chi, top)
    (1, 8, 2, 2, 3, "learned"),
    (1, 8, 3, 3, 2, "learned"),
    (1, 16, 3, 2, 2, "uniform"),
    (2, 4, 1, 2, 2, "learned"),
    (2, 4, 2, 2, 2, "learned"),
]


def _model(dim, side, layers, n_states, chi, top, seed=3):
    m = Cora(
        Geometry(dim, side, layers), n_states=n_states, chi=chi, top=top, seed=seed, init_noise=1.5, init_identity=0.0
    )
    if top == "learned":
        with torch.no_grad():
            m.top_logits.normal_(generator=torch.Generator().manual_seed(seed))
    return m


@pytest.mark.parametrize("case", CASES)
def test_cone_marginal_equals_brute_force(case):
    m = _model(*case)
    joint = dense_joint(m)
    assert abs(joint.sum() - 1.0) < 1e-12
    cones = ConeMarginals(m)
    geo = m.geometry
    rng = np.random.default_rng(0)
    shapes = [(3,), (4,), (2,)] if geo.dim == 1 else [(2, 2), (3, 2), (1, 3)]
    for shape in shapes:
        for o in range(geo.size(0)):
            origin = geo.coords(0, o)
            sites = geo.window(0, origin, shape)
            err = np.abs(cones.patch(sites).detach().numpy() - dense_marginal(joint, sites)).max()
            assert err < 1e-12, (shape, origin, err)
    for _ in range(10):  # scattered (non-contiguous) sites, in a random order
        sites = tuple(int(s) for s in rng.choice(geo.size(0), size=3, replace=False))
        err = np.abs(cones.patch(sites).detach().numpy() - dense_marginal(joint, sites)).max()
        assert err < 1e-12, (sites, err)


@pytest.mark.parametrize("case", CASES)
def test_marginals_normalise_and_are_consistent(case):
    m = _model(*case, seed=7)
    cones = ConeMarginals(m)
    geo = m.geometry
    for o in range(geo.size(0)):
        sites = geo.window(0, geo.coords(0, o), (3,) if geo.dim == 1 else (2, 3))
        p = cones.patch(sites)
        assert abs(float(p.detach().sum()) - 1.0) < 1e-12
        assert float(p.detach().min()) >= 0.0
        # summing a site out of a window gives the marginal of the smaller window
        assert float((p.sum(0) - cones.patch(sites[1:])).detach().abs().max()) < 1e-12


def test_patch_log_prob_matches_brute_force():
    m = _model(1, 8, 3, 2, 2, "learned")
    joint = dense_joint(m)
    sites = (6, 7, 0, 1)
    configs = torch.tensor(np.random.default_rng(1).integers(0, 2, size=(50, 4)))
    lp = patch_log_prob(ConeMarginals(m), sites, configs).detach().numpy()
    ref = np.log(dense_marginal(joint, sites)[tuple(configs.numpy().T)])
    assert np.abs(lp - ref).max() < 1e-12


def test_gradients_flow_to_every_map():
    m = _model(1, 16, 3, 2, 2, "learned")
    cones = ConeMarginals(m)
    loss = -sum(torch.log(cones.patch(m.geometry.window(0, (o,), (4,))).reshape(-1)[5]) for o in range(16))
    loss.backward()
    for p in list(m.iso_logits) + list(m.dis_logits) + [m.top_logits]:
        assert float(p.grad.abs().max()) > 0.0


def test_too_wide_cone_is_refused_with_a_fix():
    m = _model(2, 32, 5, 2, 2, "uniform")
    g = m.geometry
    with pytest.raises(ValueError, match="max_variables"):  # two distant sites in 2D: the joint cone is a strip
        ConeMarginals(m).patch((g.flat(0, (1, 1)), g.flat(0, (1, 9))))
