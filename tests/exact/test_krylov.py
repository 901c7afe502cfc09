"""State-vector evolution against dense matrix exponentials, closed forms and the OLRG paper's table."""

import numpy as np
import pytest
import scipy.linalg as sla

from hybrid_rg.exact import evolve, product_state
from hybrid_rg.exact.olrg_benchmark import TIMES, sz_sz_free_fermions, sz_sz_krylov
from hybrid_rg.operators import Coefficient, PauliExpr, to_dense, xxz

# notes/olrg.md §5.2: ⟨S^z_1 S^z_2⟩(t), TFIM J = h = 1, N = 10, |0…0⟩, t = 0, 0.1, …, 2.0 (independent ED).
OLRG_TABLE_N10 = [
    0.250000,
    0.240214,
    0.213321,
    0.175946,
    0.136846,
    0.104331,
    0.083995,
    0.077495,
    0.082671,
    0.094819,
    0.108563,
    0.119601,
    0.125765,
    0.127143,
    0.125416,
    0.122786,
    0.121006,
    0.120828,
    0.122004,
    0.123697,
    0.125031,
]


def test_static_evolution_and_two_time_correlator_match_dense_expm():
    n = 6
    H = xxz(n, J=1.0, delta=0.6, hz=[0.1, -0.2, 0.3, 0.0, 0.5, -0.4])
    psi0 = product_state(n, "010011")
    A, B = PauliExpr.term(n, "X", (2,)), PauliExpr.term(n, "Y", (4,))
    obs = {"zz": PauliExpr.term(n, "ZZ", (0, 3)), "x2": A}
    times = np.linspace(0, 2.5, 6)
    vals = evolve(H, psi0, times, obs, {"ab": (A, B)})
    Hd, Ad, Bd = to_dense(H), to_dense(A), to_dense(B)
    for k, t in enumerate(times):
        U = sla.expm(-1j * Hd * t)
        psi = U @ psi0
        assert abs(vals["zz"][k] - np.vdot(psi, to_dense(obs["zz"]) @ psi)) < 1e-11
        assert abs(vals["ab"][k] - np.vdot(psi, Ad @ U @ Bd @ psi0)) < 1e-11


def test_uneven_time_grid():
    n = 4
    H = xxz(n, J=1.0, delta=2.0)
    times = [0.0, 0.05, 0.4, 1.3]
    vals = evolve(H, product_state(n, "0110"), times, {"z0": PauliExpr.term(n, "Z", (0,))})
    for k, t in enumerate(times):
        psi = sla.expm(-1j * to_dense(H) * t) @ product_state(n, "0110")
        assert abs(vals["z0"][k] - np.vdot(psi, to_dense(PauliExpr.term(n, "Z", (0,))) @ psi)) < 1e-12


def test_time_dependent_evolution_is_forward_time_ordered():
    # H(t) = X for t < 1, Z afterwards: ψ(T) = e^{−iZ(T−1)} e^{−iX} ψ0. Played backwards (the pitfall of the
    # reference code, notes/olrg.md §7.3) it would be e^{−iX} e^{−iZ(T−1)} ψ0, which gives a different ⟨Y⟩.
    step = Coefficient(lambda t, p: 1.0 if t < 1.0 else 0.0, name="θ(1−t)")
    rest = Coefficient(lambda t, p: 0.0 if t < 1.0 else 1.0, name="θ(t−1)")
    H = PauliExpr.term(1, "X", (0,), step) + PauliExpr.term(1, "Z", (0,), rest)
    psi0 = np.array([1.0, 0.0], dtype=complex)
    T = 1.7
    vals = evolve(H, psi0, [0.0, T], {"y": PauliExpr.term(1, "Y", (0,))})
    Xd, Yd, Zd = (to_dense(PauliExpr.term(1, p, (0,))) for p in "XYZ")
    fwd = sla.expm(-1j * Zd * (T - 1)) @ sla.expm(-1j * Xd) @ psi0
    bwd = sla.expm(-1j * Xd) @ sla.expm(-1j * Zd * (T - 1)) @ psi0
    expect_fwd, expect_bwd = np.vdot(fwd, Yd @ fwd).real, np.vdot(bwd, Yd @ bwd).real
    assert abs(vals["y"][1] - expect_fwd) < 1e-7
    assert abs(expect_fwd - expect_bwd) > 0.1


def test_rabi_oscillation_closed_form():
    om = Coefficient(lambda t, p: p["omega"], name="Ω")
    H = PauliExpr.term(1, "X", (0,), om.scaled(0.5))
    times = np.linspace(0, 3, 7)
    vals = evolve(H, product_state(1), times, {"z": PauliExpr.term(1, "Z", (0,))}, params={"omega": 2.3})
    assert np.abs(vals["z"].real - np.cos(2.3 * times)).max() < 1e-8


@pytest.mark.parametrize("solver", [sz_sz_krylov, sz_sz_free_fermions])
def test_olrg_benchmark_table_at_n10(solver):
    vals = solver(10, TIMES)
    assert np.abs(vals - np.array(OLRG_TABLE_N10)).max() < 1e-6


def test_refuses_sizes_that_do_not_fit(monkeypatch):
    monkeypatch.setenv("HYBRID_RG_MEMORY_LIMIT_GIB", "8")  # N = 23 needs ~12 GiB: refused before any allocation
    with pytest.raises(ValueError, match="23 sites needs .* GiB.*free-fermion"):
        evolve(xxz(23), np.zeros(1), [0.0])
