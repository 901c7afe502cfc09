"""Braket's local AHS simulator as a reference: its final-state probabilities, not just its shots.

`LocalSimulator("braket_ahs").run(...)` integrates the Schrödinger equation and then only *samples* the final
state. To compare exact probabilities (and to time the integration itself) this module repeats the
simulator's own steps (braket/analog_hamiltonian_simulator/rydberg/rydberg_simulator.py, `run`): unit
conversion, blockade configurations, then `rk_run` (≤ 1000 configurations, 6th-order implicit Gauss–Legendre)
or `scipy_integrate_ode_run`. These are Braket-internal functions: if an SDK upgrade moves them, this module
fails with an ImportError naming the module, and the agreement test and benchmark say so.

Phase sign: the local simulator builds Ω e^{iφ}/2 |r⟩⟨g| + h.c. = Ω/2 (cos φ X + sin φ Y)
(rydberg_simulator_helpers.py, `_get_coefs` and `_get_rabi_dict`), the opposite sign of φ to RydbergProgram's
(and operators.rydberg's) Ω/2 (cos φ X − sin φ Y). A constant phase is invisible in bitstring probabilities, a
phase *change* is not: compare the emulator on the program with φ negated (tests/devices/test_braket_ir.py).

Note on Braket's time discretisation: on both paths H(t) is frozen at the left end of each of the `steps − 1`
intervals of `linspace(0, T, steps)`, so Braket's result converges only to first order in 1/steps; check it by
doubling `steps`.
"""

from __future__ import annotations

import numpy as np

from ...pulse.program import RydbergProgram
from ..braket_ir import EXTRA, c6_to_si, to_ahs


def braket_probabilities(program: RydbergProgram, steps: int = 1000, blockade_radius_um: float = 0.0) -> np.ndarray:
    """Probabilities of all 2^n bitstrings (index = int of the bitstring, atom 0 first; '1' = Rydberg) from
    the final state of Braket's local AHS simulator. Configurations cut by the blockade radius get 0."""
    try:
        from braket.analog_hamiltonian_simulator.rydberg import rydberg_simulator_helpers as helpers
        from braket.analog_hamiltonian_simulator.rydberg.numpy_solver import rk_run
        from braket.analog_hamiltonian_simulator.rydberg.rydberg_simulator_unit_converter import convert_unit
        from braket.analog_hamiltonian_simulator.rydberg.scipy_solver import scipy_integrate_ode_run
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"Braket's AHS simulator internals are not importable ({err}); install it with {EXTRA}, "
            f"or the SDK moved them"
        ) from err
    ir = convert_unit(to_ahs(program).to_ir())
    duration = float(ir.hamiltonian.drivingFields[0].amplitude.time_series.times[-1])
    times = np.linspace(0, duration, int(steps))
    configurations = helpers.get_blockade_configurations(ir.setup.ahs_register, float(blockade_radius_um))
    coef = c6_to_si(program.c6_rad_per_us_um6) / (1e-6**6 / 1e-6)  # the simulator's own unit change
    run = rk_run if len(configurations) <= 1000 else scipy_integrate_ode_run
    state = np.asarray(run(ir, configurations, times, coef)[-1])
    probs = np.zeros(2**program.n_atoms)
    index = [int(c.replace("g", "0").replace("r", "1"), 2) for c in configurations]
    probs[index] = np.abs(state) ** 2
    return probs / probs.sum()
