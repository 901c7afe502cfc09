"""`hybrid-rg mlrg …` subcommands (registered by hybrid_rg.cli). Heavy imports go inside the command functions.

    hybrid-rg mlrg run experiments/mlrg/fig5.toml --out DIR     train / compute, write result.csv, result.png,
    summary.json
    hybrid-rg mlrg report DIR                                   print a finished run's summary
    hybrid-rg mlrg fixed-point --rep A1 [--geometry consistent] exact fixed point of J = R(J) and its CFT data

Bad input (unknown irrep, representation too large to enumerate, malformed spec) exits 2 with one line; nothing is
written.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ..errors import UnusableFile
from ..utils.argtypes import finite_float, nonneg_int
from ..utils.cli_errors import user_input
from ..utils.threads import limit_torch_threads as _threads


def cmd_run(args) -> int:
    from ..utils.results import check_output_dir
    from .experiments import load_spec, run, write

    with user_input():
        spec = load_spec(args.spec)
    check_output_dir(args.out)  # before the work: a run takes seconds to hours
    _threads()
    t0 = time.perf_counter()
    cols, summary = run(spec, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    seconds = time.perf_counter() - t0
    write(args.out, spec, cols, summary, seconds)
    print(json.dumps({k: v for k, v in summary.items() if k != "notes"}, indent=1, default=float))
    if "error_pct" in cols:
        for i, r in enumerate(cols["rep"]):
            print(
                f"{cols['geometry'][i]:10s} {cols['scheme'][i]:14s} {r:6s} J0*={cols['J0_star'][i]:.7f} "
                f"± {cols['J0_star_uncertainty'][i]:.1e} "
                f"({cols['error_pct'][i]:+.3f} % vs J0c {cols['J0c_exact'][i]:.7f}) critical fixed point: "
                f"{bool(cols['critical_fp'][i])}  λt={cols['lambda_t'][i]:.5f} ν={cols['nu'][i]:.4f} "
                f"GSD={cols['gsd_fp'][i]:.5f} Δ1={cols['Delta1_1x1_fp'][i]:.5f}  ({cols['seconds'][i]:.0f} s, "
                f"{cols['cpu_seconds'][i]:.0f} s CPU)"
            )
    elif "Delta1_1x1" in cols:
        for i, r in enumerate(cols["rep"]):
            print(
                f"{r:6s} J0*={cols['J0_star'][i]:.5f} (paper {cols['paper_J0_star'][i]}) "
                f"Δ1(1x1)={cols['Delta1_1x1'][i]:.4f} λt={cols['lambda_t'][i]:.4f} gsd={cols['gsd'][i]:.3f}"
            )
    print(f"wrote {args.out}/result.csv, result.png, summary.json ({seconds:.1f} s)")
    return 0


def cmd_report(args) -> int:
    path = Path(args.run_dir) / "summary.json"
    if not path.is_file():
        raise UnusableFile(f"{args.run_dir!r} holds no summary.json; pass a folder written by 'hybrid-rg mlrg run'")
    data = json.loads(path.read_text())
    print(json.dumps(data, indent=1))
    csv = Path(args.run_dir) / "result.csv"
    if csv.is_file():
        lines = csv.read_text().splitlines()
        print("\n".join(lines[:1] + lines[1:12]))
    return 0


def cmd_fixed_point(args) -> int:
    from .irreps import Rep
    from .rbm import MAX_ENUM_SPINS, _check_geometry

    with user_input():
        rep = Rep.parse(args.rep)
        _check_geometry(args.geometry)
        if 4 * rep.dim > MAX_ENUM_SPINS:
            raise ValueError(
                f"representation {rep.name} has {4 * rep.dim} visible spins; exact mode allows at most "
                f"{MAX_ENUM_SPINS} (2A1+E)"
            )
    _threads()
    import numpy as np

    from .analysis import gsd, scaling_dimensions, weight_tensor
    from .kl import Pair
    from .rgmap import ExactRG, axis_point, fixed_point

    pair = Pair(rep, args.geometry)
    rg = ExactRG(pair)
    fp = fixed_point(rg, rg.flow(axis_point(pair.n_params, args.j0), args.pre_steps)[-1])
    T = weight_tensor(pair.teacher, fp["J"])
    print(
        f"{rep.name} ({args.geometry}): J* = {np.round(fp['J'].numpy(), 6).tolist()}  residual {fp['residual']:.1e}"
        f"  KL {fp['kl']:.4e}"
    )
    print(f"eigenvalues of dR/dJ: {np.round(fp['eigenvalues'], 4).tolist()}")
    print(f"GSD {gsd(T):.4f}  Δ (1x1): {np.round(scaling_dimensions(T, 1)[1:4], 4).tolist()}")
    return 0


PAPER_REPS = ("A1", "A1+E", "2A1+E")  # the paper's representations; larger ones exceed exact enumeration
GEOMETRY_CHOICES = ("consistent", "authors")  # rbm.GEOMETRIES, repeated here so that --help does not import torch


def register(sub) -> None:
    """Add this package's subparsers to the top-level `sub` (an argparse subparsers action)."""
    m = sub.add_parser("mlrg", help="machine-learning RG (MLRG): equivariant RBMs, RG monotone, Ising criticality")
    msub = m.add_subparsers(dest="mlrg_command", required=True, parser_class=type(m))
    r = msub.add_parser("run", help="run an experiment spec (TOML) and write CSV + PNG + summary.json")
    r.add_argument("spec", help="experiment spec, e.g. experiments/mlrg/critical.toml (fields: docs/mlrg.md)")
    r.add_argument("--out", required=True, help="output folder (written atomically; must not be a file)")
    r.set_defaults(func=cmd_run)
    p = msub.add_parser("report", help="print the summary of a finished run")
    p.add_argument("run_dir", help="a folder written by 'hybrid-rg mlrg run'")
    p.set_defaults(func=cmd_report)
    f = msub.add_parser("fixed-point", help="exact fixed point of J = R(J) (Newton) and its CFT data")
    f.add_argument("--rep", default="A1", choices=PAPER_REPS, help="representation per site (default: %(default)s)")
    f.add_argument(
        "--geometry",
        default="consistent",
        choices=GEOMETRY_CHOICES,
        help="student geometry: 'consistent' (student at the teacher's corners) or 'authors' (the "
        "published code's, turned by 45°); default: %(default)s",
    )
    f.add_argument("--j0", type=finite_float, default=0.8, help="Newton's start on the A1 axis (default: %(default)s)")
    f.add_argument(
        "--pre-steps",
        type=nonneg_int,
        default=0,
        help="exact RG steps from the start before Newton (default: %(default)s)",
    )
    f.set_defaults(func=cmd_fixed_point)
