"""The batched Pfaffian against its recursive definition and Pf² = det."""

import numpy as np
import pytest

from hybrid_rg.exact import pfaffian


def pf_recursive(A):
    n = A.shape[0]
    if n == 0:
        return 1.0
    total = 0.0
    for j in range(1, n):
        keep = [k for k in range(n) if k not in (0, j)]
        total += (-1) ** (j + 1) * A[0, j] * pf_recursive(A[np.ix_(keep, keep)])
    return total


def antisym(rng, shape, complex_=False):
    X = rng.normal(size=shape) + (1j * rng.normal(size=shape) if complex_ else 0)
    return X - np.swapaxes(X, -1, -2)


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("n", [2, 4, 6, 8])
def test_matches_recursive_definition(n, complex_):
    A = antisym(np.random.default_rng(n), (n, n), complex_)
    assert abs(pfaffian(A) - pf_recursive(A)) < 1e-12 * max(1.0, abs(pf_recursive(A)))


def test_square_is_determinant_and_batches_agree():
    rng = np.random.default_rng(1)
    A = antisym(rng, (5, 40, 40))
    pf = pfaffian(A)
    assert pf.shape == (5,)
    assert np.abs(pf**2 / np.linalg.det(A) - 1).max() < 1e-9
    assert np.abs(np.array([pfaffian(a) for a in A]) - pf).max() < 1e-9 * np.abs(pf).max()


def test_odd_size_and_singular_give_zero():
    rng = np.random.default_rng(2)
    assert pfaffian(antisym(rng, (5, 5))) == 0.0
    assert pfaffian(np.zeros((4, 4))) == 0.0
    # pivoting: a zero in the first pivot position
    A = np.zeros((4, 4))
    A[0, 2], A[1, 3] = 2.0, 3.0
    A = A - A.T
    assert abs(pfaffian(A) - pf_recursive(A)) < 1e-15
