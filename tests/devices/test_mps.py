"""The MPS prototype (emulator/mps.py, TeNPy two-site TDVP) against the state vector at small N, within its stated
error; a short program, because TeNPy's TDVP step is slow (see the module docstring)."""

import warnings

import numpy as np
import pytest

from hybrid_rg.devices.emulator import evolve
from hybrid_rg.pulse.program import RydbergProgram, Waveform

pytest.importorskip("tenpy")


def test_mps_matches_state_vector_within_its_stated_error():
    from hybrid_rg.devices.emulator.mps import evolve_mps

    p = RydbergProgram(
        ((0.0, 0.0), (6.5, 0.0), (13.0, 0.0)),
        Waveform((0.0, 0.1, 0.4), (0.0, 12.0, 8.0)),
        Waveform((0.0, 0.4), (-10.0, 15.0)),
        Waveform((0.0, 0.2, 0.4), (0.0, 0.7, 0.7), "constant"),
    )
    probs = np.abs(evolve(p, tol=1e-10).state.numpy()) ** 2
    occ = (np.arange(8)[:, None] >> (2 - np.arange(3))[None, :]) & 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TeNPy's notices about future MPS arguments
        r = evolve_mps(p, dt_us=0.05, chi=8)
    dens, corr = probs @ occ, np.einsum("b,bi,bj->ij", probs, occ, occ)
    true = max(np.abs(r.densities - dens).max(), np.abs(r.correlations - corr).max())
    print(f"true {true:.2e} stated {r.error:.2e} bond {r.max_bond}")
    assert true <= r.error, (true, r.error)
    assert r.error < 1e-2
