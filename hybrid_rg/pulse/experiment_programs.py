"""The pulse programs of an HEM experiment: one compiled program per trained (K, T) point of a run.

    programs_for_run(spec, run_dir)        -> [(K, T, RydbergProgram)]   from the run's checkpoints (never trains)

Only a terminal HEM with the van der Waals interaction and a [device] section compiles (pulse.units explains
why); anything else raises SpecError (a ValueError) naming the field to set.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SpecError, UnusableFile
from ..olrg.experiment import ANY_INIT, _key, _load_into, check_points, first_block, make_map, site_model
from ..olrg.spec import ExperimentSpec
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
            # the spec digest names the spec fields the map was trained from (utils.specs)
            meta = {"experiment": spec.name, "order": str(K), "T": repr(T), "spec_digest": spec.result_digest()}
            out.append((K, T, prog.with_metadata(**meta)))
    return out
