"""A matrix-product-state emulator of Rydberg programs (TEBD on a TeNPy MPS), for programs past the state vector.

    run = evolve_mps(program, dt_us=0.01, chi=32)           # the returned run + check runs: a stated error
    run.densities, run.correlations, run.error, run.metadata()
    counts = sample_mps(run.psi, shots=1000, seed=7)        # perfect sampling from the MPS

State: a finite TeNPy `MPS` of `SpinHalfSite`s (basis (up, down) = (|g⟩, |r⟩), so n = (1 − σ^z)/2), in the atom
order of the program, which must therefore run along the geometry (a chain, or a serpentine of rows:
`serpentine_positions`). During the evolution the site tensors live in numpy arrays in TeNPy's layout (vL, p, vR),
because TeNPy's own TEBD takes nearest-neighbour gates only and its np_conserved tensors cost ~50 µs of overhead per
operation; the result is handed back as a TeNPy MPS in B form with its Schmidt values (`MPS.from_Bflat`), which
measures ⟨n_i⟩ and ⟨n_i n_j⟩ (TeNPy's expectation_value and correlation_function).

Hamiltonian, split into windows. H(t) = Σ_w h_w(t), where the window w = sites w … w + r holds

    h_w = Ω/2 (cos φ X_w − sin φ Y_w) − (δ_w − m_w) n_w + Σ_{k=1..r} V_{w,w+k} n_w n_{w+k},

the drive of atom w and its van der Waals couplings to the next r atoms in MPS order (`interaction_range` = r).
Couplings between atoms more than r apart in MPS order (the tail) enter in mean field: m_w = Σ_j V_wj ⟨n_j⟩ over
those j, with ⟨n_j⟩ from the end of the previous step. At 6.1 µm spacing in a chain the first shell of the tail
(r = 3) is V/4⁶ ≈ 0.03 rad/µs, yet on the Z2 ramp dropping it moved ⟨n_i⟩ by ~1e-3 at 8 atoms (mean field
brought that to ~5e-4); `dropped_coupling_max` reports the largest Σ_j |V_ij| over the tail of any atom. On the
serpentine of benchmarks/emulator_mps_scale.py (rows 24.4 µm apart: 0.026 rad/µs between atoms facing each other
across rows) it is 0.56 rad/µs at range 3, set by the turns, not by the row gap: the middle atom of a vertical run
is 17.3 µm (0.21 rad/µs) from the row atoms four places away on either side (0.46 rad/µs at a 30.5 µm gap, 0.31 at
range 4, 0.26 at range 5); its effect is in the stated tail error below. The default range is 5
(DEFAULT_RANGE): on the Braket SDK example's drive (Ω 6.3, Δ ±31.5 rad/µs) a straight 12-atom chain, χ 32, dt 0.005,
is 2.9e-3 from the state vector at range 3, 2.4e-4 at range 5 and 1.7e-4 at range 8 or 11 (the time step's share),
and the 50-atom serpentine's ⟨n_i⟩ moves 3.3e-3 / 1.1e-3 / 3.5e-4 from range 3 / 4 / 5 to the next, for ~1.5x the
cost of range 3 (43 → 65 CPU s at χ 16, dt 0.01). h_w
changes only atom w, conditioned on the others (a 2×2 unitary per configuration of atoms w+1 … w+r), so
e^{−i h_w τ} is exact in closed form.

Sweeps. One step of width h applies the windows forward (w = 0 … N−1) then backward, each for h/2, with H frozen at
the step's midpoint: a palindromic product of exact exponentials, time-symmetric, so the error is O(h²) overall
(Strang splitting plus the midpoint rule; measured 4–6× per halving of h). The windows' sites are held as one
contracted block that carries the orthogonality centre along the sweep, so each window costs one truncated split
(the site that leaves the block), not r; a site leaves with at most χ Schmidt values and none below svd_min
(relative), and the discarded weight is summed. The split is an eigh of the Gram matrix ρ = M M† on the leaving
site's side (2χ × 2χ) and one projection, not an SVD of the 2χ × 8χ matrix M: at χ 64 ~3x fewer CPU seconds (5
against 16 ms, one core), the same ⟨n_i⟩ to ~3e-7 (16 and 24 atoms). eigh resolves s² only to ~1e-16 s²_max, so
where the kept spectrum reaches below 1e-10 s²_max (GRAM_COND), and where the Gram side is the larger one, the split
is the SVD (gesdd, with a gesvd fallback). Profile of one 50-atom run before the Gram split (χ 32, dt 0.01 µs, 400
steps, cProfile): the SVDs 64 % of the CPU time, growing the block (tensordot) 8 %, the gates (einsum) 3 %, TeNPy's
measurement ~5 %. Steps never straddle a knot of any waveform (schedule.Grid, as in the state-vector integrator), so
the piecewise-linear drive is smooth inside every step. The splitting error comes from the drive of atom w against
the strong couplings V n_{w−1} n_w held by other windows (V ≈ 100 rad/µs at 6.1 µm): at 8 atoms on the 4 µs Z2 ramp,
dt = 0.01 µs gave ~6e-3 in ⟨n_i⟩, dt = 0.005 µs ~1.5e-3.

Stated error (on ⟨n_i⟩ and ⟨n_i n_j⟩, max over sites), from check runs:
  time step    runs at dt and dt/2 (χ, r); the returned one is at dt/2, whose error is ≈ |Δ|/3 for a second-order
               method; the stated value is |Δ|/2 (a margin for the pre-asymptotic regime and for truncation noise).
  truncation   a run at (dt/2, χ/2): |Δ| against the returned run. With the truncation error e(χ) shrinking at
               least 2x per doubling of χ (measured 4–8x at 50 atoms: 4.5e-2 → 1.2e-2 → 5.3e-3 at χ 16/32/48),
               |Δ| ≥ e(χ) whether e(χ/2) and e(χ) have the same sign or not, so it is an upper estimate of the
               returned run's truncation error, at 1/8 of its cost. `truncation_check="double"` uses a run at
               (dt, 2χ) instead: |Δ| against the (dt, χ) run, ≈ e(χ) − e(2χ), closer to the truth but not above it,
               at 8x the cost. Skipped where no bond reached χ (then: the summed discarded weight).
  tail         a run at (dt, χ, r − 1): its difference to (dt, χ, r) is the effect of moving the shell at distance
               r into mean field; the stated tail error is that times (largest tail Σ|V| at range r)/(the same at
               range r − 1), first order in the couplings.
  error = their sum (nan at range 1 with a tail: nothing to estimate the tail from). `check=False` makes only the
  returned run (at dt; no stated error).

Measured (benchmarks/emulator_mps_vs_sv.py, the 4 µs Z2 ramp at 6.1 µm, dt 0.01 µs, χ 32, range 3; a shared 2-core
machine at load 7–19, so CPU seconds are the comparable figure): 12 atoms stated 6.3e-3 with the (χ/2) check, 4.6e-3
with the (2χ) check, true 2.3e-3 (18 and 21 CPU s for the four runs); before the Gram split, with the 2χ check: 14 atoms
stated 6.1e-3, true 3.2e-3 (37 CPU s); 16 atoms stated 1.1e-2, true 5.8e-3 (72 CPU s; the state vector at tol 1e-7: 38
CPU s). A 2-leg ladder (2D; 16 atoms, range 4, χ 32, dt 0.02): stated 8.1e-2 (time step 4.8e-2), true 2.1e-2, 25 CPU s
(the state vector 32); a 4 × 4 square (range 8, χ 16): stated 8.3e-2, true 4.3e-2. On the Braket SDK example's drive (Ω
6.3, Δ ±31.5 rad/µs; `--drive braket`), χ 16, range 3, dt 0.01: stated 6.1e-3 / 6.9e-3 / 6.8e-3 / 7.1e-3, true (⟨n_i
n_j⟩, the larger) 5.0e-3 / 4.8e-3 / 4.2e-3 / 3.9e-3 at 12 / 16 / 18 / 20 atoms (mostly the tail; the state vector took
667 CPU s at 20 atoms). At 50 atoms (the serpentine of benchmarks/emulator_mps_scale.py; docs/runtime.md has the series
and commands) that drive converges in χ at χ 16 (7.4e-6 to χ 32), but on the strong drive (Ω 15.8, Δ ±16, ending at the
edge of the Z2 phase) the 1e-3 target is not reached: at χ 32, ⟨n_i⟩ moves 2.8e-2 and 9.2e-3 from dt 0.02 to 0.01 to
0.005 µs, as much as between bond dimensions at dt 0.01 (4.5e-2, 1.2e-2, 5.3e-3 from χ 16 to 32 to 48 to 64), so both χ
above 64 and dt below 0.005 µs are needed (at dt 0.02: 1.6e-2 from χ 32 to 64, 4.3e-3 from 64 to 96, 458 CPU s at χ 96).
The time-step error also feeds the truncation: at χ 32 the summed discarded weight falls 0.28 → 0.19 → 0.12 as dt
halves, although the steps double. Richardson extrapolation of the dt and dt/2 runs (10x better at 8 atoms) is not
returned: at 50 atoms, χ 32, the values from (0.02, 0.01) and (0.01, 0.005) differ by 1.2e-2, more than the dt/2 run's
own change (9.2e-3), because the truncation error changes with dt. Levers not pulled: the check runs in parallel
processes; a cheaper fallback than the full SVD where the Gram split is ill-conditioned (a third of the splits at χ 64
and 30 atoms on the strong drive; 80–95 % on the Braket drive at 50 atoms, whose Schmidt spectra fall fast). (Suzuki's
fourth-order composition of the step was tried at 8 atoms and needed about as many substeps as the second-order step for
the same error.)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ...pulse.program import RydbergProgram
from .schedule import Grid, SiteErrors

DEFAULT_RANGE = 5  # the tail's error against its cost: module docstring


def _tenpy():
    try:
        from tenpy.linalg import np_conserved as npc
        from tenpy.networks.mps import MPS
        from tenpy.networks.site import SpinHalfSite
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"the MPS emulator needs TeNPy (physics-tenpy): {err}") from err
    return npc, MPS, SpinHalfSite


def serpentine_positions(n: int, spacing_um: float, row_atoms: int, row_gap_um: float) -> tuple:
    """n atoms in MPS order along a serpentine: rows of `row_atoms` atoms `spacing_um` apart, alternately left to
    right and right to left, `row_gap_um` apart, joined at the ends by vertical runs of atoms `spacing_um` apart
    (so every neighbour in the chain is `spacing_um` away and rows interact only weakly: quasi-1D). Positions are
    rounded to 0.1 µm (Aquila's position resolution)."""
    if n < 1 or row_atoms < 1 or not (spacing_um > 0 and row_gap_um >= spacing_um):
        raise ValueError("need n >= 1, row_atoms >= 1, spacing_um > 0 and row_gap_um >= spacing_um")
    turn = max(0, round(row_gap_um / spacing_um) - 1)  # atoms on each vertical run between rows
    pitch = row_gap_um / (turn + 1)
    pos, row, x_dir = [], 0, 1
    while len(pos) < n:
        y = row * row_gap_um
        for c in range(row_atoms):
            if len(pos) == n:
                break
            x = c if x_dir > 0 else row_atoms - 1 - c
            pos.append((x * spacing_um, y))
        x_end = (row_atoms - 1) * spacing_um if x_dir > 0 else 0.0
        for k in range(1, turn + 1):
            if len(pos) == n:
                break
            pos.append((x_end, y + k * pitch))
        row, x_dir = row + 1, -x_dir
    return tuple((round(x, 1), round(y, 1)) for x, y in pos)


def coupling_matrix(program: RydbergProgram, positions=None) -> np.ndarray:
    """V_ij = C6/r_ij⁶ (rad/µs), symmetric, zero diagonal."""
    pos = np.asarray(program.positions_um if positions is None else positions, dtype=float)
    d2 = np.sum((pos[:, None, :] - pos[None, :, :]) ** 2, axis=-1)
    np.fill_diagonal(d2, np.inf)
    return program.c6_rad_per_us_um6 / d2**3


def dropped_coupling(v: np.ndarray, r: int) -> float:
    """max_i Σ_{j: |i−j| > r} |V_ij|: the largest summed coupling an atom loses to the range cut (rad/µs)."""
    n = v.shape[0]
    far = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]) > r
    return float(np.max(np.sum(np.abs(v) * far, axis=1))) if n else 0.0


def _controlled_unitaries(omega, phi, delta, h) -> np.ndarray:
    """exp(−i τ (Ω/2 (cos φ X − sin φ Y) − δ n)) in closed form for arrays of δ (the same Ω, φ, τ = h): shape
    (len(δ), 2, 2). The same formulas as schedule.single_atom_unitaries."""
    delta = np.asarray(delta, dtype=float)
    ax, ay, az = 0.5 * omega * math.cos(phi), -0.5 * omega * math.sin(phi), 0.5 * delta
    theta = h * np.sqrt(ax**2 + ay**2 + az**2)
    c, s = np.cos(theta), h * np.sinc(theta / math.pi)
    u = np.empty((delta.size, 2, 2), dtype=np.complex128)
    u[:, 0, 0] = c - 1j * s * az
    u[:, 1, 1] = c + 1j * s * az
    u[:, 0, 1] = -s * ay - 1j * s * ax
    u[:, 1, 0] = s * ay - 1j * s * ax
    return u * np.exp(0.5j * delta * h)[:, None, None]


def _svd(a: np.ndarray):
    try:
        return np.linalg.svd(a, full_matrices=False)
    except np.linalg.LinAlgError:  # gesdd failed to converge (rare): the slower, robust driver
        import scipy.linalg

        return scipy.linalg.svd(a, full_matrices=False, lapack_driver="gesvd")


# The Gram split is used while the smallest Schmidt value it keeps is at least this fraction of the largest (in s²):
# eigh of ρ = M M† resolves an eigenvalue λ to ~ε λ_max, so a kept s² ≥ 1e-10 s²_max is good to ~1e-6 relative;
# where the kept spectrum reaches lower the split falls back to the SVD, which resolves it to ~ε s_max. (Cutting at
# 1e-12 instead of falling back saved 17 % CPU but moved ⟨n_i⟩ by 5e-3 at 24 atoms, χ 32: the cut removes the
# same small, growing components every step, coherently, far beyond its discarded weight.)
GRAM_COND = 1e-10


def _gram_spectrum(rho: np.ndarray):
    """Eigenvalues (descending, clipped at 0) and eigenvectors of the Hermitian Gram matrix rho."""
    lam, vec = np.linalg.eigh(rho)
    return np.maximum(lam[::-1], 0.0), vec[:, ::-1]


class _Chain:
    """The MPS during a sweep: site tensors T[i] (chiL, 2, chiR) left-orthonormal ("A") left of the block,
    right-orthonormal ("B") right of it, and the block: the contracted sites lo … hi−1 as one tensor
    (chiL, 2^(hi−lo), chiR), which holds the orthogonality centre. S[i]: Schmidt values of the bond left of
    site i, set whenever a site is split off the block (an exact Schmidt decomposition there: the block is the
    centre, and later gates act on one side of that bond only, which leaves its Schmidt values as they are)."""

    def __init__(self, n: int, chi: int, svd_min: float):
        self.n = n
        self.T = [np.array([[[1.0], [0.0]]], dtype=np.complex128) for _ in range(n)]  # all |g⟩
        self.S = [np.ones(1) for _ in range(n + 1)]
        self.lo, self.hi = 0, 1
        self.block = self.T[0].copy()
        self.chi, self.svd_min, self.discarded, self.max_bond = int(chi), float(svd_min), 0.0, 1
        self.dens = np.zeros(n)
        self.gram_splits = self.svd_splits = 0

    def _keep(self, s2: np.ndarray) -> tuple[int, float]:
        """How many Schmidt values to keep (at most χ, none below svd_min relative) from their squares s2
        (descending); counts the discarded weight. Returns (keep, kept weight)."""
        norm2 = float(np.sum(s2))
        keep = max(1, min(self.chi, int(np.count_nonzero(s2 > self.svd_min**2 * norm2))))
        kept2 = float(np.sum(s2[:keep]))
        self.discarded += max(0.0, 1.0 - kept2 / norm2)
        self.max_bond = max(self.max_bond, keep)
        return keep, kept2

    def _split(self, a: np.ndarray, left: bool):
        """Truncated Schmidt split a ≈ x @ y of the centre matrix a. left=True: x is an isometry (x† x = 1) and
        y = s v† carries the weight; left=False: y is a co-isometry (y y† = 1) and x = u s. Returns (x, s, y),
        s normalised. The isometry comes from eigh of the Gram matrix on its side (ρ = a a† or a† a), ~3x fewer
        flops than the SVD, with y = x† a (or x = a y†) an exact projection, so no division by small s; the SVD
        is used where that side is the larger one or the kept spectrum is too ill-conditioned for eigh (GRAM_COND)."""
        rows, cols = a.shape
        if (rows if left else cols) <= (cols if left else rows):
            ac = a.conj()
            lam, vec = _gram_spectrum(a @ ac.T if left else ac.T @ a)
            keep, kept2 = self._keep(lam)
            if lam[keep - 1] >= GRAM_COND * lam[0]:
                self.gram_splits += 1
                scale = 1.0 / math.sqrt(kept2)
                s = np.sqrt(lam[:keep]) * scale
                if left:
                    x = vec[:, :keep]
                    return x, s, (x.conj().T @ a) * scale
                y = vec[:, :keep].conj().T
                return (a @ vec[:, :keep]) * scale, s, y
            self.discarded -= max(0.0, 1.0 - kept2 / float(np.sum(lam)))  # counted again by the SVD below
        self.svd_splits += 1
        u, s, vh = _svd(a)
        keep, kept2 = self._keep(s**2)
        s = s[:keep] / math.sqrt(kept2)
        if left:
            return u[:, :keep], s, s[:, None] * vh[:keep]
        return u[:, :keep] * s, s, vh[:keep]

    def grow_right(self) -> None:
        self.block = np.tensordot(self.block, self.T[self.hi], axes=(2, 0))
        cl, d, _, cr = self.block.shape
        self.block = self.block.reshape(cl, 2 * d, cr)
        self.hi += 1

    def grow_left(self) -> None:
        self.lo -= 1
        self.block = np.tensordot(self.T[self.lo], self.block, axes=(2, 0))
        cl, _, d, cr = self.block.shape
        self.block = self.block.reshape(cl, 2 * d, cr)

    def split_left(self) -> None:
        """Site lo leaves the block as an A tensor; the block keeps S V†."""
        cl, d, cr = self.block.shape
        u, s, svh = self._split(self.block.reshape(cl * 2, (d // 2) * cr), left=True)
        self.T[self.lo] = u.reshape(cl, 2, -1)
        self.S[self.lo + 1] = s
        self.block = svh.reshape(len(s), d // 2, cr)
        self.lo += 1

    def split_right(self) -> None:
        """Site hi−1 leaves the block as a B tensor (and its density is read from the centre); the block keeps U S."""
        cl, d, cr = self.block.shape
        us, s, vh = self._split(self.block.reshape(cl * (d // 2), 2 * cr), left=False)
        b = vh.reshape(len(s), 2, cr)
        self.T[self.hi - 1] = b
        self.S[self.hi - 1] = s
        self.dens[self.hi - 1] = float(np.sum(np.abs(s[:, None] * b[:, 1, :]) ** 2))
        self.block = us.reshape(cl, d // 2, len(s))
        self.hi -= 1

    def gate(self, w: int, m: int, blocks: np.ndarray) -> None:
        """Σ_c U_c ⊗ |c⟩⟨c| on sites w … w+m−1 (U_c on site w; c the configuration of sites w+1 … w+m−1, site
        w+1 the most significant bit); the block must cover exactly those sites."""
        assert self.lo == w and self.hi == w + m
        cl, _, cr = self.block.shape
        th = self.block.reshape(cl, 2, 2 ** (m - 1), cr)
        self.block = np.einsum("cab,lbcr->lacr", blocks, th).reshape(cl, 2**m, cr)

    def sweep(self, blocks, sizes) -> None:
        """Forward (w = 0 … n−1) then backward, every window's gate once each way (a palindromic product)."""
        n = self.n
        for w in range(n):
            while self.hi < w + sizes[w]:
                self.grow_right()
            self.gate(w, sizes[w], blocks[w])
            if w < n - 1:
                self.split_left()
        for w in range(n - 1, -1, -1):
            while self.lo > w:
                self.grow_left()
            while self.hi > w + sizes[w]:
                self.split_right()
            self.gate(w, sizes[w], blocks[w])

    def densities(self) -> np.ndarray:
        """⟨n_i⟩ after the last sweep: sites right of the block were read as they left it; the block's own from it."""
        cl, d, cr = self.block.shape
        k = self.hi - self.lo
        p = np.sum(np.abs(self.block) ** 2, axis=(0, 2)).reshape((2,) * k)
        for j in range(k):
            self.dens[self.lo + j] = float(np.sum(np.take(p, 1, axis=j)))
        return self.dens

    def finish(self) -> None:
        """Split the block into B tensors: the whole chain in TeNPy's B form (the block starts at site 0)."""
        while self.hi - self.lo > 1:
            self.split_right()
        self.T[self.lo] = self.block / np.linalg.norm(self.block)
        self.hi = self.lo + 1

    @property
    def B(self):
        return self.T


def _drive_terms(program: RydbergProgram, t: float, site: SiteErrors | None):
    n = program.n_atoms
    omega = np.full(n, float(program.amplitude(t)))
    delta = np.full(n, float(program.detuning(t)))
    if program.local_detuning is not None:
        delta = delta + float(program.local_detuning.magnitude(t)) * np.asarray(program.local_detuning.pattern)
    if site is not None:
        omega = omega * np.asarray(site.amplitude_scale, dtype=float)
        delta = delta + np.asarray(site.detuning_offset, dtype=float)
    return omega, float(program.phase(t)), delta


def _configurations(m: int) -> np.ndarray:
    """Bits of the 2^(m−1) configurations of sites w+1 … w+m−1 (site w+1 most significant): shape (2^(m−1), m−1)."""
    c = np.arange(2 ** (m - 1))
    return ((c[:, None] >> (m - 2 - np.arange(m - 1))[None, :]) & 1).astype(float)


def _run(program, dt_us, chi, r, svd_min, site=None, positions=None, order=2, mean_field=True):
    """One TEBD run: (_Chain, steps)."""
    from .integrator import COMPOSITIONS

    n = program.n_atoms
    v = coupling_matrix(program, positions)
    grid = Grid.for_program(program, dt_us)
    mids, widths = grid.midpoints_and_widths(COMPOSITIONS[order])
    chain = _Chain(n, chi, svd_min)
    sizes = [min(r + 1, n - w) for w in range(n)]
    confs = {m: _configurations(m) for m in set(sizes)}
    # E_c for every window: the interaction energy of atom w's Rydberg state with configuration c
    shifts = [confs[m] @ v[w, w + 1 : w + m] if m > 1 else np.zeros(1) for w, m in enumerate(sizes)]
    far = v * (np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]) > r)
    for t, h in zip(mids, widths):
        omega, phi, delta = _drive_terms(program, float(t), site)
        if mean_field:
            delta = delta - far @ chain.densities()
        blocks = [_controlled_unitaries(omega[w], phi, delta[w] - shifts[w], 0.5 * h) for w in range(n)]
        chain.sweep(blocks, sizes)
    chain.finish()
    return chain, len(mids)


def _to_tenpy(chain: _Chain):
    _, MPS, SpinHalfSite = _tenpy()
    site = SpinHalfSite(conserve=None)
    # from_Bflat takes (p, vL, vR) arrays and builds the legs TeNPy's operators contract with
    bflat = [np.transpose(b, (1, 0, 2)) for b in chain.B]
    return MPS.from_Bflat(
        [site] * len(bflat), bflat, SVs=[s.copy() for s in chain.S], bc="finite", form="B", unit_cell_width=len(bflat)
    )


def _observables(psi) -> tuple[np.ndarray, np.ndarray]:
    z = np.asarray(psi.expectation_value("Sigmaz"), dtype=float)
    zz = np.asarray(psi.correlation_function("Sigmaz", "Sigmaz"), dtype=complex).real
    dens = 0.5 * (1.0 - z)
    corr = 0.25 * (1.0 - z[:, None] - z[None, :] + zz)
    return dens, corr


def _gap(a, b) -> float:
    return float(max(np.abs(a[0] - b[0]).max(), np.abs(a[1] - b[1]).max()))


@dataclass
class MPSRun:
    densities: np.ndarray  # ⟨n_i⟩
    correlations: np.ndarray  # ⟨n_i n_j⟩
    error: float  # stated error of densities and correlations (max over sites); nan without checks
    time_step_error: float
    truncation_error: float
    tail_error: float
    discarded_weight: float  # summed over every SVD of the returned run
    chi: int
    max_bond: int  # largest bond dimension reached in the returned run
    dt_us: float
    interaction_range: int
    dropped_coupling_max: float  # rad/µs, largest Σ_j |V_ij| over the couplings beyond the range
    steps: int
    seconds: float
    seconds_main: float  # the returned run alone
    psi: object = field(default=None, repr=False)  # the TeNPy MPS of the returned run
    runs: list = field(default_factory=list)  # every run made: dt, χ, range, steps, bond, discarded, wall/CPU s
    truncation_check: str = "half"  # the truncation error's check run: (dt/2, χ/2) "half" or (dt, 2χ) "double"

    def metadata(self) -> dict:
        return {
            "method": "mps-tebd2-windows, Gram-eigh splits (TeNPy MPS)",
            "observable_error": self.error,
            "time_step_error": self.time_step_error,
            "truncation_error": self.truncation_error,
            "truncation_check": {"half": "a (dt/2, χ/2) run", "double": "a (dt, 2χ) run"}[self.truncation_check],
            "tail_error": self.tail_error,
            "discarded_weight": self.discarded_weight,
            "chi": self.chi,
            "max_bond": self.max_bond,
            "dt_us": self.dt_us,
            "interaction_range": self.interaction_range,
            "dropped_coupling_max_rad_per_us": self.dropped_coupling_max,
            "steps": self.steps,
            "seconds": self.seconds,
            "runs": self.runs,
        }


def _timed_run(runs: list, program, dt_us, chi, r, svd_min, site):
    t, c = time.perf_counter(), time.process_time()
    chain, steps = _run(program, dt_us, chi, r, svd_min, site)
    psi = _to_tenpy(chain)
    obs = _observables(psi)
    runs.append(
        {
            "dt_us": dt_us,
            "chi": int(chi),
            "interaction_range": int(r),
            "steps": steps,
            "max_bond": chain.max_bond,
            "discarded_weight": chain.discarded,
            "gram_splits": chain.gram_splits,
            "svd_splits": chain.svd_splits,
            "wall_s": round(time.perf_counter() - t, 2),
            "cpu_s": round(time.process_time() - c, 2),
        }
    )
    return chain, psi, obs


def evolve_mps(
    program: RydbergProgram,
    dt_us: float = 0.01,
    chi: int = 64,
    interaction_range: int = DEFAULT_RANGE,
    svd_min: float = 1e-10,
    check: bool = True,
    site: SiteErrors | None = None,
    truncation_check: str = "half",
) -> MPSRun:
    """Run `program` from all-ground as an MPS (module docstring). The returned observables are those of the
    (dt/2, χ, r) run; with `check` the stated error comes from the (dt, χ, r), (dt, χ, r−1) runs and, for the
    truncation, a (dt/2, χ/2, r) run (`truncation_check="half"`, 1/8 of the main run's cost) or a (dt, 2χ, r) run
    ("double", 8x). Without `check` only the (dt, χ, r) run is made and `error` is nan."""
    if not (dt_us > 0 and math.isfinite(dt_us)):
        raise ValueError(f"dt_us = {dt_us}; give a positive time step in µs")
    if int(chi) < 1 or int(interaction_range) < 1:
        raise ValueError(f"chi = {chi}, interaction_range = {interaction_range}; both must be >= 1")
    if truncation_check not in ("half", "double"):
        raise ValueError(f"truncation_check = {truncation_check!r}; give 'half' or 'double'")
    r, runs = int(interaction_range), []
    t0 = time.perf_counter()
    main, psi, obs = _timed_run(runs, program, dt_us / 2 if check else dt_us, chi, r, svd_min, site)
    v = coupling_matrix(program)
    e_time = e_trunc = e_tail = math.nan
    if check:
        coarse, _, obs_c = _timed_run(runs, program, dt_us, chi, r, svd_min, site)
        e_time = _gap(obs, obs_c) / 2.0
        if coarse.max_bond < chi and main.max_bond < chi:
            e_trunc = coarse.discarded + main.discarded  # nothing cut but Schmidt values below svd_min
        elif truncation_check == "half" and chi >= 2:
            _, _, obs_h = _timed_run(runs, program, dt_us / 2, chi // 2, r, svd_min, site)
            e_trunc = _gap(obs_h, obs)
        else:
            _, _, obs_w = _timed_run(runs, program, dt_us, 2 * chi, r, svd_min, site)
            e_trunc = _gap(obs_w, obs_c)
        e_tail = 0.0 if dropped_coupling(v, r) == 0 else math.nan  # range 1: no r − 1 run to estimate it from
        if r > 1 and dropped_coupling(v, r) > 0:
            _, _, obs_s = _timed_run(runs, program, dt_us, chi, r - 1, svd_min, site)
            e_tail = _gap(obs_s, obs_c) * dropped_coupling(v, r) / dropped_coupling(v, r - 1)
    return MPSRun(
        obs[0],
        obs[1],
        float(e_time + e_trunc + e_tail) if check else math.nan,
        float(e_time),
        float(e_trunc),
        float(e_tail),
        main.discarded,
        int(chi),
        main.max_bond,
        runs[0]["dt_us"],
        r,
        dropped_coupling(v, r),
        runs[0]["steps"],
        time.perf_counter() - t0,
        runs[0]["wall_s"],
        psi,
        runs,
        truncation_check,
    )


def sample_mps_bits(psi, shots: int, seed: int) -> np.ndarray:
    """Perfect sampling (Ferris & Vidal) of `shots` bitstrings from a finite MPS in B form, all shots at once:
    site by site, p(s_i | s_<i) = ‖L B_i[s_i]‖² with L the normalised left vector of each shot. Returns an int8
    array (shots, atoms), 1 = Rydberg."""
    if int(shots) != shots or shots < 1:
        raise ValueError(f"shots = {shots}; give a positive whole number of shots")
    rng = np.random.default_rng(seed)
    n, shots = psi.L, int(shots)
    left = np.ones((shots, 1), dtype=np.complex128)
    bits = np.zeros((shots, n), dtype=np.int8)
    for i in range(n):
        b = psi.get_B(i, "B").to_ndarray()  # (vL, p, vR); p = 0 (up) is |g⟩
        amp = np.einsum("sl,lpr->spr", left, b)
        p = np.sum(np.abs(amp) ** 2, axis=2)
        p1 = p[:, 1] / p.sum(axis=1)
        draw = (rng.random(shots) < p1).astype(np.int8)
        bits[:, i] = draw
        left = amp[np.arange(shots), draw]
        left = left / np.linalg.norm(left, axis=1, keepdims=True)
    return bits


def sample_mps(psi, shots: int, seed: int) -> dict[str, int]:
    """`shots` bitstrings by perfect sampling (sample_mps_bits) as counts {'0101…': k} ('1' = Rydberg)."""
    counts: dict[str, int] = {}
    for row in sample_mps_bits(psi, shots, seed):
        key = "".join("1" if x else "0" for x in row)
        counts[key] = counts.get(key, 0) + 1
    return counts


__all__ = [
    "DEFAULT_RANGE",
    "MPSRun",
    "coupling_matrix",
    "dropped_coupling",
    "evolve_mps",
    "sample_mps",
    "sample_mps_bits",
    "serpentine_positions",
]
