"""The jobs behind `hybrid-rg run` and `hybrid-rg demo`, as Python functions that write the same files.

    run_spec(spec, out)   train (or resume) every (K, T) point of an OLRG experiment spec, then write
                          result.csv, result.png, provenance.json and, for a terminal vdW HEM with a [device],
                          programs/ (one device-discretised pulse program per point + waveforms.png)
    run_demo(out)         the OLRG paper's exact benchmark and the untrained OLRG flow beside it: result.csv,
                          olrg.csv, result.png

The command line only parses, calls these and prints what they return. This module sits just below the CLI:
it may import every layer (olrg, pulse, devices), and imports them inside the functions so that `hybrid-rg
--help` stays fast.
"""

from __future__ import annotations

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
    spec, out: str | Path | None = None, init_from: str | Path | None = None, spec_file: str | Path | None = None
) -> RunOutcome:
    """Run an OLRG experiment (an ExperimentSpec, or the path of its TOML file) into `out` (default out/<name>).

    Rerunning resumes from out/checkpoints; the result files appear all at once at the end. `init_from`: a
    finished run folder whose trained maps start each point (nearest T)."""
    from .olrg.experiment import run_experiment
    from .olrg.spec import load_spec
    from .utils.results import check_output_dir

    if isinstance(spec, (str, Path)):
        spec_file, spec = spec, load_spec(spec)
    out = Path(out or Path("out") / spec.name)
    check_output_dir(out)  # before the training: an existing file or an unwritable path fails now, not at the end
    init_from = Path(init_from) if init_from else None
    if init_from is not None:
        _check_init_from(init_from)
    t0 = time.perf_counter()
    points, method = run_experiment(spec, out, init_from)
    seconds = time.perf_counter() - t0
    programs = hem_programs(spec, out)
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


def hem_programs(spec, run_dir: Path) -> list:
    """Compiled pulse programs of a terminal van der Waals HEM run with a [device], put on the device's grids;
    [] for anything else."""
    m = spec.map
    if m.kind != "hem" or not m.terminal or m.interaction != "vdw" or spec.device is None:
        return []
    from .devices.discretize import discretize
    from .devices.spec import load_device_spec
    from .pulse.experiment_programs import programs_for_run

    device = load_device_spec(spec.device.profile)  # onto the device's time and value grids
    return [(K, T, discretize(p, device)) for K, T, p in programs_for_run(spec, run_dir)]


def _write_run(spec, out: Path, points, method: str, programs, seconds: float, spec_file) -> None:
    from .olrg.report import plot_points, read_paper, write_points
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
        )
        if programs:
            from .pulse.plot import plot_programs

            (tmp / "programs").mkdir()
            for K, T, prog in programs:
                (tmp / "programs" / f"K{K}_T{T:.6g}.json").write_text(prog.to_json())
            plot_programs(tmp / "programs" / "waveforms.png", [(f"K={K} T={T:.3g}", p) for K, T, p in programs])
        inputs = {
            "spec_file": str(Path(spec_file).resolve()) if spec_file else None,
            "spec": spec.model_dump(mode="json"),
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
            ylabel="⟨S^z_1 S^z_2⟩",
            title="OLRG benchmark: TFIM J=h=1, |0…0⟩ quench (exact)",
        )
    bound_ok = bool(np.all(olrg["bound"] >= np.abs(olrg["olrg"] - olrg["exact"])))
    return DemoOutcome(table, olrg, float(np.max(table["abs_diff_N10"])), bound_ok, seconds)
