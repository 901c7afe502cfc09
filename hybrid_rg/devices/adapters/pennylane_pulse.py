"""PennyLane adapter: `qml.pulse.rydberg_interaction` + `rydberg_drive` evolved with `qml.evolve` on
default.qubit with jax (ParametrizedEvolution needs jax and does not run on lightning.qubit).

PennyLane's Rydberg units: time µs, amplitude Ω/2π and detuning Δ/2π in MHz, C6/2π in MHz·µm^6 (it multiplies
by 2π inside), phase in rad, n = (1 − Z)/2 and the same signs as ours; so the adapter divides angular
frequencies by 2π and nothing else. The local detuning is added as −Δ_loc(t) Σ h_i n_i, a callable times an
operator. Wire 0 = atom 0 = the most significant bit of `qml.probs`. The first run of a program shape compiles
(seconds); keep default tests to 2-3 atoms.
"""

from __future__ import annotations

import math

import numpy as np

from . import import_extra
from ._local import LocalDevice, bitstring_counts
from ._rydberg_ops import segments

TWO_PI = 2 * math.pi


def _pwl(jnp, w):
    ts, vs = jnp.asarray(w.times_us), jnp.asarray(w.values)
    if w.interpolation == "linear":
        return lambda p, t: jnp.interp(t, ts, vs)
    return lambda p, t: vs[jnp.clip(jnp.searchsorted(ts, t, side="right") - 1, 0, len(w.values) - 1)]


class PennyLaneDevice(LocalDevice):
    name = "pennylane"

    def __init__(self, directory=None, spec=None, atol: float = 1e-9, rtol: float = 1e-9):
        super().__init__(directory, spec)
        import_extra("jax", "pennylane")
        import_extra("pennylane", "pennylane")
        self.atol, self.rtol = atol, rtol

    def _metadata(self) -> dict:
        return {"atol": self.atol, "rtol": self.rtol}

    def probabilities(self, program) -> np.ndarray:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import pennylane as qml

        n = program.n_atoms
        wires = list(range(n))
        amp, ph, det = _pwl(jnp, program.amplitude), _pwl(jnp, program.phase), _pwl(jnp, program.detuning)
        h = qml.pulse.rydberg_interaction(
            [list(p) for p in program.positions_um], wires=wires, interaction_coeff=program.c6_rad_per_us_um6 / TWO_PI
        )
        h = h + qml.pulse.rydberg_drive(lambda p, t: amp(p, t) / TWO_PI, ph, lambda p, t: det(p, t) / TWO_PI, wires)
        if program.local_detuning is not None:
            loc = _pwl(jnp, program.local_detuning.magnitude)
            for i, hi in enumerate(program.local_detuning.pattern):
                if hi != 0:
                    h = h + (lambda p, t, hi=hi: -hi * loc(p, t)) * qml.Projector([1], wires=[i])
        knots = segments(program)
        n_params = 3 + sum(1 for hi in (program.local_detuning.pattern if program.local_detuning else ()) if hi != 0)
        params = [0.0] * n_params  # one (unused) parameter per callable coefficient, as PennyLane expects

        @qml.qnode(qml.device("default.qubit", wires=n), interface="jax")
        def circuit():
            # one evolution through every knot (jax's odeint returns the state at each of them); the adaptive
            # stepper resolves the kinks and phase jumps to atol/rtol
            qml.evolve(h, atol=self.atol, rtol=self.rtol, return_intermediate=False)(params, t=knots)
            return qml.probs(wires=wires)

        return np.asarray(circuit())

    def _counts(self, program, shots, rng):
        return bitstring_counts(self.probabilities(program), program.n_atoms, shots, rng)


__all__ = ["PennyLaneDevice"]
