"""The RDM initialisation with an environment of several target sites (map.rdm_env), against dense exact evolution."""

import numpy as np
import pytest

from hybrid_rg.olrg import LinearIsometryMap, SiteModel, exact_block
from hybrid_rg.olrg.block import bulk_block
from hybrid_rg.olrg.spec import parse_spec
from hybrid_rg.operators import PauliExpr, to_dense

SITE = SiteModel.tfim(1.0, 0.8, 0.2)
O = PauliExpr.term(2, "ZZ", (0, 1), 0.25)


def _dominant_projector(n: int, left: int, right: int, T: float, n_steps: int, chi: int):
    """Projector on the χ dominant eigenvectors of the time-averaged RDM of sites left … left+n−1 in an exact
    (left + n + right)-site chain started in |0…0⟩ (numpy, independent of the block code), and the RDM's spectrum."""
    N = left + n + right
    w, V = np.linalg.eigh(to_dense(SITE.chain(N)))
    psi0 = np.zeros(2**N, dtype=complex)
    psi0[0] = 1.0
    rho = np.zeros((2**n, 2**n), dtype=complex)
    for t in np.linspace(0.0, T, n_steps):
        A = (V @ (np.exp(-1j * w * t) * (V.conj().T @ psi0))).reshape(2**left, 2**n, 2**right)
        rho += np.einsum("aib,ajb->ij", A, A.conj()) / n_steps
    p, U = np.linalg.eigh(rho)
    order = np.argsort(p)[::-1]
    U = U[:, order[:chi]]
    return U @ U.conj().T, p[order]


@pytest.mark.parametrize("env", [1, 2, 3])
def test_rdm_env_keeps_the_dominant_states_of_the_block_in_a_longer_chain(env):
    n, chi, T, n_steps = 3, 3, 1.5, 6
    opmap = LinearIsometryMap(chi, init="rdm", site=SITE, T=T, n_steps=n_steps, rdm_env=env)
    opmap(exact_block(SITE, n, O), n)
    V = opmap.isometry(n).detach().numpy()
    P, spectrum = _dominant_projector(n, 0, env, T, n_steps, chi)
    assert spectrum[chi - 1] - spectrum[chi] > 1e-3  # the kept space is well defined, so the comparison means something
    assert np.abs(V @ V.conj().T - P).max() < 1e-10


def test_rdm_env_differs_from_one_site_and_on_a_bulk_block_grows_both_sides():
    n, chi, T, n_steps, env = 2, 2, 2.0, 5, 2
    Vs = []
    for e in (1, env):
        opmap = LinearIsometryMap(chi, init="rdm", site=SITE, T=T, n_steps=n_steps, rdm_env=e)
        opmap(bulk_block(SITE, n, O), n)
        V = opmap.isometry(n).detach().numpy()
        P, spectrum = _dominant_projector(n, e, e, T, n_steps, chi)
        assert spectrum[chi - 1] - spectrum[chi] > 1e-3
        assert np.abs(V @ V.conj().T - P).max() < 1e-10
        Vs.append(V @ V.conj().T)
    assert np.abs(Vs[0] - Vs[1]).max() > 1e-3  # the wider environment does choose another basis here


def test_rdm_env_validation_and_spec_record():
    with pytest.raises(ValueError, match="rdm_env"):
        LinearIsometryMap(2, init="rdm", site=SITE, rdm_env=0)
    base = {
        "name": "x",
        "target": {"model": "tfim", "N": 6, "observable": "zz:0,1"},
        "times": {"T": [0.5]},
        "map": {"kind": "linear", "n0": 2, "chi": 2, "init": "rdm"},
    }
    default = parse_spec(base)
    wide = parse_spec(base | {"map": base["map"] | {"rdm_env": 3}})
    # the default is left out of the recorded fields (older runs stay valid); any other value is recorded
    assert "rdm_env" not in default.result_fields()["map"]
    assert wide.result_fields()["map"]["rdm_env"] == 3
    assert default.result_digest() == parse_spec(base | {"map": base["map"] | {"rdm_env": 1}}).result_digest()
