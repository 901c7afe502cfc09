"""A dry run: everything a submission would do, except paying, on the local simulator that stands in for the device.

    result = dry_run(programs, "quera_aquila", shots=100, seed=7, out="out/dry")

It validates the whole batch against the device snapshot, estimates the cost, runs the valid programs on
`spec.simulator` with the requested shots and the seeds a submission would use (`idempotency.task_seed`), and writes
report.md, report.png, results.json and provenance.json into `out` atomically. No credentials are read.

Noise: on a hardware device whose snapshot has a `[noise]` table (devices/noise.py), each valid program is also run
through the noise model with the same task seed, and that noisy run is the prediction ("counts", "observables"); the
noise-free run stays beside it ("noise_free"). `noise` picks the mechanisms: "device" (all, the default), "off", a
comma list of mechanisms to keep ("readout,loss"), or of mechanisms to drop ("-readout,-loss"). Until the CLI has a
flag for it, `hybrid-rg dry-run` takes it from $HYBRID_RG_NOISE.

Backend: where the device's simulator is the package's emulator, each program's backend is picked from its size and
geometry (devices/emulator/choice.py: the state vector up to 18 atoms, past that an MPS in the atom order), and
each run says which it used, why, and its stated error (run["backend"]; the noisy run uses the same backend).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..devices.registry import estimate_cost_usd, get_device
from ..devices.spec import load_device_spec
from ..devices.validation import validate_batch
from ..errors import BadInput
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
    """The NoiseModel for `spec` from a `noise` choice (module docstring), or None for a noise-free run."""
    noise = os.environ.get("HYBRID_RG_NOISE", "device") if noise is None else noise
    if not isinstance(noise, str):
        return noise
    choice = noise.strip().lower()
    if choice in ("off", "none", "") or getattr(spec, "kind", "") != "rydberg":
        return None
    from ..devices.noise import NoiseError, NoiseModel

    try:
        model = NoiseModel.from_device(spec)
    except NoiseError:
        return None  # a hardware snapshot without a [noise] table: noise-free
    if choice in ("device", "all", "on"):
        return model
    names = [x.strip() for x in choice.split(",") if x.strip()]
    if all(x.startswith("-") for x in names):
        return model.without(*(x[1:] for x in names))
    if any(x.startswith("-") for x in names):
        raise ValueError(f"noise = {noise!r}: list mechanisms to keep, or (each with '-') to drop, not both")
    return model.only(*names)


def dry_run(
    programs, device: str, shots: int, seed: int, out: str | Path | None = None, noise=None, realisations: int = 16
) -> DryRunResult:
    if shots < 2:
        raise BadInput(f"shots = {shots}; a dry run needs >= 2 shots for error bars")
    from ..devices.byo import as_programs

    programs = list(as_programs(programs))  # Braket AHS programs are accepted as they are
    spec = load_device_spec(device)
    model = _noise_model(spec, noise)
    reports = validate_batch(programs, spec, shots)
    per_task = estimate_cost_usd(spec, 1, shots)
    seeds = [task_seed(seed, k) for k in range(len(programs))]
    sim = get_device(spec.simulator)
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
    )
    for program, report, s in zip(programs, reports, seeds):
        if not report.ok:
            result.runs.append(None)
            continue
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
        run = {"counts": dict(counts), "observables": summary(counts), "backend": backend}
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
                "programs": [
                    {"digest": p.digest(), "seed": s, "valid": r.ok, "violations": str(r), "run": run}
                    for p, r, s, run in zip(result.programs, result.reports, result.seeds, result.runs)
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
