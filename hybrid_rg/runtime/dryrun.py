"""A dry run: everything a submission would do, except paying, on the local simulator that stands in for the device.

    result = dry_run(programs, "quera_aquila", shots=100, seed=7, out="out/dry")

It validates the whole batch against the device snapshot, estimates the cost, runs the valid programs on
`spec.simulator` with the requested shots and the seeds a submission would use (`idempotency.task_seed`), and writes
report.md, report.png, results.json and provenance.json into `out` atomically. No credentials are read.

Noise: on a hardware device whose snapshot has a `[noise]` table (devices/noise.py), each valid program is also run
through the noise model with the same task seed, and that noisy run is the prediction ("counts", "observables"); the
noise-free run stays beside it ("noise_free"). `noise` picks the mechanisms: "device" (all, the default), "off", a
comma list of mechanisms to keep ("readout,loss"), or of mechanisms to drop ("-readout,-loss"). `hybrid-rg dry-run`
passes "device" or "off" (--noise / --no-noise); without either it takes the choice from $HYBRID_RG_NOISE (default
"device"), which is also where a list of mechanisms goes. `noise_note` says in words what was modelled and why.

Per program the result also carries what the run that made it knew (`program_context`: T, order, the model's
prediction, the exact value and the bound, from the program's metadata, which `hybrid-rg run` writes) and the
simulated estimate of the experiment's observable from the shots, ± its shot-noise standard error.

Backend: where the device's simulator is the package's emulator, each program's backend is picked from its size and
geometry (devices/emulator/choice.py: the state vector up to 18 atoms, past that an MPS in the atom order), and
each run says which it used, why, and its stated error (run["backend"]; the noisy run uses the same backend).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..devices.registry import estimate_cost_usd, get_device, with_task_folder
from ..devices.spec import load_device_spec
from ..devices.validation import validate_batch
from ..errors import BadInput
from ..utils.memory import require_memory
from .idempotency import task_seed
from .observables import summary


@dataclass
class DryRunResult:
    programs: list
    spec: object
    reports: list
    shots: int
    seed: int
    seeds: list
    per_task_usd: float
    total_usd: float
    simulator: str
    runs: list = field(default_factory=list)  # per program: {"counts", "observables"} or None if invalid
    noise: dict | None = None  # the noise model used (mechanisms, source), None if noise-free
    noise_note: str = ""  # in words: whether noise was modelled, and why not if not
    contexts: list = field(default_factory=list)  # per program: program_context(p)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)


# Noise realisations (MPS runs) per program on the MPS backend: each is a whole MPS evolution, so a few parameter
# draws with many shots each stand for the shot-to-shot spread (devices/noise.py, the 1/√R sampling error).
MPS_REALISATIONS = 4


def _sv_report(choice, metadata: dict, simulator: str) -> dict:
    """run["backend"] for a state-vector run on the device's simulator: its own stated error (metadata)."""
    return {
        "backend": "state-vector" if choice is not None else simulator,
        "reason": choice.reason if choice is not None else f"the device's simulator {simulator!r}",
        "stated_error": metadata.get("state_error_bound"),
        "error_of": "the final state (2-norm; bounds every probability's error by twice that in sum)",
        "method": metadata.get("method"),
    }


def _noise_model(spec, noise):
    """(NoiseModel or None for a noise-free run, a sentence saying which and why) from a `noise` choice."""
    noise = os.environ.get("HYBRID_RG_NOISE", "device") if noise is None else noise
    if not isinstance(noise, str):
        return noise, "noise modelled: a model given by the caller"
    choice = noise.strip().lower()
    if choice in ("off", "none", ""):
        return None, "noise NOT modelled: turned off (--no-noise or HYBRID_RG_NOISE=off); the shots are ideal"
    if getattr(spec, "kind", "") != "rydberg":
        return None, f"noise NOT modelled: {spec.name} is a {spec.kind}, and only Rydberg snapshots carry a noise model"
    from ..devices.noise import NoiseError, NoiseModel

    try:
        model = NoiseModel.from_device(spec)
    except NoiseError:
        return None, f"noise NOT modelled: the snapshot {spec.name} has no [noise] table; the shots are ideal"
    if choice not in ("device", "all", "on"):
        names = [x.strip() for x in choice.split(",") if x.strip()]
        if all(x.startswith("-") for x in names):
            model = model.without(*(x[1:] for x in names))
        elif any(x.startswith("-") for x in names):
            raise ValueError(f"noise = {noise!r}: list mechanisms to keep, or (each with '-') to drop, not both")
        else:
            model = model.only(*names)
    return model, (
        f"noise modelled ({', '.join(sorted(model.enabled)) or 'no mechanism'}) from the [noise] table of "
        f"{spec.name}; the noise-free run is shown beside it (--no-noise to skip it)"
    )


def program_context(program) -> dict:
    """What the run that made `program` knew about it, from its metadata (`hybrid-rg run` writes it): experiment,
    order, T, observable and scale, the model's prediction, the exact value and the bound; {} for a bare program."""
    meta = dict(getattr(program, "metadata", ()) or ())
    out: dict = {k: meta[k] for k in ("experiment", "observable") if k in meta}
    for key, kind in (
        ("order", int),
        ("T", float),
        ("observable_scale", float),
        ("prediction", float),
        ("exact", float),
        ("bound", float),
    ):
        try:
            out[key] = kind(meta[key])
        except (KeyError, ValueError):
            pass
    return out


def observable_estimate(context: dict, counts: dict, n_atoms: int) -> dict | None:
    """The experiment's observable (a Z-string, × its scale) from shot counts, ± one shot-noise standard error;
    None when the program names no observable or it is not read from Z shots."""
    if "observable" not in context:
        return None
    from ..operators import parse_observables
    from ..operators.counts import z_string

    try:
        obs = parse_observables(context["observable"], n_atoms)[0]
    except ValueError:
        return None
    if set(obs.paulis) != {"Z"} or obs.two_time or sum(counts.values()) < 2:
        return None
    value, err = z_string(counts, obs.sites, context.get("observable_scale", 1.0))
    return {"observable": context["observable"], "value": value, "stderr": err}


def dry_run(
    programs, device: str, shots: int, seed: int, out: str | Path | None = None, noise=None, realisations: int = 16
) -> DryRunResult:
    if shots < 2:
        raise BadInput(f"shots = {shots}; a dry run needs >= 2 shots for error bars")
    from ..devices.byo import as_programs

    programs = list(as_programs(programs))  # Braket AHS programs are accepted as they are
    spec = load_device_spec(device)
    model, noise_note = _noise_model(spec, noise)
    if model is not None:
        # the noise model draws three float64 numbers per atom and shot at once (devices.noise.simulate); a
        # noise-free run draws its counts from one multinomial, whose memory does not grow with the shots
        atoms = max((p.n_atoms for p in programs), default=0)
        require_memory(shots * atoms * 24, f"--shots {shots} through the noise model ({atoms} atoms)", "lower --shots")
    reports = validate_batch(programs, spec, shots)
    per_task = estimate_cost_usd(spec, 1, shots)
    seeds = [task_seed(seed, k) for k in range(len(programs))]
    # the simulator's tasks are throwaways (the counts go into the report): a folder removed at the end, not a
    # new temporary folder left behind by every dry run
    with tempfile.TemporaryDirectory(prefix="hybrid-rg-dry-run-") as folder:
        sim = get_device(spec.simulator, **with_task_folder(spec.simulator, {}, folder))
        return _simulate(
            programs, spec, reports, shots, seed, seeds, per_task, model, noise_note, realisations, sim, out
        )


def _simulate(
    programs, spec, reports, shots, seed, seeds, per_task, model, noise_note, realisations, sim, out
) -> DryRunResult:
    result = DryRunResult(
        list(programs),
        spec,
        reports,
        shots,
        seed,
        seeds,
        per_task,
        estimate_cost_usd(spec, len(programs), shots),
        spec.simulator,
        noise_note=noise_note,
        contexts=[program_context(p) for p in programs],
    )
    from ..utils.progress import note, progress

    for k, (program, report, s, context) in enumerate(
        progress(list(zip(programs, reports, seeds, result.contexts)), desc="dry run", unit="program")
    ):
        if not report.ok:
            result.runs.append(None)
            note(f"[{k + 1}/{len(programs)}] program {program.digest()[:12]}: invalid on {spec.name}, not run")
            continue
        t0 = time.perf_counter()
        choice = None
        if spec.simulator == "emulator":
            from ..devices.emulator.choice import choose_backend  # the emulator (torch) only when it runs

            choice = choose_backend(program)
        if choice is not None and choice.name == "mps":
            from ..devices.emulator.choice import run_backend

            counts, backend = run_backend(program, shots, s, choice)
        else:
            task = sim.run([program], shots=shots, seed=s)[0].result()
            counts, backend = task.counts, _sv_report(choice, task.metadata, spec.simulator)
        run = {
            "counts": dict(counts),
            "observables": summary(counts),
            "estimate": observable_estimate(context, counts, program.n_atoms),
            "backend": backend,
        }
        if model is not None:
            from ..devices.noise import simulate

            noisy = simulate(
                program,
                model,
                shots,
                seed=s,
                realisations=min(realisations, MPS_REALISATIONS) if backend["backend"] == "mps" else realisations,
                backend=choice,
            )
            if noisy.shots_kept < 2:
                raise ValueError(
                    f"the noise model dropped {shots - noisy.shots_kept} of {shots} shots (missing atoms); raise shots"
                )
            run = {
                "counts": noisy.counts,
                "observables": summary(noisy.counts),
                "estimate": observable_estimate(context, noisy.counts, program.n_atoms),
                "backend": backend,
                "noise": noisy.metadata,
                "noise_free": run,
            }
            result.noise = {
                "mechanisms": sorted(model.enabled),
                "source": model.parameters.source,
                "date": model.parameters.date,
                "realisations": realisations,
            }
        result.runs.append(run)
        note(
            f"[{k + 1}/{len(programs)}] program {program.digest()[:12]}: {shots} shots on {spec.simulator}"
            + (" + noise model" if model is not None else "")
            + f" ({time.perf_counter() - t0:.1f} s)"
        )
    if out is not None:
        write(result, Path(out))
    return result


def write(result: DryRunResult, out: Path) -> None:
    import json

    from ..utils.provenance import provenance, write_json
    from ..utils.results import atomic_dir
    from .report import markdown, plot

    with atomic_dir(out) as tmp:
        (tmp / "report.md").write_text(markdown(result))
        plot(tmp / "report.png", result)
        write_json(
            tmp / "results.json",
            {
                "device": result.spec.name,
                "spec_digest": result.spec.digest(),
                "simulator": result.simulator,
                "shots": result.shots,
                "cost_usd": {"per_task": result.per_task_usd, "total": result.total_usd},
                "noise": result.noise,
                "noise_note": result.noise_note,
                "limits": result.spec.limits_origin(),
                "programs": [
                    {
                        "digest": p.digest(),
                        "seed": s,
                        "valid": r.ok,
                        "violations": str(r),
                        "context": c,
                        "cost_usd": result.per_task_usd,
                        "run": run,
                    }
                    for p, r, s, c, run in zip(
                        result.programs, result.reports, result.seeds, result.contexts, result.runs
                    )
                ],
            },
        )
        (tmp / "programs.json").write_text(json.dumps([p.to_dict() for p in result.programs], indent=1))
        write_json(
            tmp / "provenance.json",
            provenance(
                inputs={
                    "device": result.spec.name,
                    "spec_digest": result.spec.digest(),
                    "simulator": result.simulator,
                    "program_digests": [p.digest() for p in result.programs],
                    "shots": result.shots,
                },
                seeds={"batch_seed": result.seed, "task_seeds": result.seeds},
            ),
        )
