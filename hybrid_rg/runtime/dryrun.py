"""A dry run: everything a submission would do, except paying, on the local simulator that stands in for the device.

    result = dry_run(programs, "quera_aquila", shots=100, seed=7, out="out/dry")

It validates the whole batch against the device snapshot, estimates the cost, runs the valid programs on
`spec.simulator` with the requested shots and the seeds a submission would use (`idempotency.task_seed`), and writes
report.md, report.png, results.json and provenance.json into `out` atomically. No credentials are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import devices_link
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
    runs: list = field(default_factory=list)      # per program: {"counts", "observables"} or None if invalid

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)


def dry_run(programs, device: str, shots: int, seed: int, out: str | Path | None = None) -> DryRunResult:
    if shots < 2:
        raise ValueError(f"shots = {shots}; a dry run needs >= 2 shots for error bars")
    from ..devices.byo import as_programs

    programs = list(as_programs(programs))          # Braket AHS programs are accepted as they are
    spec = devices_link.load_device_spec(device)
    reports = devices_link.validate_batch(programs, spec, shots)
    per_task = devices_link.estimate_cost_usd(spec, 1, shots)
    seeds = [task_seed(seed, k) for k in range(len(programs))]
    sim = devices_link.get_device(spec.simulator)
    result = DryRunResult(list(programs), spec, reports, shots, seed, seeds, per_task,
                          devices_link.estimate_cost_usd(spec, len(programs), shots), spec.simulator)
    for program, report, s in zip(programs, reports, seeds):
        if not report.ok:
            result.runs.append(None)
            continue
        counts = sim.run([program], shots=shots, seed=s)[0].result().counts
        result.runs.append({"counts": dict(counts), "observables": summary(counts)})
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
        write_json(tmp / "results.json", {
            "device": result.spec.name, "spec_digest": result.spec.digest(), "simulator": result.simulator,
            "shots": result.shots, "cost_usd": {"per_task": result.per_task_usd, "total": result.total_usd},
            "programs": [{"digest": p.digest(), "seed": s, "valid": r.ok, "violations": str(r), "run": run}
                         for p, r, s, run in zip(result.programs, result.reports, result.seeds, result.runs)]})
        (tmp / "programs.json").write_text(json.dumps([p.to_dict() for p in result.programs], indent=1))
        write_json(tmp / "provenance.json", provenance(
            inputs={"device": result.spec.name, "spec_digest": result.spec.digest(), "simulator": result.simulator,
                    "program_digests": [p.digest() for p in result.programs], "shots": result.shots},
            seeds={"batch_seed": result.seed, "task_seeds": result.seeds}))
