"""A noise model of a Rydberg device from its own published performance numbers, simulated shot by shot.

    model = NoiseModel.from_device("quera_aquila")            # the snapshot's [noise] table, every mechanism on
    run = simulate(program, model.without("readout"), shots=1000, seed=7)
    run.counts, run.shots_kept, run.metadata

The numbers come from the `[noise]` table of a device snapshot (devices/quera_aquila.toml: the fields of
`braket.device_schema.quera` `Performance`, converted to µm, µs, rad/µs; the table says where they came from).
What a shot on the device goes through, and how each step is simulated (each one a named, switchable mechanism):

  "vacancy"    Loading: each site is empty with probability fillingError. The pre-sequence image reports a filled
               site as empty with p = atomDetectionErrorFalseNegative and an empty one as filled with
               p = atomDetectionErrorFalsePositive. A shot whose image shows any empty site is dropped (as
               `braket_ir.counts_from_braket` drops it), so vacancies cost mostly shots; an undetected vacancy
               takes the atom out of the Hamiltonian and reads '1' (an empty site images like a Rydberg atom).
  "prep"       Each atom fails to start in |g⟩ with p = groundPrepError: it is left out of the drive and the
               interaction (a wrong hyperfine state does not couple to the Rydberg laser) and reads '0'.
  "amplitude"  Ω → (1 + ε_g)(1 + ε_i) Ω with ε_g ~ N(0, rabiFrequencyGlobalErrorRel) per realisation (shot to
               shot) and ε_i ~ N(0, rabiFrequencyInhomogeneityRel) per atom and realisation.
  "detuning"   Δ_i → Δ_i + d_g + d_i, d_g ~ N(0, detuningError), d_i ~ N(0, detuningInhomogeneity).
  "dephasing"  T2*: a quasi-static detuning offset per atom and realisation, N(0, σ²) with σ = √2/T2StarSingle,
               so that a free Ramsey fringe decays as exp(−(t/T2*)²) (Gaussian, the 1/e time is T2*).
  "position"   Every coordinate of every atom moves by N(0, σ²), σ² = sitePositionError² + atomPositionError²,
               per realisation; the van der Waals couplings follow.
  "loss"       An atom lost during the program (p = atomLossProbability) is missing from the post-sequence
               image and reads '1'.
  "readout"    Post-sequence state detection: '0' → '1' with p = groundDetectionError, '1' → '0' with
               p = rydbergDetectionError, independently per atom.

Not simulated, and said so in every run's metadata: T1 (Rydberg decay needs quantum jumps; T/T1 ≤ 4 % for a 4 µs
program at the snapshot's T1), capture of atoms into empty sites (programs here fill every site), local-detuning
errors, the Rabi ramp correction. The groundDetectionError and atomLossProbability may overlap on the device (a
lost ground atom reads as Rydberg); they are kept as separate mechanisms so that each can be switched off.

Cost and sampling. The classical steps (vacancies, preparation, loss, readout) are drawn for every shot at once
(numpy arrays of shape (shots, atoms)). The continuous errors (amplitude, detuning, dephasing, position) are drawn
for `realisations` noise realisations (default 16), not per shot: kept shot k uses realisation k mod R, so R
state-vector runs stand for the shot-to-shot spread (the estimate of a noise average carries a sampling error
∝ 1/√R on top of the shot noise). Shots whose set of coupled atoms differs (a prep error, an undetected vacancy)
get their own runs, sharing at most R//4 of the realisations per set of coupled atoms, so a run costs at most
R + (R//4)·(number of distinct such sets) state-vector evolutions. Everything is drawn from one numpy Generator seeded
by `seed`: the same seed gives the same counts.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import BadInput
from ..pulse.program import LocalDetuning, RydbergProgram
from .emulator.integrator import evolve
from .emulator.schedule import SiteErrors

MECHANISMS = ("vacancy", "prep", "amplitude", "detuning", "dephasing", "position", "loss", "readout")
NOT_SIMULATED = (
    "T1 (Rydberg decay)",
    "atom capture into empty sites",
    "local-detuning errors",
    "Rabi amplitude ramp correction",
)


class NoiseError(BadInput):
    """A device without a noise table, an unknown mechanism, or a malformed noise table."""


@dataclass(frozen=True)
class NoiseParameters:
    """A device's published performance numbers in the package's units (probabilities, µm, µs, rad/µs)."""

    filling_error: float = 0.0
    atom_detection_false_positive: float = 0.0
    atom_detection_false_negative: float = 0.0
    atom_loss_probability: float = 0.0
    ground_prep_error: float = 0.0
    ground_detection_error: float = 0.0
    rydberg_detection_error: float = 0.0
    rabi_global_error_rel: float = 0.0
    rabi_inhomogeneity_rel: float = 0.0
    detuning_error_rad_per_us: float = 0.0
    detuning_inhomogeneity_rad_per_us: float = 0.0
    t2_star_single_us: float = math.inf
    site_position_error_um: float = 0.0
    atom_position_error_um: float = 0.0
    # read and kept for the record, not simulated (module docstring)
    vacancy_error: float = 0.0
    atom_capture_probability: float = 0.0
    rabi_error_rel: float = 0.0
    t1_single_us: float = math.inf
    source: str = ""
    date: str = ""

    @property
    def dephasing_sigma_rad_per_us(self) -> float:
        """σ of the quasi-static detuning that makes a Ramsey fringe decay as exp(−(t/T2*)²)."""
        return 0.0 if math.isinf(self.t2_star_single_us) else math.sqrt(2.0) / self.t2_star_single_us

    @property
    def position_sigma_um(self) -> float:
        return math.hypot(self.site_position_error_um, self.atom_position_error_um)


def noise_parameters(device) -> NoiseParameters:
    """The `[noise]` table of a device snapshot (a DeviceSpec, a snapshot name or a .toml path)."""
    from .spec import load_device_spec

    spec = load_device_spec(device) if isinstance(device, str) or hasattr(device, "suffix") else device
    # The spec keeps its whole parsed snapshot as canonical JSON (`content`): reading the table from there leaves
    # devices/spec.py untouched and follows the snapshot wherever the spec layer loads it from.
    table = json.loads(spec.content).get("noise") if getattr(spec, "content", "") else None
    if not table:
        raise NoiseError(f"device {spec.name!r} has no [noise] table in its snapshot; no noise model for it")
    known = {f.name for f in NoiseParameters.__dataclass_fields__.values()}
    unknown = sorted(set(table) - known)
    if unknown:
        raise NoiseError(f"{spec.name}: unknown noise field(s) {unknown}; known fields are {sorted(known)}")
    values = {k: (str(v) if k in ("source", "date") else float(v)) for k, v in table.items()}
    for k, v in values.items():
        if k not in ("source", "date") and not v >= 0:
            raise NoiseError(f"{spec.name}: noise field {k} = {v}; it must be >= 0")
    return NoiseParameters(**values)


@dataclass(frozen=True)
class NoiseModel:
    parameters: NoiseParameters
    enabled: frozenset = frozenset(MECHANISMS)

    def __post_init__(self):
        object.__setattr__(self, "enabled", frozenset(self.enabled))
        bad = sorted(self.enabled - set(MECHANISMS))
        if bad:
            raise NoiseError(f"unknown noise mechanism(s) {bad}; choose from {list(MECHANISMS)}")

    @classmethod
    def from_device(cls, device) -> "NoiseModel":
        return cls(noise_parameters(device))

    def without(self, *names: str) -> "NoiseModel":
        return NoiseModel(self.parameters, self.enabled - self._check(names))

    def only(self, *names: str) -> "NoiseModel":
        return NoiseModel(self.parameters, self._check(names))

    @staticmethod
    def _check(names) -> frozenset:
        bad = sorted(set(names) - set(MECHANISMS))
        if bad:
            raise NoiseError(f"unknown noise mechanism(s) {bad}; choose from {list(MECHANISMS)}")
        return frozenset(names)

    def on(self, name: str) -> bool:
        return name in self.enabled


@dataclass(frozen=True)
class Realisation:
    """The continuous errors of one noise realisation, for all atoms of the program."""

    amplitude_scale: np.ndarray
    detuning_offset: np.ndarray  # rad/µs
    positions_um: np.ndarray  # (atoms, 2)


def draw_realisations(
    program: RydbergProgram, model: NoiseModel, count: int, rng: np.random.Generator
) -> list[Realisation]:
    """`count` realisations of the continuous errors, drawn as (count, atoms) arrays at once."""
    p, n = model.parameters, program.n_atoms
    amp = np.ones((count, n))
    det = np.zeros((count, n))
    pos = np.broadcast_to(np.asarray(program.positions_um, dtype=float), (count, n, 2)).copy()
    # Always draw every block, in a fixed order, and zero it when switched off: the other mechanisms then see the
    # same random numbers whether or not a mechanism is on, so switching one off isolates its effect.
    g_amp, s_amp = rng.standard_normal((count, 1)), rng.standard_normal((count, n))
    g_det, s_det = rng.standard_normal((count, 1)), rng.standard_normal((count, n))
    s_dep = rng.standard_normal((count, n))
    s_pos = rng.standard_normal((count, n, 2))
    if model.on("amplitude"):
        amp = (1.0 + p.rabi_global_error_rel * g_amp) * (1.0 + p.rabi_inhomogeneity_rel * s_amp)
    if model.on("detuning"):
        det = det + p.detuning_error_rad_per_us * g_det + p.detuning_inhomogeneity_rad_per_us * s_det
    if model.on("dephasing"):
        det = det + p.dephasing_sigma_rad_per_us * s_dep
    if model.on("position"):
        pos = pos + p.position_sigma_um * s_pos
    return [Realisation(amp[r], det[r], pos[r]) for r in range(count)]


def _subprogram(program: RydbergProgram, atoms: np.ndarray, real: Realisation) -> tuple[RydbergProgram, SiteErrors]:
    """The program on the coupled atoms only, at the realisation's positions, and its per-site errors."""
    loc = program.local_detuning
    if loc is not None:
        loc = LocalDetuning(tuple(loc.pattern[i] for i in atoms), loc.magnitude)
    sub = replace(program, positions_um=tuple(map(tuple, real.positions_um[atoms])), local_detuning=loc)
    return sub, SiteErrors(tuple(real.amplitude_scale[atoms]), tuple(real.detuning_offset[atoms]))


def realisation_probabilities(
    program: RydbergProgram, real: Realisation, atoms=None, tol: float = 1e-6
) -> tuple[np.ndarray, float]:
    """Bitstring probabilities of the coupled `atoms` (all by default) in one realisation, and the stated
    state error of that run."""
    atoms = np.arange(program.n_atoms) if atoms is None else np.asarray(atoms)
    sub, site = _subprogram(program, atoms, real)
    ev = evolve(sub, tol=tol, site=site)
    probs = np.abs(ev.state.numpy()) ** 2
    return probs / probs.sum(), ev.error


def readout_channel(probs: np.ndarray, p01: float, p10: float) -> np.ndarray:
    """The exact distribution of read bitstrings: independent flips '0'→'1' (p01) and '1'→'0' (p10) applied to
    a probability vector over 2^n bitstrings (atom 0 = most significant bit). For tests and analytic checks."""
    probs = np.asarray(probs, dtype=float)
    n = int(round(math.log2(probs.size)))
    confusion = np.array([[1 - p01, p10], [p01, 1 - p10]])  # [read, true]
    t = probs.reshape((2,) * n)
    for axis in range(n):
        t = np.moveaxis(np.tensordot(confusion, t, axes=([1], [axis])), 0, axis)
    return t.reshape(-1)


def kept_fraction(n_atoms: int, params: NoiseParameters) -> float:
    """The probability that a shot survives the pre-sequence image (every site seen filled)."""
    f, fp, fn = params.filling_error, params.atom_detection_false_positive, params.atom_detection_false_negative
    return ((1 - f) * (1 - fn) + f * fp) ** n_atoms


@dataclass
class NoisyRun:
    counts: dict[str, int]
    shots_total: int
    shots_kept: int
    metadata: dict = field(default_factory=dict)


def simulate(
    program: RydbergProgram,
    model: NoiseModel,
    shots: int,
    seed: int,
    realisations: int = 16,
    tol: float = 1e-4,
    backend=None,
    cache: dict | None = None,
) -> NoisyRun:
    """`shots` shots of `program` on the noisy device; shots dropped by the pre-sequence image are not counted
    (as on the device), so `counts` sums to `shots_kept` <= shots. Seeded: same seed, same counts.

    `backend`: None or a state-vector BackendChoice (emulator/choice.py) runs as described in the module docstring.
    An "mps" BackendChoice runs one MPS per realisation (all atoms coupled) and draws that realisation's shots from
    it by perfect sampling; an atom that a prep error or an undetected vacancy takes out of the Hamiltonian is
    then only read as such (prep error: '0'), while its neighbours evolve as if it were there (an approximation,
    first order in groundPrepError and fillingError, said so in the metadata). `cache` (a dict the caller keeps)
    reuses MPS runs of identical realisations across calls, e.g. across rows that switch only classical mechanisms."""
    if backend is not None and getattr(backend, "name", "state-vector") == "mps":
        return _simulate_mps(program, model, shots, seed, realisations, backend, cache)
    if int(shots) != shots or shots < 1:
        raise NoiseError(f"shots = {shots}; give a positive whole number of shots")
    if int(realisations) != realisations or realisations < 1:
        raise NoiseError(f"realisations = {realisations}; give a positive whole number")
    n, shots = program.n_atoms, int(shots)
    rng = np.random.default_rng(seed)
    # classical per-shot draws, all shots at once; every block is drawn whether or not its mechanism is on
    filled, kept, coupled, u_loss, u_read, u_post = _classical_draws(model, shots, n, rng)
    reals = draw_realisations(program, model, int(realisations), rng)

    idx = np.flatnonzero(kept)
    which = np.arange(idx.size) % int(realisations)  # kept shot k uses realisation k mod R
    bits = np.zeros((shots, n), dtype=np.int8)
    # Shots with an atom missing from the Hamiltonian are rare (~ n·1 %); they share at most R//4 realisations
    # per set of coupled atoms, which bounds the runs they add without dropping their continuous errors.
    minor = max(1, int(realisations) // 4)
    full = np.ones(n, bool).tobytes()
    groups: dict[tuple, list[int]] = {}
    for k, s in enumerate(idx):
        key = coupled[s].tobytes()
        groups.setdefault((key, int(which[k]) if key == full else int(which[k]) % minor), []).append(int(s))
    errors = []
    for (mask_bytes, r), members in groups.items():
        atoms = np.flatnonzero(np.frombuffer(mask_bytes, dtype=bool))
        if atoms.size:
            probs, err = realisation_probabilities(program, reals[r], atoms, tol)
            errors.append(err)
            draws = rng.choice(probs.size, size=len(members), p=probs)
            sub_bits = (draws[:, None] >> (atoms.size - 1 - np.arange(atoms.size))[None, :]) & 1
            bits[np.ix_(members, atoms)] = sub_bits
    bits = _readout(model, bits, filled, u_loss, u_read, u_post)

    return _noisy_run(
        model,
        bits,
        kept,
        int(realisations),
        state_vector_runs=len(errors),
        state_error_bound_max=max(errors, default=0.0),
    )


def _classical_draws(model: NoiseModel, shots: int, n: int, rng: np.random.Generator):
    """The per-shot draws of `simulate`, in its order: (filled, kept, coupled, u_loss, u_read, u_post)."""
    p = model.parameters
    u_fill, u_pre, u_prep = rng.random((shots, n)), rng.random((shots, n)), rng.random((shots, n))
    u_loss, u_read, u_post = rng.random((shots, n)), rng.random((shots, n)), rng.random((shots, n))
    filled = u_fill >= p.filling_error if model.on("vacancy") else np.ones((shots, n), bool)
    if model.on("vacancy"):
        seen = np.where(filled, u_pre >= p.atom_detection_false_negative, u_pre < p.atom_detection_false_positive)
        kept = seen.all(axis=1)
    else:
        kept = np.ones(shots, bool)
    prep_failed = (u_prep < p.ground_prep_error) if model.on("prep") else np.zeros((shots, n), bool)
    return filled, kept, filled & ~prep_failed, u_loss, u_read, u_post


def _readout(model, bits, filled, u_loss, u_read, u_post):
    """Loss, readout flips and the imaging of empty sites on the shots' bits: an empty site images like a Rydberg
    atom (unless a false positive makes it read ground); a prep-error atom stays dark to the laser and reads ground."""
    p = model.parameters
    present = filled.copy()
    if model.on("loss"):
        present &= ~(u_loss < p.atom_loss_probability)
    if model.on("readout"):
        flip = np.where(bits == 0, u_read < p.ground_detection_error, u_read < p.rydberg_detection_error)
        bits = np.where(flip, 1 - bits, bits)
    absent_read = (u_post < p.atom_detection_false_positive) if model.on("vacancy") else np.zeros(bits.shape, bool)
    return np.where(present, bits, np.where(absent_read, 0, 1)).astype(np.int8)


def _simulate_mps(program, model, shots, seed, realisations, choice, cache) -> NoisyRun:
    from .emulator.mps import evolve_mps, sample_mps_bits

    if int(shots) != shots or shots < 1:
        raise NoiseError(f"shots = {shots}; give a positive whole number of shots")
    n, shots, big_r = program.n_atoms, int(shots), int(realisations)
    rng = np.random.default_rng(seed)
    filled, kept, coupled, u_loss, u_read, u_post = _classical_draws(model, shots, n, rng)
    reals = draw_realisations(program, model, big_r, rng)
    idx = np.flatnonzero(kept)
    which = np.arange(idx.size) % big_r
    bits = np.zeros((shots, n), dtype=np.int8)
    cache = {} if cache is None else cache
    runs, errors = 0, []
    for r in range(big_r):
        members = idx[which == r]
        if members.size == 0:
            continue
        real = reals[r]
        key = (
            program.digest(),
            real.amplitude_scale.tobytes(),
            real.detuning_offset.tobytes(),
            real.positions_um.tobytes(),
            choice.dt_us,
            choice.chi,
            choice.interaction_range,
        )
        if key not in cache:
            sub, site = _subprogram(program, np.arange(n), real)
            cache[key] = evolve_mps(
                sub,
                dt_us=choice.dt_us,
                chi=choice.chi,
                interaction_range=choice.interaction_range,
                check=False,
                site=site,
            )
            runs += 1
        run = cache[key]
        errors.append(run.discarded_weight)
        bits[members] = sample_mps_bits(run.psi, members.size, int(rng.integers(2**63)))
    bits = np.where(coupled, bits, 0).astype(np.int8)  # out of the Hamiltonian: dark to the laser, reads ground
    bits = _readout(model, bits, filled, u_loss, u_read, u_post)
    return _noisy_run(
        model,
        bits,
        kept,
        big_r,
        state_vector_runs=0,
        mps_runs=runs,
        mps_discarded_weight_max=max(errors, default=0.0),
        approximation="MPS per realisation with every atom coupled; an atom out of the Hamiltonian (prep "
        "error, undetected vacancy) is only read as such, its neighbours evolve as if it were there",
    )


def _noisy_run(model: NoiseModel, bits: np.ndarray, kept: np.ndarray, realisations: int, **backend_meta) -> NoisyRun:
    """The kept shots' bitstrings counted, with the metadata both backends share (and `backend_meta` in between)."""
    shots = len(bits)
    counts: dict[str, int] = {}
    for row in bits[kept]:
        key = "".join("1" if b else "0" for b in row)
        counts[key] = counts.get(key, 0) + 1
    p = model.parameters
    meta = {
        "noise_mechanisms": sorted(model.enabled),
        "noise_not_simulated": list(NOT_SIMULATED),
        "noise_source": p.source,
        "noise_date": p.date,
        "realisations": realisations,
        **backend_meta,
        "shots_total": shots,
        "shots_kept": int(kept.sum()),
        "dropped_missing_atom": int((~kept).sum()),
    }
    return NoisyRun(counts, shots, int(kept.sum()), meta)


__all__ = [
    "MECHANISMS",
    "NOT_SIMULATED",
    "NoiseError",
    "NoiseParameters",
    "NoiseModel",
    "NoisyRun",
    "Realisation",
    "noise_parameters",
    "draw_realisations",
    "realisation_probabilities",
    "readout_channel",
    "kept_fraction",
    "simulate",
]
