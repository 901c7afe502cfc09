"""Time-ordered state-vector evolution of a Rydberg program: Strang splitting, step doubling, Richardson.

H(t) = K(t) + V with K(t) a sum of single-atom terms (drive, global and local detuning) and V the static,
diagonal van der Waals interaction. One step of width h at midpoint t_m is the symmetric splitting

    S(h) = e^{−iVh/2} ⊗_i e^{−i k_i(t_m) h} e^{−iVh/2},

O(n 2^n) per step: the diagonal phase is a vector product (computed once per distinct h), and the single-atom
factors act on groups of atoms by reshaping the state. Later times act on the left (forward time order).

S is time-symmetric, and so is a symmetric composition S(w_1 h) … S(w_s h) (`COMPOSITIONS`): order=2 is S
itself, order=4 Suzuki's five-stage method, order=6 (the default) Kahan & Li's nine-stage method. The global
error of N steps of order p is then C_p/N^p + C_{p+2}/N^{p+2} + … . `evolve` runs the grid at N, 2N, 4N, …
steps (every knot interval doubled) and forms the Richardson values R_L = (2^p ψ_L − ψ_{L−1})/(2^p − 1), of
order p + 2. It returns R_L with the stated error ‖R_L − R_{L−1}‖/(2^p − 1): asymptotically the error of R_L
is ‖R_L − R_{L−1}‖/(2^{p+2} − 1), so the stated value is ≈ 4× that (a margin for the pre-asymptotic regime).
A state error ε bounds the probabilities: Σ_b |p_b − p_b^exact| ≤ 2ε. The first step is chosen from the
largest rate in H (`_start_step_us`).

Doubling overshoots: a level that just misses tol is followed by one 2^{p+2}× more accurate. So when level L
misses, one extra level at q steps per base step, 2^L < q < 2^{L+1} (ratio ρ = q/2^L, the same in every knot
interval), is tried first, with q from the error model (`_fractional_multiplier`); it returns
R_q = (ρ^p ψ_q − ψ_L)/(ρ^p − 1) with the stated error ‖R_q − R_L‖/(ρ^p − 1), which for ρ in (1, 2]
is asymptotically 4–8× the true error of R_q (for ρ = 2 it is the rule above). If it misses, refinement doubles
as before. Measured, stated/true ≥ 1.5 on the benchmark and test programs for tol 1e-2 … 1e-7 and every
order; tests/devices/test_emulator.py checks stated ≥ true on both paths against a dense expm product.

Tightness (benchmarks/emulator_error_ratio.py programs, 4/6/8 atoms, orders 4 and 6, tol 3e-3 … 1e-7, 120 runs):
stated/true state error was 2.4–54 (median 6.3); the outliers were pre-asymptotic levels, where R_L is already far
better than R_{L−1} predicts (no estimate from R_L and R_{L−1} alone can see it), and fractional levels. A level is
now returned only once the gaps ‖R_L − R_{L−1}‖ shrink at the asymptotic rate (`_asymptotic`), and the fractional
estimate carries an empirical calibration (`_FRACTIONAL_CALIBRATION`): 3.2–9.6 (median 4.5), for 14 % more substeps
over the sweep (at tol 1e-4: the same on the test program at 4–6 atoms, 2× at 8, +19–29 % on the ramp). The probability
bound 2·error is looser, 6–2000× the true Σ|Δp| (a state error is mostly phase
that a measurement does not see); `Evolution.probability_error` estimates Σ|Δp| directly (0.5–65×, not a bound).

Memory: `check_memory` refuses, before allocating, a program whose STATE_COPIES state vectors exceed the memory
the kernel reports available, and says how much it would need.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
import torch

from ...errors import BadInput
from ...pulse.program import RydbergProgram
from .schedule import Grid, SiteErrors, interaction_diagonal, single_atom_unitaries

MAX_ATOMS = 30  # a hard cap (2^30 complex128 = 16 GiB per state); the real limit is memory, checked below
# At most this many cached e^{-iVh} vectors, each a whole state: a program has ~3 distinct merged half steps h per
# knot interval (19 for the 6-interval test program), and recomputing the exponential every substep ran ~1.5x
# slower at 10-12 atoms; a waveform with many uneven knots would otherwise cache without bound.
_PHASE_CACHE = 32
# Peak memory of `evolve`, in state vectors of 2^n complex128, measured with tracemalloc at 12-16 atoms on the
# programs of benchmarks/emulator_error_ratio.py: ~14 besides the phase cache (the states of three levels and their
# Richardson values, matmul temporaries, the interaction diagonal), rounded up to 16, plus the cache.
STATE_COPIES = 16 + _PHASE_CACHE
_OVERHEAD_BYTES = 64 * 2**20  # interpreter, single-atom propagators of one chunk (measured ~5 MiB), margin
_CHUNK_STEPS = 2048  # single-atom propagators are built this many steps at a time (bounds memory)
# Matrix products of at most this many rows: numpy's OpenBLAS threads a zgemm from M·N·K = 65536 on, which on a
# shared 2-core machine ran 10-20× slower (13 atoms: 1.4-2.9 ms per substep against 0.16 ms in 512-row blocks).
_GEMM_ROWS = 512


class EmulatorError(BadInput):
    """The emulator cannot run this program as asked (too many atoms, tolerance not reachable). Use fewer atoms,
    a looser tolerance, or another simulator (the message says which limit was hit)."""


def memory_needed_bytes(n_atoms: int) -> int:
    """What `evolve` needs at n atoms: STATE_COPIES state vectors of 2^n complex128 plus a fixed overhead."""
    return STATE_COPIES * 16 * 2 ** int(n_atoms) + _OVERHEAD_BYTES


def available_memory_bytes() -> int:
    """Memory the kernel can give this process now (MemAvailable; total physical memory where that is unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_memory(n_atoms: int) -> None:
    """Refuse, before anything is allocated, a state vector this machine cannot hold, saying what it would need."""
    need = memory_needed_bytes(n_atoms)
    have = available_memory_bytes()
    if n_atoms > MAX_ATOMS or need > have:
        raise EmulatorError(
            f"{n_atoms} atoms need about {need / 2**30:.3g} GiB ({STATE_COPIES} state vectors of "
            f"2^{n_atoms} complex128 amplitudes); this machine has {have / 2**30:.3g} GiB available"
            + (f" (and the emulator stops at {MAX_ATOMS} atoms)" if n_atoms > MAX_ATOMS else "")
            + "; use fewer atoms or a machine with more memory"
        )


def _group_sizes(n: int, k: int = 3) -> list[int]:
    """Atoms are applied in contiguous groups of k (an 8×8 matrix per step for k = 3): fewer, larger groups
    mean fewer numpy calls per step (each costs about a microsecond) but 2^k·2^n work per group. Measured per
    substep, one thread: k = 3 as fast as k = 4 and faster than k = 2 at 12 atoms, fastest at 6–10."""
    return [k] * (n // k) + ([n % k] if n % k else [])


def _group_matrices(u: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Per group, the transposed batched Kronecker products of the (steps, atoms, 2, 2) single-atom propagators
    (contiguous (steps, 2^k, 2^k) arrays: the inner loop multiplies rows of the state by them). With one shared
    propagator for all atoms (u of shape (steps, 1, 2, 2)) groups of equal size share one array."""
    out, start, shared = [], 0, {}
    for k in sizes:
        if u.shape[1] == 1 and k in shared:
            out.append(shared[k])
            continue
        g = u[:, 0 if u.shape[1] == 1 else start]
        for i in range(start + 1, start + k):
            s, d = g.shape[0], g.shape[1]
            ui = u[:, 0 if u.shape[1] == 1 else i]
            # G ⊗ u_i, a batched Kronecker product by broadcasting (cheaper than an einsum call)
            g = (g[:, :, None, :, None] * ui[:, None, :, None, :]).reshape(s, 2 * d, 2 * d)
        shared[k] = np.ascontiguousarray(g.transpose(0, 2, 1))
        out.append(shared[k])
        start += k
    return out


_SUZUKI = 1.0 / (4.0 - 4.0 ** (1.0 / 3.0))
_KAHAN_LI = (0.39216144400731413928, 0.33259913678935943860, -0.70624617255763935981, 0.082213596293550800230)
# Symmetric compositions of the Strang step S: the widths of its substeps as fractions of a step (sum 1).
# Measured on the 8-atom benchmark program (error of R at equal substeps): Suzuki's five stages need ~0.75× the
# substeps of Yoshida's triple jump (the previous order=4); Kahan–Li's nine (order 6, Richardson to order 8)
# ~0.9× Suzuki's at tol 1e-4, and fewer at tighter tolerances.
COMPOSITIONS = {
    2: (1.0,),
    4: (_SUZUKI, _SUZUKI, 1.0 - 4.0 * _SUZUKI, _SUZUKI, _SUZUKI),
    6: _KAHAN_LI + (0.79854399093482996340,) + _KAHAN_LI[::-1],
}


def propagate(
    program: RydbergProgram,
    grid: Grid,
    order: int = 4,
    psi0: torch.Tensor | None = None,
    site: SiteErrors | None = None,
) -> torch.Tensor:
    """The state after running `program` on `grid` with the splitting S (complex128 vector of length 2^n).

    The inner loop is numpy: per substep it runs one diagonal phase product and one small matrix product per
    group of atoms. Measured against the same loop in torch (one thread): 4 µs against 12 µs per substep at 6
    atoms, 50 against 120 at 12, 230 against 490 at 14 (numpy's per-call overhead is about a third of torch's,
    and its zgemm is faster on these (rest × 8) @ (8 × 8) shapes)."""
    n = program.n_atoms
    if n > MAX_ATOMS:
        check_memory(n)
    dim = 2**n
    if psi0 is None:
        psi = np.zeros(dim, dtype=np.complex128)
        psi[0] = 1.0
    else:
        psi = np.array(torch.as_tensor(psi0).to(torch.complex128).numpy(), dtype=np.complex128)
    sizes = _group_sizes(n)
    layouts = [(2**k, dim >> k, min(dim >> k, _GEMM_ROWS)) for k in sizes]  # (2^k, rest, rows per block)
    blocked = any(b < m for _, m, b in layouts)
    r, m, b = layouts[-1]
    shape = (m // b, b, r) if blocked else (m, r)  # the state's layout after each substep (same order)
    psi = psi.reshape(shape)
    vdiag = interaction_diagonal(program).numpy().reshape(shape)
    phases: dict[float, np.ndarray] = {}

    def phase(h: float) -> np.ndarray:
        if h in phases:
            return phases[h]
        out = np.exp(-1j * h * vdiag)
        if len(phases) < _PHASE_CACHE:  # bounded: each entry is a whole state vector
            phases[h] = out
        return out

    mids, widths = grid.midpoints_and_widths(COMPOSITIONS[order])
    # merged half steps before each substep: a float64 array, not a list (a list of Python floats is ~4x the bytes,
    # and measured 2 GiB at 16 atoms when the grid reached ~10^6 substeps)
    pre = 0.5 * (np.concatenate(([0.0], widths[:-1])) + widths)
    for c0 in range(0, len(mids), _CHUNK_STEPS):
        c1 = min(c0 + _CHUNK_STEPS, len(mids))
        groups = _group_matrices(single_atom_unitaries(program, mids[c0:c1], widths[c0:c1], site), sizes)
        plan = [(*layout, gt) for layout, gt in zip(layouts, groups)]
        for s in range(c1 - c0):
            psi = psi * phase(float(pre[c0 + s]))
            # (2^k, rest)ᵀ @ Gᵀ = (G ψ)ᵀ: applies G to the leading k atoms and rotates them to the end, so
            # after all groups the atom order is back where it started; from 13 atoms in blocks of b rows.
            if blocked:
                for r, m, b, gt in plan:
                    psi = np.matmul(psi.reshape(r, m).T.reshape(m // b, b, r), gt[s])
            else:
                for r, m, _, gt in plan:
                    psi = psi.reshape(r, m).T @ gt[s]
    return torch.from_numpy((psi * phase(0.5 * float(widths[-1]))).reshape(dim))


@dataclass(frozen=True)
class Evolution:
    """The final state and how it was obtained. `error` estimates ‖state − exact‖ from above (module docstring)."""

    state: torch.Tensor = field(compare=False)
    error: float
    steps: int  # steps of the finest grid (each is `order`-dependent substeps)
    substeps: int  # splitting substeps run over all levels (the cost)
    levels: int
    order: int
    # Σ_b |p_b − p_b^exact| *estimated* like `error`, from the probabilities of the same two Richardson values (it
    # ignores the phases a measurement does not see). An estimate, not a bound: measured 0.5–65× the true Σ|Δp|
    # (benchmarks/emulator_error_ratio.py), where the bound 2·error is 6–2000× above it.
    probability_error: float = math.nan

    def metadata(self) -> dict:
        return {
            "method": f"strang-order{self.order}+richardson",
            "state_error_bound": self.error,
            "probability_l1_error_bound": 2 * self.error,
            "probability_l1_error_estimate": self.probability_error,
            "steps_finest": self.steps,
            "substeps_total": self.substeps,
            "levels": self.levels,
        }


def _start_step_us(program: RydbergProgram) -> float:
    """The first (coarsest) step: h · (largest rate) ≈ 8, with the rates the strongest interaction, the peak Rabi
    frequency and the peak detuning. Coarse levels are cheap (each costs half the next) and let refinement stop
    near the first level that meets tol; measured on the benchmark program, starting at h · rate ≈ 2 ran 2× the
    substeps for tol = 1e-4 because the levels fell badly against the tolerance."""
    rates = [abs(v) for _, _, v in program.interactions()] + [
        max(map(abs, program.amplitude.values)),
        max(map(abs, program.detuning.values)),
    ]
    if program.local_detuning is not None:
        rates.append(max(map(abs, program.local_detuning.magnitude.values)))
    return min(0.25, 8.0 / max(max(rates), 1e-9))


def _richardson(fine: torch.Tensor, coarse: torch.Tensor, ratio: float, order: int) -> tuple[torch.Tensor, float]:
    """(ρ^p ψ_fine − ψ_coarse)/(ρ^p − 1) for a step ratio ρ = N_fine/N_coarse, and ρ^p − 1."""
    g = ratio**order - 1.0
    return fine + (fine - coarse) / g, g


def _probability_gap(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.sum(torch.abs(a.abs() ** 2 - b.abs() ** 2)))


_FRACTIONAL_CALIBRATION = 1.5


def _asymptotic(gap: float, gap_prev: float | None, order: int) -> bool:
    """Whether the Richardson values converge at their asymptotic rate, so that the stated error (≈ 4× the true
    one there) can be trusted to be tight: the last two gaps ‖R_L − R_{L−1}‖ shrank by at least half the asymptotic
    factor 2^{p+2}. Measured (benchmarks/emulator_error_ratio.py, 4–8 atoms, orders 4 and 6): levels that pass had
    stated/true 3.2–7.6; levels that fail (pre-asymptotic) 1.4–26, and refining once more brings them in. A gap at
    round-off level (≤ 1e-11) counts as settled: it cannot shrink further."""
    if gap <= 1e-11:
        return True
    return gap_prev is not None and gap_prev >= 0.5 * 2.0 ** (order + 2) * gap


def _fractional_multiplier(err: float, tol: float, level: int, order: int) -> int | None:
    """The multiplier q of the base grid (2^L < q < 2^(L+1)) for one extra level between level L, whose stated
    error `err` missed tol, and level L + 1; None where doubling is about as cheap. Asymptotically
    ‖R_q − R_L‖ ≈ ‖error of R_L‖ ≈ err/4 (module docstring), and q is chosen so that the stated error of R_q,
    that over (ρ^p − 1), comes out ≈ tol/2. If it misses tol anyway the level is lost and refinement doubles."""
    ratio = (1.0 + err / (2.0 * tol)) ** (1.0 / order)
    q = math.ceil(ratio * 2**level)
    return q if q <= 1.7 * 2**level else None


def evolve(
    program: RydbergProgram, tol: float = 1e-4, order: int = 6, max_steps: int = 2**20, site: SiteErrors | None = None
) -> Evolution:
    """Run `program` from all-ground, refining the grid until the stated state error is <= tol. `site`: static
    per-atom amplitude factors and detuning offsets (a noise realisation, devices/noise.py)."""
    if not (tol > 0 and math.isfinite(tol)):
        raise EmulatorError(f"tol = {tol}; give a positive state-error tolerance such as 1e-4")
    if order not in COMPOSITIONS:
        raise EmulatorError(f"order = {order}; choose one of {sorted(COMPOSITIONS)}")
    check_memory(program.n_atoms)
    base = Grid.for_program(program, _start_step_us(program))
    cost = len(COMPOSITIONS[order])
    psi_prev = rich_prev = None
    substeps, level, err, gap_prev = 0, 0, math.inf, None
    while True:
        grid = base.refined(level)
        if grid.n_steps > max_steps:
            raise EmulatorError(
                f"tolerance {tol:g} not reached within max_steps = {max_steps} (stated error "
                f"{err:.3g} at {grid.n_steps // 2} steps); loosen tol or raise max_steps"
            )
        psi = propagate(program, grid, order, site=site)
        substeps += grid.n_steps * cost
        rich = None if psi_prev is None else _richardson(psi, psi_prev, 2.0, order)[0]
        if rich is not None and rich_prev is not None:
            gap = float(torch.linalg.vector_norm(rich - rich_prev))
            err = gap / (2.0**order - 1)
            settled = _asymptotic(gap, gap_prev, order)
            if err <= tol and settled:
                return Evolution(
                    rich,
                    err,
                    grid.n_steps,
                    substeps,
                    level + 1,
                    order,
                    _probability_gap(rich, rich_prev) / (2.0**order - 1),
                )
            gap_prev = gap
            q = _fractional_multiplier(err, tol, level, order) if settled else None
            if q is not None and base.multiplied(q).n_steps <= max_steps:
                fine = base.multiplied(q)
                psi_q = propagate(program, fine, order, site=site)
                substeps += fine.n_steps * cost
                rich_q, g = _richardson(psi_q, psi, q / 2**level, order)
                # ‖R_q − R_L‖/(ρ^p − 1), over 1.5: an empirical calibration. Measured on 34 fractional returns
                # (benchmarks/emulator_error_ratio.py programs, 4–8 atoms, orders 4 and 6, tol 3e-3 … 1e-7) the
                # unscaled estimate was 4.8–14.5× the true error, above the doubled path's 3.2–7.6×; scaled, 3.2–9.7×.
                err_q = float(torch.linalg.vector_norm(rich_q - rich)) / g / _FRACTIONAL_CALIBRATION
                if err_q <= tol:
                    return Evolution(
                        rich_q,
                        err_q,
                        fine.n_steps,
                        substeps,
                        level + 2,
                        order,
                        _probability_gap(rich_q, rich) / g / _FRACTIONAL_CALIBRATION,
                    )
        psi_prev, rich_prev, level = psi, rich, level + 1
