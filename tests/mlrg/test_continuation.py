"""Homotopy R_λ from the A1 critical fixed point towards the larger representations (continuation.py).

Independent truths: the notes' exact A1 fixed point (0.813920, slope 1.3568, their own numpy code) and the lowest
eigenvalue of the student's KL Hessian at the embedded A1 point (where the ridge stops holding the E channel at 0).
"""

import numpy as np
import pytest
import torch

from hybrid_rg.mlrg.continuation import Homotopy, penalized_student, track
from hybrid_rg.mlrg.enumeration import cross_entropy_derivs
from hybrid_rg.mlrg.irreps import Rep
from hybrid_rg.mlrg.kl import Pair, kl, teacher_weights
from hybrid_rg.mlrg.rgmap import axis_point

J_A1 = 0.8139201144663


def _negative_curvature(pair):
    J = axis_point(pair.n_params, J_A1)
    _, _, H = cross_entropy_derivs(pair.student, teacher_weights(pair, J), J)
    return -float(np.linalg.eigvalsh(H.numpy()).min())


def test_ridge_keeps_the_embedded_a1_point_fixed_and_the_branch_ends_at_the_inner_pitchfork():
    pair = Pair(Rep.parse("A1+E"))
    out = track(pair, axis_point(5, J_A1), w_max=1.0)
    w_c = _negative_curvature(pair)
    assert 0.2 < w_c < 0.3  # a genuine saddle of the KL in the E channel (-0.2409)
    assert out["reason"].startswith("branch ends")
    assert abs((1.0 - out["lambda"]) - w_c) < 2e-3  # ends where the ridge no longer beats the negative curvature
    assert abs(float(out["J"][0]) - 0.813920) < 1e-5 and float(out["J"][1:].abs().max()) < 1e-9
    assert abs(abs(out["eigenvalues"][0]) - 1.3568) < 5e-4
    assert out["kl_global"] < out["kl"] - 0.015  # the branch's student is not the global optimum there


def test_ridge_above_the_curvature_holds_the_student_symmetric_and_below_breaks_it():
    pair = Pair(Rep.parse("A1+E"))
    J = axis_point(5, J_A1)
    w_c = _negative_curvature(pair)
    held, _ = penalized_student(pair, J, w_c + 0.01, J)
    broken, _ = penalized_student(pair, J, w_c - 0.01, J)
    assert float(held[1:].abs().max()) < 1e-9
    assert float(broken[1:].abs().max()) > 0.03
    assert float(kl(pair, J, broken)) < float(kl(pair, J, held)) - 1e-5


def test_homotopy_jacobian_matches_finite_differences():
    pair = Pair(Rep.parse("A1+E"))
    hom = Homotopy(pair, w_max=1.0)
    J = torch.tensor([0.7, 0.2, 0.1, -0.1, 0.05], dtype=torch.float64)
    lam = 0.5
    R, DR, raw = hom.step(J, lam, init=J)
    h = 1e-5
    for c in range(5):
        e = torch.zeros(5, dtype=torch.float64)
        e[c] = h
        fd = (hom.step(J + e, lam, init=raw)[0] - hom.step(J - e, lam, init=raw)[0]) / (2 * h)
        assert float((fd - DR[:, c]).abs().max()) < 1e-6, c


def test_unknown_homotopy_mode_is_refused():
    with pytest.raises(ValueError, match="homotopy mode"):
        Homotopy(Pair(Rep.parse("A1+E")), mode="sideways")
