"""From the dimensionless device Hamiltonian of the HEM to a pulse program in physical units.

The HEM works in units of the nearest-neighbour interaction: V_nn = 1 at unit spacing. On a device with van der
Waals coefficient C6 and a chosen spacing a, that unit is the energy scale

    E = C6 / a^6   (rad/µs),

so a dimensionless time t is t/E µs, a dimensionless Ω, Δ is E·Ω, E·Δ rad/µs, a position x is a·x µm, and a slew
rate s (per dimensionless time) is E²·s rad/µs². Training already respected the device's limits
(limits.RydbergLimits.scale_units, olrg.hem_limits), so the program is inside them up to the device's grids,
which `devices.discretize` applies.

Only a device-native prediction system compiles: a terminal HEM (`terminal = true`) with the van der Waals
interaction and global Ω, Δ (φ and the local detuning optional). A nearest-neighbour-only HEM has no array
that realises it (every real pair interacts), so compiling it is refused with that reason.
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import BadInput
from ..limits import energy_scale
from ..olrg.controls import PWLControl
from ..olrg.hem import HamiltonianExpressionMap
from ..operators.rydberg import C6_AQUILA_RAD_PER_US_UM6
from .program import LocalDetuning, RydbergProgram, Waveform


def _sampled(control, T: float, n: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Knot times and values of a channel in dimensionless units, and the largest deviation of the linear
    interpolation from the control (0 for a piecewise-linear control, which is reproduced exactly)."""
    with torch.no_grad():
        if isinstance(control, PWLControl):
            return control.knots.numpy(), control.values()[:, 0].numpy(), 0.0
        t = torch.linspace(0.0, T, n, dtype=torch.float64)
        v = control(t)[:, 0]
        mid = control(0.5 * (t[1:] + t[:-1]))[:, 0]
        return t.numpy(), v.numpy(), float((mid - 0.5 * (v[1:] + v[:-1])).abs().max())


def compile_hem(
    hem: HamiltonianExpressionMap,
    n: int,
    spacing_um: float,
    c6_rad_per_us_um6: float = C6_AQUILA_RAD_PER_US_UM6,
    samples: int = 201,
) -> RydbergProgram:
    """The pulse program that plays scale n's device Hamiltonian of `hem` on atoms `spacing_um` apart.

    MLP controls are sampled at `samples` equally spaced times; the program's metadata records the largest
    deviation of the linear interpolation between samples (in rad/µs), so the approximation is stated."""
    f = hem.family
    if f.interaction != "vdw":
        raise BadInput(
            "only a van der Waals HEM compiles to a physical array: with interaction = 'nearest' every "
            "pair beyond nearest neighbours would interact on a device; set map.interaction = 'vdw'"
        )
    if f.site_resolved:
        raise BadInput(
            "the device drives Ω and Δ globally; a site-resolved HEM (map.site_resolved = true) "
            "does not compile to Aquila-like hardware"
        )
    if str(n) not in hem.controls:
        raise BadInput(f"the HEM has no controls for scale {n}; run the flow (train it) first")
    E = energy_scale(spacing_um, c6_rad_per_us_um6)
    ctl = hem.controls[str(n)]
    deviation = {}

    def waveform(name: str, interpolation: str = "linear") -> Waveform:
        t, v, dev = _sampled(ctl[name], hem.T, samples)
        deviation[name] = dev * E
        return Waveform(tuple(t / E), tuple(v * E), interpolation)

    amplitude, detuning = waveform("omega"), waveform("delta")
    if "phase" in ctl:
        t, v, _ = _sampled(ctl["phase"], hem.T, samples)
        phase = Waveform(tuple(t / E), tuple(v), "constant")
        deviation["phase"] = float(np.abs(np.diff(v)).max(initial=0.0))
    else:
        phase = Waveform.constant(0.0, hem.T / E, "constant")
    local = None
    if f.local_detuning:
        with torch.no_grad():
            pattern = tuple(float(h) for h in hem.pattern(n))
        local = LocalDetuning(pattern, waveform("local"))
    with torch.no_grad():
        x = hem.positions(n).numpy()
    meta = {
        "source": "hybrid_rg.pulse.units.compile_hem",
        "scale": str(n),
        "spacing_um": repr(spacing_um),
        "energy_scale_rad_per_us": repr(E),
        "dimensionless_T": repr(hem.T),
        **{f"max_interpolation_error_{k}": repr(v) for k, v in deviation.items()},
    }
    return RydbergProgram(
        tuple((float(spacing_um * xi), 0.0) for xi in x),
        amplitude,
        detuning,
        phase,
        local,
        c6_rad_per_us_um6,
        tuple(sorted(meta.items())),
    )
