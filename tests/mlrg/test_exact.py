"""Exact KL training, implicit differentiation, the exact RG map and the transfer-matrix estimators.

Independent truths: brute-force sums over all states, finite differences, the notes' independent exact-enumeration
values (their own numpy code), and the exact 2D Ising data (Δσ = 1/8, Δε = 1, c = 1/2, J0c = ½ arccosh(1+√2)).
"""

import numpy as np
import pytest
import torch

from hybrid_rg.mlrg.analysis import central_charge, gsd, scaling_dimensions, spectrum, transfer_matrix, weight_tensor
from hybrid_rg.mlrg.critical import projection_root
from hybrid_rg.mlrg.enumeration import cross_entropy_derivs, design, orbits
from hybrid_rg.mlrg.irreps import Rep
from hybrid_rg.mlrg.kl import Pair, kl, optimal_student, student_jacobian, teacher_weights
from hybrid_rg.mlrg.rbm import Block
from hybrid_rg.mlrg.rgmap import ExactRG, axis_point, fixed_point

J0C = 0.5 * np.arccosh(1 + np.sqrt(2))


def test_orbit_reduction_counts():
    assert [len(orbits(Rep.parse(r))[1]) for r in ("A1", "A1+E", "2A1+E")] == [4, 532, 8264]  # notes: 8264


@pytest.mark.parametrize("geometry", ["authors", "consistent"])
def test_orbit_kl_equals_full_enumeration(geometry):
    pair = Pair(Rep.parse("A1+E"), geometry)
    g = torch.Generator().manual_seed(5)
    Jt, Js = (0.7 * torch.randn(5, generator=g, dtype=torch.float64) for _ in range(2))
    lp, lq = pair.teacher.log_prob(Jt), pair.student.log_prob(Js)  # all 4096 states
    full = float((lp.exp() * (lp - lq)).sum())
    assert full > 1e-3
    assert abs(float(kl(pair, Jt, Js)) - full) < 1e-12


@pytest.mark.parametrize("text", ["A1+E", "2A1+E"])
@pytest.mark.parametrize("geometry", ["authors", "consistent"])
def test_compressed_design_derivatives_equal_dense_autograd(text, geometry):
    # issue 20 item 4: the cross entropy's closed-form gradient and Hessian on the distinct design rows (sparse sums)
    # against autograd of the dense sum over all 2^(4d) visible states (Block.log_prob: no orbits, no compression)
    pair = Pair(Rep.parse(text), geometry)
    des = design(pair.student)
    assert len(des.rows) < des.index.numel() / 10  # the compression is real (2A1+E student: 233 of 33056)
    g = torch.Generator().manual_seed(3)
    Jt, Js = (0.6 * torch.randn(pair.n_params, generator=g, dtype=torch.float64) for _ in range(2))
    p_full = pair.teacher.log_prob(Jt).exp()

    def cross_entropy(x):
        return -(p_full * pair.student.log_prob(x)).sum()

    F, grad, hess = cross_entropy_derivs(pair.student, teacher_weights(pair, Jt), Js)
    assert abs(float(F - cross_entropy(Js))) < 1e-11
    assert float((grad - torch.autograd.functional.jacobian(cross_entropy, Js)).abs().max()) < 1e-11
    assert float((hess - torch.autograd.functional.hessian(cross_entropy, Js)).abs().max()) < 1e-10


@pytest.mark.parametrize("text,ref", [("A1", 5.176967741e-2), ("A1+E", 3.057501170e-2)])
@pytest.mark.parametrize("geometry", ["authors", "consistent"])
def test_minimum_kl_at_j0c_matches_independent_enumeration(text, ref, geometry):
    # notes, addendum: minimum exact KL on the A1 axis at J0c (their own numpy/L-BFGS code)
    pair = Pair(Rep.parse(text), geometry)
    Js, value = optimal_student(pair, axis_point(pair.n_params, J0C))
    assert abs(value - ref) < 2e-10
    if text == "A1":
        assert abs(abs(float(Js[0])) - 1.4962 / 2) < 1e-4  # notes: J'_rbm = 1.4962 (J_rbm = 2 J0)


def test_a_start_at_the_teacher_alone_hits_the_symmetric_saddle():
    # notes, addendum 2: started at J' = J_tch the E channels stay 0 and the A1-only optimum comes back
    pair = Pair(Rep.parse("A1+E"))
    _, trapped = optimal_student(pair, axis_point(5, J0C), starts=1)
    _, best = optimal_student(pair, axis_point(5, J0C), starts=6)
    assert abs(trapped - 5.176967741e-2) < 1e-8
    assert best < trapped - 0.02


@pytest.mark.parametrize("text,geometry", [("A1", "consistent"), ("A1+E", "consistent"), ("A1+E", "authors")])
def test_implicit_jacobian_matches_finite_differences(text, geometry):
    pair = Pair(Rep.parse(text), geometry)
    g = torch.Generator().manual_seed(11)
    J = 0.3 * torch.randn(pair.n_params, generator=g, dtype=torch.float64)
    J[0] = 0.55
    Js, _ = optimal_student(pair, J)
    jac = student_jacobian(pair, J, Js)
    h = 1e-5
    for c in range(pair.n_params):
        e = torch.zeros_like(J)
        e[c] = h
        plus, _ = optimal_student(pair, J + e, init=Js, starts=2)
        minus, _ = optimal_student(pair, J - e, init=Js, starts=2)
        fd = (plus - minus) / (2 * h)
        assert float((fd - jac[:, c]).abs().max()) < 1e-5 * (1 + float(jac.abs().max())), c


def test_exact_a1_rg_fixed_point_and_critical_coupling():
    # notes: exact KL-optimal A1 map has J0* = 0.813920 and slope dJ'/dJ = 1.3568 there
    rg = ExactRG(Pair(Rep.parse("A1")))
    fp = fixed_point(rg, axis_point(1, 0.78))
    assert fp["residual"] < 1e-9
    assert abs(float(fp["J"][0]) - 0.813920) < 5e-6
    assert abs(float(fp["eigenvalues"][0].real) - 1.3568) < 5e-4
    slope_fd = (rg.step(fp["J"] + 1e-5)[0] - rg.step(fp["J"] - 1e-5)[0]) / 2e-5
    assert abs(float(slope_fd[0]) - float(fp["eigenvalues"][0].real)) < 1e-5
    j0 = projection_root(rg, fp, 0.7, 0.9, steps=4)["root"]
    assert abs(j0 - 0.813920) < 5e-6  # in 1D the critical bare coupling is the fixed point itself


def test_one_by_one_torus_at_the_exact_critical_point():
    # notes: at J0c the A1 tensor gives λ1/λ0 = 1/2, Δ1 = ln2/(2π), GSD = 1.8
    T = weight_tensor(Block(Rep.parse("A1"), "teacher"), torch.tensor([J0C], dtype=torch.float64))
    lam = spectrum(transfer_matrix(T))
    assert abs(lam[1] / lam[0] - 0.5) < 1e-12
    assert abs(scaling_dimensions(T)[1] - np.log(2) / (2 * np.pi)) < 1e-12
    assert abs(gsd(T) - 1.8) < 1e-12


def test_cylinder_transfer_matrices_converge_to_ising_cft():
    # the exact Lieb-lattice teacher at J0c is the critical square Ising model: Δσ → 1/8, Δε → 1, c → 1/2
    T = weight_tensor(Block(Rep.parse("A1"), "teacher"), torch.tensor([J0C], dtype=torch.float64))
    d = scaling_dimensions(T, L=8)
    assert abs(d[1] - 0.125) < 0.002
    assert abs(d[2] - 1.0) < 0.01
    assert abs(central_charge(T, 7, 8) - 0.5) < 0.01
    # and off criticality the gap does not scale: Δ1(L) runs away
    Toff = weight_tensor(Block(Rep.parse("A1"), "teacher"), torch.tensor([0.6], dtype=torch.float64))
    assert scaling_dimensions(Toff, L=8)[1] > 0.3


def test_gsd_limits():
    t = Block(Rep.parse("A1"), "teacher")
    assert abs(gsd(weight_tensor(t, torch.tensor([0.05], dtype=torch.float64))) - 1.0) < 0.01
    assert abs(gsd(weight_tensor(t, torch.tensor([3.0], dtype=torch.float64))) - 2.0) < 0.01
