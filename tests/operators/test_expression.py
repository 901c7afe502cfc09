"""PauliExpr: site order, algebra, immutability, time dependence, matrix builders, clear errors."""

import dataclasses

import numpy as np
import pytest

from hybrid_rg.operators import Coefficient, PauliExpr, tfim, to_dense, to_sparse, to_torch

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)


def kron(*ms):
    out = np.eye(1)
    for m in ms:
        out = np.kron(out, m)
    return out


def test_site_zero_is_the_leftmost_tensor_factor():
    assert np.abs(to_dense(PauliExpr.term(3, "Z", (0,))) - kron(Z, I2, I2)).max() < 1e-15
    assert np.abs(to_dense(PauliExpr.term(3, "XY", (0, 2))) - kron(X, I2, Y)).max() < 1e-15


def test_products_use_pauli_algebra():
    x, y = PauliExpr.term(2, "X", (1,)), PauliExpr.term(2, "Y", (1,))
    prod = (x @ y).simplify()
    assert len(prod.terms) == 1
    assert prod.terms[0].paulis == "Z" and prod.terms[0].sites == (1,)
    assert abs(prod.terms[0].coeff - 1j) < 1e-15


def test_simplify_merges_equal_strings_and_drops_zeros():
    e = PauliExpr.term(2, "ZZ", (0, 1), 1.5) + PauliExpr.term(2, "ZZ", (1, 0), -1.5) + PauliExpr.term(2, "X", (0,))
    s = e.simplify()
    assert [(t.paulis, t.sites) for t in s.terms] == [("X", (0,))]


def test_expressions_are_immutable_and_hashable():
    a, b = tfim(4, 1.0, 0.5), tfim(4, 1.0, 0.5)
    assert a == b and hash(a) == hash(b)
    assert len({a, b, tfim(4, 1.0, 0.6)}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.n_sites = 5


def test_time_dependent_coefficients_evaluate_at_t_and_params():
    c = Coefficient(lambda t, p: p["a"] * np.sin(t), name="a sin t")
    H = PauliExpr.term(2, "X", (0,), c) + PauliExpr.term(2, "ZZ", (0, 1), 2.0)
    assert not H.is_static
    M = to_dense(H, t=0.3, params={"a": 1.7})
    assert np.abs(M - (1.7 * np.sin(0.3) * kron(X, I2) + 2.0 * kron(Z, Z))).max() < 1e-14
    with pytest.raises(ValueError, match="time-dependent"):
        to_dense(H)
    assert np.abs(to_dense((3.0 * H).at(0.3, {"a": 1.0})) - 3.0 * to_dense(H, 0.3, {"a": 1.0})).max() < 1e-14


def test_dense_sparse_and_torch_builders_agree():
    H = tfim(6, J=np.linspace(0.5, 1.5, 5), h=np.linspace(0.2, 1.0, 6), g=0.3)
    D = to_dense(H)
    assert np.abs(to_sparse(H).toarray() - D).max() == 0.0
    T = to_torch(H)
    assert str(T.dtype) == "torch.complex128"
    assert np.abs(T.numpy() - D).max() == 0.0


@pytest.mark.parametrize(
    "bad, match",
    [
        (lambda: PauliExpr.term(3, "ZZ", (0, 3)), "outside"),
        (lambda: PauliExpr.term(3, "ZQ", (0, 1)), "only contain"),
        (lambda: PauliExpr.term(3, "ZZ", (1, 1)), "repeat"),
        (lambda: PauliExpr.term(3, "Z", (0,), float("nan")), "finite"),
        (lambda: PauliExpr.term(3, "ZZ", (0,)), "letters"),
        (lambda: PauliExpr.term(2, "Z", (0,)) + PauliExpr.term(3, "Z", (0,)), "cannot combine"),
        (lambda: to_dense(tfim(14)), "GiB"),
    ],
)
def test_bad_input_explains_itself(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_qiskit_round_trip_keeps_the_site_order():
    H = tfim(5, J=[1, 2, 3, 4], h=[0.1, 0.2, 0.3, 0.4, 0.5]) + PauliExpr.term(5, "XY", (0, 3), 0.7)
    back = PauliExpr.from_sparse_pauli_op(H.to_sparse_pauli_op())
    assert np.abs(to_dense(back) - to_dense(H)).max() < 1e-15


def test_operator_product_is_the_matrix_product():
    a = PauliExpr.term(3, "XZ", (0, 2), 0.5) + PauliExpr.term(3, "Y", (1,), 2.0)
    b = PauliExpr.term(3, "ZY", (0, 1), 1.5) + PauliExpr.term(3, "XX", (1, 2), -1.0)
    assert np.abs(to_dense(a @ b) - to_dense(a) @ to_dense(b)).max() < 1e-14
