"""Learnable time-dependent controls c(t) for the Hamiltonian expression map, with device limits built in.

Two parameterisations, each a torch module mapping a tensor of times (S,) to values (S, n_out):

  MLPControl  a small MLP of t (the paper's pulses: `depth` layers of `width` units, ReLU). Its range is enforced
              by construction (lo + (hi − lo)·sigmoid); it has no slew-rate limit, so it is for dimensionless
              studies, not for hardware.
  PWLControl  piecewise-linear between `n_knots` equally spaced knots on [0, T]: what hardware accepts. Range,
              slew rate and (optionally) zero end points are enforced by construction, so every parameter value
              the optimiser visits is a legal waveform:
                  v_0 = start,  v_{k+1} = clamp(v_k + S·tanh(u_k/S), lo_k+1, hi_k+1)
              with s the slew limit and δ the knot spacing (written S·tanh(u/S), S = s·δ, so one unit of u is
              one unit of value near 0); with zero_ends, hi_k = min(hi, s·(T − t_k)) (and
              lo_k = max(lo, −s·(T − t_k))) so the waveform can always ramp back to 0 at T within the slew limit.
              Clamping toward a value already inside the range only shortens a step, so the slew limit survives.
              A device rounds knot times and values onto its grids (`devices.discretize`): each end of an interval
              moves by up to half a grid step, so a slope at the limit can come out above it (Aquila: 254.95
              against 250 rad/µs² for a 24 ns ramp). With the grids in the limits (`time_grid`, `value_grid`) the
              largest step over an interval of length δ is S = s·(δ − time_grid) − value_grid, so every slope
              stays within s after rounding: valid by construction on the device, not only before compilation.

Limits are dimensionless here (units of the nearest-neighbour interaction); `pulse.units` converts device limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ChannelLimits:
    lo: float = -math.inf
    hi: float = math.inf
    slew: float = math.inf  # max |dc/dt|
    zero_ends: bool = False  # c(0) = c(T) = 0 (Aquila's Rabi amplitude)
    time_grid: float = 0.0  # the device's time resolution (dimensionless): knot times are rounded to it
    value_grid: float = 0.0  # the device's value resolution (dimensionless): knot values are rounded to it

    def __post_init__(self):
        if not self.lo < self.hi or not self.slew > 0:
            raise ValueError(f"channel limits need lo < hi and slew > 0 (got {self})")
        if not (self.time_grid >= 0 and self.value_grid >= 0):
            raise ValueError(f"channel limits need grids >= 0 (got {self})")

    def max_step(self, span):
        """The largest change of value across a knot interval of length `span` whose slope stays within `slew`
        after both ends are rounded onto the device's grids (0 for an interval no longer than one time step)."""
        return (
            (self.slew * (span - self.time_grid) - self.value_grid).clamp(min=0.0)
            if torch.is_tensor(span)
            else max(0.0, self.slew * (span - self.time_grid) - self.value_grid)
        )

    def ramp(self, value: float) -> float:
        """The shortest interval over which the channel can change by `value` (on the grids, at the slew limit)."""
        return (abs(value) + self.value_grid) / self.slew + self.time_grid
        if self.zero_ends and not (self.lo <= 0.0 <= self.hi):
            raise ValueError(f"zero_ends needs 0 within [lo, hi] = [{self.lo}, {self.hi}]")


def _seeded_linear(a: int, b: int, generator: torch.Generator) -> torch.nn.Linear:
    layer = torch.nn.Linear(a, b, dtype=torch.float64)
    with torch.no_grad():
        bound = a**-0.5
        layer.weight.uniform_(-bound, bound, generator=generator)
        layer.bias.uniform_(-bound, bound, generator=generator)
    return layer


class MLPControl(torch.nn.Module):
    def __init__(
        self,
        n_out: int,
        T: float,
        limits: ChannelLimits = ChannelLimits(),
        width: int = 4,
        depth: int = 4,
        init: float = 0.0,
        seed: int = 0,
    ):
        super().__init__()
        if limits.slew < math.inf or limits.zero_ends:
            raise ValueError("an MLP control cannot enforce a slew-rate limit or zero end points; use control = 'pwl'")
        g = torch.Generator().manual_seed(seed)
        sizes = [1] + [width] * depth
        self.hidden = torch.nn.ModuleList(_seeded_linear(a, b, g) for a, b in zip(sizes, sizes[1:]))
        self.out = _seeded_linear(sizes[-1], n_out, g)
        self.T, self.limits = float(T), limits
        with torch.no_grad():  # start near the requested value: zero last layer, bias at the value
            self.out.weight.mul_(0.1)
            self.out.bias.fill_(self._inverse(init))

    def _bounded(self) -> bool:
        return math.isfinite(self.limits.lo) and math.isfinite(self.limits.hi)

    def _inverse(self, value: float) -> float:
        if not self._bounded():
            return value
        lo, hi = self.limits.lo, self.limits.hi
        x = min(max((value - lo) / (hi - lo), 1e-6), 1 - 1e-6)
        return math.log(x / (1 - x))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        x = (t / self.T).reshape(-1, 1)  # t/T: inputs of order 1 whatever the final time
        for layer in self.hidden:
            x = torch.relu(layer(x))
        y = self.out(x)
        if self._bounded():
            return self.limits.lo + (self.limits.hi - self.limits.lo) * torch.sigmoid(y)
        return y.clamp(self.limits.lo, self.limits.hi)


class PWLControl(torch.nn.Module):
    """ramp > 0 puts knots at ramp and T − ramp, so a zero-ended channel (Ω) rises to its plateau within `ramp`
    (e.g. the device's minimum time step) instead of within a whole knot interval; the other knots are equally
    spaced between them."""

    def __init__(
        self,
        n_out: int,
        T: float,
        limits: ChannelLimits = ChannelLimits(),
        n_knots: int = 8,
        init: float = 0.0,
        seed: int = 0,
        ramp: float = 0.0,
    ):
        super().__init__()
        if n_knots < 2:
            raise ValueError(f"n_knots = {n_knots}; a piecewise-linear waveform needs >= 2 knots")
        if ramp < 0 or (ramp > 0 and (n_knots < 4 or 2 * ramp >= T)):
            raise ValueError(f"ramp = {ramp} needs n_knots >= 4 and 2·ramp < T = {T}")
        self.T, self.limits, self.n_knots = float(T), limits, n_knots
        knots = torch.linspace(0.0, float(T), n_knots, dtype=torch.float64)
        if ramp > 0:
            knots = torch.cat(
                [
                    torch.zeros(1, dtype=torch.float64),
                    torch.linspace(ramp, T - ramp, n_knots - 2, dtype=torch.float64),
                    torch.full((1,), float(T), dtype=torch.float64),
                ]
            )
        # not saved with the state: a warm start from another T keeps its own knot times
        self.register_buffer("knots", knots, persistent=False)
        self.spans = (knots[1:] - knots[:-1])[:, None]  # (n_knots − 1, 1)
        g = torch.Generator().manual_seed(seed)
        start = 0.0 if limits.zero_ends else min(max(init, limits.lo), limits.hi)
        self.start = torch.nn.Parameter(
            torch.full((n_out,), start, dtype=torch.float64), requires_grad=not limits.zero_ends
        )
        if math.isfinite(limits.slew) and not bool((self._step_scale() > 0).all()):
            raise ValueError(
                f"a knot interval of {float(self.spans.min()):.3g} is no longer than the time grid "
                f"{limits.time_grid:.3g}: use fewer knots or a longer T"
            )
        # room to ramp back to 0 from each knot: the largest steps of all later intervals (zero-ended channels)
        steps = self._step_scale()[:, 0] if math.isfinite(limits.slew) else torch.full((n_knots - 1,), math.inf)
        self.register_buffer("room", torch.cat([steps.flip(0).cumsum(0).flip(0), steps.new_zeros(1)]), persistent=False)
        # increments: from the start value toward `init` within the slew limit, plus a little seeded noise that
        # breaks ties between outputs (the raw increments are multiplied by slew × span, which can be large)
        self.raw = torch.nn.Parameter(1e-4 * torch.randn(n_knots - 1, n_out, dtype=torch.float64, generator=g))
        self._init_ramp(init)

    def _step_scale(self) -> torch.Tensor:
        """The largest change allowed across each knot interval (n_knots − 1, 1)."""
        if math.isfinite(self.limits.slew):
            return self.limits.max_step(self.spans)
        return torch.ones_like(self.spans)

    def _init_ramp(self, init: float) -> None:
        """Raw parameters whose waveform heads for `init` as fast as the slew limit allows."""
        with torch.no_grad():
            v = self.values().clone()
            target = torch.full_like(v[0], init)
            for k in range(self.n_knots - 1):
                if math.isfinite(self.limits.slew):
                    S = self._step_scale()[k]
                    self.raw[k] += S * torch.atanh(((target - v[k]) / S).clamp(-0.95, 0.95))
                else:
                    self.raw[k] += target - v[k]
                v = self.values()

    def _bounds(self, k: int) -> tuple[float, float]:
        lo, hi = self.limits.lo, self.limits.hi
        if self.limits.zero_ends:
            room = float(self.room[k])
            lo, hi = max(lo, -room), min(hi, room)
        return lo, hi

    def values(self) -> torch.Tensor:
        """The waveform's values at the knots, (n_knots, n_out)."""
        # S·tanh(raw/S): a change of the value per unit of raw of 1 near 0 whatever the slew limit S allows, so the
        # optimiser's step sizes mean the same for every spacing and T (S·tanh(raw) made them ~S times larger)
        S = self._step_scale()
        steps = S * torch.tanh(self.raw / S) if math.isfinite(self.limits.slew) else self.raw
        vals = [self.start]
        for k in range(self.n_knots - 1):
            lo, hi = self._bounds(k + 1)
            vals.append((vals[-1] + steps[k]).clamp(lo, hi))
        return torch.stack(vals)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        v = self.values()
        k = (torch.searchsorted(self.knots, t.contiguous(), right=True) - 1).clamp(0, self.n_knots - 2)
        w = ((t - self.knots[k]) / self.spans[k, 0]).clamp(0.0, 1.0).unsqueeze(-1)
        return (1 - w) * v[k] + w * v[k + 1]


def make_control(
    kind: str,
    n_out: int,
    T: float,
    limits: ChannelLimits,
    width: int,
    depth: int,
    n_knots: int,
    init: float,
    seed: int,
    ramp: float = 0.0,
) -> torch.nn.Module:
    if kind == "mlp":
        return MLPControl(n_out, T, limits, width, depth, init, seed)
    if kind == "pwl":
        return PWLControl(n_out, T, limits, n_knots, init, seed, ramp)
    raise ValueError(f"control '{kind}' unknown; choose 'mlp' (the paper's) or 'pwl' (what hardware accepts)")
