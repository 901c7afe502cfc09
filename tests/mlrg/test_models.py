"""Equivariant RBMs: parameter counts, C4v × Z2 invariance, analytic marginals against brute-force enumeration."""

import numpy as np
import pytest
import torch

from hybrid_rg.mlrg.irreps import Rep
from hybrid_rg.mlrg.rbm import Block, act, all_configs

REPS = ["A1", "A1+E", "2A1+E", "A1+B1+E", "A2+E"]
GROUP = [(r, m) for r in range(4) for m in range(2)]


@pytest.mark.parametrize("text,count,dim", [("A1", 1, 1), ("A1+E", 5, 3), ("2A1+E", 10, 4)])
def test_parameter_counts_as_in_the_paper(text, count, dim):
    rep = Rep.parse(text)
    assert rep.n_params == count and rep.dim == dim
    assert Block(rep, "teacher").n_params == count == Block(rep, "student", "consistent").n_params


def test_paper_matrix_layout_a1e():
    # Eq. (17): J = [[J0, J1, 0], [J2, J3, 0], [0, 0, J4]]
    W = np.tensordot(np.arange(1, 6), Rep.parse("A1+E").coupling_basis(), 1)
    assert np.array_equal(W, [[1, 2, 0], [3, 4, 0], [0, 0, 5]])


def test_group_matrices_form_c4v():
    rep = Rep.parse("A1+B1+E")
    c4, s = rep.c4(), rep.sigma()
    assert np.abs(np.linalg.matrix_power(c4, 4) - np.eye(rep.dim)).max() < 1e-14
    assert np.abs(s @ s - np.eye(rep.dim)).max() < 1e-14
    assert np.abs(s @ c4 @ s - np.linalg.inv(c4)).max() < 1e-14  # σ C4 σ = C4^-1


@pytest.mark.parametrize("bad", ["A3", "E2", "", "A1+F", "2 X"])
def test_unknown_irrep_is_a_value_error(bad):
    with pytest.raises(ValueError, match="irrep|empty"):
        Rep.parse(bad)


def test_consistent_geometry_refuses_b_irreps():
    with pytest.raises(ValueError, match="45-degree"):
        Block(Rep.parse("A1+B1"), "student", "consistent")


def _random_configs(n, n_spins, seed):
    g = torch.Generator().manual_seed(seed)
    return (2 * torch.randint(0, 2, (n, n_spins), generator=g) - 1).to(torch.float64)


@pytest.mark.parametrize("text", REPS)
@pytest.mark.parametrize(
    "role,geometry",
    [("teacher", "authors"), ("student", "authors"), ("teacher", "consistent"), ("student", "consistent")],
)
def test_energy_invariant_under_c4v_and_z2(text, role, geometry):
    rep = Rep.parse(text)
    if geometry == "consistent" and "B" in text:
        pytest.skip("B irreps have no 45-degree intertwiner")
    blk = Block(rep, role, geometry)
    J = torch.randn(blk.n_params, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    x = _random_configs(64, blk.n_visible, 2)
    z = _random_configs(64, len(blk.hidden_angles) * rep.dim, 3)
    e0 = blk.energy(J, x, z)
    assert float(e0.abs().max()) > 0.1  # not trivially zero
    for r, m in GROUP:
        fh, fv = blk.frames
        e = blk.energy(J, act(rep, blk.visible_angles, x, r, m, fv), act(rep, blk.hidden_angles, z, r, m, fh))
        assert float((e - e0).abs().max()) < 1e-12, (r, m)
    assert float((blk.energy(J, -x, -z) - e0).abs().max()) < 1e-12  # Z2: every component is odd


def test_a_non_mirror_symmetric_coupling_breaks_invariance():
    # the test above can fail: an off-pattern entry (forbidden by σ) breaks the mirror invariance
    rep = Rep.parse("A1+E")
    blk = Block(rep, "teacher")
    x, z = _random_configs(64, 12, 4), _random_configs(64, 12, 5)
    J = torch.zeros(5, dtype=torch.float64)
    blk.basis  # noqa: B018 (cached by the property)
    bad = blk.basis.clone()
    bad[1, 0, 2] = 1.0  # couples A1 to the σ-odd E component
    object.__setattr__(blk, "__dict__", {**blk.__dict__, "basis": bad})
    J[1] = 0.7
    e0 = blk.energy(J, x, z)
    worst = max(
        float(
            (blk.energy(J, act(rep, blk.visible_angles, x, r, m), act(rep, blk.hidden_angles, z, r, m)) - e0)
            .abs()
            .max()
        )
        for r, m in GROUP
    )
    assert worst > 1e-3


@pytest.mark.parametrize("text", ["A1", "A1+E"])
@pytest.mark.parametrize("role", ["teacher", "student"])
def test_analytic_marginal_equals_brute_force(text, role):
    rep = Rep.parse(text)
    blk = Block(rep, role, "consistent")
    J = 0.6 * torch.randn(blk.n_params, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    X = all_configs(blk.n_visible)
    Z = all_configs(len(blk.hidden_angles) * rep.dim)
    pick = torch.arange(0, X.shape[0], max(1, X.shape[0] // 12))
    for i in pick:
        xi = X[i].expand(Z.shape[0], -1)
        brute = torch.logsumexp(-blk.energy(J, xi, Z), 0)
        fast = blk.log_weight(J, X[i : i + 1])[0]
        assert abs(float(brute - fast)) < 1e-10


def test_a1_teacher_marginal_is_the_ring_with_effective_coupling():
    # paper Eq. (11): J_eff = ½ log cosh 2J
    blk = Block(Rep.parse("A1"), "teacher")
    J = torch.tensor([0.77], dtype=torch.float64)
    X = all_configs(4)
    K = 0.5 * np.log(np.cosh(2 * 0.77))
    ring = K * (X * X.roll(-1, 1)).sum(1)
    ref = ring - torch.logsumexp(ring, 0)
    assert float((blk.log_prob(J) - ref).abs().max()) < 1e-12


@pytest.mark.parametrize("text", ["A1+E", "2A1+E"])
def test_consistent_student_shares_the_teachers_visible_symmetry(text):
    rep = Rep.parse(text)
    t = Block(rep, "teacher")
    X = _random_configs(3000, t.n_visible, 9)
    Jt = torch.randn(rep.n_params, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    Js = torch.randn(rep.n_params, generator=torch.Generator().manual_seed(4), dtype=torch.float64)

    def worst(blk, J):  # max over the group of |log p(g·x) − log p(x)| using the *teacher's* action on x
        lp = blk.log_weight(J, X)
        return max(float((blk.log_weight(J, act(rep, t.visible_angles, X, r, m)) - lp).abs().max()) for r, m in GROUP)

    assert worst(t, Jt) < 1e-10
    assert worst(Block(rep, "student", "consistent"), Js) < 1e-10
    assert worst(Block(rep, "student", "authors"), Js) > 1e-3  # the addendum's finding 1


def test_too_large_representation_refused_in_exact_mode():
    blk = Block(Rep.parse("3A1+E"), "teacher")
    with pytest.raises(ValueError, match="at most 16"):
        blk.log_prob(torch.zeros(blk.n_params, dtype=torch.float64))
