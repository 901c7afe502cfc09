"""Amazon Braket's local AHS simulator, `LocalSimulator("braket_ahs")`, behind the Device protocol.

The program goes through the wire format (`braket_ir.to_ahs`: µm → m, µs → s, rad/µs → rad/s), which is the
point of this adapter: it checks our IR against Braket's own simulator. Options are passed to the simulator:
`blockade_radius_um` (8 atoms without it took 87-145 s, with 6.2 µm 0.78 s; notes/pulse_stack.md) and `steps`.
Braket samples with numpy's global generator; the adapter seeds it per task and restores its state after.
"""

from __future__ import annotations

import numpy as np

from . import import_extra
from ._local import LocalDevice


class BraketLocalDevice(LocalDevice):
    name = "braket_local"

    def __init__(
        self,
        directory=None,
        spec=None,
        blockade_radius_um: float = 0.0,
        steps: int = 100,
        atol: float = 1e-8,
        rtol: float = 1e-6,
    ):
        super().__init__(directory, spec)
        import_extra("braket.devices", "braket")
        self.blockade_radius_um, self.steps, self.atol, self.rtol = blockade_radius_um, steps, atol, rtol

    def _metadata(self) -> dict:
        return {"blockade_radius_um": self.blockade_radius_um, "steps": self.steps}

    def _counts(self, program, shots, rng):
        from braket.devices import LocalSimulator

        from ..braket_ir import c6_to_si, counts_from_braket, to_ahs

        state = np.random.get_state()
        try:
            np.random.seed(int(rng.integers(2**32 - 1)))
            task = LocalSimulator("braket_ahs").run(
                to_ahs(program),
                shots=shots,
                steps=self.steps,
                blockade_radius=self.blockade_radius_um * 1e-6,
                atol=self.atol,
                rtol=self.rtol,
                rydberg_interaction_coef=c6_to_si(program.c6_rad_per_us_um6),
            )
            result = task.result()
        finally:
            np.random.set_state(state)
        return counts_from_braket(result).counts


__all__ = ["BraketLocalDevice"]
