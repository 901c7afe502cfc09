"""The Rydberg-array device Hamiltonian as a `PauliExpr`.

    H(t) = Σ_i Ω_i(t)/2 (cos φ_i(t) X_i − sin φ_i(t) Y_i) − Σ_i Δ_i(t) n_i + Σ_{i<j} C6/|r_i − r_j|^6 n_i n_j,

with n_i = (1 − Z_i)/2 the Rydberg-state projector (|1⟩ = Rydberg, |0⟩ = ground). This is the sign convention of
Amazon Braket's AHS / QuEra Aquila. Units are whatever the caller uses consistently; the names below assume
the hardware ones (µm, rad/µs, C6 in rad/µs·µm^6). The constant term −Δ/2 − ... is kept: it changes only a
global phase but keeps the matrix equal to the formula above.

Each of omega, delta and phi is one of: a number (global, static), a `Coefficient` (global, time-dependent),
or a sequence with one number or Coefficient per atom (site-resolved).
"""

from __future__ import annotations

import math

import numpy as np

from .expression import Coefficient, PauliExpr

# QuEra Aquila's van der Waals coefficient for the 70S1/2 state, in rad/µs·µm^6 (Braket publishes
# 5.42e-24 rad·m^6/s; device snapshots in devices/snapshots/ carry the value with its source).
C6_AQUILA_RAD_PER_US_UM6 = 5.42e6


def _per_atom(value, n: int, name: str) -> list:
    if isinstance(value, (Coefficient,)) or np.isscalar(value):
        return [value] * n
    values = list(value)
    if len(values) != n:
        raise ValueError(f"{name} has {len(values)} entries for {n} atoms; give one value or one per atom")
    return values


def _check_static(value, name: str) -> None:
    if not isinstance(value, Coefficient) and not math.isfinite(float(value)):
        raise ValueError(f"{name} is {value!r}; it must be a finite number or a Coefficient")


def _combine(fn, name: str, *inputs):
    """fn(*values) as a number if all inputs are numbers, else as a Coefficient of (t, params)."""
    if not any(isinstance(x, Coefficient) for x in inputs):
        return fn(*(float(x) for x in inputs))
    evaluators = [x if isinstance(x, Coefficient) else (lambda t, p, v=float(x): v) for x in inputs]
    return Coefficient(lambda t, p: fn(*(e(t, p) for e in evaluators)), name=name)


def interaction_pairs(
    positions: np.ndarray, c6: float, nearest_neighbour_only: bool = False, rtol: float = 1e-6
) -> list[tuple[int, int, float]]:
    """(i, j, V_ij = C6/r_ij^6) for i < j; with nearest_neighbour_only, only pairs at the minimum distance."""
    n = len(positions)
    dist = {(i, j): float(np.linalg.norm(positions[i] - positions[j])) for i in range(n) for j in range(i + 1, n)}
    if any(d <= 0.0 for d in dist.values()):
        i, j = next(k for k, d in dist.items() if d <= 0.0)
        raise ValueError(f"atoms {i} and {j} sit at the same position {positions[i].tolist()}; separate them")
    if nearest_neighbour_only and dist:
        d_min = min(dist.values())
        dist = {k: d for k, d in dist.items() if d <= d_min * (1 + rtol)}
    return [(i, j, c6 / d**6) for (i, j), d in sorted(dist.items())]


def rydberg_hamiltonian(
    positions, omega=0.0, delta=0.0, phi=0.0, c6: float = C6_AQUILA_RAD_PER_US_UM6, nearest_neighbour_only: bool = False
) -> PauliExpr:
    """Build H(t) for atoms at `positions` (shape (n,) for a line or (n, 2)); see the module docstring."""
    pos = np.asarray(positions, dtype=float)
    if pos.ndim == 1:
        pos = pos[:, None]
    if pos.ndim != 2 or len(pos) < 1:
        raise ValueError(f"positions must have shape (n,) or (n, dim), got {np.shape(positions)}")
    if not np.all(np.isfinite(pos)):
        raise ValueError("positions contain NaN or infinity")
    if not (math.isfinite(c6) and c6 > 0):
        raise ValueError(f"c6 = {c6!r}; it must be a positive finite number")
    n = len(pos)
    omegas, deltas, phis = (_per_atom(v, n, name) for v, name in ((omega, "omega"), (delta, "delta"), (phi, "phi")))
    for i in range(n):
        for v, name in ((omegas[i], "omega"), (deltas[i], "delta"), (phis[i], "phi")):
            _check_static(v, f"{name}[{i}]")

    H = PauliExpr.zero(n)

    def add(paulis, sites, coeff):
        nonlocal H
        if isinstance(coeff, Coefficient) or coeff != 0.0:
            H = H + PauliExpr.term(n, paulis, sites, coeff)

    for i in range(n):
        add("X", (i,), _combine(lambda om, ph: 0.5 * om * math.cos(ph), f"Ω{i}/2·cosφ{i}", omegas[i], phis[i]))
        add("Y", (i,), _combine(lambda om, ph: -0.5 * om * math.sin(ph), f"-Ω{i}/2·sinφ{i}", omegas[i], phis[i]))
        # −Δ n = −Δ/2 + (Δ/2) Z
        add("Z", (i,), _combine(lambda d: 0.5 * d, f"Δ{i}/2", deltas[i]))
        add("", (), _combine(lambda d: -0.5 * d, f"-Δ{i}/2", deltas[i]))
    for i, j, v in interaction_pairs(pos, c6, nearest_neighbour_only):
        # V n_i n_j = V/4 (1 − Z_i − Z_j + Z_i Z_j)
        add("ZZ", (i, j), 0.25 * v)
        add("Z", (i,), -0.25 * v)
        add("Z", (j,), -0.25 * v)
        add("", (), 0.25 * v)
    return H.simplify(atol=0.0)


def chain_positions(n: int, spacing: float) -> np.ndarray:
    """n atoms on a line along x, `spacing` (µm for a device) apart, the first at the origin (shape (n, 2))."""
    if n < 1 or not (math.isfinite(spacing) and spacing > 0):
        raise ValueError(f"need n >= 1 and a positive spacing, got n={n}, spacing={spacing}")
    return np.stack([np.arange(n) * spacing, np.zeros(n)], axis=1)
