"""From a trial's hyperparameters to the pulse program it runs, plus what the torch model says about it.

A trial's program is the terminal HEM of the campaign's experiment (van der Waals, PWL controls, compiled by
pulse.units.compile_hem) started on plateaus Ω = omega, Δ = delta at gap `gap`, its ramps at `ramp` × the device's
slew limit, on atoms `spacing_um` apart, optionally trained for `iterations` steps in torch. Beside the program
the torch model gives, with no device: its own (noise-free) ⟨O(T)⟩ — the surrogate of warm.py, equal to the exact
emulator to the integrators' accuracy —, the exact higher-order scaling-consistency terms (loss_order >= 1) and
the real-time error bound of the flow (olrg.predict). Everything is seeded, so the same parameters give the same
program bit for bit (a resumed campaign finds the same intent keys in the ledger).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..operators.counts import z_string
from .spec import CampaignSpec, CampaignSpecError


@dataclass(frozen=True, eq=False)
class Experiment:
    spec: object  # olrg.spec.ExperimentSpec
    site: object
    first: object
    observable: object  # operators.ObservableSpec (Z-strings only: measurable from shots)
    target: float
    target_method: str


@dataclass(frozen=True)
class Build:
    params: dict  # every hyperparameter, searched or default
    program: object  # pulse.program.RydbergProgram (before device discretization)
    surrogate_value: float  # ⟨O(T)⟩ of the torch model (exact emulator, no shots)
    consistency: float  # exact scaling-consistency loss at loss_order (0 when loss_order = 0)
    bound: float | None  # real-time error bound of the flow at bound_order (None when bound = "none")


def load_experiment(cspec: CampaignSpec) -> Experiment:
    from ..olrg.experiment import first_block, reference, site_model
    from ..olrg.spec import load_spec
    from ..operators import parse_observables
    from ..pulse.experiment_programs import check_compilable

    spec = load_spec(cspec.experiment)
    check_compilable(spec)
    obs = parse_observables(spec.target.observable, spec.target.N)[0]
    if set(obs.paulis) != {"Z"} or obs.two_time:
        raise CampaignSpecError(
            f"{spec.name}: observable {spec.target.observable!r} is not a product of Z's; only "
            f"those are read from shot counts (use e.g. 'zz:0,1')"
        )
    site = site_model(spec)
    first = first_block(spec, site)
    target = cspec.objective.target
    if target is not None:
        return Experiment(spec, site, first, obs, float(target), "given")
    exact_spec = spec.model_copy(update={"times": spec.times.model_copy(update={"T": (cspec.T,)})})
    values, method = reference(exact_spec)
    if values is None:
        raise CampaignSpecError(
            f"{spec.name}: no exact reference at N = {spec.target.N} ({method}); set objective.target"
        )
    return Experiment(spec, site, first, obs, float(values[0]), method)


def resolved(cspec: CampaignSpec, exp: Experiment, params: dict) -> dict:
    """All hyperparameters: the trial's, and for the rest the experiment's and the campaign's defaults."""
    m, dev = exp.spec.map, exp.spec.device
    out = {
        "omega": m.omega_init,
        "delta": m.delta_init,
        "gap": m.gap_init,
        "spacing_um": dev.spacing_um,
        "n_knots": m.n_knots,
        "ramp": 1.0,
        "shots": cspec.device.shots,
        "loss_order": cspec.objective.loss_order,
        "iterations": 0,
    }
    out.update(params)
    return out


def build_hem(exp: Experiment, T: float, p: dict, seed: int):
    from ..limits import RydbergLimits
    from ..olrg.controls import ChannelLimits
    from ..olrg.hem import DeviceFamily, HamiltonianExpressionMap
    from ..olrg.hem_limits import channel_limits, max_knots

    m, dev = exp.spec.map, exp.spec.device
    if not 0 < p["ramp"] <= 1:
        raise ValueError(f"ramp = {p['ramp']}; the fraction of the slew limit must be in (0, 1]")
    limits = RydbergLimits.from_snapshot(dev.profile)
    chans = channel_limits(limits, p["spacing_um"])
    chans = {k: ChannelLimits(c.lo, c.hi, c.slew * p["ramp"], c.zero_ends) for k, c in chans.items()}
    gap = float(p["gap"])
    family = DeviceFamily(
        interaction="vdw",
        site_resolved=False,
        phase=m.phase,
        local_detuning=m.local_detuning,
        learn_positions=False,
        min_gap=min(m.min_gap, gap),
        max_gap=max(m.max_gap, gap),
        gap_init=gap,
        **chans,
    )
    n_knots = min(int(p["n_knots"]), max_knots(limits, p["spacing_um"], T))
    return HamiltonianExpressionMap(
        T,
        family,
        control="pwl",
        n_knots=n_knots,
        omega_init=float(p["omega"]),
        delta_init=float(p["delta"]),
        terminal=True,
        seed=seed,
    )


def build(
    cspec: CampaignSpec, exp: Experiment, params: dict, seed: int, with_program: bool = True, with_bound: bool = True
) -> Build:
    """The trial's program and the torch model's numbers (see the module docstring)."""
    from ..olrg.flow import run_flow
    from ..olrg.loss import LossConfig
    from ..olrg.predict import predict
    from ..olrg.trainer import flow_loss, train
    from ..pulse.units import compile_hem

    p, T, o, spec = resolved(cspec, exp, params), cspec.T, cspec.objective, exp.spec
    torch.manual_seed(seed)
    hem = build_hem(exp, T, p, seed)
    with torch.no_grad():
        run_flow(exp.first, exp.site, spec.target.N, hem)  # creates every scale's controls
    if int(p["iterations"]) > 0:
        tr = spec.training
        cfg = LossConfig(T=T, K=max(int(p["loss_order"]), 1), n_steps=o.n_steps, n_samples=o.n_samples)
        train(
            exp.first,
            exp.site,
            spec.target.N,
            hem,
            cfg,
            iterations=int(p["iterations"]),
            lr=tr.lr,
            optimizer="adam",
            seed=seed,
        )
    with torch.no_grad():
        value = float(run_flow(exp.first, exp.site, spec.target.N, hem).prediction(T))
        consistency = 0.0
        if int(p["loss_order"]) > 0:
            cfg = LossConfig(T=T, K=int(p["loss_order"]), n_steps=o.n_steps, n_samples=o.n_samples)
            consistency = float(
                flow_loss(exp.first, exp.site, spec.target.N, hem, cfg, torch.Generator().manual_seed(seed))
            )
    bound = None
    if o.bound != "none" and with_bound:
        bound = predict(
            exp.first,
            exp.site,
            spec.target.N,
            hem,
            T,
            o.bound_order,
            n_grid=spec.bound.n_grid,
            max_tuples=spec.bound.max_tuples,
        ).bound
    program = None
    if with_program:
        prog = compile_hem(hem, spec.target.N, float(p["spacing_um"]))
        program = prog.with_metadata(
            experiment=spec.name,
            T=repr(T),
            calibration=cspec.name,
            **{f"param_{k}": repr(v) for k, v in sorted(p.items())},
        )
    return Build(p, program, value, consistency, bound)


def for_device(program, device_spec):
    """The program on the device's grids (a snapshot without grids leaves it as it is)."""
    from ..devices.discretize import discretize

    return discretize(program, device_spec)


def observable_from_counts(counts: dict[str, int], exp: Experiment) -> tuple[float, float]:
    """⟨O⟩ (with the experiment's observable_scale) from shot counts, and its shot-noise standard error."""
    return z_string(counts, exp.observable.sites, exp.spec.target.observable_scale)
