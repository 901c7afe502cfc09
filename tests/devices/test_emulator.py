"""The emulator against an independent truth: dense expm of `operators.rydberg` Hamiltonians, fine midpoint steps."""

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from hybrid_rg.devices.emulator import (
    EmulatorDevice,
    EmulatorError,
    bitstring_probabilities,
    evolve,
    evolve_probabilities,
    probabilities,
    propagate,
    sample,
    z_expectation,
    zz_expectation,
)
from hybrid_rg.devices.emulator.schedule import Grid
from hybrid_rg.devices.protocol import Device, TaskState
from hybrid_rg.operators.counts import z_string
from hybrid_rg.operators.matrices import to_dense
from hybrid_rg.operators.rydberg import rydberg_hamiltonian
from hybrid_rg.pulse.program import LocalDetuning, RydbergProgram, Waveform, chain_positions


def _program(n: int = 4, spacing_um: float = 6.5) -> RydbergProgram:
    """Time-asymmetric (forward order matters), a phase jump mid-pulse, a local detuning, a 2D-ish layout."""
    pos = [(x, 0.7 * (k % 2)) for k, (x, _) in enumerate(chain_positions(n, spacing_um))]
    return RydbergProgram(
        tuple(pos),
        Waveform((0.0, 0.2, 1.1, 1.5), (0.0, 15.8, 12.0, 0.0)),
        Waveform((0.0, 0.3, 1.5), (-25.0, -25.0, 40.0)),
        Waveform((0.0, 0.6, 1.5), (0.0, 1.1, 1.1), "constant"),
        LocalDetuning(tuple(np.linspace(0.0, 1.0, n)), Waveform((0.0, 0.9, 1.5), (0.0, 12.0, 4.0))),
    )


def _dense_reference(program: RydbergProgram, substeps: int) -> np.ndarray:
    """Midpoint-rule expm product with H(t) = Σ_k c_k(t) H_k, each H_k the dense matrix of a `rydberg_hamiltonian`
    (built once; H is linear in Ω cos φ, Ω sin φ and the per-atom detunings), `substeps` per knot interval."""
    n, pos, c6 = program.n_atoms, np.asarray(program.positions_um), program.c6_rad_per_us_um6
    h0 = to_dense(rydberg_hamiltonian(pos, 0.0, 0.0, 0.0, c6))
    hx = to_dense(rydberg_hamiltonian(pos, 1.0, 0.0, 0.0, c6)) - h0  # ½ Σ X
    hy = to_dense(rydberg_hamiltonian(pos, 1.0, 0.0, math.pi / 2, c6)) - h0  # −½ Σ Y
    hn = [
        to_dense(rydberg_hamiltonian(pos, 0.0, [1.0 * (k == i) for k in range(n)], 0.0, c6)) - h0 for i in range(n)
    ]  # −n_i
    knots = sorted({t for w in program.waveforms().values() for t in w.times_us})
    psi = np.zeros(2**n, complex)
    psi[0] = 1.0
    pattern = program.local_detuning.pattern
    for a, b in zip(knots, knots[1:]):
        dt = (b - a) / substeps
        for m in range(substeps):
            t = a + (m + 0.5) * dt
            om, ph, de = float(program.amplitude(t)), float(program.phase(t)), float(program.detuning(t))
            loc = float(program.local_detuning.magnitude(t))
            H = (
                h0
                + om * math.cos(ph) * hx
                + om * math.sin(ph) * hy
                + sum((de + hi * loc) * m_ for hi, m_ in zip(pattern, hn))
            )
            w, v = scipy.linalg.eigh(H)
            psi = v @ (np.exp(-1j * dt * w) * (v.conj().T @ psi))
    return psi


@pytest.fixture(scope="module")
def reference():
    """(program, exact state, a bound on its error): Romberg table of midpoint products at 80/160/320 substeps per
    knot interval. The midpoint product's error is even in h, so R_m = (4a_m − a_{m/2})/3 is O(h^4) and T = (16R_160 −
    R_80)/15 is O(h^6); ‖R_320 − R_160‖/15 estimates R_320's error, and T is ~40× better than that (checked once
    against a 40/80/160 table: there T_160 was within 7e-10 of T_320 while ‖R_160 − R_80‖/15 was 3e-8)."""
    p = _program(4)
    a = {m: _dense_reference(p, m) for m in (80, 160, 320)}
    r160, r320 = (4 * a[160] - a[80]) / 3, (4 * a[320] - a[160]) / 3
    return p, (16 * r320 - r160) / 15, float(np.linalg.norm(r320 - r160)) / 15


@pytest.mark.parametrize("tol", [1e-3, 1e-5])
def test_matches_dense_expm_and_stated_error_covers_it(reference, tol):
    p, exact, ref_err = reference
    ev = evolve(p, tol=tol)
    true_err = float(np.linalg.norm(ev.state.numpy() - exact))
    assert ref_err < 0.1 * ev.error, (ref_err, ev.error)  # the truth is sharper than what it checks
    assert ev.error <= tol
    assert true_err <= ev.error, (true_err, ev.error)
    # probabilities: Σ|Δp| ≤ 2 × state error
    dp = np.abs(probabilities(ev.state).numpy() - np.abs(exact) ** 2).sum()
    assert dp <= 2 * ev.error + 1e-12


def test_second_order_path_matches_too(reference):
    p, exact, _ = reference
    ev = evolve(p, tol=1e-4, order=2)
    assert float(np.linalg.norm(ev.state.numpy() - exact)) <= ev.error <= 1e-4


def _is_doubled_level(program: RydbergProgram, steps: int) -> bool:
    from hybrid_rg.devices.emulator.integrator import _start_step_us

    base = Grid.for_program(program, _start_step_us(program)).n_steps
    return steps % base == 0 and ((steps // base) & (steps // base - 1)) == 0


@pytest.mark.parametrize("order", [4, 6])
def test_fractional_levels_and_every_order_state_an_honest_error(reference, order):
    """Stated ≥ true on both refinement paths (doubled level and the extra level between two doublings)."""
    p, exact, ref_err = reference
    fractional = 0
    for tol in (3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 1e-6):
        ev = evolve(p, tol=tol, order=order)
        true_err = float(np.linalg.norm(ev.state.numpy() - exact))
        assert ref_err < 0.1 * ev.error, (tol, ref_err, ev.error)
        assert true_err <= ev.error <= tol, (order, tol, true_err, ev.error)
        fractional += not _is_doubled_level(p, ev.steps)
    assert fractional >= 2, fractional  # the extra-level path is exercised


def test_zz_and_z_exact(reference):
    p, exact, _ = reference
    probs = evolve_probabilities(p, tol=1e-6)
    pe = np.abs(exact) ** 2
    n = p.n_atoms
    bits = np.array([[(b >> (n - 1 - i)) & 1 for i in range(n)] for b in range(2**n)])
    z = 1 - 2 * bits
    assert abs(zz_expectation(probs, 0, 1) - float(pe @ (z[:, 0] * z[:, 1]))) < 1e-5
    assert abs(zz_expectation(probs, 1, 3) - float(pe @ (z[:, 1] * z[:, 3]))) < 1e-5
    assert abs(z_expectation(probs, 2) - float(pe @ z[:, 2])) < 1e-5
    assert abs(zz_expectation(probs, 0, 1) - 1.0) > 1e-2  # not trivially +1 (the program does something)


def test_norm_is_conserved():
    p = _program(5, 7.0)
    grid = Grid.for_program(p, 0.01)
    for order in (2, 4):
        assert abs(float(propagate(p, grid, order).norm()) - 1.0) < 1e-12
    ev = evolve(p, tol=1e-4)
    assert abs(float(ev.state.norm()) - 1.0) <= ev.error


@pytest.mark.parametrize("n", [7, 13])
def test_many_atoms_far_apart_evolve_as_a_product_state(n):
    """13 atoms: the state is multiplied in blocks of rows (integrator._GEMM_ROWS) and by groups of unequal size.
    Atoms 100 µm apart barely interact (V ≤ 6e-6 rad/µs), so each evolves alone; the truth is a 2×2 expm
    product per atom (each atom has its own local detuning, so a mixed-up atom order shows)."""
    T = 0.6
    p = RydbergProgram(
        tuple((100.0 * k, 0.0) for k in range(n)),
        Waveform((0.0, 0.2, T), (0.0, 12.0, 7.0)),
        Waveform((0.0, T), (-8.0, 9.0)),
        Waveform((0.0, 0.3, T), (0.0, 0.8, 0.8), "constant"),
        LocalDetuning(tuple(np.linspace(0.0, 1.0, n)), Waveform((0.0, T), (6.0, 2.0))),
    )
    grid = Grid.for_program(p, 0.01)
    psi = propagate(p, grid, order=4).numpy()
    x, y, nr = np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([0.0, 1.0])
    knots = sorted({t for w in p.waveforms().values() for t in w.times_us})
    dts = np.concatenate([np.full(400, (t1 - t0) / 400) for t0, t1 in zip(knots, knots[1:])])
    ts = np.concatenate([t0 + (np.arange(400) + 0.5) * (t1 - t0) / 400 for t0, t1 in zip(knots, knots[1:])])
    om, ph = p.amplitude(ts), p.phase(ts)
    de = p.detuning(ts)[None, :] + np.asarray(p.local_detuning.pattern)[:, None] * p.local_detuning.magnitude(ts)
    H = (
        (om / 2 * np.cos(ph))[None, :, None, None] * x
        - (om / 2 * np.sin(ph))[None, :, None, None] * y
        - de[:, :, None, None] * nr
    )  # (atoms, midpoints, 2, 2)
    w, v = np.linalg.eigh(H)  # exp(−iH dt) through eigenvectors
    U = np.einsum("...ab,...b,...cb->...ac", v, np.exp(-1j * w * dts[None, :, None]), v.conj())
    a = np.zeros((n, 2), complex)
    a[:, 0] = 1.0
    for k in range(len(ts)):
        a = np.einsum("iab,ib->ia", U[:, k], a)
    truth = np.ones(1, complex)
    for a_i in a:
        truth = np.kron(truth, a_i)  # atom 0 is the most significant bit
    assert float(np.linalg.norm(psi - truth)) < 1e-4, float(np.linalg.norm(psi - truth))


def test_bitstring_convention_atom0_first_one_is_rydberg():
    # two far-apart atoms, a resonant π pulse; atom 1 is detuned far off resonance by the local detuning
    T = math.pi / 10.0
    p = RydbergProgram(
        ((0.0, 0.0), (60.0, 0.0)),
        Waveform.constant(10.0, T),
        Waveform.constant(0.0, T),
        Waveform.constant(0.0, T, "constant"),
        LocalDetuning((0.0, 1.0), Waveform.constant(120.0, T)),
    )
    probs = bitstring_probabilities(evolve_probabilities(p, tol=1e-8), cutoff=1e-3)
    assert probs["10"] > 0.98, probs
    assert z_expectation(evolve_probabilities(p, tol=1e-8), 0) < -0.96


def test_seeded_sampler_reproduces_and_follows_probs():
    probs = torch.tensor([0.5, 0.2, 0.0, 0.3], dtype=torch.float64)
    a, b = sample(probs, 4000, seed=11), sample(probs, 4000, seed=11)
    assert a == b
    assert sample(probs, 4000, seed=12) != a
    assert sum(a.values()) == 4000 and "01" in a and "10" not in a
    for key, p in (("00", 0.5), ("01", 0.2), ("11", 0.3)):
        assert abs(a[key] / 4000 - p) < 5 * math.sqrt(p * (1 - p) / 4000)
    zz, se = z_string(a, (0, 1))
    assert abs(zz - zz_expectation(probs, 0, 1)) < 5 * se
    with pytest.raises(ValueError, match="shots"):
        sample(probs, 0, seed=1)


def test_device_protocol_and_rebuild_from_id(tmp_path):
    p = _program(3)
    dev = EmulatorDevice(tmp_path)
    assert isinstance(dev, Device)
    tasks = dev.run([p, p], shots=500, seed=5)
    assert [t.state() for t in tasks] == [TaskState.COMPLETED] * 2
    r0, r1 = tasks[0].result(), tasks[1].result()
    assert r0.shots == 500 and sum(r0.counts.values()) == 500
    assert r0.counts != r1.counts  # per-task seeds differ
    assert r0.metadata["state_error_bound"] <= 1e-4
    again = EmulatorDevice(tmp_path).task(tasks[0].id)  # as another process would
    assert again.result().counts == r0.counts
    (tmp_path / "tasks" / f"{tasks[0].id}.result.json").unlink()  # crash after the spec was written
    assert EmulatorDevice(tmp_path).task(tasks[0].id).result().counts == r0.counts
    assert EmulatorDevice(tmp_path / "b").run([p], 500, seed=5)[0].result().counts == r0.counts


def test_device_validates_before_running(tmp_path):
    dev = EmulatorDevice(tmp_path, max_atoms=3)
    with pytest.raises(EmulatorError, match="4 atoms"):
        dev.run([_program(3), _program(4)], shots=10, seed=1)
    assert not (tmp_path / "tasks").exists() or not list((tmp_path / "tasks").iterdir())
    with pytest.raises(EmulatorError, match="shots"):
        dev.run([_program(3)], shots=0)
    with pytest.raises(EmulatorError, match="RydbergProgram"):
        dev.run(["not a program"], shots=10)
    with pytest.raises(Exception, match="results_dir"):
        dev.task("emu-nope")


def test_refuses_what_memory_cannot_hold_and_says_what_it_needs(monkeypatch, tmp_path):
    from hybrid_rg.devices.emulator import integrator

    assert integrator.memory_needed_bytes(20) == integrator.STATE_COPIES * 16 * 2**20 + integrator._OVERHEAD_BYTES
    monkeypatch.setattr(integrator, "available_memory_bytes", lambda: 2**30)  # a 1 GiB machine
    big = _program(25)
    with pytest.raises(EmulatorError, match=r"25 atoms need about 24\.1 GiB .* has 1 GiB available"):
        evolve(big)
    with pytest.raises(EmulatorError, match="25 atoms need about"):
        EmulatorDevice(tmp_path, max_atoms=30).run([big], shots=10)
    assert not (tmp_path / "tasks").exists() or not list((tmp_path / "tasks").iterdir())  # nothing was queued
    evolve(_program(3), tol=1e-3)  # small programs still run


@pytest.mark.parametrize("order", [4, 6])
def test_stated_error_is_within_10x_of_the_true_error(reference, order):
    """The stated state error is an upper estimate and a tight one: true ≤ stated ≤ 10 × true against the dense
    expm product (benchmarks/emulator_error_ratio.py measures 3.2–9.6× over 120 runs at 4–8 atoms)."""
    p, exact, ref_err = reference
    for tol in (1e-3, 1e-4, 1e-5, 1e-6):
        ev = evolve(p, tol=tol, order=order)
        true_err = float(np.linalg.norm(ev.state.numpy() - exact))
        assert ref_err < 0.1 * true_err, (tol, ref_err, true_err)  # the reference resolves the true error
        assert true_err <= ev.error <= 10 * true_err, (order, tol, true_err, ev.error)
