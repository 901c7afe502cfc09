"""The MPS emulator (emulator/mps.py, TEBD on a TeNPy MPS) against the state vector at small N, within its stated
error; perfect sampling against the exact bitstring distribution; the serpentine geometry on Aquila."""

import warnings

import numpy as np
import pytest

from hybrid_rg.devices.emulator import evolve
from hybrid_rg.pulse.program import RydbergProgram, Waveform

pytest.importorskip("tenpy")


def _exact(p):
    n = p.n_atoms
    probs = np.abs(evolve(p, tol=1e-9).state.numpy()) ** 2
    occ = ((np.arange(2**n)[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1).astype(float)
    return probs, probs @ occ, occ.T @ (probs[:, None] * occ)


def _ramp(n, duration=1.2, spacing=6.1):
    # a zigzag chain (second neighbours at ~1.9 spacings) and a phase jump, so every part of H is exercised
    pos = tuple((round(spacing * i, 1), 0.8 * (i % 2)) for i in range(n))
    return RydbergProgram(
        pos,
        Waveform((0.0, 0.1, duration - 0.1, duration), (0.0, 15.8, 15.8, 0.0)),
        Waveform((0.0, 0.1, duration), (-16.0, -16.0, 20.0)),
        Waveform((0.0, 0.5, duration), (0.0, 0.6, 0.6), "constant"),
    )


@pytest.mark.parametrize("truncation_check, bound", [("double", 3e-2), ("half", 1e-1)])
def test_mps_matches_state_vector_within_its_stated_error(truncation_check, bound):
    from hybrid_rg.devices.emulator.mps import evolve_mps

    p = _ramp(8)
    _, dens, corr = _exact(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TeNPy's notices about future MPS arguments
        r = evolve_mps(p, dt_us=0.02, chi=6, interaction_range=3, truncation_check=truncation_check)
    true = max(np.abs(r.densities - dens).max(), np.abs(r.correlations - corr).max())
    print(f"true {true:.2e} stated {r.error:.2e} ({r.metadata()})")
    assert r.max_bond == 6 and r.discarded_weight > 0  # truncation happened, and the check run had to see it
    assert r.truncation_error > 0 and r.time_step_error > 0 and r.tail_error > 0
    assert true <= r.error, (true, r.error)
    # "half" (χ/2 = 3 here, far from converged) overstates: 7.7e-2 against 8.3e-3 true, "double" 1.0e-2
    assert r.error < bound


def test_gram_split_matches_the_svd_split():
    """The eigh-of-ρ split and the SVD split give the same truncated state (up to the phases of the kept vectors)."""
    from hybrid_rg.devices.emulator import mps

    rng = np.random.default_rng(5)
    s_true = np.exp(-np.arange(24) / 1.5)  # s² from 1 to 5e-14: through GRAM_COND
    q1, _ = np.linalg.qr(rng.normal(size=(24, 24)) + 1j * rng.normal(size=(24, 24)))
    q2, _ = np.linalg.qr(rng.normal(size=(96, 24)) + 1j * rng.normal(size=(96, 24)))
    a = (q1 * s_true) @ q2.conj().T
    a /= np.linalg.norm(a)
    for chi in (8, 16, 24):
        gram = mps._Chain(2, chi, 1e-10)
        for left, m in ((True, a), (False, a.conj().T)):
            gram.discarded, svd = 0.0, mps._Chain(2, chi, 1e-10)
            x, s, y = gram._split(m, left)
            u, sv, vh = mps._svd(m)
            keep, kept2 = svd._keep(sv**2)
            assert len(s) == keep and np.allclose(s, sv[:keep] / np.sqrt(kept2), atol=1e-7)
            ref = (u[:, :keep] * sv[:keep]) @ vh[:keep] / np.sqrt(kept2)
            assert np.allclose(x @ y, ref, atol=1e-8)
            iso = x if left else y.conj().T
            assert np.allclose(iso.conj().T @ iso, np.eye(keep), atol=1e-12)
            assert np.isclose(gram.discarded, svd.discarded, atol=1e-12)
        # eigh where the kept spectrum is well-conditioned (χ 8, 16), the SVD where it is not (χ 24)
        assert (gram.gram_splits, gram.svd_splits) == ((0, 2) if chi == 24 else (2, 0))
        x, s, y = gram._split(a.conj().T, left=True)  # the Gram side is the larger one: the SVD
        assert gram.svd_splits == (3 if chi == 24 else 1) and np.allclose(x.conj().T @ x, np.eye(len(s)), atol=1e-12)


def test_mps_without_truncation_converges_to_the_state_vector_as_dt_halves():
    from hybrid_rg.devices.emulator.mps import evolve_mps

    p = _ramp(6, duration=0.8)
    _, dens, _ = _exact(p)
    errs = []
    for dt in (0.02, 0.01):
        r = evolve_mps(p, dt_us=dt, chi=16, interaction_range=5, check=False)  # all couplings, no truncation
        errs.append(np.abs(r.densities - dens).max())
    assert errs[1] < errs[0] / 3.0, errs  # second order: ~4x per halving
    assert errs[1] < 5e-3


def test_perfect_sampling_follows_the_mps_distribution():
    from hybrid_rg.devices.emulator.mps import evolve_mps, sample_mps

    p = _ramp(4, duration=0.6)
    probs, _, _ = _exact(p)
    r = evolve_mps(p, dt_us=0.005, chi=8, interaction_range=3, check=False)
    shots = 20000
    counts = sample_mps(r.psi, shots, seed=3)
    assert sum(counts.values()) == shots and counts == sample_mps(r.psi, shots, seed=3)
    freq = np.array([counts.get(format(b, "04b"), 0) for b in range(16)]) / shots
    # every bitstring within 5 binomial standard deviations (plus the MPS's own error, ~1e-3)
    assert np.all(np.abs(freq - probs) <= 5 * np.sqrt(probs * (1 - probs) / shots) + 2e-3), (freq, probs)


def test_serpentine_fits_aquila_and_passes_validation():
    from hybrid_rg.devices.emulator.mps import serpentine_positions
    from hybrid_rg.devices.spec import load_device_spec
    from hybrid_rg.devices.validation import validate

    pos = np.asarray(serpentine_positions(50, 6.1, 12, 24.4))
    assert len(pos) == 50 and np.ptp(pos[:, 0]) <= 75.0 and np.ptp(pos[:, 1]) <= 76.0
    steps = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    assert np.allclose(steps, 6.1, atol=0.06)  # every chain neighbour one spacing away
    p = RydbergProgram(
        tuple(map(tuple, pos)),
        Waveform((0, 0.1, 3.9, 4.0), (0, 15.8, 15.8, 0)),
        Waveform((0, 0.1, 3.9, 4.0), (-16, -16, 16, 16)),
        Waveform((0, 4.0), (0, 0), "constant"),
    )
    assert validate(p, load_device_spec("quera_aquila"), 100).ok
