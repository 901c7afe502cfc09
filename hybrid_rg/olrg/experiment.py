"""Run an OLRG experiment spec: for each Dyson order K and final time T, train a map, predict ⟨O(T)⟩, bound it.

Resumable: every finished (K, T) point leaves `checkpoints/K{K}_T{T}.json` (its numbers) and `.pt` (its map) in
the output folder, and the trainer checkpoints while it runs; a rerun after a crash skips finished points and
resumes the interrupted one. result.csv, result.png and provenance.json are written all at once at the end.

Never two specs in one folder: before a point's first file is written, `K{K}_T{T}.spec.json` records the spec
fields that determine it (utils.specs.result_fields: the spec without its name, description, [paper] and
[reference], without the other times and orders, plus the chain of earlier times under warm_start and the
--init-from run). A rerun whose spec differs for a point that has files is refused before any computation, naming
the fields that changed; with `recompute=True` (`hybrid-rg run --recompute`) the stale points are deleted and
computed again. The exact column is computed afresh on every run, never read back from a checkpoint.

Warm start (training.warm_start): the map for time T starts from the trained map of the previous T of the same
order (the authors' `--sweep` curriculum); the first T, and every T when nothing is trained (iterations = 0 and
polish_iterations = 0), starts from the map's own initialisation. With training.warm_choice = "lower_loss" a
warm-started T takes whichever of the previous T's map and its own initialisation has the lower deterministic
full-grid loss at this T.

Workers (training.workers = n > 1): each order's T list is split into n contiguous warm chains (`chains`), each run
by `_run_chain` (the serial loop itself) in its own 'spawn' process limited to one thread; the first T of each chain
starts from its own initialisation, and every point records where its chain started (point_inputs' warm_from_T), so
a rerun with another split refuses, or with --recompute recomputes, exactly the points whose warm start changed.
The parent prints the progress lines as the points arrive.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import BadInput, UnusableFile
from ..exact.runner import ExactRequest, RequestError, run_exact
from ..limits import RydbergLimits
from ..operators import parse_observables
from ..utils.checkpoints import load_checkpoint
from ..utils.progress import fmt_seconds, note, progress
from ..utils.results import atomic_file
from ..utils.specs import changed_fields, fields_digest
from .block import SiteModel, exact_block
from .flow import IdentityMap, run_flow
from .generative import GenerativeMap
from .hem import DeviceFamily, HamiltonianExpressionMap, tfim_embedding
from .hem_limits import channel_limits, max_knots, ramp_time
from .loss import LossConfig
from .omm import LinearIsometryMap
from .predict import predict
from .spec import DeviceSection, ExperimentSpec, MapSpec
from .trainer import choose_start, train


@dataclass(frozen=True)
class Point:
    order: int
    T: float
    prediction: float
    exact: float | None
    bound: float
    tail_share: float
    final_loss: float | None
    iterations: int
    seconds: float

    @property
    def error(self) -> float | None:
        return None if self.exact is None else abs(self.prediction - self.exact)


def site_model(spec: ExperimentSpec) -> SiteModel:
    return getattr(SiteModel, spec.target.model)(**spec.target.couplings)


def first_block(spec: ExperimentSpec, site: SiteModel):
    """The exact first block of map.n0 sites carrying the (scaled) observable: where every flow of the spec
    starts."""
    obs = parse_observables(spec.target.observable, spec.target.N)[0]
    return exact_block(site, spec.map.n0, obs.operator(spec.map.n0) * spec.target.observable_scale)


def reference(spec: ExperimentSpec) -> tuple[np.ndarray | None, str]:
    """Exact values at the spec's times (scaled like the observable), and the method used ('none' if none)."""
    if spec.reference.method == "none":
        return None, "none"
    t = spec.target
    try:
        req = ExactRequest(
            model=t.model,
            n=t.N,
            times=spec.times.T,
            observables=(t.observable,),
            method=spec.reference.method,
            **t.couplings,
        ).validate()
    except RequestError as err:
        if spec.reference.method == "auto":  # too large for Krylov and not free: run without a reference
            return None, f"none ({err})"
        raise
    _, values = run_exact(req)
    return spec.target.observable_scale * np.real(next(iter(values.values()))), req.method


def make_map(spec: ExperimentSpec, site: SiteModel, T: float):
    m, seed = spec.map, spec.training.seed
    if m.kind == "identity":
        return IdentityMap()
    if m.kind == "hem":
        return make_hem(m, spec.device, T, seed, site)
    if m.kind == "generative":
        return GenerativeMap(
            m.chi, width=m.width, depth=m.depth, noise_dim=m.noise_dim, per_operator=m.per_operator, seed=seed
        )
    n_steps = spec.training.n_steps
    return LinearIsometryMap(m.chi, init=m.init, site=site, T=T, n_steps=n_steps, seed=seed, rdm_env=m.rdm_env)


def make_hem(
    m: MapSpec, device: DeviceSection | None, T: float, seed: int, site: SiteModel | None = None
) -> HamiltonianExpressionMap:
    """The HEM of a spec's [map] (and [device]: its limits become the controls' limits, and the number of
    waveform knots is capped by the device's minimum time step at this T)."""
    family = dict(
        interaction=m.interaction,
        site_resolved=m.site_resolved,
        phase=m.phase,
        local_detuning=m.local_detuning,
        learn_positions=m.learn_positions,
        min_gap=m.min_gap,
        max_gap=m.max_gap,
        gap_init=m.gap_init,
    )
    n_knots = m.n_knots
    if device is not None:
        limits = RydbergLimits.from_snapshot(device.profile)
        family.update(channel_limits(limits, device.spacing_um))
        omega = tfim_embedding(site)["omega"] if m.hem_init == "embed" else m.omega_init
        ramp = ramp_time(limits, device.spacing_um, omega) if m.control == "pwl" else 0.0
        if n_knots >= 4 and 2 * ramp < T:  # Ω rises within `ramp`, not within a whole knot interval
            family["ramp"] = ramp
        n_knots = min(n_knots, max_knots(limits, device.spacing_um, T, family.get("ramp", 0.0)))
    return HamiltonianExpressionMap(
        T,
        DeviceFamily(**family),
        control=m.control,
        width=m.width,
        depth=m.depth,
        n_knots=n_knots,
        omega_init=m.omega_init,
        delta_init=m.delta_init,
        terminal=m.terminal,
        seed=seed,
        init=m.hem_init,
        site=site,
    )


def _key(order: int, T: float) -> str:
    return f"K{order}_T{T:.6g}"


POINT_FILES = (".json", ".pt", ".train.pt")  # a finished point (numbers, map) and its training checkpoint
ANY_INIT = object()  # check_points: accept whatever --init-from the points were made with


def _trained(spec: ExperimentSpec) -> bool:
    return spec.training.iterations > 0 or spec.training.polish_iterations > 0


def chains(spec: ExperimentSpec) -> list[range]:
    """The contiguous runs of time indices that warm-start along themselves: training.workers per order (fewer
    when there are fewer times), as even as possible; the first T of each starts from its own initialisation."""
    n = len(spec.times.T)
    k = min(spec.training.workers, n)
    cuts = [round(i * n / k) for i in range(k + 1)]
    return [range(a, b) for a, b in zip(cuts, cuts[1:])]


def _chain_start(spec: ExperimentSpec, j: int) -> int:
    return next(c.start for c in chains(spec) if j in c)


def point_inputs(spec: ExperimentSpec, order: int, j: int, init_from: Path | None) -> dict:
    """The spec fields that determine point (order, times.T[j]) of a run: recorded beside its checkpoints."""
    fields = spec.result_fields()
    del fields["times"]  # the other times and orders are other points ...
    del fields["training"]["orders"]
    point = {"K": order, "T": spec.times.T[j]}
    start = _chain_start(spec, j)
    if spec.training.warm_start and _trained(spec) and j > start:
        point["warm_from_T"] = list(spec.times.T[start:j])  # ... unless this one starts from the ones before
    return fields | {"point": point, "init_from": str(Path(init_from).resolve()) if init_from else None}


def _recorded(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) and isinstance(data.get("fields"), dict) else None
    except (OSError, ValueError):
        return None


def check_points(
    spec: ExperimentSpec, out: Path, init_from=None, recompute: bool = False, spec_file: str | None = None
) -> int:
    """Refuse (UnusableFile, naming the changed fields) when a point of `out` was made from other spec fields than
    `spec`'s, or, with `recompute`, delete those stale points so that they are computed again. Returns how many
    points were stale. `init_from=ANY_INIT` accepts each point's recorded --init-from (for readers of a run)."""
    folder = Path(out) / "checkpoints"
    stale, changes = [], []
    for K in spec.training.orders:
        for j, T in enumerate(spec.times.T):
            key = _key(K, T)
            files = [folder / f"{key}{suffix}" for suffix in POINT_FILES]
            if not any(f.exists() for f in files):
                continue
            recorded = _recorded(folder / f"{key}.spec.json")
            if recorded is None:
                stale.append(files)
                changes.append(f"{key} has no spec record (written by an older hybrid-rg)")
                continue
            fields = point_inputs(spec, K, j, None if init_from is ANY_INIT else init_from)
            if init_from is ANY_INIT:
                fields["init_from"] = recorded["fields"].get("init_from")
            if fields_digest(fields) != recorded.get("digest"):
                stale.append(files)
                changes += [c for c in changed_fields(recorded["fields"], fields) if c not in changes]
    if not stale:
        return 0
    if recompute:
        for files in stale:
            for f in files:
                f.unlink(missing_ok=True)
        return len(stale)
    shown = "; ".join(changes[:6]) + (f"; and {len(changes) - 6} more" if len(changes) > 6 else "")
    why = "spec changed since this run" if any(" -> " in c for c in changes) else "cannot check the spec of its points"
    raise UnusableFile(
        f"{out}: {why}: {shown} ({len(stale)} point(s) stale); use another --out, or recompute the stale points "
        f"with 'hybrid-rg run {spec_file or 'SPEC'} --out {out} --recompute'"
    )


def _record_inputs(folder: Path, key: str, fields: dict) -> None:
    """Write the point's spec record before any of its files (a crash leaves a record without files: harmless)."""
    path = folder / f"{key}.spec.json"
    digest = fields_digest(fields)
    recorded = _recorded(path)
    if recorded is None or recorded.get("digest") != digest:
        with atomic_file(path) as tmp:
            tmp.write_text(json.dumps({"digest": digest, "fields": fields}, indent=1, sort_keys=True))


def _load_into(opmap, first, site, N: int, state: dict) -> None:
    """Per-scale parameters are created on the first pass through the flow; create them, then load `state`."""
    with torch.no_grad():
        run_flow(first, site, N, opmap)
    opmap.load_state_dict(state)


def init_state(init_from: Path, order: int, T: float) -> dict:
    """The trained map of a previous run (`hybrid-rg run --init-from RUN_DIR`) closest in T at the same order
    (any order if none matches): the warm start of a new run."""
    found = []
    for f in (Path(init_from) / "checkpoints").glob("K*_T*.pt"):
        if f.name.endswith(".train.pt"):
            continue
        k, t = f.stem[1:].split("_T")
        found.append((int(k) != order, abs(float(t) - T), f))
    if not found:
        raise UnusableFile(f"--init-from {init_from}: no trained maps in {init_from}/checkpoints (run it first)")
    return load_checkpoint(min(found)[2])


def run_point(
    spec,
    site,
    first,
    order: int,
    T: float,
    exact: float | None,
    folder: Path,
    warm: dict | None,
    inputs: dict | None = None,
):
    """Train (or resume) one (K, T) point; returns the Point and the trained map's state for the next warm start.
    `inputs`: the spec fields that determine the point (point_inputs), recorded before its first file."""
    done = folder / f"{_key(order, T)}.json"
    state_file = folder / f"{_key(order, T)}.pt"
    opmap = make_map(spec, site, T)
    tr = spec.training
    if done.exists() and state_file.exists():
        _load_into(opmap, first, site, spec.target.N, load_checkpoint(state_file))
        # the exact value is this run's reference, not the one stored with the point
        return Point(**{**json.loads(done.read_text()), "exact": exact}), opmap.state_dict()
    if inputs is not None:
        _record_inputs(folder, _key(order, T), inputs)
    t0 = time.perf_counter()
    losses, n_iter = [], 0
    if spec.map.kind != "identity":
        cfg = LossConfig(
            T=T,
            K=order,
            n_steps=tr.n_steps,
            n_samples=tr.n_samples,
            weights=tr.weights,
            full_grid=tr.optimizer == "lbfgs",
            first_scale_weight=tr.first_scale_weight,
            substeps=tr.substeps,
            lookahead=tr.lookahead,
            lookahead_weight=tr.lookahead_weight,
            patterns=tr.patterns,
        )
        if warm is not None:
            with torch.no_grad():
                run_flow(first, site, spec.target.N, opmap)
            own = {k: v.detach().clone() for k, v in opmap.state_dict().items()}
            try:
                opmap.load_state_dict(warm)
            except RuntimeError as err:
                raise BadInput(
                    f"the warm start does not fit this map (different structure: {str(err)[:200]}…); "
                    f"initialise from a run with the same [map] and [device]"
                ) from None
            if tr.warm_choice == "lower_loss":
                choose_start(first, site, spec.target.N, opmap, cfg, [warm, own])
        result = train(
            first,
            site,
            spec.target.N,
            opmap,
            cfg,
            iterations=tr.iterations,
            lr=tr.lr,
            optimizer=tr.optimizer,
            seed=tr.seed,
            loss_target=tr.loss_target,
            ensemble=tr.ensemble,
            keep_best=tr.keep_best,
            checkpoint=folder / f"{_key(order, T)}.train.pt",
            polish_iterations=tr.polish_iterations,
            polish_max_eval=tr.polish_max_eval,
        )
        # with a polish, the final loss reported is the polished map's deterministic full-grid loss
        losses = result.losses + result.polish_losses[-1:]
        n_iter = len(result.losses) + max(0, len(result.polish_losses) - 1)  # optimiser + polish iterations
    pred = predict(
        first,
        site,
        spec.target.N,
        opmap,
        T,
        order,
        ensemble=tr.ensemble,
        seed=tr.seed,
        n_grid=spec.bound.n_grid,
        max_tuples=spec.bound.max_tuples,
    )
    point = Point(
        order,
        T,
        pred.value,
        exact,
        pred.bound,
        pred.tail_share,
        losses[-1] if losses else None,
        n_iter,
        time.perf_counter() - t0,
    )
    torch.save(opmap.state_dict(), state_file)
    done.write_text(json.dumps(point.__dict__))
    return point, opmap.state_dict()


def run_experiment(
    spec: ExperimentSpec,
    out: Path,
    init_from: Path | None = None,
    recompute: bool = False,
    spec_file: str | None = None,
) -> tuple[list[Point], str]:
    """All (K, T) points of the spec, resuming from `out/checkpoints`; returns the points and the reference method.
    init_from: a previous run whose trained maps start each point (nearest T), instead of a cold start
    (ANY_INIT: accept whatever the finished points started from).
    A point made from other spec fields is refused (UnusableFile naming them), or recomputed with `recompute`.
    With training.workers > 1 the warm chains (`chains`) run in that many processes, one thread each."""
    check_points(spec, out, init_from, recompute, spec_file)
    any_init = init_from is ANY_INIT  # resolved here: the sentinel's identity does not survive a worker's pickling
    if any_init:  # a reader finishing a run: started points keep their start (and its record), new ones start cold
        init_from = None
    exact, method = reference(spec)
    exact_at = None if exact is None else [float(x) for x in exact]
    folder = Path(out) / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    work = [(K, list(c)) for K in spec.training.orders for c in chains(spec)]
    total = sum(len(js) for _, js in work)
    bar = progress(desc=spec.name, total=total, unit="point")
    found: dict[tuple[int, int], Point] = {}
    t_start, computed = time.perf_counter(), 0

    def report(K: int, j: int, point: Point, resumed: bool) -> None:
        nonlocal computed
        found[K, j] = point
        computed += not resumed
        left = total - len(found)
        eta = (time.perf_counter() - t_start) / computed * left if computed and left else 0.0
        note(point_line(point, len(found), total, eta, resumed))
        bar.update(1)
        if point.error is not None:
            bar.set_postfix(K=K, T=f"{point.T:.2f}", err=f"{point.error:.1e}")

    try:
        if len(work) == len(spec.training.orders) or spec.training.workers == 1:
            site = site_model(spec)
            first = first_block(spec, site)
            for K, js in work:
                _run_chain(spec, site, first, exact_at, folder, K, js, init_from, any_init, report)
        else:
            _run_chains_in_processes(spec, exact_at, folder, work, init_from, any_init, report)
    finally:
        bar.close()
    return [found[K, j] for K in spec.training.orders for j in range(len(spec.times.T))], method


def _run_chain(spec, site, first, exact_at, folder: Path, K: int, js: list[int], init_from, any_init, report) -> None:
    """The points K, times.T[js] in order, each (when trained under warm_start) from the one before; `report`
    gets (K, j, point, resumed) as each finishes. any_init: points already started keep their recorded start."""
    warm = None
    for j in js:
        # the curriculum only seeds training: a point that is not trained (iterations = 0) keeps its own
        # initialisation instead of silently inheriting the first T's map at every T
        if j == js[0] or not spec.training.warm_start or not _trained(spec):
            warm = None
        if init_from is not None and warm is None:
            warm = init_state(init_from, K, spec.times.T[j])
        T = spec.times.T[j]
        ex = None if exact_at is None else exact_at[j]
        inputs = point_inputs(spec, K, j, init_from)
        recorded = _recorded(folder / f"{_key(K, T)}.spec.json") if any_init else None
        if recorded is not None:
            inputs["init_from"] = recorded["fields"].get("init_from")
        t0 = time.perf_counter()
        point, warm = run_point(spec, site, first, K, T, ex, folder, warm, inputs)
        resumed = time.perf_counter() - t0 < 0.5 * point.seconds  # read back from its checkpoint, not computed
        report(K, j, point, resumed)


def _chain_process(spec, exact_at, folder, K, js, init_from, any_init, queue) -> None:
    """One warm chain in a worker process (one thread: the chains are the parallelism); points go to `queue`."""
    from ..utils.threads import limit_threads

    limit_threads()
    site = site_model(spec)
    first = first_block(spec, site)
    _run_chain(spec, site, first, exact_at, folder, K, js, init_from, any_init, lambda *got: queue.put(got))


def _run_chains_in_processes(spec, exact_at, folder, work, init_from, any_init, report) -> None:
    """Run the chains `work` in training.workers 'spawn' processes, reporting each point as it arrives; the first
    failure is raised here (the other chains' finished points stay checkpointed for a rerun)."""
    import multiprocessing
    import queue as queues
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    ctx = multiprocessing.get_context("spawn")  # no fork of a parent that holds torch's threads
    total = sum(len(js) for _, js in work)
    with ctx.Manager() as manager, ProcessPoolExecutor(spec.training.workers, mp_context=ctx) as pool:
        got = manager.Queue()
        futures = [
            pool.submit(_chain_process, spec, exact_at, folder, K, js, init_from, any_init, got) for K, js in work
        ]
        seen = 0
        while seen < total:
            try:
                report(*got.get(timeout=0.5))
                seen += 1
                continue
            except queues.Empty:
                pass
            done, _ = wait(futures, timeout=0, return_when=FIRST_EXCEPTION)
            for f in done:
                if f.exception() is not None:
                    for other in futures:
                        other.cancel()
                    raise f.exception()
            if len(done) == len(futures) and got.empty():
                break  # every chain returned: nothing more will arrive
        for f in futures:
            f.result()


def point_line(p: Point, done: int, total: int, eta_s: float, resumed: bool = False) -> str:
    """The progress line of one finished point: T, prediction, exact, error, bound, seconds (and the ETA)."""
    exact = "" if p.exact is None else f"  exact {p.exact:.8f}  |error| {p.error:.1e}"
    how = "resumed from its checkpoint" if resumed else fmt_seconds(p.seconds)
    eta = f", ETA {fmt_seconds(eta_s)}" if eta_s > 0 else ""
    return (
        f"[{done}/{total}] K={p.order} T={p.T:.4g}  prediction {p.prediction:.8f}{exact}  bound {p.bound:.1e}"
        f"  ({how}{eta})"
    )
