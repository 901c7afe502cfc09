"""OLRG experiment specs (TOML): parsed and checked completely before any training starts.

    [target]    model, N, couplings (tfim: J h g; xxz: J delta hz), observable ("zz:0,1"), observable_scale
    [times]     T ("0.1:2.0:20" or a list)
    [map]       kind (linear | generative | hem | identity), n0, chi, init (linear), width/depth/noise_dim/
                per_operator (generative); for hem: interaction (nearest | vdw), control (mlp | pwl), width, depth,
                n_knots, site_resolved, phase, local_detuning, learn_positions, min_gap, max_gap, gap_init,
                omega_init, delta_init, terminal, hem_init (default | embed: start from the device values of
                the target block itself, hem.tfim_embedding)
    [device]    (hem only) profile ("quera_aquila"), spacing_um: the device's limits become the controls' limits,
                and a terminal vdw map is compiled to a pulse program per T
    [training]  orders (list of Dyson orders K; one run per K and T), iterations, lr, optimizer, n_samples,
                n_steps, weights, seed, loss_target, warm_start (default false), ensemble, keep_best (default
                true), first_scale_weight (weight of the one loss term anchored to the exact block, default 1)
    [reference] method (auto | krylov | free-fermion | none)
    [bound]     n_grid, max_tuples
    [paper]     csv (optional digitised published numbers, plotted beside ours; path relative to the spec)

Every error names the field and the fix; nothing is written for a bad spec.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..exact.krylov import MAX_KRYLOV_SITES
from ..operators import parse_observables
from ..utils.timegrid import parse_time_grid
from ..utils.toml_files import read_toml

MODEL_FIELDS = {"tfim": {"J": 1.0, "h": 1.0, "g": 0.0}, "xxz": {"J": 1.0, "delta": 1.0, "hz": 0.0}}
MAP_KINDS = ("linear", "generative", "hem", "identity")
HEM_DEFAULTS = {"interaction": "nearest", "control": "mlp", "width": 4, "depth": 4, "n_knots": 8,
                "site_resolved": False, "phase": False, "local_detuning": False, "learn_positions": False,
                "min_gap": 0.5, "max_gap": 2.0, "gap_init": 1.0, "omega_init": 2.0, "delta_init": 0.0,
                "terminal": False, "hem_init": "default"}
DEVICE_PROFILES = ("quera_aquila",)
SECTIONS = {
    "target": {"model", "N", "J", "h", "g", "delta", "hz", "observable", "observable_scale"},
    "times": {"T"},
    "map": {"kind", "n0", "chi", "init", "width", "depth", "noise_dim", "per_operator"} | set(HEM_DEFAULTS),
    "device": {"profile", "spacing_um"},
    "training": {"orders", "iterations", "lr", "optimizer", "n_samples", "n_steps", "weights", "seed",
                 "loss_target", "warm_start", "ensemble", "keep_best", "first_scale_weight", "substeps"},
    "reference": {"method"},
    "bound": {"n_grid", "max_tuples"},
    "paper": {"csv", "label"},
}
TOP = {"name", "description"}


class SpecError(ValueError):
    """A malformed experiment spec; the message names the field and the fix."""


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    model: str
    N: int
    couplings: dict
    observable: str
    observable_scale: float
    times: tuple[float, ...]
    map: dict
    training: dict
    reference: str
    bound: dict
    device: dict | None = None
    paper_csv: Path | None = None
    paper_label: str = "paper"
    description: str = ""
    raw: dict = field(default_factory=dict, compare=False)


def _get(section: dict, key: str, default, kind, where: str):
    value = section.get(key, default)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise SpecError(f"{where}.{key} = {value!r}: must be an integer")
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SpecError(f"{where}.{key} = {value!r}: must be a finite number")
        value = float(value)
    if kind is bool and not isinstance(value, bool):
        raise SpecError(f"{where}.{key} = {value!r}: must be true or false")
    if kind is str and not isinstance(value, str):
        raise SpecError(f"{where}.{key} = {value!r}: must be a string")
    return value


def load_spec(path: str | Path) -> ExperimentSpec:
    path = Path(path)
    raw = read_toml(path, SpecError, "experiments/olrg/order.toml")
    return parse_spec(raw, base=path.parent, default_name=path.stem)


def parse_spec(raw: dict, base: Path = Path("."), default_name: str = "experiment") -> ExperimentSpec:
    for key in raw:
        if key not in SECTIONS and key not in TOP:
            raise SpecError(f"unknown field '{key}'; allowed: {', '.join(sorted(TOP | set(SECTIONS)))}")
    for name, allowed in SECTIONS.items():
        section = raw.get(name, {})
        if not isinstance(section, dict):
            raise SpecError(f"'{name}' must be a table ([{name}])")
        for key in section:
            if key not in allowed:
                raise SpecError(f"unknown field '{name}.{key}'; allowed in [{name}]: {', '.join(sorted(allowed))}")
    target, times_s, mp, tr = (raw.get(s, {}) for s in ("target", "times", "map", "training"))

    model = _get(target, "model", "tfim", str, "target")
    if model not in MODEL_FIELDS:
        raise SpecError(f"target.model = '{model}': choose one of {', '.join(MODEL_FIELDS)}")
    for key in ("J", "h", "g", "delta", "hz"):
        if key in target and key not in MODEL_FIELDS[model]:
            raise SpecError(f"target.{key} does not apply to model '{model}'; its couplings are "
                            f"{', '.join(MODEL_FIELDS[model])}")
    couplings = {k: _get(target, k, d, float, "target") for k, d in MODEL_FIELDS[model].items()}
    N = _get(target, "N", None, int, "target") if "N" in target else None
    if N is None or N < 2:
        raise SpecError(f"target.N = {N}: give the number of target sites (an integer >= 2)")

    mp_kind = _get(mp, "kind", "linear", str, "map")
    if mp_kind not in MAP_KINDS:
        raise SpecError(f"map.kind = '{mp_kind}': choose one of {', '.join(MAP_KINDS)}")
    n0 = _get(mp, "n0", 2, int, "map")
    if not 1 <= n0 < N:
        raise SpecError(f"map.n0 = {n0} with target.N = {N}: the exact first block must be smaller than the "
                        f"target; set 1 <= map.n0 < {N}")
    chi = _get(mp, "chi", 2 ** (N - 1), int, "map")
    if chi < 1:
        raise SpecError(f"map.chi = {chi}: the kept dimension must be >= 1")
    if chi > 2 ** (N - 1):
        raise SpecError(f"map.chi = {chi} exceeds 2^(N-1) = {2 ** (N - 1)}, the largest block dimension this "
                        f"target ever maps; lower map.chi (χ = 2^(N-1) is already exact)")
    map_cfg = {"kind": mp_kind, "n0": n0, "chi": chi, "init": _get(mp, "init", "rdm", str, "map"),
               "width": mp.get("width"), "depth": _get(mp, "depth", 3, int, "map"),
               "noise_dim": mp.get("noise_dim"), "per_operator": _get(mp, "per_operator", True, bool, "map")}
    if map_cfg["init"] not in ("nrg", "rdm", "random"):
        raise SpecError(f"map.init = '{map_cfg['init']}': choose nrg, rdm or random")
    device = None
    if mp_kind == "hem":
        map_cfg.update(_hem_map(mp, N))
        device = _device(raw.get("device"), map_cfg)
    elif "device" in raw:
        raise SpecError("[device] applies to map.kind = 'hem' only (an OMM runs classically)")

    observable = _get(target, "observable", "zz:0,1", str, "target")
    try:
        specs = parse_observables(observable, N)
    except ValueError as err:
        raise SpecError(f"target.observable: {err}") from None
    if len(specs) != 1 or specs[0].two_time:
        raise SpecError(f"target.observable = '{observable}': OLRG predicts one equal-time observable, "
                        f"e.g. 'zz:0,1' or 'x:0'")
    if max(specs[0].sites) >= n0:
        raise SpecError(f"target.observable acts on site {max(specs[0].sites)}, outside the first block of "
                        f"map.n0 = {n0} sites; set map.n0 > {max(specs[0].sites)}")

    T = times_s.get("T", "0.1:2.0:20")
    try:
        times = parse_time_grid(T) if isinstance(T, str) else parse_time_grid(",".join(str(t) for t in T))
    except ValueError as err:
        raise SpecError(f"times.T: {err}") from None
    if (times <= 0).any():
        raise SpecError(f"times.T contains {float(times.min())}: OLRG final times must be positive")

    if device is not None:
        _check_device_times(device, times, map_cfg)
    if mp_kind == "hem" and model == "tfim" and couplings["J"] > 0:
        raise SpecError(f"target.J = {couplings['J']}: a ferromagnetic bond −J Z Z needs an attractive interaction "
                        f"(Z Z = 4 n n − 2 n − 2 n' + 1), and Rydberg atoms repel; use J = {-couplings['J']} "
                        f"(⟨S^z_1 S^z_2⟩(t) from |0…0⟩ is the same, notes/olrg.md §5.1)")
    orders = tr.get("orders", [2])
    if isinstance(orders, int) and not isinstance(orders, bool):
        orders = [orders]
    if not (isinstance(orders, list) and orders and all(isinstance(k, int) and 0 <= k <= 4 for k in orders)):
        raise SpecError(f"training.orders = {orders!r}: give Dyson orders as a list of integers 0 … 4")
    training = {"orders": orders,
                "iterations": _get(tr, "iterations", 60, int, "training"),
                "lr": _get(tr, "lr", 2e-2, float, "training"),
                "optimizer": _get(tr, "optimizer", "adam", str, "training"),
                "n_samples": _get(tr, "n_samples", 20, int, "training"),
                "n_steps": _get(tr, "n_steps", 20, int, "training"),
                "weights": _get(tr, "weights", "one", str, "training"),
                "seed": _get(tr, "seed", 0, int, "training"),
                "loss_target": _get(tr, "loss_target", 0.0, float, "training"),
                "warm_start": _get(tr, "warm_start", False, bool, "training"),
                "ensemble": _get(tr, "ensemble", 1, int, "training"),
                "keep_best": _get(tr, "keep_best", True, bool, "training"),
                "first_scale_weight": _get(tr, "first_scale_weight", 1.0, float, "training"),
                # CF4 steps per loss-grid interval for driven (HEM) blocks; static blocks ignore it
                "substeps": _get(tr, "substeps", 2, int, "training")}
    for key in ("iterations", "n_samples", "n_steps", "ensemble", "substeps"):
        if training[key] < (0 if key == "iterations" else 1):
            raise SpecError(f"training.{key} = {training[key]}: must be >= {0 if key == 'iterations' else 1}")
    if training["optimizer"] not in ("adam", "adamw", "lbfgs"):
        raise SpecError(f"training.optimizer = '{training['optimizer']}': choose adam, adamw or lbfgs")
    if training["weights"] not in ("one", "factorial", "series"):
        raise SpecError(f"training.weights = '{training['weights']}': choose one, factorial or series")
    if not training["first_scale_weight"] >= 0:
        raise SpecError(f"training.first_scale_weight = {training['first_scale_weight']}: must be >= 0")
    if not training["lr"] > 0:
        raise SpecError(f"training.lr = {training['lr']}: must be > 0")

    reference = _get(raw.get("reference", {}), "method", "auto", str, "reference")
    if reference not in ("auto", "krylov", "free-fermion", "none"):
        raise SpecError(f"reference.method = '{reference}': choose auto, krylov, free-fermion or none")
    if reference == "krylov" and N > MAX_KRYLOV_SITES:
        raise SpecError(f"reference.method = 'krylov' is limited to N <= {MAX_KRYLOV_SITES}; use free-fermion "
                        f"(TFIM, g = 0) or none")
    bound_s = raw.get("bound", {})
    bound = {"n_grid": _get(bound_s, "n_grid", 101, int, "bound"),
             "max_tuples": _get(bound_s, "max_tuples", 10_000, int, "bound")}
    if bound["n_grid"] < 2 or bound["max_tuples"] < 4:
        raise SpecError("bound.n_grid must be >= 2 and bound.max_tuples >= 4")

    paper = raw.get("paper", {})
    paper_csv = None
    if "csv" in paper:
        paper_csv = (base / _get(paper, "csv", "", str, "paper")).resolve()
        if not paper_csv.is_file():
            raise SpecError(f"paper.csv: {paper_csv} not found; fix the path (relative to the spec) or remove it")
    return ExperimentSpec(name=_get(raw, "name", default_name, str, "spec"), model=model, N=N, couplings=couplings,
                          observable=observable, observable_scale=_get(target, "observable_scale", 1.0, float,
                                                                        "target"),
                          times=tuple(round(float(t), 12) for t in times), map=map_cfg, training=training, reference=reference,
                          bound=bound, device=device, paper_csv=paper_csv, paper_label=str(paper.get("label", "paper")),
                          description=str(raw.get("description", "")), raw=raw)


def _hem_map(mp: dict, N: int) -> dict:
    kinds = {k: type(v) for k, v in HEM_DEFAULTS.items()}
    cfg = {k: _get(mp, k, v, float if kinds[k] is float else kinds[k], "map") for k, v in HEM_DEFAULTS.items()}
    if cfg["interaction"] not in ("nearest", "vdw"):
        raise SpecError(f"map.interaction = '{cfg['interaction']}': choose nearest (the paper's V = 1 between "
                        f"neighbours) or vdw (C6/r^6 between all pairs)")
    if cfg["control"] not in ("mlp", "pwl"):
        raise SpecError(f"map.control = '{cfg['control']}': choose mlp (the paper's pulses) or pwl (what hardware "
                        f"accepts)")
    if cfg["hem_init"] not in ("default", "embed"):
        raise SpecError(f"map.hem_init = '{cfg['hem_init']}': choose default (the paper's start) or embed (the "
                        f"device values of the target block itself)")
    if cfg["learn_positions"] and cfg["interaction"] != "vdw":
        raise SpecError("map.learn_positions needs map.interaction = 'vdw'")
    if not 0 < cfg["min_gap"] <= cfg["gap_init"] <= cfg["max_gap"]:
        raise SpecError(f"need 0 < map.min_gap <= map.gap_init <= map.max_gap (got {cfg['min_gap']}, "
                        f"{cfg['gap_init']}, {cfg['max_gap']})")
    for key in ("width", "depth", "n_knots"):
        if cfg[key] < (2 if key == "n_knots" else 1):
            raise SpecError(f"map.{key} = {cfg[key]}: must be >= {2 if key == 'n_knots' else 1}")
    if N > 12:
        raise SpecError(f"target.N = {N}: the HEM keeps every qubit (dimension 2^N); use N <= 12")
    return cfg


def _device(section, map_cfg: dict) -> dict | None:
    if section is None:
        return None
    profile = _get(section, "profile", "quera_aquila", str, "device")
    if profile not in DEVICE_PROFILES:
        raise SpecError(f"device.profile = '{profile}': choose one of {', '.join(DEVICE_PROFILES)}")
    spacing = _get(section, "spacing_um", 10.0, float, "device")
    if not spacing > 0:
        raise SpecError(f"device.spacing_um = {spacing}: must be positive")
    if map_cfg["control"] != "pwl":
        raise SpecError("[device] limits (slew rates, Ω(0) = Ω(T) = 0) need map.control = 'pwl'; an MLP pulse "
                        "cannot enforce them")
    return {"profile": profile, "spacing_um": spacing}


def _check_device_times(device: dict, times, map_cfg: dict) -> None:
    """Every T must last at least one device time step and at most the longest program, at this spacing."""
    from ..limits import RydbergLimits

    try:
        lim = RydbergLimits.from_snapshot(device["profile"])
    except ValueError as err:
        raise SpecError(f"device.profile: {err}") from None
    if device["spacing_um"] < lim.spacing_radial_min_um:
        raise SpecError(f"device.spacing_um = {device['spacing_um']} is below the device's minimum spacing "
                        f"{lim.spacing_radial_min_um} µm")
    E = lim.energy_scale(device["spacing_um"])
    for T in times:
        us = T / E
        if us < lim.time_delta_min_us or us > lim.duration_max_us:
            raise SpecError(f"times.T = {T} lasts {us:.4g} µs at device.spacing_um = {device['spacing_um']} "
                            f"(energy scale {E:.4g} rad/µs); the device accepts {lim.time_delta_min_us} … "
                            f"{lim.duration_max_us} µs: change the spacing (larger spacing = longer program) or T")
