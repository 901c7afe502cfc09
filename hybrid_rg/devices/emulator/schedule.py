"""The time grid of a Rydberg program, aligned to its knots, and the per-step single-atom propagators.

Waveforms are linear (amplitude, detunings) or constant (phase) between knots, so H(t) is smooth inside each
interval between consecutive knots of *any* waveform and may kink or jump at a knot. Steps therefore never
straddle a knot: each interval gets its own whole number of equal steps. That keeps the splitting's error
expansion in even powers of the step (the basis of the Richardson estimate in `integrator.py`): a step across a
phase jump would make the error first order, and a step across a kink would make its coefficient depend on
where the kink falls inside the step.

Everything that varies in time is single-atom (drive, global and local detuning); the interaction is static and
diagonal. A step's single-atom propagator is the exact 2×2 exponential of the single-atom Hamiltonian at the
step's midpoint (basis |g⟩ = index 0, |r⟩ = index 1):

    h_i = Ω/2 (cos φ X − sin φ Y) − δ_i n,   δ_i = Δ + h_i Δ_loc,   n = (1 − Z)/2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ...pulse.program import RydbergProgram


@dataclass(frozen=True)
class Grid:
    """Steps per knot interval; `refined(level)` doubles every interval's count `level` times, `multiplied(q)`
    multiplies it by q."""

    knots_us: tuple[float, ...]
    steps: tuple[int, ...]  # one entry per interval

    @classmethod
    def for_program(cls, program: RydbergProgram, max_step_us: float) -> "Grid":
        if not (max_step_us > 0 and math.isfinite(max_step_us)):
            raise ValueError(f"max_step_us = {max_step_us}; it must be a positive number of µs")
        knots = sorted({t for w in program.waveforms().values() for t in w.times_us})
        steps = tuple(max(1, math.ceil((b - a) / max_step_us - 1e-9)) for a, b in zip(knots, knots[1:]))
        return cls(tuple(knots), steps)

    def refined(self, level: int) -> "Grid":
        return Grid(self.knots_us, tuple(s << level for s in self.steps))

    def multiplied(self, q: int) -> "Grid":
        """Every interval's count times q: the same step ratio in every interval (what Richardson needs)."""
        return Grid(self.knots_us, tuple(s * int(q) for s in self.steps))

    @property
    def n_steps(self) -> int:
        return sum(self.steps)

    def midpoints_and_widths(self, weights: tuple[float, ...] = (1.0,)) -> tuple[np.ndarray, np.ndarray]:
        """Midpoint and width of every substep: each step of width h is split into substeps of widths w·h
        (a symmetric composition; weights sum to 1, may be negative). Midpoints of the substeps lie inside
        the step, so every waveform is evaluated on the linear piece of its own interval."""
        w = np.asarray(weights, dtype=float)
        offsets = np.cumsum(w) - 0.5 * w
        mids, widths = [], []
        for (a, b), s in zip(zip(self.knots_us, self.knots_us[1:]), self.steps):
            h = (b - a) / s
            starts = a + np.arange(s) * h
            mids.append((starts[:, None] + offsets[None, :] * h).ravel())
            widths.append(np.tile(w * h, s))
        return np.concatenate(mids), np.concatenate(widths)


def single_atom_unitaries(
    program: RydbergProgram, mids_us: np.ndarray, widths_us: np.ndarray, site: "SiteErrors | None" = None
) -> np.ndarray:
    """exp(−i h_i(t_mid) dt) for every step and atom: complex128 array of shape (steps, atoms, 2, 2), or of
    shape (steps, 1, 2, 2) when every atom sees the same drive (no local detuning, no per-site errors), which
    the integrator uses to build one Kronecker product per step for all its groups of atoms.

    `site` (a noise realisation, devices/noise.py) scales the Rabi frequency of atom i by amplitude_scale[i] and
    adds detuning_offset[i] (rad/µs) to its detuning: Ω → s_i Ω, δ_i → δ_i + o_i, static over the program."""
    omega = np.asarray(program.amplitude(mids_us), dtype=np.float64)[:, None]
    phi = np.asarray(program.phase(mids_us), dtype=np.float64)[:, None]
    delta = np.asarray(program.detuning(mids_us), dtype=np.float64)[:, None]
    if program.local_detuning is not None:
        loc = np.asarray(program.local_detuning.magnitude(mids_us), dtype=np.float64)
        delta = delta + loc[:, None] * np.asarray(program.local_detuning.pattern, dtype=np.float64)[None, :]
    if site is not None:
        omega = omega * np.asarray(site.amplitude_scale, dtype=np.float64)[None, :]
        delta = delta + np.asarray(site.detuning_offset, dtype=np.float64)[None, :]
    shape = np.broadcast_shapes(omega.shape, delta.shape)
    delta = np.broadcast_to(delta, shape)
    h = np.asarray(widths_us, dtype=np.float64)[:, None]
    ax = np.broadcast_to(0.5 * omega * np.cos(phi), shape)
    ay = np.broadcast_to(-0.5 * omega * np.sin(phi), shape)
    az = 0.5 * delta
    theta = h * np.sqrt(ax**2 + ay**2 + az**2)
    c = np.cos(theta)
    s = h * np.sinc(theta / math.pi)  # sin(θ)/|a|, finite at a = 0
    glob = np.exp(0.5j * delta * h)  # exp(−i c0 dt), c0 = −δ/2
    u = np.empty((*theta.shape, 2, 2), dtype=np.complex128)
    u[..., 0, 0] = c - 1j * s * az
    u[..., 1, 1] = c + 1j * s * az
    u[..., 0, 1] = -s * ay - 1j * s * ax  # −i s (ax − i ay)
    u[..., 1, 0] = s * ay - 1j * s * ax  # −i s (ax + i ay)
    return u * glob[..., None, None]


@dataclass(frozen=True)
class SiteErrors:
    """Static per-atom control errors of one noise realisation: Rabi-frequency factor and detuning offset."""

    amplitude_scale: tuple[float, ...]
    detuning_offset: tuple[float, ...]  # rad/µs, added to δ_i (positive = more Rydberg-favouring)


def single_atom_propagators(program: RydbergProgram, mids_us: np.ndarray, widths_us: np.ndarray) -> torch.Tensor:
    """exp(−i h_i(t_mid) dt) for every step and atom: complex128 tensor of shape (steps, atoms, 2, 2)."""
    u = single_atom_unitaries(program, mids_us, widths_us)
    return torch.from_numpy(np.ascontiguousarray(np.broadcast_to(u, (u.shape[0], program.n_atoms, 2, 2))))


def interaction_diagonal(program: RydbergProgram) -> torch.Tensor:
    """Σ_{i<j} V_ij n_i n_j on the computational basis (atom 0 = most significant bit), float64 of length 2^n."""
    n = program.n_atoms
    idx = torch.arange(2**n)
    occ = [((idx >> (n - 1 - i)) & 1).to(torch.float64) for i in range(n)]
    diag = torch.zeros(2**n, dtype=torch.float64)
    for i, j, v in program.interactions():
        diag += v * occ[i] * occ[j]
    return diag
