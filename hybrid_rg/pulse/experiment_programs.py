"""The pulse programs of an HEM experiment: one compiled program per trained (K, T) point of a run.

    programs_for_run(spec, run_dir)        -> [(K, T, RydbergProgram)]   from the run's checkpoints
    programs_from_spec(path, run_dir=None) -> [RydbergProgram]           trains first if the run is not finished

Only a terminal HEM with the van der Waals interaction and a [device] section compiles (pulse.units explains
why); anything else raises SpecError (a ValueError) naming the field to set.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SpecError, UnusableFile
from ..olrg.experiment import (
    ANY_INIT,
    _key,
    _load_into,
    check_points,
    first_block,
    make_map,
    run_experiment,
    site_model,
)
from ..olrg.spec import ExperimentSpec, load_spec
from ..utils.checkpoints import load_checkpoint
from .program import RydbergProgram
from .units import compile_hem


def check_compilable(spec: ExperimentSpec) -> None:
    m = spec.map
    if m.kind != "hem":
        raise SpecError(
            f"{spec.name}: map.kind = '{m.kind}' runs classically; only an HEM (map.kind = 'hem') "
            f"compiles to pulse programs"
        )
    if not m.terminal or m.interaction != "vdw" or spec.device is None:
        raise SpecError(
            f"{spec.name}: a pulse program needs map.terminal = true, map.interaction = 'vdw' and a "
            f"[device] section (profile, spacing_um), so that the whole prediction system is an array"
        )


def programs_for_run(spec: ExperimentSpec, run_dir: Path) -> list[tuple[int, float, RydbergProgram]]:
    check_compilable(spec)
    check_points(spec, run_dir, ANY_INIT)  # every map was trained from this spec (not an earlier one)
    site = site_model(spec)
    first = first_block(spec, site)
    out = []
    for K in spec.training.orders:
        for T in spec.times.T:
            state = Path(run_dir) / "checkpoints" / f"{_key(K, T)}.pt"
            if not state.exists():
                raise UnusableFile(
                    f"{run_dir}: point K={K}, T={T} has no trained map; run 'hybrid-rg run' on the spec first"
                )
            hem = make_map(spec, site, T)
            _load_into(hem, first, site, spec.target.N, load_checkpoint(state))
            prog = compile_hem(hem, spec.target.N, spec.device.spacing_um)
            meta = dict(prog.metadata) | {
                "experiment": spec.name,
                "order": str(K),
                "T": repr(T),
                "spec_digest": spec.result_digest(),  # the spec fields the map was trained from (utils.specs)
            }
            out.append(
                (
                    K,
                    T,
                    RydbergProgram(
                        prog.positions_um,
                        prog.amplitude,
                        prog.detuning,
                        prog.phase,
                        prog.local_detuning,
                        prog.c6_rad_per_us_um6,
                        tuple(sorted(meta.items())),
                    ),
                )
            )
    return out


def programs_from_spec(path: str | Path, run_dir: str | Path | None = None) -> list[RydbergProgram]:
    """The compiled programs of a spec, training (or resuming) its run in run_dir (default out/<name>) first."""
    spec = load_spec(path)
    check_compilable(spec)
    from ..utils.locks import hold_lock

    run_dir = Path(run_dir or Path("out") / spec.name)
    lock = hold_lock(run_dir / ".hybrid-rg.lock", f"the run folder {run_dir}", hint="wait for it to finish")
    with lock:  # the same lock as `hybrid-rg run` (workflows.RUN_LOCK): one process trains into a folder
        # resumes: finished points are loaded (whatever --init-from they were trained with), not retrained
        run_experiment(spec, run_dir, ANY_INIT, spec_file=str(path))
        return [p for _, _, p in programs_for_run(spec, run_dir)]
