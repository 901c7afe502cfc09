"""The Hamiltonian expression map (HEM): a block's Hamiltonian is replaced by a Rydberg-array Hamiltonian on the
same qubits, with learned time-dependent controls (notes/olrg.md §4).

On n qubits, dimensionless, in units of the nearest-neighbour interaction:

    H_dev(t) = Σ_{i<j} V_ij n_i n_j + Ω(t)/2 Σ_i (cos φ(t) X_i − sin φ(t) Y_i) − Σ_i (Δ(t) + h_i Δ_loc(t)) n_i

    interaction "nearest": V = 1 between neighbours only (the paper's variant; not a physical array);
                "vdw":     V_ij = 1/|x_i − x_j|^6 between all pairs, x in units of the spacing a (V_nn = 1 at x = 1);
                           with learn_positions the gaps are learned within [min_gap, max_gap].
    Ω, Δ global, or site-resolved (Ω_i, Δ_i) with site_resolved; φ and the local detuning Δ_loc with pattern
    h_i ∈ [0, 1] are optional channels (Aquila's local detuning). The convention is Braket's/QuEra's.

At scale n the whole grown block Hamiltonian (static part and drives) is replaced by H_dev with scale n's
controls; boundary operators, observable and ρ pass through unchanged; there is no truncation. Each scale has its
own controls and positions. Time runs forward: drives are played through evolution.propagators, which orders
later times on the left (the authors' code plays them backwards, notes §7.3).

`terminal=True` also maps the last grown block g_N (scale N), so the prediction system is device-native from
end to end and compiles to one pulse program; that scale is trained by comparing g_N and m_N at the same size
(see flow.FlowResult.terminal).

A target whose bond is ferromagnetic (−J Z Z, J > 0) would need V < 0 (Z Z = 4 n n − 2 n − 2 n' + 1);
Rydberg interactions are repulsive, so HEM specs use the antiferromagnetic TFIM (J = −1), whose ⟨S^z_0 S^z_1⟩(t)
from |0…0⟩ is identical (notes §5.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import torch

from .block import DTYPE, Block, SiteModel, pauli
from .controls import ChannelLimits, make_control
from .flow import OperatorMap

INTERACTIONS = ("nearest", "vdw")


@lru_cache(maxsize=None)
def _site_op(letter: str, i: int, n: int) -> torch.Tensor:
    """Pauli letter (or 'n' = |1⟩⟨1|) on site i of n, site 0 leftmost (as everywhere in hybrid_rg)."""
    one = (torch.eye(2, dtype=DTYPE) - pauli("Z")) / 2 if letter == "n" else pauli(letter)
    out = torch.ones(1, 1, dtype=DTYPE)
    for k in range(n):
        out = torch.kron(out, one if k == i else torch.eye(2, dtype=DTYPE))
    return out


@dataclass(frozen=True)
class DeviceFamily:
    """What the device offers and which limits hold (dimensionless, see `pulse.units` for the conversion)."""

    interaction: str = "nearest"
    site_resolved: bool = False
    phase: bool = False
    local_detuning: bool = False
    learn_positions: bool = False
    min_gap: float = 0.5  # in units of a: V_nn ≤ 64
    max_gap: float = 2.0
    gap_init: float = 1.0
    ramp: float = 0.0  # PWL controls: knots at ramp and T − ramp (Ω's rise and fall), see controls.py
    omega: ChannelLimits = field(default_factory=lambda: ChannelLimits(lo=0.0))
    delta: ChannelLimits = field(default_factory=ChannelLimits)
    local: ChannelLimits = field(default_factory=ChannelLimits)

    def __post_init__(self):
        if self.interaction not in INTERACTIONS:
            raise ValueError(f"interaction '{self.interaction}' unknown; choose one of {', '.join(INTERACTIONS)}")
        if self.learn_positions and self.interaction != "vdw":
            raise ValueError("learn_positions needs interaction = 'vdw' (nearest-neighbour V does not depend on them)")
        if not 0 < self.min_gap <= self.gap_init <= self.max_gap:
            raise ValueError(
                f"need 0 < min_gap <= gap_init <= max_gap (got {self.min_gap}, {self.gap_init}, {self.max_gap})"
            )


def tfim_embedding(site: SiteModel) -> dict:
    """Device values that reproduce an antiferromagnetic TFIM block exactly up to van der Waals tails.

    s Z Z = s (4 n n' − 2 n − 2 n' + 1) and c Z = c (1 − 2 n): a bond of strength s > 0 is V = 4s (a gap of
    (4s)^(-1/6) spacings) plus −2s n on each of its ends; the field c_X X is Ω/2 X with Ω = 2|c_X| (the sign of
    X is a gauge choice: conjugating the block by Z on every site leaves ρ = |0…0⟩, Z-type boundaries and
    observables unchanged). So Δ_i = 2 s · (bonds of site i) + 2 c_Z: 2s + 2c_Z at the block's two ends and
    4s + 2c_Z inside, which a global Δ plus Aquila's local detuning (pattern 1 inside, 0 at the ends) give."""
    if site.model != "tfim" or len(site.couplings) != 1 or site.couplings[0][0] <= 0:
        raise ValueError("init = 'embed' needs an antiferromagnetic TFIM target (target.model = 'tfim', J < 0)")
    s = site.couplings[0][0]
    cx = sum(c for c, p in site.onsite if p == "X")
    cz = sum(c for c, p in site.onsite if p == "Z")
    return {
        "gap": (4 * s) ** (-1 / 6),
        "omega": 2 * abs(cx),
        "delta_end": 2 * s + 2 * cz,
        "delta_inside": 4 * s + 2 * cz,
        "local": 2 * s,
    }


class HamiltonianExpressionMap(OperatorMap):
    """init = "default": Ω = omega_init, Δ = delta_init, gaps at family.gap_init, no local detuning (the paper's
    start); init = "embed": `tfim_embedding(site)`, the device values of the target block itself, so the flow
    starts near exact for a van der Waals family and training corrects the tails and the drive's ramps."""

    def __init__(
        self,
        T: float,
        family: DeviceFamily = DeviceFamily(),
        control: str = "mlp",
        width: int = 4,
        depth: int = 4,
        n_knots: int = 8,
        omega_init: float = 2.0,
        delta_init: float = 0.0,
        terminal: bool = False,
        seed: int = 0,
        init: str = "default",
        site: SiteModel | None = None,
    ):
        super().__init__()
        if not T > 0:
            raise ValueError(f"T = {T}; the pulses need a positive duration")
        if init not in ("default", "embed"):
            raise ValueError(f"init '{init}' unknown; choose default or embed")
        self.embed = tfim_embedding(site) if init == "embed" else None
        if self.embed is not None:
            omega_init = self.embed["omega"]
            delta_init = self.embed["delta_end" if family.local_detuning else "delta_inside"]
            gap = min(max(self.embed["gap"], family.min_gap), family.max_gap)
            if family.interaction == "vdw":
                family = replace(family, gap_init=gap)
        self.T, self.family, self.control = float(T), family, control
        self.width, self.depth, self.n_knots = width, depth, n_knots
        self.omega_init, self.delta_init, self.terminal, self.seed = omega_init, delta_init, terminal, seed
        self.controls = torch.nn.ModuleDict()
        self.gaps = torch.nn.ParameterDict()
        self.patterns = torch.nn.ParameterDict()

    # ---- parameters, created on the first pass through a scale -------------------------------------------------
    def _make(self, n: int) -> None:
        key, f = str(n), self.family
        k = self.seed * 1000 + 10 * n
        n_out = n if f.site_resolved else 1
        mk = lambda lim, init, s: make_control(
            self.control, n_out, self.T, lim, self.width, self.depth, self.n_knots, init, k + s, f.ramp
        )
        chans = {"omega": mk(f.omega, self.omega_init, 0), "delta": mk(f.delta, self.delta_init, 1)}
        if f.phase:
            chans["phase"] = mk(ChannelLimits(-math.pi, math.pi), 0.0, 2)
        if f.local_detuning:
            local = self.embed["local"] if self.embed else 0.0
            chans["local"] = make_control(
                self.control, 1, self.T, f.local, self.width, self.depth, self.n_knots, local, k + 3, f.ramp
            )
            logits = torch.zeros(n, dtype=torch.float64)
            if self.embed:  # pattern ≈ 1 inside the block, ≈ 0 at its two ends
                logits[:] = 8.0
                logits[0] = logits[-1] = -8.0
            self.patterns[key] = torch.nn.Parameter(logits)
        self.controls[key] = torch.nn.ModuleDict(chans)
        if f.learn_positions and n > 1:
            x = (f.gap_init - f.min_gap) / (f.max_gap - f.min_gap)
            x = min(max(x, 1e-6), 1 - 1e-6)
            self.gaps[key] = torch.nn.Parameter(torch.full((n - 1,), math.log(x / (1 - x)), dtype=torch.float64))

    def positions(self, n: int) -> torch.Tensor:
        """Atom coordinates along the chain in units of a (site 0 at 0)."""
        f = self.family
        if str(n) in self.gaps:
            gaps = f.min_gap + (f.max_gap - f.min_gap) * torch.sigmoid(self.gaps[str(n)])
        else:
            gaps = torch.full((max(n - 1, 0),), f.gap_init, dtype=torch.float64)
        return torch.cat([torch.zeros(1, dtype=torch.float64), torch.cumsum(gaps, 0)])

    def pattern(self, n: int) -> torch.Tensor:
        return torch.sigmoid(self.patterns[str(n)])

    def interactions(self, n: int) -> list[tuple[int, int, torch.Tensor]]:
        if self.family.interaction == "nearest":
            return [(i, i + 1, torch.ones((), dtype=torch.float64)) for i in range(n - 1)]
        x = self.positions(n)
        return [(i, j, (x[j] - x[i]).abs() ** -6) for i in range(n) for j in range(i + 1, n)]

    def channel(self, n: int, name: str, t: torch.Tensor) -> torch.Tensor:
        """A channel's values (len(t), n_out) at scale n (dimensionless)."""
        return self.controls[str(n)][name](t)

    # ---- the map --------------------------------------------------------------------------------------------
    def device_block(self, block: Block, n: int) -> Block:
        H = torch.zeros(2**n, 2**n, dtype=DTYPE)
        for i, j, V in self.interactions(n):
            H = H + V.to(DTYPE) * (_site_op("n", i, n) @ _site_op("n", j, n))
        ctl, f = self.controls[str(n)], self.family
        sites = range(n)
        sumX = sum(_site_op("X", i, n) for i in sites)
        sumY = sum(_site_op("Y", i, n) for i in sites)
        sumN = sum(_site_op("n", i, n) for i in sites)
        drives = []
        if f.site_resolved:
            for i in sites:
                drives += self._rabi(
                    ctl, lambda t, i=i: ctl["omega"](t)[:, i], _site_op("X", i, n), _site_op("Y", i, n), i
                )
                drives.append((lambda t, i=i: -ctl["delta"](t)[:, i], _site_op("n", i, n)))
        else:
            drives += self._rabi(ctl, lambda t: ctl["omega"](t)[:, 0], sumX, sumY, 0)
            drives.append((lambda t: -ctl["delta"](t)[:, 0], sumN))
        if f.local_detuning:
            h = self.pattern(n)
            M = sum(h[i].to(DTYPE) * _site_op("n", i, n) for i in sites)
            drives.append((lambda t: -ctl["local"](t)[:, 0], M))
        return replace(block, H=H, drives=tuple(drives))

    @staticmethod
    def _rabi(ctl, omega, X, Y, i):
        if "phase" not in ctl:
            return [(lambda t: 0.5 * omega(t), X)]
        phi = lambda t: ctl["phase"](t)[:, min(i, ctl["phase"](t).shape[1] - 1)]
        return [(lambda t: 0.5 * omega(t) * torch.cos(phi(t)), X), (lambda t: -0.5 * omega(t) * torch.sin(phi(t)), Y)]

    def forward(self, block: Block, scale: int) -> Block:
        n = block.n_sites
        if n != scale:
            raise ValueError(f"the HEM keeps every site (no truncation): scale {scale} but the block has {n} sites")
        if str(n) not in self.controls:
            self._make(n)
        return self.device_block(block, n)
