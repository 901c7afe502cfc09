"""The Hamiltonian expression map: controls inside device limits, the device Hamiltonian against the independent
PauliExpr builder, forward time order against an independent ODE solver, the bound, and the physical compile."""

import numpy as np
import pytest
import torch

from hybrid_rg.exact import evolve, product_state
from hybrid_rg.limits import RydbergLimits, energy_scale
from hybrid_rg.olrg.block import SiteModel, exact_block
from hybrid_rg.olrg.controls import ChannelLimits, MLPControl, PWLControl
from hybrid_rg.olrg.flow import run_flow
from hybrid_rg.olrg.hem import DeviceFamily, HamiltonianExpressionMap
from hybrid_rg.olrg.hem_limits import channel_limits
from hybrid_rg.olrg.loss import LossConfig
from hybrid_rg.olrg.predict import predict
from hybrid_rg.olrg.trainer import train
from hybrid_rg.operators import Coefficient, PauliExpr, to_dense
from hybrid_rg.operators.rydberg import rydberg_hamiltonian
from hybrid_rg.pulse.units import compile_hem

SITE = SiteModel.tfim(J=-1.0, h=1.0)  # antiferromagnetic: representable with repulsive V (hem.py)
OBS = PauliExpr.term(2, "ZZ", (0, 1), 0.25)


def _exact(N, T):
    return float(
        evolve(SITE.chain(N), product_state(N), [T], {"o": PauliExpr.term(N, "ZZ", (0, 1), 0.25)})["o"][0].real
    )


def _vdw_family(**kw):
    return DeviceFamily(
        interaction="vdw",
        learn_positions=True,
        local_detuning=True,
        phase=True,
        gap_init=4 ** (-1 / 6),
        min_gap=0.6,
        max_gap=1.5,
        **kw,
    )


def test_pwl_control_stays_inside_range_slew_and_zero_ends_for_any_parameters():
    lim = ChannelLimits(lo=0.0, hi=3.0, slew=4.0, zero_ends=True)
    g = torch.Generator().manual_seed(1)
    for trial in range(20):
        c = PWLControl(2, T=1.5, limits=lim, n_knots=9, init=2.5, seed=trial, ramp=0.05 * (trial % 2))
        with torch.no_grad():
            c.raw.copy_(5 * torch.randn(c.raw.shape, dtype=torch.float64, generator=g))
            v = c.values()
        slope = ((v[1:] - v[:-1]).abs() / c.spans).max()
        assert float(v.min()) >= 0.0 and float(v.max()) <= 3.0
        assert float(slope) <= 4.0 + 1e-12
        assert float(v[0].abs().max()) == 0.0 and float(v[-1].abs().max()) < 1e-12
    # and a sharp target is reached as fast as the slew allows, not faster
    # a target far out of reach: the initial ramp climbs at the slew limit and comes back down to 0 at T
    c = PWLControl(1, T=1.0, limits=ChannelLimits(0.0, 10.0, slew=2.0, zero_ends=True), n_knots=11, init=10.0)
    with torch.no_grad():
        peak = float(c.values().max())
    assert 0.9 <= peak <= 1.0 + 1e-12


def test_mlp_control_range_and_refusal_of_slew_limits():
    c = MLPControl(1, T=2.0, limits=ChannelLimits(-1.0, 2.0), init=1.5, seed=3)
    t = torch.linspace(0, 2, 50, dtype=torch.float64)
    with torch.no_grad():
        for p in c.parameters():
            p.mul_(30.0)
        v = c(t)
    assert float(v.min()) >= -1.0 and float(v.max()) <= 2.0
    with pytest.raises(ValueError, match="pwl"):
        MLPControl(1, T=1.0, limits=ChannelLimits(0.0, 1.0, slew=3.0))


def test_device_block_equals_the_independent_rydberg_builder():
    n, t = 4, 0.37
    hem = HamiltonianExpressionMap(1.0, _vdw_family(), control="mlp", seed=2)
    block = exact_block(SITE, n, PauliExpr.term(n, "ZZ", (0, 1), 0.25))
    with torch.no_grad():
        hem._make(n)
        for p in hem.parameters():
            p.add_(0.3 * torch.randn(p.shape, dtype=p.dtype, generator=torch.Generator().manual_seed(5)))
        m = hem(block, n)
        tt = torch.tensor([t], dtype=torch.float64)
        ours = m.H + sum(c(tt)[0] * M for c, M in m.drives)
        x = hem.positions(n).numpy()
        om, de, ph = (float(hem.channel(n, k, tt)[0, 0]) for k in ("omega", "delta", "phase"))
        loc = float(hem.channel(n, "local", tt)[0, 0])
        h = hem.pattern(n).numpy()
    ref = rydberg_hamiltonian(np.stack([x, 0 * x], 1), omega=om, delta=[de + hi * loc for hi in h], phi=ph, c6=1.0)
    assert float(np.abs(ours.numpy() - to_dense(ref)).max()) < 1e-12


def _numpy_hamiltonian(block):
    H = block.H.numpy()
    terms = [(c, M.numpy()) for c, M in block.drives]

    def at(t):
        with torch.no_grad():
            return H + sum(float(c(torch.tensor([t], dtype=torch.float64))[0]) * M for c, M in terms)

    return at


def _solve_ivp_expectation(block, T, reverse=False):
    from scipy.integrate import solve_ivp

    H = _numpy_hamiltonian(block)
    rho = block.rho.numpy()
    w, v = np.linalg.eigh(rho)
    psi0 = v[:, np.argmax(w)]
    f = (lambda t, y: -1j * H(T - t) @ y) if reverse else (lambda t, y: -1j * H(t) @ y)
    sol = solve_ivp(f, (0.0, T), psi0.astype(complex), rtol=1e-11, atol=1e-12, method="DOP853")
    psi = sol.y[:, -1]
    return float(np.real(psi.conj() @ block.observable.numpy() @ psi))


@pytest.mark.parametrize("terminal", [False, True])
def test_learned_program_played_forward_on_an_independent_solver_reproduces_the_prediction(terminal):
    """The authors' code plays pulses backwards in time (notes §7.3); ours must be forward: an ODE solver that
    knows nothing of our propagators, given the final block's H(t), gives the same ⟨O(T)⟩; reversed it does not."""
    T, N = 1.3, 4
    first = exact_block(SITE, 2, OBS)
    hem = HamiltonianExpressionMap(T, _vdw_family(), control="mlp", width=3, depth=2, terminal=terminal, seed=1)
    train(first, SITE, N, hem, LossConfig(T=T, K=1, n_steps=8, n_samples=6, substeps=2), iterations=3, lr=5e-2)
    with torch.no_grad():
        flow = run_flow(first, SITE, N, hem)
        ours = float(flow.prediction(T))
    assert flow.final.drives and (flow.final.n_sites == N)
    forward = _solve_ivp_expectation(flow.final, T)
    backward = _solve_ivp_expectation(flow.final, T, reverse=True)
    assert abs(ours - forward) < 1e-7
    assert abs(backward - forward) > 1e-4


@pytest.mark.parametrize("terminal", [False, True])
def test_bound_holds_for_a_hem_flow(terminal):
    T, N = 0.6, 4
    first = exact_block(SITE, 2, OBS)
    hem = HamiltonianExpressionMap(T, _vdw_family(), control="pwl", n_knots=5, terminal=terminal, seed=0)
    train(first, SITE, N, hem, LossConfig(T=T, K=2, n_steps=8, n_samples=8, substeps=2), iterations=4, lr=5e-2)
    pred = predict(first, SITE, N, hem, T, K=2, n_grid=11, max_tuples=2000)
    err = abs(pred.value - _exact(N, T))
    assert err > 1e-6  # a real error to bound
    assert pred.bound >= err
    assert len(pred.bounds[0].scales) == (N - 2) + (1 if terminal else 0)


def test_training_lowers_the_error_of_a_small_hem_flow():
    T, N = 0.5, 3
    first = exact_block(SITE, 2, OBS)
    hem = HamiltonianExpressionMap(T, DeviceFamily(), control="mlp", width=4, depth=2, seed=0)
    with torch.no_grad():
        before = abs(float(run_flow(first, SITE, N, hem).prediction(T)) - _exact(N, T))
    r = train(
        first,
        SITE,
        N,
        hem,
        LossConfig(T=T, K=2, n_steps=10, n_samples=10, substeps=2),
        iterations=40,
        lr=3e-2,
        keep_best=True,
    )
    with torch.no_grad():
        after = abs(float(run_flow(first, SITE, N, hem).prediction(T)) - _exact(N, T))
    assert min(r.losses) < 0.2 * r.losses[0]
    assert after < 0.3 * before


def test_compiled_program_reproduces_the_dimensionless_prediction_in_physical_units():
    """Unit conversion check: the compiled program, simulated in µs and rad/µs by the PauliExpr/Krylov path, gives
    the dimensionless terminal prediction."""
    T, N, a = 0.8, 4, 11.0
    lims = channel_limits(RydbergLimits.from_snapshot("quera_aquila"), a)
    fam = DeviceFamily(
        interaction="vdw",
        learn_positions=True,
        gap_init=1.0,
        min_gap=0.7,
        max_gap=1.4,
        omega=lims["omega"],
        delta=lims["delta"],
    )
    hem = HamiltonianExpressionMap(T, fam, control="pwl", n_knots=6, omega_init=2.0, terminal=True, seed=0)
    first = exact_block(SITE, 2, OBS)
    train(first, SITE, N, hem, LossConfig(T=T, K=1, n_steps=8, n_samples=6, substeps=2), iterations=3, lr=5e-2)
    with torch.no_grad():
        predicted = float(run_flow(first, SITE, N, hem).prediction(T))
    prog = compile_hem(hem, N, spacing_um=a)
    E = energy_scale(a)
    assert abs(prog.duration_us - T / E) < 1e-12
    lim = RydbergLimits.from_snapshot("quera_aquila")
    amp = np.array(prog.amplitude.values)
    slope = np.abs(np.diff(amp) / np.diff(prog.amplitude.times_us))
    assert amp.max() <= float(lim.rabi_max_rad_per_us) + 1e-9 and amp[0] == 0.0 and abs(amp[-1]) < 1e-9
    assert slope.max() <= float(lim.rabi_slew_max_rad_per_us2) * (1 + 1e-9)
    coeff = lambda w: Coefficient(lambda t, p, w=w: float(w(t)))
    H = rydberg_hamiltonian(
        np.array(prog.positions_um),
        omega=coeff(prog.amplitude),
        delta=coeff(prog.detuning),
        phi=0.0,
        c6=prog.c6_rad_per_us_um6,
    )
    zz = evolve(H, product_state(N), [prog.duration_us], {"o": PauliExpr.term(N, "ZZ", (0, 1), 0.25)})["o"][0].real
    assert abs(zz - predicted) < 1e-6
    # and the package's own emulator (its own integrator, in physical units) on the same program
    from hybrid_rg.devices.emulator import evolve_probabilities, zz_expectation

    assert abs(zz_expectation(evolve_probabilities(prog, tol=1e-9), 0, 1) / 4 - predicted) < 1e-6


def test_nearest_neighbour_hem_refuses_to_compile():
    hem = HamiltonianExpressionMap(1.0, DeviceFamily(), terminal=True)
    with torch.no_grad():
        run_flow(exact_block(SITE, 2, OBS), SITE, 3, hem)
    with pytest.raises(ValueError, match="vdw"):
        compile_hem(hem, 3, spacing_um=10.0)


def test_hem_spec_runs_writes_programs_and_warm_starts(tmp_path):
    import json
    import subprocess
    import sys

    spec = tmp_path / "hem.toml"
    spec.write_text("""
[target]
N = 3
J = -1.0
observable = "zz:0,1"
observable_scale = 0.25
[times]
T = [0.4]
[map]
kind = "hem"
n0 = 2
interaction = "vdw"
control = "pwl"
n_knots = 4
terminal = true
[device]
spacing_um = 11.0
[training]
orders = [1]
iterations = 2
n_steps = 6
n_samples = 4
""")
    run = lambda *a: subprocess.run(
        [sys.executable, "-m", "hybrid_rg.cli", "run", str(spec), *a], capture_output=True, text=True, timeout=300
    )
    r = run("--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    prog = json.loads((tmp_path / "a" / "programs" / "K1_T0.4.json").read_text())
    assert prog["format"] == "hybrid-rg.rydberg-program/1" and len(prog["positions_um"]) == 3
    assert (tmp_path / "a" / "programs" / "waveforms.png").stat().st_size > 1000
    r = run("--out", str(tmp_path / "b"), "--init-from", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    r = run("--out", str(tmp_path / "c"), "--init-from", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "checkpoints" in r.stderr and not (tmp_path / "c" / "result.csv").exists()


def test_hem_spec_errors_name_the_field():
    from hybrid_rg.olrg.spec import SpecError, parse_spec

    base = {"target": {"N": 4, "J": -1.0}, "map": {"kind": "hem", "n0": 2}}
    with pytest.raises(SpecError, match="target.J"):
        parse_spec({**base, "target": {"N": 4}})
    with pytest.raises(SpecError, match="map.interaction"):
        parse_spec({**base, "map": {"kind": "hem", "n0": 2, "interaction": "dipolar"}})
    with pytest.raises(SpecError, match="control = 'pwl'"):
        parse_spec({**base, "device": {"spacing_um": 11.0}})
    with pytest.raises(SpecError, match="µs"):
        parse_spec(
            {
                **base,
                "map": {"kind": "hem", "n0": 2, "control": "pwl"},
                "times": {"T": [0.01]},
                "device": {"spacing_um": 11.0},
            }
        )


def test_taylor_exponential_equals_matrix_exp():
    from hybrid_rg.olrg.evolution import expm_taylor

    g = torch.Generator().manual_seed(0)
    for scale in (1e-3, 0.05, 0.3, 2.0, 20.0):
        H = torch.randn(4, 16, 16, dtype=torch.complex128, generator=g)
        A = -1j * scale * (H + H.conj().transpose(-1, -2))
        assert float((expm_taylor(A) - torch.linalg.matrix_exp(A)).abs().max()) < 1e-12


def test_cf4_propagator_converges_at_fourth_order():
    """Against a 4000-step reference, halving the step divides the error by ~16 (midpoint rule: 4)."""
    from hybrid_rg.olrg.block import Block
    from hybrid_rg.olrg.evolution import propagators

    g = torch.Generator().manual_seed(3)
    H0 = torch.randn(8, 8, dtype=torch.complex128, generator=g)
    M = torch.randn(8, 8, dtype=torch.complex128, generator=g)
    H0, M = H0 + H0.conj().T, M + M.conj().T
    block = Block(3, H0, (), M, M, drives=((lambda t: torch.sin(3 * t) + 0.5 * t, M),))
    T = torch.tensor([1.0], dtype=torch.float64)
    ref = propagators(block, T, substeps=4000)[0]
    e1, e2 = (float((propagators(block, T, substeps=n)[0] - ref).abs().max()) for n in (20, 40))
    assert e1 < 1e-4 and 10 < e1 / e2 < 20


def test_tfim_embedding_starts_the_flow_near_exact():
    """With V = 4s, Δ = 2s·bonds and Ω = 2|h| the device block is the TFIM block up to van der Waals tails
    (V_nnn = 4/64): untrained, the flow is already accurate; the paper's start (V = 1, Δ = 0) is not."""
    from hybrid_rg.olrg.hem import tfim_embedding

    T, N = 0.8, 5
    first = exact_block(SITE, 2, OBS)
    fam = DeviceFamily(interaction="vdw", learn_positions=True, local_detuning=True, min_gap=0.7, max_gap=1.4)
    errors = {}
    for init in ("embed", "default"):
        hem = HamiltonianExpressionMap(T, fam, control="mlp", init=init, site=SITE, terminal=True)
        with torch.no_grad():
            errors[init] = abs(float(run_flow(first, SITE, N, hem).prediction(T)) - _exact(N, T))
    assert errors["embed"] < 2e-3 and errors["default"] > 20 * errors["embed"]
    assert abs(tfim_embedding(SITE)["gap"] - 4 ** (-1 / 6)) < 1e-12
    with pytest.raises(ValueError, match="antiferromagnetic"):
        tfim_embedding(SiteModel.tfim(J=1.0))


@pytest.mark.parametrize("max_degree", [1, 2, 5, 12, 18])
def test_paterson_stockmeyer_equals_the_horner_taylor_exponential(max_degree):
    from hybrid_rg.olrg.evolution import expm_taylor, expm_taylor_horner

    g = torch.Generator().manual_seed(max_degree)
    for scale in (1e-4, 0.01, 0.2, 3.0):
        H = torch.randn(3, 8, 8, dtype=torch.complex128, generator=g)
        A = -1j * scale * (H + H.conj().transpose(-1, -2))
        ps, ho = expm_taylor(A, max_degree), expm_taylor_horner(A, max_degree)
        assert float((ps - ho).abs().max()) < 1e-13 * max(1.0, float(ho.abs().max()))
