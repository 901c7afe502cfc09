"""The Daleckii–Krein exponential: forward and gradient equal matrix_exp's, on degenerate spectra too."""

import pytest
import torch

from hybrid_rg.olrg.expm import hermitian_expm

TIMES = torch.tensor([0.0, 0.3, 1.1, 2.5], dtype=torch.float64)


def _hermitian(D, seed, spectrum=None):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(D, D, dtype=torch.complex128, generator=g)
    H = (A + A.conj().T) / 2
    if spectrum is not None:  # an exactly prescribed (degenerate) spectrum in a random basis
        Q = torch.linalg.qr(A)[0]
        H = Q @ torch.diag(torch.tensor(spectrum, dtype=torch.complex128)) @ Q.conj().T
        H = (H + H.conj().T) / 2
    return H


SPECTRA = {
    "random": None,
    "degenerate": [-1.0, -1.0, 0.5, 0.5, 0.5, 2.0],
    "all_equal": [0.7] * 6,
    "near": [0.0, 1e-9, 1.0, 1.0 + 1e-13, 3.0, 3.0],
}


@pytest.mark.parametrize("name", list(SPECTRA))
def test_forward_and_gradient_equal_matrix_exp(name):
    H0 = _hermitian(6, 1, SPECTRA[name])
    G = torch.randn(len(TIMES), 6, 6, dtype=torch.complex128, generator=torch.Generator().manual_seed(2))
    grads = []
    for f in (lambda H: hermitian_expm(H, TIMES), lambda H: torch.linalg.matrix_exp(-1j * TIMES[:, None, None] * H)):
        H = H0.clone().requires_grad_(True)
        U = f(H)
        (U * G.conj()).real.sum().backward()
        grads.append((U.detach(), H.grad))
    assert float((grads[0][0] - grads[1][0]).abs().max()) < 1e-12
    assert float((grads[0][1] - grads[1][1]).abs().max()) < 1e-12


@pytest.mark.parametrize("name", ["random", "degenerate", "all_equal"])
def test_gradcheck(name):
    # gradcheck perturbs every entry, so feed a general complex A through H = (A + A†)/2
    A = _hermitian(5, 3, None if SPECTRA[name] is None else SPECTRA[name][:5]).clone().requires_grad_(True)
    f = lambda A: hermitian_expm((A + A.conj().T) / 2, TIMES[1:3])
    assert torch.autograd.gradcheck(f, (A,), eps=1e-6, atol=1e-8, rtol=1e-6)


def test_torch_eigh_backward_fails_where_ours_does_not():
    # why not plain eigh + autograd: its backward divides by eigenvalue gaps (nan/inf at exact degeneracy)
    H = _hermitian(6, 1, SPECTRA["degenerate"]).requires_grad_(True)
    w, V = torch.linalg.eigh(H)
    U = (V * torch.exp(-1j * 0.7 * w)) @ V.conj().T
    U.real.sum().backward()
    ours = H.detach().clone().requires_grad_(True)
    hermitian_expm(ours, torch.tensor([0.7], dtype=torch.float64))[0].real.sum().backward()
    ref = H.detach().clone().requires_grad_(True)
    torch.linalg.matrix_exp(-0.7j * ref).real.sum().backward()
    assert float((ours.grad - ref.grad).abs().max()) < 1e-12
    assert not torch.isfinite(H.grad).all() or float((H.grad - ref.grad).abs().max()) > 1e-3
