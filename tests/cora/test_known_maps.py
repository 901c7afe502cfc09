"""Models with hand-chosen maps whose correlations are known in closed form, and the geometry they rely on."""

import numpy as np
import pytest
import torch

from hybrid_rg.cora.geometry import Geometry
from hybrid_rg.cora.model import Cora
from hybrid_rg.cora.observables import model_correlation

EPS = 0.1


def test_geometry_matches_the_binary_mera_wiring():
    geo = Geometry(1, 16, 3)
    assert geo.children(1, 3) == (6, 7)
    assert geo.group_sites(0, 3) == (7, 8) and geo.group_sites(0, 7) == (15, 0)
    assert geo.group(0, 0) == 7 and geo.group(0, 8) == 3 and geo.parent(0, 9) == 4
    g2 = Geometry(2, 8, 2)
    assert g2.children(1, g2.flat(1, (1, 2))) == tuple(g2.flat(0, p) for p in [(2, 4), (2, 5), (3, 4), (3, 5)])
    assert g2.group_sites(0, g2.flat(1, (3, 1))) == tuple(g2.flat(0, p) for p in [(7, 3), (7, 4), (0, 3), (0, 4)])
    with pytest.raises(ValueError, match="divisible"):
        Geometry(1, 12, 3)


def _noisy_copy(chi: int, B: int) -> torch.Tensor:
    """Isometry: each of the B outputs is the input, flipped independently with probability EPS (binary)."""
    single = torch.tensor([[1 - EPS, EPS], [EPS, 1 - EPS]], dtype=torch.float64)
    t = single
    for _ in range(B - 1):
        t = torch.einsum("a...,ab->a...b", t, single)
    return t


def _permutation_dis(B: int, perm) -> torch.Tensor:
    """Disentangler that routes input perm[p] to output p (deterministic)."""
    U = torch.zeros((2,) * (2 * B), dtype=torch.float64)
    for inp in np.ndindex(*(2,) * B):
        U[inp + tuple(inp[perm[p]] for p in range(B))] = 1.0
    return U


def _tree_model(dim, side, layers, perm):
    m = Cora(Geometry(dim, side, layers), chi=2, top="uniform")
    B = 2**dim
    for k in range(1, layers + 1):
        m.set_maps(k, isometry=_noisy_copy(2, B), disentangler=_permutation_dis(B, perm))
    return m


def _ancestor_1d(t: int, level: int, side: int, swap: bool) -> int:
    """Independent bookkeeping: climb from site t on Γ_0 to its ancestor on Γ_level."""
    for lev in range(level):
        n = side // 2**lev
        if swap:  # the disentangler on pair (2i+1, 2i+2) exchanges its two sites
            t = (t + 1) % n if t % 2 else (t - 1) % n
        t //= 2
    return t


@pytest.mark.parametrize("swap", [False, True])
def test_noisy_tree_has_closed_form_correlations(swap):
    side, layers = 16, 4
    m = _tree_model(1, side, layers, perm=(1, 0) if swap else (0, 1))
    for r in [1, 2, 3, 5, 8]:
        vals = []
        for i in range(side):
            j = (i + r) % side
            h = next(
                lev for lev in range(layers + 1) if _ancestor_1d(i, lev, side, swap) == _ancestor_1d(j, lev, side, swap)
            )
            vals.append((1 - 2 * EPS) ** (2 * h))
        assert abs(model_correlation(m, r) - np.mean(vals)) < 1e-12


def test_noisy_tree_2d_closed_form():
    side, layers = 4, 2
    m = _tree_model(2, side, layers, perm=(0, 1, 2, 3))
    for r, axis in [(1, 0), (1, 1), (2, 0), (3, 1)]:
        vals = []
        for i in range(side * side):
            a = np.array(divmod(i, side))
            b = a.copy()
            b[axis] = (b[axis] + r) % side
            h = next(lev for lev in range(layers + 1) if np.all(a // 2**lev == b // 2**lev))
            vals.append((1 - 2 * EPS) ** (2 * h))
        assert abs(model_correlation(m, r, axis) - np.mean(vals)) < 1e-12


def test_iid_model():
    q = 0.8  # every output of every isometry is 1 with probability q, whatever the input
    m = Cora(Geometry(1, 16, 3), chi=2, top="uniform")
    row = torch.tensor([1 - q, q], dtype=torch.float64)
    iso = torch.einsum("a,b->ab", torch.ones(2, dtype=torch.float64), torch.einsum("a,b->ab", row, row).reshape(-1))
    for k in (1, 2, 3):
        m.set_maps(k, isometry=iso, disentangler=_permutation_dis(2, (0, 1)))
    for r in (1, 4, 7):
        assert abs(model_correlation(m, r) - (2 * q - 1) ** 2) < 1e-12
