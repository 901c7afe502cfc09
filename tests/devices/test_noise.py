"""The noise model (devices/noise.py) against closed forms: readout flips on a known distribution, vacancy and loss
statistics, and the noise average of single-atom Rabi oscillations under detuning (T2*) and amplitude noise.

Statistical checks use fixed seeds and bounds of 4-5 standard errors, so they are deterministic and not flaky."""

import math

import numpy as np
import pytest

from hybrid_rg.devices.noise import (
    MECHANISMS,
    NoiseError,
    NoiseModel,
    NoiseParameters,
    draw_realisations,
    kept_fraction,
    noise_parameters,
    readout_channel,
    realisation_probabilities,
    simulate,
)
from hybrid_rg.pulse.program import RydbergProgram, Waveform


def _far_apart(n: int, omega: float, duration: float, detuning: float = 0.0) -> RydbergProgram:
    """Atoms 100 µm apart (V < 1e-5 rad/µs): independent two-level systems driven at constant Ω."""
    return RydbergProgram(
        tuple((100.0 * i, 0.0) for i in range(n)),
        Waveform.constant(omega, duration),
        Waveform.constant(detuning, duration),
        Waveform((0.0, duration), (0.0, 0.0), "constant"),
    )


def _rabi_p1(omega, delta, t):
    w = np.sqrt(omega**2 + delta**2)
    return omega**2 / w**2 * np.sin(w * t / 2) ** 2


def _densities(counts):
    shots = sum(counts.values())
    n = len(next(iter(counts)))
    return np.array([sum(c for b, c in counts.items() if b[i] == "1") for i in range(n)]) / shots, shots


def test_snapshot_table_is_read_and_says_where_it_came_from():
    p = noise_parameters("quera_aquila")
    assert "EXAMPLE" in p.source and p.date
    assert p.rydberg_detection_error == 0.1 and p.t2_star_single_us == 5.0
    assert p.dephasing_sigma_rad_per_us == pytest.approx(math.sqrt(2) / 5.0)
    with pytest.raises(NoiseError, match="no \\[noise\\] table"):
        noise_parameters("emulator")
    with pytest.raises(NoiseError, match="unknown noise mechanism"):
        NoiseModel.from_device("quera_aquila").without("spam")


def test_readout_channel_closed_form():
    rng = np.random.default_rng(0)
    probs = rng.random(8)
    probs /= probs.sum()
    out = readout_channel(probs, 0.03, 0.2)
    assert out.sum() == pytest.approx(1.0)
    for i in range(3):
        mask = ((np.arange(8) >> (2 - i)) & 1).astype(bool)
        n_true, n_read = probs[mask].sum(), out[mask].sum()
        assert n_read == pytest.approx(0.03 * (1 - n_true) + 0.8 * n_true, abs=1e-14)


def test_spam_flips_on_a_known_distribution():
    """A pulse on 3 independent atoms gives a known product distribution; readout flips alone must turn
    it into readout_channel(that distribution), checked bitstring by bitstring (5 standard errors)."""
    params = NoiseParameters(ground_detection_error=0.05, rydberg_detection_error=0.2)
    program = _far_apart(3, omega=2.0, duration=0.6)
    p1 = _rabi_p1(2.0, 0.0, 0.6)
    single = np.array([1 - p1, p1])
    exact = np.einsum("a,b,c->abc", single, single, single).reshape(-1)
    expect = readout_channel(exact, 0.05, 0.2)
    shots = 20000
    run = simulate(program, NoiseModel(params).only("readout"), shots, seed=11, realisations=2, tol=1e-9)
    assert run.shots_kept == shots
    freq = np.array([run.counts.get(format(b, "03b"), 0) for b in range(8)]) / shots
    se = np.sqrt(expect * (1 - expect) / shots)
    assert np.all(np.abs(freq - expect) <= 5 * se), (freq, expect)
    # and it does differ from the noise-free distribution by far more than the shot noise
    assert np.abs(freq - exact).max() > 10 * se.max()


def test_vacancy_statistics_and_atom_loss():
    f, fp, fn, loss = 0.1, 0.2, 0.05, 0.07
    params = NoiseParameters(
        filling_error=f, atom_detection_false_positive=fp, atom_detection_false_negative=fn, atom_loss_probability=loss
    )
    program = _far_apart(4, omega=0.0, duration=0.5)  # stays in |0000⟩: every '1' is a missing atom
    shots = 40000
    run = simulate(program, NoiseModel(params).only("vacancy"), shots, seed=3, realisations=1)
    q = kept_fraction(4, params)
    assert q == pytest.approx(((1 - f) * (1 - fn) + f * fp) ** 4)
    assert abs(run.shots_kept / shots - q) <= 5 * math.sqrt(q * (1 - q) / shots)
    assert run.metadata["dropped_missing_atom"] == shots - run.shots_kept
    # kept shots: atom i absent with p = f·fp / ((1−f)(1−fn) + f·fp), and then reads '1' unless the post image
    # falsely shows it (p = fp)
    dens, kept = _densities(run.counts)
    absent = f * fp / ((1 - f) * (1 - fn) + f * fp)
    want = absent * (1 - fp)
    assert np.all(np.abs(dens - want) <= 5 * math.sqrt(want * (1 - want) / kept)), (dens, want)

    run = simulate(program, NoiseModel(params).only("loss"), shots, seed=4, realisations=1)
    dens, kept = _densities(run.counts)
    assert kept == shots
    assert np.all(np.abs(dens - loss) <= 5 * math.sqrt(loss * (1 - loss) / shots)), dens


def test_prep_errors_leave_atoms_dark():
    program = _far_apart(2, omega=math.pi, duration=1.0)  # a π pulse: every coupled atom ends in |1⟩
    run = simulate(
        program,
        NoiseModel(NoiseParameters(ground_prep_error=0.25)).only("prep"),
        20000,
        seed=5,
        realisations=1,
        tol=1e-10,
    )
    dens, shots = _densities(run.counts)
    assert np.all(np.abs(dens - 0.75) <= 5 * math.sqrt(0.75 * 0.25 / shots)), dens


def _gauss_hermite_mean(fn, sigma, order=80):
    x, w = np.polynomial.hermite_e.hermegauss(order)  # weight exp(−x²/2)
    return float(np.sum(w * fn(sigma * x)) / math.sqrt(2 * math.pi))


def test_dephasing_rabi_average_matches_the_analytic_average():
    """One atom, constant Ω: P1(δ) = Ω²/(Ω²+δ²) sin²(√(Ω²+δ²) t/2); T2* noise makes δ ~ N(0, 2/T2*²). The mean
    over realisations of the emulator's exact P1 must match the Gauss–Hermite average of the closed form."""
    omega, t, t2 = 3.0, 1.0, 1.0
    program = _far_apart(1, omega, t)
    model = NoiseModel(NoiseParameters(t2_star_single_us=t2)).only("dephasing")
    reals = draw_realisations(program, model, 400, np.random.default_rng(21))
    deltas = np.array([r.detuning_offset[0] for r in reals])
    assert deltas.std() == pytest.approx(math.sqrt(2) / t2, rel=0.15)
    p1 = np.array([realisation_probabilities(program, r, tol=1e-10)[0][1] for r in reals])
    # each realisation against its own closed form (the propagation is exact to the tolerance) ...
    np.testing.assert_allclose(p1, _rabi_p1(omega, deltas, t), atol=1e-8)
    # ... and the average against the analytic noise average
    want = _gauss_hermite_mean(lambda d: _rabi_p1(omega, d, t), math.sqrt(2) / t2)
    se = p1.std(ddof=1) / math.sqrt(p1.size)
    assert abs(p1.mean() - want) <= 4 * se, (p1.mean(), want, se)
    assert abs(want - _rabi_p1(omega, 0.0, t)) > 10 * se  # the effect is resolved, not lost in the noise


def test_global_amplitude_noise_average_closed_form():
    """Ω → (1+ε)Ω, ε ~ N(0, s²), resonant: E[sin²((1+ε)Ωt/2)] = (1 − cos(Ωt) e^{−(sΩt)²/2})/2 exactly."""
    omega, t, s = 4.0, 2.0, 0.05
    program = _far_apart(1, omega, t)
    model = NoiseModel(NoiseParameters(rabi_global_error_rel=s)).only("amplitude")
    reals = draw_realisations(program, model, 400, np.random.default_rng(8))
    p1 = np.array([realisation_probabilities(program, r, tol=1e-10)[0][1] for r in reals])
    want = (1 - math.cos(omega * t) * math.exp(-((s * omega * t) ** 2) / 2)) / 2
    se = p1.std(ddof=1) / math.sqrt(p1.size)
    assert abs(p1.mean() - want) <= 4 * se, (p1.mean(), want, se)


def test_seeded_reproducible_and_switching_everything_off_is_noise_free():
    from hybrid_rg.devices.emulator import evolve, probabilities

    program = RydbergProgram(
        ((0.0, 0.0), (6.0, 0.0), (12.0, 0.0)),
        Waveform((0, 0.2, 1.0), (0, 8.0, 8.0)),
        Waveform((0, 1.0), (-5.0, 5.0)),
        Waveform((0, 1.0), (0, 0), "constant"),
    )
    model = NoiseModel.from_device("quera_aquila")
    a, b = simulate(program, model, 300, seed=9, realisations=4), simulate(program, model, 300, seed=9, realisations=4)
    assert a.counts == b.counts and a.metadata == b.metadata
    assert simulate(program, model, 300, seed=10, realisations=4).counts != a.counts
    assert set(a.metadata["noise_mechanisms"]) == set(MECHANISMS)
    off = simulate(program, model.only(), 20000, seed=1, realisations=1, tol=1e-8)
    assert off.shots_kept == 20000
    exact = probabilities(evolve(program, tol=1e-8).state).numpy()
    freq = np.array([off.counts.get(format(k, "03b"), 0) for k in range(8)]) / 20000
    assert np.all(np.abs(freq - exact) <= 5 * np.sqrt(exact * (1 - exact) / 20000) + 1e-12)


def test_dry_run_on_aquila_is_noisy_by_default_with_the_noise_free_run_beside_it(tmp_path):
    from hybrid_rg.runtime.dryrun import dry_run

    program = RydbergProgram(
        ((0.0, 0.0), (6.1, 0.0)),
        Waveform((0, 0.1, 0.9, 1.0), (0, 10.0, 10.0, 0)),
        Waveform((0, 1.0), (-5.0, 5.0)),
        Waveform((0, 1.0), (0, 0), "constant"),
    )
    r = dry_run([program], "quera_aquila", 200, seed=2, out=tmp_path / "dry", realisations=4)
    run = r.runs[0]
    assert r.ok and "noise_free" in run and run["noise"]["shots_kept"] == sum(run["counts"].values()) <= 200
    assert set(r.noise["mechanisms"]) == set(MECHANISMS)
    assert "noise-free" in (tmp_path / "dry" / "report.md").read_text()
    assert "noise_free" not in dry_run([program], "quera_aquila", 50, seed=2, noise="off").runs[0]
    only = dry_run([program], "quera_aquila", 50, seed=2, noise="-readout,-loss", realisations=2)
    assert set(only.runs[0]["noise"]["noise_mechanisms"]) == set(MECHANISMS) - {"readout", "loss"}
    assert "noise_free" not in dry_run([program], "emulator", 50, seed=2).runs[0]  # a simulator: no noise
