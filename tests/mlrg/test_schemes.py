"""RG schemes closed on the A1 axis (schemes.py, issue 20 item 3).

Independent truths: the notes' exact A1 fixed point (0.813920, slope 1.3568, their own numpy code), which both
axis-closed schemes must reproduce because A1 has nothing to truncate; the information projection of a student that
already lies on the axis is that student (KL 0).
"""

import numpy as np
import pytest
import torch

from hybrid_rg.mlrg.irreps import Rep
from hybrid_rg.mlrg.kl import Pair
from hybrid_rg.mlrg.rgmap import ExactRG, axis_point
from hybrid_rg.mlrg.schemes import axis_map, find_axis_critical, project_to_axis


@pytest.mark.parametrize("scheme", ["a1_coefficient", "a1_projection"])
def test_axis_schemes_reduce_to_the_exact_a1_map_for_a1(scheme):
    out = find_axis_critical(ExactRG(Pair(Rep.parse("A1"), "authors")), scheme, scan=(0.05, 3.0, 8))
    assert out["critical"] and abs(out["J0_star"] - 0.813920) < 5e-6 and abs(out["lambda_t"] - 1.3568) < 5e-4
    assert abs(out["nu"] - np.log(np.sqrt(2)) / np.log(out["lambda_t"])) < 1e-12
    assert out["J0_uncertainty"] < 1e-8


def test_projection_of_an_axis_student_is_itself():
    rg = ExactRG(Pair(Rep.parse("A1+E"), "consistent"))
    K, value = project_to_axis(rg, axis_point(5, 0.63))
    assert abs(K - 0.63) < 1e-9 and abs(value) < 1e-12
    # off the axis the projection loses information: KL > 0, and K differs from the bare A1 coefficient
    J_std, _ = rg.step(axis_point(5, 0.7))
    K, value = project_to_axis(rg, J_std)
    assert value > 1e-4 and abs(K - float(J_std[0])) > 1e-2


def test_axis_maps_agree_between_geometries_and_a1e_coefficient_has_no_fixed_point():
    # on the A1 axis the optimal students of the two geometries differ only in how their E couplings are labelled
    for scheme in ("a1_coefficient", "a1_projection"):
        a, c = (axis_map(ExactRG(Pair(Rep.parse("A1+E"), g)), 0.7, scheme)[0] for g in ("authors", "consistent"))
        assert abs(a - c) < 1e-8
    out = find_axis_critical(ExactRG(Pair(Rep.parse("A1+E"), "authors")), "a1_coefficient", scan=(0.05, 2.0, 6))
    assert not out["critical"] and np.isnan(out["J0_star"]) and "above the diagonal" in out["message"]
    assert torch.isnan(out["J"]).all()


def test_axis_map_refuses_the_full_scheme():
    with pytest.raises(ValueError, match="not closed on the A1 axis"):
        axis_map(ExactRG(Pair(Rep.parse("A1"))), 0.5, "full")


def test_copies_of_a1_see_no_difference_between_the_geometries():
    # critical_copies.toml runs one geometry: for A-type irreps the 45° frame turns are the identity
    from hybrid_rg.mlrg.kl import kl

    g = torch.Generator().manual_seed(2)
    Jt, Js = (0.5 * torch.randn(4, generator=g, dtype=torch.float64) for _ in range(2))
    ka, kc = (float(kl(Pair(Rep.parse("2A1"), geo), Jt, Js)) for geo in ("authors", "consistent"))
    assert ka > 1e-3 and abs(ka - kc) < 1e-14
