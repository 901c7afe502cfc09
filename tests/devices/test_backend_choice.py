"""The backend choice (emulator/choice.py) and the MPS backend inside a dry run and the noise model."""

import warnings

import numpy as np
import pytest

from hybrid_rg.devices.emulator.choice import choose_backend
from hybrid_rg.pulse.program import RydbergProgram, Waveform

pytest.importorskip("tenpy")


def _program(positions, duration=0.6):
    return RydbergProgram(
        tuple(positions),
        Waveform((0.0, 0.1, duration - 0.1, duration), (0.0, 15.8, 15.8, 0.0)),
        Waveform((0.0, 0.1, duration), (-16.0, -16.0, 16.0)),
        Waveform((0.0, duration), (0.0, 0.0), "constant"),
    )


def test_choice_follows_size_and_geometry():
    small = choose_backend(_program([(6.1 * i, 0.0) for i in range(8)]))
    assert small.name == "state-vector" and "8 atoms" in small.reason
    chain = choose_backend(_program([(6.1 * i, 0.0) for i in range(30)]))
    assert chain.name == "mps" and "quasi-1D" in chain.reason and "NOT" not in chain.reason
    grid = choose_backend(_program([(6.1 * (i % 6), 6.1 * (i // 6)) for i in range(30)]))  # rows in raster order
    assert grid.name == "mps" and "NOT quasi-1D" in grid.reason and grid.dropped_coupling_rad_per_us > 1.0


def test_dry_run_on_the_mps_backend_states_its_error_and_keeps_the_noise_free_run(monkeypatch, tmp_path):
    import hybrid_rg.devices.emulator.choice as choice
    from hybrid_rg.devices.emulator import evolve
    from hybrid_rg.runtime.dryrun import dry_run

    monkeypatch.setattr(choice, "SV_MAX_ATOMS", 3)  # a 5-atom program then takes the MPS path
    p = _program([(round(6.1 * i, 1), 0.0) for i in range(5)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = dry_run([p], "quera_aquila", shots=1000, seed=5, out=tmp_path / "dry", noise="device")
    run = r.runs[0]
    b = run["backend"]
    assert b["backend"] == "mps" and b["stated_error"] is not None and b["stated_error"] < 0.05
    assert run["noise_free"]["backend"]["backend"] == "mps" and run["noise"]["mps_runs"] >= 1
    probs = np.abs(evolve(p, tol=1e-8).state.numpy()) ** 2
    occ = ((np.arange(32)[:, None] >> (4 - np.arange(5))[None, :]) & 1).astype(float)
    exact = probs @ occ
    free = np.asarray(run["noise_free"]["observables"]["density"])
    assert np.all(np.abs(free - exact) <= 5 * np.sqrt(exact * (1 - exact) / 1000) + b["stated_error"] + 1e-3)
    assert "mps backend" in (tmp_path / "dry" / "report.md").read_text()


def test_mps_noise_readout_only_matches_the_closed_form():
    """Readout flips alone: ⟨n_i⟩_read = p01 + (1 − p01 − p10) ⟨n_i⟩ (a closed form), within shot noise."""
    from hybrid_rg.devices.emulator.choice import BackendChoice
    from hybrid_rg.devices.noise import NoiseModel, simulate

    p = _program([(6.1 * i, 0.0) for i in range(6)])
    model = NoiseModel.from_device("quera_aquila").only("readout")
    mps = BackendChoice("mps", "test", dt_us=0.01, chi=16, interaction_range=3)
    cache = {}
    run = simulate(p, model, 20000, seed=2, realisations=2, backend=mps, cache=cache)
    assert run.metadata["mps_runs"] == 1 and len(cache) == 1  # no continuous noise: one realisation's MPS
    bits = np.array([[int(c) for c in b] for b, k in run.counts.items() for _ in range(k)])
    clean = next(iter(cache.values())).densities
    q = model.parameters
    want = q.ground_detection_error + (1 - q.ground_detection_error - q.rydberg_detection_error) * clean
    assert np.all(np.abs(bits.mean(0) - want) < 5 * np.sqrt(want * (1 - want) / 20000)), (bits.mean(0), want)
