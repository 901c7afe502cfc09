"""qiskit-dynamics adapter: the Rydberg program as a `Solver` with `Signal`s (no qiskit.pulse, so it does not
depend on the module Qiskit 2 removed; qiskit-dynamics 0.6 still pins qiskit<=1.3, a separate extra).

The Hamiltonian is `_rydberg_ops.operators` (static V plus four driven operators); each piece between knots
is solved on its own, since the coefficients have kinks (linear ramps) and jumps (piecewise-constant phase)
there. `array_library="scipy_sparse"` by default (numpy dense is 10-30x slower at 8 atoms,
notes/pulse_stack.md). `solve_generic(static, operators, signals, t_span, y0)` runs any Hamiltonian.
"""

from __future__ import annotations

import numpy as np

from . import import_extra
from ._local import LocalDevice, bitstring_counts
from ._rydberg_ops import coefficients, ground_state, operators, segments


def solve_generic(static, ops, envelopes, t_span, y0, array_library="scipy_sparse", atol=1e-10, rtol=1e-10):
    """Final state of i dψ/dt = (static + Σ_k s_k(t) ops[k]) ψ with s_k real envelopes (no carrier)."""
    qd = import_extra("qiskit_dynamics", "dynamics")
    solver = qd.Solver(static_hamiltonian=static, hamiltonian_operators=ops, array_library=array_library)
    signals = [qd.Signal(envelope=f, carrier_freq=0.0) for f in envelopes]
    res = solver.solve(t_span=list(t_span), y0=y0, signals=signals, method="DOP853", atol=atol, rtol=rtol)
    return np.asarray(res.y[-1])


class DynamicsDevice(LocalDevice):
    name = "dynamics"

    def __init__(
        self, directory=None, spec=None, array_library: str = "scipy_sparse", atol: float = 1e-10, rtol: float = 1e-10
    ):
        super().__init__(directory, spec)
        import_extra("qiskit_dynamics", "dynamics")
        self.array_library, self.atol, self.rtol = array_library, atol, rtol

    def _metadata(self) -> dict:
        return {"array_library": self.array_library, "atol": self.atol, "rtol": self.rtol}

    def final_state(self, program) -> np.ndarray:
        static, ops = operators(program)
        if self.array_library == "numpy":
            static, ops = static.toarray(), [o.toarray() for o in ops]
        psi = ground_state(program.n_atoms)
        knots = segments(program)
        for a, b in zip(knots, knots[1:]):
            # sample the piecewise-constant phase inside the piece, never at a jump
            fns = [
                lambda t, f=f, a=a, b=b: f(np.clip(t, a + 1e-12 * (b - a), b - 1e-12 * (b - a)))
                for f in coefficients(program)
            ]
            psi = solve_generic(static, ops, fns, (a, b), psi, self.array_library, self.atol, self.rtol)
        return psi

    def _counts(self, program, shots, rng):
        return bitstring_counts(np.abs(self.final_state(program)) ** 2, program.n_atoms, shots, rng)


__all__ = ["DynamicsDevice", "solve_generic"]
