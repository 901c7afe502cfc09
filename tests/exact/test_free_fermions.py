"""Free fermions against exact state-vector evolution (an independent truth) and closed forms."""

import numpy as np
import pytest

from hybrid_rg.exact import GroundState, TFIMFreeFermions, ZeroState, evolve, ground_state, product_state
from hybrid_rg.operators import parse_observables, tfim

TIMES = np.linspace(0.0, 5.0, 11)


def krylov_values(H, psi0, specs, times):
    equal = {s.label: s.operator(H.n_sites) for s in specs if not s.two_time}
    two = {s.label: s.parts(H.n_sites) for s in specs if s.two_time}
    return evolve(H, psi0, times, equal, two)


def max_diff(a, b, labels):
    return max(np.abs(np.asarray(a[k]) - np.asarray(b[k])).max() for k in labels)


@pytest.mark.parametrize("h", [0.5, 1.0, 2.0])
def test_zero_state_quench_equals_krylov_at_n12(h):
    n = 12
    specs = parse_observables("x:all", n) + parse_observables("z:all", n) + parse_observables("zz:0,6", n)
    ff = TFIMFreeFermions(1.0, np.full(n, h)).evolve(TIMES, ZeroState(), specs)
    kr = krylov_values(tfim(n, 1.0, h), product_state(n), specs, TIMES)
    assert max_diff(ff, kr, [s.label for s in specs]) < 1e-10


@pytest.mark.parametrize("h0, h", [(0.5, 2.0), (2.0, 1.0), (3.0, 0.5)])
def test_ground_state_quench_with_two_time_correlators(h0, h):
    n = 10
    specs = (
        parse_observables("x:all", n)
        + parse_observables("zz:2,7", n)
        + [s for p in ["0,0", "0,5", "4,4", "4,6", "9,2", "5,5"] for s in parse_observables(f"tt:zz:{p}", n)]
    )
    ff = TFIMFreeFermions(1.0, np.full(n, h)).evolve(TIMES, GroundState((1.0,) * (n - 1), (h0,) * n), specs)
    _, psi0 = ground_state(tfim(n, 1.0, h0))
    kr = krylov_values(tfim(n, 1.0, h), psi0, specs, TIMES)
    assert max_diff(ff, kr, [s.label for s in specs]) < 1e-10
    # the two-time correlators are genuinely complex here
    assert np.abs(np.imag(ff["tt:zz:4,6"])).max() > 1e-3


def test_site_dependent_couplings():
    rng = np.random.default_rng(11)
    n = 9
    J, h = rng.uniform(-1.5, 1.5, n - 1), rng.uniform(0.2, 2.0, n)
    specs = parse_observables("x:all", n) + parse_observables("z:3", n) + parse_observables("zz:1,7", n)
    ff = TFIMFreeFermions(J, h).evolve(TIMES, ZeroState(), specs)
    kr = krylov_values(tfim(n, J, h), product_state(n), specs, TIMES)
    assert max_diff(ff, kr, [s.label for s in specs]) < 1e-10


def test_closed_forms_for_the_product_state():
    n = 30
    ff = TFIMFreeFermions(1.0, np.full(n, 0.8))
    vals = ff.evolve(TIMES, ZeroState(), parse_observables("z:0", n) + parse_observables("tt:zz:0,3", n))
    # edge spin: ⟨Z_0(t)⟩ = R_00(t) (the a_0 Majorana's own amplitude)
    r00 = np.array([ff.rotation(t)[0, 0] for t in TIMES])
    assert np.abs(vals["z:0"] - r00).max() < 1e-12
    # Z_3 |0…0⟩ = |0…0⟩, so ⟨Z_0(t) Z_3(0)⟩ = ⟨Z_0(t)⟩
    assert np.abs(vals["tt:zz:0,3"] - vals["z:0"]).max() < 1e-12


def test_unsupported_observable_is_refused():
    with pytest.raises(ValueError, match="Krylov"):
        TFIMFreeFermions(1.0, np.ones(4)).evolve(TIMES, ZeroState(), parse_observables("xx:0,1", 4))


@pytest.mark.slow
def test_free_fermions_equal_krylov_at_n20():
    n = 20
    specs = parse_observables("x:10", n) + parse_observables("z:10", n) + parse_observables("zz:0,10", n)
    times = np.linspace(0, 3, 7)
    ff = TFIMFreeFermions(1.0, np.ones(n)).evolve(times, ZeroState(), specs)
    kr = krylov_values(tfim(n, 1.0, 1.0), product_state(n), specs, times)
    assert max_diff(ff, kr, [s.label for s in specs]) < 1e-9


def test_z_from_zero_state_runs_everything_on_the_extended_chain_once():
    """⟨Z_i⟩ from |0…0⟩ needs the chain with an ancilla; the other observables asked with it are evaluated there
    too (one Schur, one rotation per time) and must equal the plain chain's values; this chain's Schur is skipped."""
    rng = np.random.default_rng(4)
    n = 9
    J, h = rng.uniform(0.5, 1.5, n - 1), rng.uniform(0.5, 1.5, n)
    times = np.linspace(0.0, 2.0, 7)
    others = [s for t in ("zz:1,6", "x:3", "tt:zz:2,5", "zz:0,8") for s in parse_observables(t, n)]
    z = parse_observables("z:4", n)
    plain = TFIMFreeFermions(J, h).evolve(times, ZeroState(), others)
    ff = TFIMFreeFermions(J, h)
    mixed = ff.evolve(times, ZeroState(), z + others)
    assert "_normal_form" not in ff.__dict__  # never decomposed: the extended chain did it all
    for o in others:
        assert np.max(np.abs(mixed[o.label] - plain[o.label])) < 1e-11, o.label
    assert abs(mixed["z:4"][0] - 1.0) < 1e-12  # ⟨Z⟩ = 1 on |0…0⟩ at t = 0
