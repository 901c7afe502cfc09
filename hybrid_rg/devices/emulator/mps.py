"""A matrix-product-state emulator of Rydberg programs on TeNPy (two-site TDVP), for programs past the state vector.

    run = evolve_mps(program, dt_us=0.01, chi=64)
    run.densities, run.error, run.discarded_weight, run.metadata()

The Hamiltonian is the full one (every pair's van der Waals C6/r^6 n_i n_j, as a TeNPy MPO: the MPS order is the
atom order, so 1D chains and serpentines of rows keep the MPO small). In TeNPy's SpinHalfSite the basis is
(up, down) = (|g⟩, |r⟩), so X, Y, Z have the emulator's matrices and n = (1 − σ^z)/2:

    Ω/2 (cos φ X − sin φ Y) − δ_i n_i + V_ij n_i n_j
      = Ω/2 (cos φ X − sin φ Y) + δ_i/2 Z_i + V_ij/4 (Z_i Z_j − Z_i − Z_j)   (+ constants, dropped: a global phase).

Time dependence: steps never straddle a knot (schedule.Grid, as in the state-vector integrator), and each step
runs one symmetric two-site TDVP sweep with H frozen at the step's midpoint, second order in the step.
(TeNPy's own TimeDependentHAlgorithm freezes H at the left end of each step, first order; it is not used.)

Stated error (on the densities ⟨n_i⟩ and on ⟨n_i n_j⟩, max over sites): three runs, (dt, χ), (dt/2, χ),
(dt/2, 2χ); the returned values are those of the last. time-step error = max|Δ|(dt vs dt/2) (≈ the error of the
dt run, ~4× that of the dt/2 run for a second-order method; the asymptotic /3 was measured barely above the true
error at 3 atoms, dt 0.05 µs: 2.40e-3 against 2.34e-3), truncation error = max|Δ|(χ vs 2χ) (the error of the
χ run, an upper estimate for the 2χ one); stated = their sum. The summed discarded weight of each run is reported
beside it.

Status: a prototype, not wired into `dry-run`. Measured: 6 atoms, the 1.5 µs test program of
benchmarks/emulator_error_ratio.py, dt 0.02 µs, χ 16: stated 1.0e-3 (3.3e-4 with the /3 rule), true density error
3.1e-4 against the state
vector (tol 1e-9), but 338 s: TeNPy's two-site TDVP costs ~0.7 s per step here (604 np_conserved tensordots per
sweep at 6 sites, with their sanity checks), and a model is rebuilt every step (0.1 s). At 12 atoms
(benchmarks/emulator_mps_vs_sv.py, same program, dt 0.02 µs, χ 32, TeNPy optimisation level 3): max |Δ| over ⟨n_i⟩
and ⟨n_i n_j⟩ 3.3e-4 true, 1.0e-3 stated (3.0×), in 348 s against 1.1 s for the state vector. Past the state vector it
needs a cheaper step (reusing the MPO and updating only its onsite blocks, or a TEBD/W^II scheme) first.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ...pulse.program import RydbergProgram
from .schedule import Grid


def _tenpy():
    try:
        import tenpy  # noqa: F401
        from tenpy.algorithms.tdvp import TwoSiteTDVPEngine
        from tenpy.models.lattice import Chain
        from tenpy.models.model import CouplingMPOModel
        from tenpy.networks.mps import MPS
        from tenpy.networks.site import SpinHalfSite
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"the MPS emulator needs TeNPy (physics-tenpy): {err}") from err
    return TwoSiteTDVPEngine, Chain, CouplingMPOModel, MPS, SpinHalfSite


def _model(program: RydbergProgram, t_us: float):
    """The TeNPy MPO model of H(t_us)."""
    _, Chain, CouplingMPOModel, _, SpinHalfSite = _tenpy()
    n = program.n_atoms
    omega, phi = float(program.amplitude(t_us)), float(program.phase(t_us))
    delta = np.full(n, float(program.detuning(t_us)))
    if program.local_detuning is not None:
        delta = delta + float(program.local_detuning.magnitude(t_us)) * np.asarray(program.local_detuning.pattern)
    pairs = program.interactions()

    class _Rydberg(CouplingMPOModel):
        def init_sites(self, options):
            return SpinHalfSite(conserve=None)

        def init_lattice(self, options):
            return Chain(n, self.init_sites(options), bc="open", bc_MPS="finite")

        def init_terms(self, options):
            z = 0.5 * delta.copy()
            for i, j, v in pairs:
                self.add_coupling_term(0.25 * v, i, j, "Sigmaz", "Sigmaz")
                z[i] -= 0.25 * v
                z[j] -= 0.25 * v
            for i in range(n):
                if omega:
                    self.add_onsite_term(0.5 * omega * math.cos(phi), i, "Sigmax")
                    self.add_onsite_term(-0.5 * omega * math.sin(phi), i, "Sigmay")
                self.add_onsite_term(float(z[i]), i, "Sigmaz")

    return _Rydberg({})  # n, the coefficients and the pairs come in by closure


@dataclass
class MPSRun:
    densities: np.ndarray  # ⟨n_i⟩
    correlations: np.ndarray  # ⟨n_i n_j⟩
    error: float  # stated error of densities and correlations (max over sites)
    time_step_error: float
    truncation_error: float
    discarded_weight: float  # summed over steps, of the returned run
    chi: int
    max_bond: int  # largest bond dimension reached in the returned run
    dt_us: float
    seconds: float
    psi: object = field(default=None, repr=False)  # the TeNPy MPS of the returned run

    def metadata(self) -> dict:
        return {
            "method": "mps-tdvp2-midpoint (TeNPy)",
            "observable_error": self.error,
            "time_step_error": self.time_step_error,
            "truncation_error": self.truncation_error,
            "discarded_weight": self.discarded_weight,
            "chi": self.chi,
            "max_bond": self.max_bond,
            "dt_us": self.dt_us,
            "seconds": self.seconds,
        }


def _run(program: RydbergProgram, dt_us: float, chi: int, svd_min: float):
    TwoSiteTDVPEngine, _, _, MPS, _ = _tenpy()
    n = program.n_atoms
    model0 = _model(program, 0.0)
    psi = MPS.from_product_state(model0.lat.mps_sites(), ["up"] * n, bc="finite")
    grid = Grid.for_program(program, dt_us)
    discarded = 0.0
    for (a, b), steps in zip(zip(grid.knots_us, grid.knots_us[1:]), grid.steps):
        h = (b - a) / steps
        for k in range(steps):
            model = _model(program, a + (k + 0.5) * h)
            eng = TwoSiteTDVPEngine(
                psi, model, {"dt": h, "N_steps": 1, "trunc_params": {"chi_max": int(chi), "svd_min": svd_min}}
            )
            eng.run()
            discarded += float(eng.trunc_err.eps)
    z = np.asarray(psi.expectation_value("Sigmaz"), dtype=float)
    zz = np.asarray(psi.correlation_function("Sigmaz", "Sigmaz"), dtype=float).real
    dens = 0.5 * (1.0 - z)
    corr = 0.25 * (1.0 - z[:, None] - z[None, :] + zz)
    return psi, dens, corr, discarded, int(max(psi.chi)) if len(psi.chi) else 1


def evolve_mps(program: RydbergProgram, dt_us: float = 0.01, chi: int = 64, svd_min: float = 1e-12) -> MPSRun:
    """Run `program` from all-ground as an MPS (module docstring): densities, ⟨n_i n_j⟩ and a stated error."""
    if not (dt_us > 0 and math.isfinite(dt_us)):
        raise ValueError(f"dt_us = {dt_us}; give a positive time step in µs")
    t0 = time.perf_counter()
    _, d1, c1, _, _ = _run(program, dt_us, chi, svd_min)
    _, d2, c2, _, _ = _run(program, dt_us / 2, chi, svd_min)
    psi, d3, c3, disc, bond = _run(program, dt_us / 2, 2 * chi, svd_min)
    e_time = max(np.abs(d1 - d2).max(), np.abs(c1 - c2).max())
    e_trunc = max(np.abs(d2 - d3).max(), np.abs(c2 - c3).max())
    return MPSRun(
        d3,
        c3,
        float(e_time + e_trunc),
        float(e_time),
        float(e_trunc),
        disc,
        2 * int(chi),
        bond,
        dt_us / 2,
        time.perf_counter() - t0,
        psi,
    )


__all__ = ["MPSRun", "evolve_mps"]
