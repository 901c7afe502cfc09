"""The experiment spec (TOML) of `hybrid-rg cora fit`: plain validation at the edge, typed dataclasses inside.

    [data]   model = "ising1d" | "ising2d", side, T (or K = 1/T), n_train, n_test, seed, thermalize, every
    [model]  n_layers, chi, top = "uniform" | "learned", init = "random" | "block_spin", seed
    [fit]    method = "method1" | "method2", window = [4] or [2, 2], steps, lr, origins_per_step,
             further_passes, seed
    [eval]   r_max, n_speed (samples drawn to time the sampler), n_sites (0 = all), seed

Every unknown or out-of-range field raises ValueError naming the field and the fix.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class DataSpec:
    model: str = "ising1d"
    side: int = 64
    T: float = 0.0
    K: float = 0.0
    n_train: int = 2000
    n_test: int = 1000
    seed: int = 0
    thermalize: int = 200
    every: int = 1

    @property
    def coupling(self) -> float:
        return self.K if self.K > 0 else 1.0 / self.T

    @property
    def dim(self) -> int:
        return 1 if self.model == "ising1d" else 2


@dataclass(frozen=True)
class ModelSpec:
    n_layers: int = 4
    chi: int = 2
    top: str = "learned"
    init: str = "random"
    seed: int = 0


@dataclass(frozen=True)
class FitSpec:
    method: str = "method2"
    window: tuple = (4,)
    steps: int = 300
    lr: float = 0.05
    origins_per_step: int = 0
    further_passes: int = 0
    seed: int = 0


@dataclass(frozen=True)
class EvalSpec:
    r_max: int = 16
    n_speed: int = 1000
    n_sites: int = 0     # sites averaged for the model's exact local numbers; 0 = all
    seed: int = 0


@dataclass(frozen=True)
class CoraSpec:
    data: DataSpec
    model: ModelSpec
    fit: FitSpec
    eval: EvalSpec

    def to_dict(self) -> dict:
        return {k: asdict(getattr(self, k)) for k in ("data", "model", "fit", "eval")}


_SECTIONS = {"data": DataSpec, "model": ModelSpec, "fit": FitSpec, "eval": EvalSpec}


def _section(name: str, table, cls):
    if not isinstance(table, dict):
        raise ValueError(f"[{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    kwargs = {}
    for key, value in table.items():
        if key not in known:
            raise ValueError(f"unknown field {name}.{key}; known fields: {', '.join(known)}")
        default = known[key].default
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
                raise ValueError(f"{name}.{key} must be a list of integers, e.g. [4] or [2, 2]")
            value = tuple(value)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif type(value) is not type(default):
            raise ValueError(f"{name}.{key} = {value!r} must be a {type(default).__name__}")
        kwargs[key] = value
    return cls(**kwargs)


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def parse_spec(table: dict) -> CoraSpec:
    for key in table:
        _check(key in _SECTIONS, f"unknown section [{key}]; use [data], [model], [fit], [eval]")
    spec = CoraSpec(**{k: _section(k, table.get(k, {}), cls) for k, cls in _SECTIONS.items()})
    d, m, f, e = spec.data, spec.model, spec.fit, spec.eval
    _check(d.model in ("ising1d", "ising2d"), f"data.model = {d.model!r}: use 'ising1d' or 'ising2d'")
    _check((d.T > 0) != (d.K > 0), "set exactly one of data.T (temperature) or data.K (coupling 1/T), > 0")
    _check(d.n_train >= 10 and d.n_test >= 10, "data.n_train and data.n_test must be >= 10")
    _check(d.thermalize >= 0 and d.every >= 1, "data.thermalize must be >= 0 and data.every >= 1")
    _check(1 <= m.n_layers <= 12, f"model.n_layers = {m.n_layers}: use 1…12")
    _check(d.side % 2 ** m.n_layers == 0 and d.side // 2 ** (m.n_layers - 1) >= 2,
           f"data.side = {d.side} must be a multiple of 2^model.n_layers = {2 ** m.n_layers} (and the level "
           "below the top needs >= 2 sites per axis): change data.side or model.n_layers")
    _check(2 <= m.chi <= (8 if d.dim == 1 else 2), f"model.chi = {m.chi}: use 2…8 in 1D, 2 in 2D "
           "(2D cones hold 16 hidden variables at once)")
    _check(m.top in ("uniform", "learned"), f"model.top = {m.top!r}: use 'uniform' or 'learned'")
    _check(m.init in ("random", "block_spin"), f"model.init = {m.init!r}: use 'random' or 'block_spin'")
    _check(f.method in ("method1", "method2"), f"fit.method = {f.method!r}: use 'method1' or 'method2'")
    _check(f.method == "method2" and f.further_passes == 0 or d.dim == 1,
           "fit.method = 'method1' and fit.further_passes need Bayesian inverses, implemented in 1D only: "
           "use method = 'method2' and further_passes = 0 for ising2d")
    _check(len(f.window) == d.dim and all(1 <= w <= 6 for w in f.window) and _prod(f.window) <= 8,
           f"fit.window = {list(f.window)}: give {d.dim} sizes in 1…6 with at most 8 sites, e.g. "
           f"{[4] if d.dim == 1 else [2, 2]}")
    _check(f.steps >= 1 and f.lr > 0 and f.origins_per_step >= 0 and f.further_passes >= 0,
           "fit.steps >= 1, fit.lr > 0, fit.origins_per_step >= 0 (0 = all), fit.further_passes >= 0")
    _check(1 <= e.r_max <= d.side // 2, f"eval.r_max = {e.r_max}: use 1…side/2 = {d.side // 2}")
    _check(e.n_speed >= 1 and e.n_sites >= 0, "eval.n_speed must be >= 1 and eval.n_sites >= 0 (0 = all sites)")
    return spec


def _prod(xs) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


def load_spec(path) -> tuple[CoraSpec, str]:
    """(spec, original text) from a TOML file; ValueError on unreadable files or bad fields."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        table = tomllib.loads(raw.decode())
    except FileNotFoundError:
        raise ValueError(f"spec file {path} not found") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"spec file {path} is not valid TOML: {err}") from None
    return parse_spec(table), raw.decode()
