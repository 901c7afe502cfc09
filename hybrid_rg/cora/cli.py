"""`hybrid-rg cora …` subcommands (registered by hybrid_rg.cli). Heavy imports go inside the command functions.

    hybrid-rg cora fit SPEC.toml --out DIR       fit a CORA to project-made Ising data, write a run dir
                                                 (killed? the same command resumes from .DIR.checkpoint.pt)
    hybrid-rg cora sample RUN_DIR --n 1000       exact samples from a fitted model → RUN_DIR/samples_*.npy

Bad input exits with status 2, one line on stderr, and writes nothing.
"""

from __future__ import annotations

import time

from ..utils.argtypes import positive_int, seed
from ..utils.cli_errors import user_input
from ..utils.threads import limit_torch_threads as _one_thread


def cmd_fit(args) -> int:
    from .spec import load_spec

    with user_input():
        spec, text = load_spec(args.spec)
    from ..utils.results import check_output_dir
    from .resume import checkpoint_path
    from .run import fit_run

    check_output_dir(args.out)  # before the work: a fit takes seconds to hours
    _one_thread()
    if checkpoint_path(args.out).is_file():
        print(f"resuming from {checkpoint_path(args.out)}")
    metrics = fit_run(spec, text, args.out)
    for k, v in metrics.items():
        print(f"{k:34s} {v:.6g}")
    print(f"wrote {args.out}/ (model.pt, spec.toml, summary.json, correlations.csv/.png, metrics.csv, training.csv)")
    return 0


def cmd_sample(args) -> int:
    from pathlib import Path

    import numpy as np

    from ..utils.memory import require_memory
    from ..utils.results import atomic_file
    from .observables import model_energy
    from .run import load_model
    from .sampling import sample

    _one_thread()
    model = load_model(args.run_dir)  # UnusableFile (exit 2, one line) from hybrid_rg.cli.main if no model
    # held at once: the int64 batches, their concatenation (int64) and the uint8 result: 17 bytes per site
    require_memory(args.n * model.geometry.size(0) * 17, f"--n {args.n} samples", "ask for fewer samples")
    t0 = time.perf_counter()
    x = sample(model, args.n, seed=args.seed)
    seconds = time.perf_counter() - t0
    geo = model.geometry
    s = 2.0 * x.reshape((args.n,) + (geo.side,) * geo.dim).astype(float) - 1.0
    e_samples = -sum(float((s * np.roll(s, -1, axis=1 + a)).mean()) for a in range(geo.dim))
    target = Path(args.run_dir) / f"samples_n{args.n}_seed{args.seed}.npy"
    with atomic_file(target) as tmp:
        np.save(tmp, x)
    print(f"{args.n} samples of {geo.size(0)} sites in {seconds:.3f} s ({seconds / args.n * 1e6:.1f} µs each)")
    print(f"nearest-neighbour energy per site: samples {e_samples:.5f}, model exact {model_energy(model):.5f}")
    print(f"wrote {target}")
    return 0


def register(sub) -> None:
    """Add this package's subparsers to the top-level `sub` (an argparse subparsers action)."""
    c = sub.add_parser("cora", help="CORA: classical MERA of stochastic maps with exact local marginals")
    csub = c.add_subparsers(dest="cora_command", required=True, parser_class=type(c))
    f = csub.add_parser("fit", help="fit a CORA to Ising data described by a TOML spec")
    f.add_argument("spec", help="experiment spec, e.g. experiments/cora/ising1d_K1_method2.toml")
    f.add_argument(
        "--out", required=True, default=None, help="run dir to write (all or nothing; required); rerunning resumes"
    )
    f.set_defaults(func=cmd_fit)
    s = csub.add_parser("sample", help="draw exact samples from a fitted CORA")
    s.add_argument("run_dir", help="a run dir written by `hybrid-rg cora fit`")
    s.add_argument("--n", type=positive_int, default=1000, help="number of configurations (>= 1; default: %(default)s)")
    s.add_argument(
        "--seed", type=seed, default=0, help="sampling seed, recorded in the file name (default: %(default)s)"
    )
    s.set_defaults(func=cmd_sample)
