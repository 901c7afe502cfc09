"""The search space of a campaign: named pulse hyperparameters, their ranges, and how a warm start narrows them.

Each searched name is one knob of the HEM experiment's pulse program (build.py applies it):

    omega        plateau Rabi frequency Ω, dimensionless (units of the nearest-neighbour interaction)
    delta        plateau detuning Δ, dimensionless
    gap          atom gap in units of the spacing (sets V_ij = 1/|x_i - x_j|^6 relative to the drives)
    spacing_um   the spacing a in µm: the energy scale E = C6/a^6, so the pulse duration T/E and every
                 physical amplitude and slew rate
    n_knots      knots of the piecewise-linear waveforms
    ramp         the fraction of the device's slew limit the ramps use (ramp time ∝ 1/ramp)
    shots        shots per task
    loss_order   the Dyson order of the scaling-consistency terms added to the shot-estimated order 0
    iterations   classical HEM training iterations (torch) after the plateau start

A range is {low, high[, log][, step]} (ints for n_knots, shots, loss_order, iterations) or {choices = [...]}.
"""

from __future__ import annotations

from dataclasses import dataclass

PARAMS = {
    "omega": float,
    "delta": float,
    "gap": float,
    "spacing_um": float,
    "n_knots": int,
    "ramp": float,
    "shots": int,
    "loss_order": int,
    "iterations": int,
}


@dataclass(frozen=True)
class Param:
    name: str
    kind: type
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple | None = None

    def distribution(self):
        import optuna.distributions as d

        if self.choices is not None:
            return d.CategoricalDistribution(list(self.choices))
        if self.kind is int:
            return d.IntDistribution(int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        return d.FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def to_dict(self) -> dict:
        if self.choices is not None:
            return {"choices": list(self.choices)}
        out = {"low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = self.step
        return out


def _param(name: str, table) -> Param:
    from .spec import CampaignSpecError

    if name not in PARAMS:
        raise CampaignSpecError(f"search.{name} is not a known hyperparameter; known: {sorted(PARAMS)}")
    if not isinstance(table, dict):
        raise CampaignSpecError(f"search.{name} must be a table: {{low = .., high = ..}} or {{choices = [..]}}")
    kind = PARAMS[name]
    if "choices" in table:
        if set(table) != {"choices"} or not table["choices"]:
            raise CampaignSpecError(f"search.{name}: give either a non-empty choices list or low/high, not both")
        return Param(name, kind, choices=tuple(kind(c) for c in table["choices"]))
    extra = set(table) - {"low", "high", "log", "step"}
    if extra or "low" not in table or "high" not in table:
        raise CampaignSpecError(
            f"search.{name} = {table}: needs low and high (optional log, step); unknown keys {sorted(extra)}"
        )
    low, high = kind(table["low"]), kind(table["high"])
    if not low < high:
        raise CampaignSpecError(f"search.{name}: low = {low} must be below high = {high}")
    if table.get("log") and low <= 0:
        raise CampaignSpecError(f"search.{name}: a log range needs low > 0 (got {low})")
    return Param(name, kind, low, high, bool(table.get("log", False)), table.get("step"))


def parse_space(search: dict) -> dict[str, Param]:
    return {name: _param(name, table) for name, table in search.items()}


def narrowed(space: dict[str, Param], points: list[dict], margin: float) -> dict[str, Param]:
    """The ranges shrunk to the bounding box of `points` (the surrogate's best), widened by `margin` of the
    original width on each side and clipped to the original range; categorical parameters are kept whole."""
    out = {}
    for name, p in space.items():
        if p.choices is not None or not points:
            out[name] = p
            continue
        vals = [float(pt[name]) for pt in points]
        pad = margin * (p.high - p.low)
        low, high = max(p.low, min(vals) - pad), min(p.high, max(vals) + pad)
        if p.kind is int:
            low, high = int(low), int(round(high + 0.499))
            high = min(high, int(p.high))
        if not low < high:  # every point at one edge: keep a sliver of the range
            low, high = (p.low, p.high) if p.kind is int else (max(p.low, low - pad), min(p.high, high + pad))
        step = p.step
        if step is not None:  # a stepped range keeps its grid: low on it, high a whole number of steps
            low = p.low + step * round((low - p.low) / step)
            high = low + step * max(1, int((high - low) / step))
        out[name] = Param(name, p.kind, p.kind(low), p.kind(high), p.log, step)
    return out


def space_from_dicts(stored: dict) -> dict[str, Param]:
    """The space as saved in the study (its ranges after any warm-start narrowing)."""
    return parse_space(stored)


def space_to_dicts(space: dict[str, Param]) -> dict:
    return {name: p.to_dict() for name, p in space.items()}
