"""The jobs behind `hybrid-rg run` and `hybrid-rg demo`, as Python functions that write the same files.

    run_spec(spec, out)   train (or resume) every (K, T) point of an OLRG experiment spec, then write
                          result.csv, result.png, provenance.json and, for a terminal vdW HEM with a [device],
                          programs/ (one device-discretised pulse program per point, all of them in
                          programs/programs.json, and waveforms.png)
    run_demo(out)         the OLRG paper's exact benchmark and the untrained OLRG flow beside it: result.csv,
                          olrg.csv, result.png

The command line only parses, calls these and prints what they return. This module sits just below the CLI:
it may import every layer (olrg, pulse, devices), and imports them inside the functions so that `hybrid-rg
--help` stays fast.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UnusableFile


@dataclass(frozen=True)
class RunOutcome:
    """What `run_spec` computed and wrote."""

    out: Path
    points: list  # olrg.experiment.Point, one per (K, T)
    method: str  # the exact reference used ('none …' if none)
    programs: list = field(default_factory=list)  # (K, T, RydbergProgram on the device's grids)
    seconds: float = 0.0


def run_spec(
    spec,
    out: str | Path | None = None,
    init_from: str | Path | None = None,
    spec_file: str | Path | None = None,
    recompute: bool = False,
) -> RunOutcome:
    """Run an OLRG experiment (an ExperimentSpec, or the path of its TOML file) into `out` (default out/<name>).

    Rerunning resumes from out/checkpoints; the result files appear all at once at the end. `init_from`: a
    finished run folder whose trained maps start each point (nearest T). Points made from another spec are refused
    (UnusableFile naming the changed fields), or computed again with `recompute`. One process at a time per
    `out`: a second one is refused, naming the holder (utils.locks)."""
    from .olrg.spec import load_spec
    from .utils.locks import hold_lock
    from .utils.results import check_output_dir

    if isinstance(spec, (str, Path)):
        spec_file, spec = spec, load_spec(spec)
    out = Path(out or Path("out") / spec.name)
    check_output_dir(out)  # before the training: an existing file or an unwritable path fails now, not at the end
    init_from = Path(init_from) if init_from else None
    if init_from is not None:
        _check_init_from(init_from)
    with hold_lock(out / RUN_LOCK, f"the run folder {out}", hint="wait for it to finish, or pass another --out"):
        return _run_locked(spec, out, init_from, spec_file, recompute)


RUN_LOCK = ".hybrid-rg.lock"  # in the run folder: held by the one process training or writing into it


def _run_locked(spec, out: Path, init_from, spec_file, recompute: bool) -> RunOutcome:
    from .olrg.experiment import run_experiment

    t0 = time.perf_counter()
    points, method = run_experiment(spec, out, init_from, recompute, str(spec_file) if spec_file else None)
    seconds = time.perf_counter() - t0
    programs = hem_programs(spec, out, points)
    _write_run(spec, out, points, method, programs, seconds, spec_file)
    return RunOutcome(out, points, method, programs, seconds)


def _check_init_from(init_from: Path) -> None:
    """Before anything is written: every trained map of the warm-start run reads (a damaged or crafted file is
    refused naming it); they are small, one per (K, T)."""
    from .utils.checkpoints import load_checkpoint

    folder = init_from / "checkpoints"
    if not folder.is_dir():
        raise UnusableFile(f"--init-from {init_from}: not a finished run folder (no checkpoints/ inside)")
    for f in sorted(folder.glob("K*_T*.pt")):
        if not f.name.endswith(".train.pt"):
            load_checkpoint(f)


def hem_programs(spec, run_dir: Path, points=()) -> list:
    """Compiled pulse programs of a terminal van der Waals HEM run with a [device], put on the device's grids;
    [] for anything else. Each program's metadata (not hashed: the digest is unchanged) carries what a dry run
    reports beside the shots: the observable, its scale, and the model's prediction, exact value and bound."""
    m = spec.map
    if m.kind != "hem" or not m.terminal or m.interaction != "vdw" or spec.device is None:
        return []
    from .devices.discretize import discretize
    from .devices.spec import load_device_spec
    from .pulse.experiment_programs import programs_for_run

    device = load_device_spec(spec.device.profile)  # onto the device's time and value grids
    known = {(p.order, float(p.T)): p for p in points}
    out = []
    for K, T, prog in programs_for_run(spec, run_dir):
        meta = {"observable": spec.target.observable, "observable_scale": repr(float(spec.target.observable_scale))}
        point = known.get((K, float(T)))
        if point is not None:
            meta |= {"prediction": repr(float(point.prediction)), "bound": repr(float(point.bound))}
            if point.exact is not None:
                meta["exact"] = repr(float(point.exact))
        prog = prog.with_metadata(**meta)
        out.append((K, T, discretize(prog, device)))
    return out


def waveform_limits(profile: str) -> dict:
    """{channel: max |value| in rad/µs} of a Rydberg device snapshot, for the waveform plots' reference lines."""
    from .limits import RydbergLimits

    lim = RydbergLimits.from_snapshot(profile)
    pairs = {"amplitude": lim.rabi_max_rad_per_us, "detuning": lim.detuning_max_rad_per_us}
    return {k: float(v) for k, v in pairs.items() if v is not None}


def _write_run(spec, out: Path, points, method: str, programs, seconds: float, spec_file) -> None:
    from .olrg.report import plot_points, read_paper, write_points
    from .utils.plotting import observable_label
    from .utils.provenance import provenance, write_json
    from .utils.results import atomic_dir

    with atomic_dir(out) as tmp:
        write_points(tmp / "result.csv", points)
        paper = read_paper(spec.paper.csv) if spec.paper.csv else None
        plot_points(
            tmp / "result.png",
            points,
            f"{spec.name}: {spec.description or spec.target.model} (reference: {method})",
            paper,
            spec.paper.label,
            ylabel=observable_label(spec.target.observable, spec.target.observable_scale, "T"),
        )
        if programs:
            from .pulse.plot import plot_programs

            (tmp / "programs").mkdir()
            for K, T, prog in programs:
                (tmp / "programs" / f"K{K}_T{T:.6g}.json").write_text(prog.to_json())
            # the whole batch in one file, what validate, dry-run and submit take (or the run folder itself)
            (tmp / "programs" / "programs.json").write_text(json.dumps([p.to_dict() for _, _, p in programs], indent=1))
            plot_programs(
                tmp / "programs" / "waveforms.png",
                [(f"K={K} T={T:.3g}", p) for K, T, p in programs],
                device_limits=waveform_limits(spec.device.profile),
            )
        inputs = {
            "spec_file": str(Path(spec_file).resolve()) if spec_file else None,
            "spec": spec.model_dump(mode="json"),
            "spec_result_digest": spec.result_digest(),
            "reference": method,
        }
        write_json(
            tmp / "provenance.json",
            provenance(inputs=inputs, seeds={"training": spec.training.seed}, extra={"wall_seconds": seconds}),
        )


@dataclass(frozen=True)
class DemoOutcome:
    """The exact benchmark table (columns on exact.olrg_benchmark.TIMES) and the OLRG rows beside it."""

    table: dict
    olrg: dict
    worst_exact_diff: float  # max |Krylov − free fermions| at N = 10
    bound_holds: bool  # the rigorous bound covers every OLRG error
    seconds_exact: float

    @property
    def ok(self) -> bool:
        return self.worst_exact_diff < 1e-8 and self.bound_holds


def run_demo(out: str | Path = "out/demo") -> DemoOutcome:
    """The OLRG paper's benchmark (exact, two ways) and the untrained OLRG flow; writes result.csv, olrg.csv
    and result.png into `out` (all at once)."""
    import numpy as np

    from .exact.olrg_benchmark import TIMES, benchmark_table
    from .olrg.demo import olrg_demo
    from .utils.plotting import observable_label
    from .utils.results import atomic_dir, plot_time_series, write_csv
    from .utils.threads import limit_torch_threads

    t0 = time.perf_counter()
    table = benchmark_table(n=10, n_large=100)
    seconds = time.perf_counter() - t0
    limit_torch_threads()
    olrg = olrg_demo(table["krylov_N10"])
    with atomic_dir(out) as tmp:
        write_csv(tmp / "result.csv", TIMES, table)
        write_csv(tmp / "olrg.csv", olrg["T"], {k: v for k, v in olrg.items() if k != "T"})
        curves = {k: v for k, v in table.items() if not k.startswith("abs_diff")}
        plot_time_series(
            tmp / "result.png",
            TIMES,
            curves,
            ylabel=observable_label("zz:0,1", 0.25),  # the first two sites of the chain, S = σ/2
            title="OLRG benchmark: TFIM J=h=1, |0…0⟩ quench (exact)",
        )
    bound_ok = bool(np.all(olrg["bound"] >= np.abs(olrg["olrg"] - olrg["exact"])))
    return DemoOutcome(table, olrg, float(np.max(table["abs_diff_N10"])), bound_ok, seconds)
