"""Which local simulator stands in for a Rydberg device, from the program's size and geometry, and a run on it.

    choice = choose_backend(program)        # BackendChoice: name, reason, settings
    counts, report = run_backend(program, shots, seed, choice)
    report  # {"backend": "state-vector" | "mps", "reason", "stated_error", "error_of", ...settings}

Rule (first that applies):
  * the state vector (integrator.evolve) up to `SV_MAX_ATOMS` atoms, if memory allows (check_memory): exact to a
    stated state error (its stated/true ratio measured 3.2–9.6, benchmarks/emulator_error_ratio.py);
  * past that, the MPS (mps.evolve_mps) in the program's atom order, with its stated observable error from its
    check runs. It is told apart as quasi-1D or not by the largest coupling any atom has to atoms more than
    `interaction_range` places away in that order (mps.dropped_coupling): up to `QUASI_1D_COUPLING` rad/µs the
    reason says quasi-1D; above it the MPS still runs (nothing else can) but the reason says the order is not
    quasi-1D and the stated error (which includes the range cut) will be large — reorder the atoms along a path.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ...pulse.program import RydbergProgram
from .integrator import EmulatorError, check_memory, evolve
from .mps import DEFAULT_RANGE, coupling_matrix, dropped_coupling, evolve_mps, sample_mps
from .observables import probabilities, sample

# 18 atoms: the state vector took ~15 s at 16 atoms on the benchmark ramp (tol 1e-4), and its
# time and memory double with every atom; the MPS's cost grows with the atoms times its bond dimension cubed.
SV_MAX_ATOMS = 18
# rad/µs, the largest Σ|V_ij| an atom may have beyond mps.DEFAULT_RANGE (5) places (in mean field) for the order to
# count as quasi-1D. Measured at 6.1 µm spacing, 30 atoms: a straight chain 0.008 (0.073 beyond 3 places), the
# serpentine of benchmarks/emulator_mps_scale.py 0.26 (0.56; its corners), a 6-wide raster-ordered grid 246 (274;
# vertical neighbours 6 places apart). 1.0 ≈ Ω/16 at Ω = 15.8.
QUASI_1D_COUPLING = 1.0


@dataclass(frozen=True)
class BackendChoice:
    name: str  # "state-vector" or "mps"
    reason: str
    tol: float = 1e-4  # state vector: stated state-error tolerance
    dt_us: float = 0.01  # MPS: the coarse time step (the returned run is at dt/2)
    chi: int = 32
    interaction_range: int = DEFAULT_RANGE
    dropped_coupling_rad_per_us: float = 0.0


def choose_backend(
    program: RydbergProgram,
    sv_max_atoms: int | None = None,
    tol: float = 1e-4,
    chi: int = 32,
    dt_us: float = 0.01,
) -> BackendChoice:
    """The backend for `program` (module docstring); the reason says why, in words. `sv_max_atoms` defaults to
    the module's SV_MAX_ATOMS, read at call time."""
    n = program.n_atoms
    sv_max_atoms = SV_MAX_ATOMS if sv_max_atoms is None else int(sv_max_atoms)
    if n <= sv_max_atoms:
        try:
            check_memory(n)
            return BackendChoice("state-vector", f"{n} atoms <= {sv_max_atoms}: exact state vector", tol=tol)
        except EmulatorError as err:
            why = f"the state vector does not fit ({err})"
    else:
        why = f"{n} atoms > {sv_max_atoms} (the state vector's time and memory grow as 2^n)"
    dropped = dropped_coupling(coupling_matrix(program), DEFAULT_RANGE)
    shape = (
        f"quasi-1D in atom order (largest coupling beyond {DEFAULT_RANGE} places: {dropped:.3g} rad/µs)"
        if dropped <= QUASI_1D_COUPLING
        else f"NOT quasi-1D in atom order (an atom couples {dropped:.3g} rad/µs to atoms more than "
        f"{DEFAULT_RANGE} places away, treated in mean field): expect a large stated error; order the atoms "
        f"along a path"
    )
    return BackendChoice(
        "mps",
        f"{why}; MPS, {shape}",
        dt_us=dt_us,
        chi=chi,
        interaction_range=DEFAULT_RANGE,
        dropped_coupling_rad_per_us=dropped,
    )


def run_backend(program: RydbergProgram, shots: int, seed: int, choice: BackendChoice, site=None):
    """(counts, report) of `program` on the chosen backend; `site`: static per-atom errors of a noise realisation.
    report["stated_error"] is what that backend states (error_of says of what)."""
    info = {k: v for k, v in asdict(choice).items() if k != "name"}
    if choice.name == "state-vector":
        ev = evolve(program, tol=choice.tol, site=site)
        counts = sample(probabilities(ev.state), shots, seed)
        return counts, {
            "backend": "state-vector",
            **{k: info[k] for k in ("reason", "tol")},
            "stated_error": ev.error,
            "error_of": "the final state (2-norm; bounds every probability's error by twice that in sum)",
            **ev.metadata(),
        }
    run = evolve_mps(program, dt_us=choice.dt_us, chi=choice.chi, interaction_range=choice.interaction_range, site=site)
    counts = sample_mps(run.psi, shots, seed)
    meta = run.metadata()
    return counts, {
        "backend": "mps",
        "reason": choice.reason,
        "stated_error": run.error if math.isfinite(run.error) else None,
        "error_of": "every ⟨n_i⟩ and ⟨n_i n_j⟩ (max over sites), before shot noise",
        **meta,
        "exact_densities": [float(x) for x in np.round(run.densities, 6)],
    }


__all__ = ["SV_MAX_ATOMS", "QUASI_1D_COUPLING", "BackendChoice", "choose_backend", "run_backend"]
