"""The `hybrid-rg` command.

    hybrid-rg exact --model tfim --n 100 --h 1.0 --observable zz:0,1 --times 0:5:51 --out DIR
    hybrid-rg run   experiments/olrg_order.toml [--out DIR]
    hybrid-rg demo  [--out DIR]

Errors in the input exit with status 2 and one line on stderr that says what is wrong; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import time

from .errors import HybridRGError, UnusableFile


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2 (argparse would print the whole usage)
        self.exit(2, f"hybrid-rg: error: {message} (see 'hybrid-rg {self.prog.split()[-1]} --help')\n")


from .utils.cli_errors import fail as _fail


def _print_table(times, columns, max_cols: int = 6, max_rows: int = 60) -> None:
    names = list(columns)[:max_cols]
    width = max(12, *(len(n) + 2 for n in names))
    print("t".rjust(8) + "".join(n.rjust(width) for n in names))
    step = max(1, -(-len(times) // max_rows))        # ceil without numpy: --help must not import it
    for k in range(0, len(times), step):
        print(f"{times[k]:8.3f}" + "".join(f"{columns[n][k]:{width}{'.1e' if n.startswith('abs_') else '.8f'}}"
                                           for n in names))
    if len(columns) > max_cols:
        print(f"(… {len(columns) - max_cols} more columns in result.csv)")


def cmd_exact(args) -> int:
    from .exact.runner import ExactRequest, run_exact
    from .utils.results import atomic_dir, plot_time_series, real_columns, write_csv
    from .utils.timegrid import parse_time_grid

    try:
        times = parse_time_grid(args.times)
        req = ExactRequest(model=args.model, n=args.n, times=tuple(times), observables=tuple(args.observable or ()),
                           J=args.J, h=args.h, g=args.g, delta=args.delta, hz=args.hz, boundary=args.boundary,
                           initial=args.initial, h0=args.h0, method=args.method).validate()
    except ValueError as err:
        return _fail(str(err))
    t0 = time.perf_counter()
    try:
        times, values = run_exact(req)
    except ValueError as err:
        return _fail(str(err))
    seconds = time.perf_counter() - t0
    columns = real_columns(values)
    print(f"# {req.model} N={req.n} J={req.J}"
          + (f" h={req.h} g={req.g}" if req.model == "tfim" else f" delta={req.delta} hz={req.hz}")
          + f" {req.boundary}, initial {req.initial}, method {req.method}, {seconds:.2f} s")
    _print_table(times, columns)
    if args.out:
        with atomic_dir(args.out) as tmp:
            write_csv(tmp / "result.csv", times, columns)
            plot_time_series(tmp / "result.png", times, columns,
                             title=f"{req.model.upper()} N={req.n}, J={req.J}, h={req.h}, initial {req.initial} "
                                   f"({req.method})")
        print(f"wrote {args.out}/result.csv and {args.out}/result.png")
    return 0


def _olrg_demo(exact_n10):
    """The OLRG flow itself on the same benchmark: N = 10 from an exact 4-site block, χ = 8, the RDM-initialised
    linear isometry (untrained, so it takes seconds), with the rigorous order-2 error bound."""
    import numpy as np

    from .exact.olrg_benchmark import TIMES, ZZ01
    from .olrg import LinearIsometryMap, SiteModel, exact_block
    from .olrg.predict import predict
    from .utils.threads import limit_torch_threads

    limit_torch_threads()
    site = SiteModel.tfim(1.0, 1.0)
    first = exact_block(site, 4, ZZ01.operator(4) * 0.25)
    rows = {"T": [], "olrg": [], "exact": [], "bound": []}
    for T in (0.3, 0.5, 1.0, 2.0):                 # points of the exact table's grid
        opmap = LinearIsometryMap(8, init="rdm", site=site, T=T)
        p = predict(first, site, 10, opmap, T, K=2, n_grid=21, max_tuples=400)
        exact = float(exact_n10[int(np.argmin(np.abs(TIMES - T)))])
        rows["T"].append(T), rows["olrg"].append(p.value), rows["exact"].append(exact), rows["bound"].append(p.bound)
        print(f"  T = {T:4.2f}   OLRG {p.value:.8f}   exact {exact:.8f}   |error| {abs(p.value - exact):.1e}   "
              f"bound {p.bound:.1e}")
    return {k: np.array(v) for k, v in rows.items()}


def cmd_demo(args) -> int:
    import numpy as np

    from .exact.olrg_benchmark import TIMES, benchmark_table
    from .utils.results import atomic_dir, plot_time_series, write_csv

    print("OLRG paper benchmark (exact): TFIM J = h = 1, open chain, |0…0⟩ quench, ⟨S^z_1 S^z_2⟩(t)")
    t0 = time.perf_counter()
    table = benchmark_table(n=10, n_large=100)
    _print_table(TIMES, table)
    worst = float(np.max(table["abs_diff_N10"]))
    print(f"max |Krylov − free fermions| at N = 10: {worst:.2e}   ({time.perf_counter() - t0:.1f} s)")
    print("OLRG flow, N = 10 from an exact 4-site block, χ = 8 (RDM-initialised isometries, untrained):")
    olrg = _olrg_demo(table["krylov_N10"])
    with atomic_dir(args.out) as tmp:
        write_csv(tmp / "result.csv", TIMES, table)
        write_csv(tmp / "olrg.csv", olrg["T"], {k: v for k, v in olrg.items() if k != "T"})
        curves = {k: v for k, v in table.items() if not k.startswith("abs_diff")}
        plot_time_series(tmp / "result.png", TIMES, curves, ylabel="⟨S^z_1 S^z_2⟩",
                         title="OLRG benchmark: TFIM J=h=1, |0…0⟩ quench (exact)")
    print(f"wrote {args.out}/result.csv, olrg.csv and result.png; trained OLRG runs: hybrid-rg run experiments/olrg/…")
    bound_ok = bool(np.all(olrg["bound"] >= np.abs(olrg["olrg"] - olrg["exact"])))
    return 0 if worst < 1e-8 and bound_ok else 1


def cmd_run(args) -> int:
    from pathlib import Path

    from .olrg.spec import SpecError, load_spec

    try:
        spec = load_spec(args.spec)
    except SpecError as err:
        return _fail(str(err))
    from .olrg.experiment import run_experiment
    from .utils.threads import limit_torch_threads

    limit_torch_threads()
    from .olrg.report import plot_points, read_paper, write_points
    from .utils.provenance import provenance, write_json
    from .utils.results import atomic_dir

    out = Path(args.out or Path("out") / spec.name)
    print(f"# {spec.name}: {spec.model} {spec.couplings} N={spec.N}, ⟨{spec.observable}⟩×{spec.observable_scale}, "
          f"map {spec.map['kind']} n0={spec.map['n0']}"
          + ("" if spec.map["kind"] == "hem" else f" χ={spec.map['chi']}") + f", orders {spec.training['orders']}, "
          f"{len(spec.times)} times (resumes from {out}/checkpoints)")
    t0 = time.perf_counter()
    init_from = Path(args.init_from) if getattr(args, "init_from", None) else None
    if init_from is not None and not (init_from / "checkpoints").is_dir():
        return _fail(f"--init-from {init_from}: not a finished run folder (no checkpoints/ inside)")
    try:
        points, method = run_experiment(spec, out, init_from)
    except ValueError as err:
        return _fail(str(err))
    seconds = time.perf_counter() - t0
    programs = _hem_programs(spec, out)
    print(f"{'K':>2} {'T':>6} {'prediction':>12} {'exact':>12} {'rel.error':>10} {'bound':>10}")
    for p in points:
        rel = "" if p.exact is None else f"{p.error / max(abs(p.exact), 1e-300):10.2e}"
        ex = "" if p.exact is None else f"{p.exact:12.8f}"
        print(f"{p.order:2d} {p.T:6.3f} {p.prediction:12.8f} {ex:>12} {rel:>10} {p.bound:10.2e}")
    with atomic_dir(out) as tmp:
        write_points(tmp / "result.csv", points)
        paper = read_paper(spec.paper_csv) if spec.paper_csv else None
        plot_points(tmp / "result.png", points, f"{spec.name}: {spec.description or spec.model} "
                    f"(reference: {method})", paper, spec.paper_label)
        if programs:
            from .pulse.plot import plot_programs

            (tmp / "programs").mkdir()
            for K, T, prog in programs:
                (tmp / "programs" / f"K{K}_T{T:.6g}.json").write_text(prog.to_json())
            plot_programs(tmp / "programs" / "waveforms.png", [(f"K={K} T={T:.3g}", p) for K, T, p in programs])
        write_json(tmp / "provenance.json", provenance(
            inputs={"spec_file": str(Path(args.spec).resolve()), "spec": spec.raw, "reference": method},
            seeds={"training": spec.training["seed"]}, extra={"wall_seconds": seconds}))
    extra = f", programs/ ({len(programs)} pulse programs + waveforms.png)" if programs else ""
    print(f"wrote {out}/result.csv, result.png, provenance.json{extra} ({seconds:.1f} s)")
    return 0


def _hem_programs(spec, out):
    """Compiled pulse programs of a terminal van der Waals HEM run with a [device], put on the device's grids;
    [] for anything else."""
    m = spec.map
    if m["kind"] != "hem" or not m["terminal"] or m["interaction"] != "vdw" or spec.device is None:
        return []
    from .devices.discretize import discretize
    from .devices.spec import load_device_spec
    from .pulse.experiment_programs import programs_for_run

    device = load_device_spec(spec.device["profile"])      # onto the device's time and value grids
    return [(K, T, discretize(p, device)) for K, T, p in programs_for_run(spec, out)]


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hybrid-rg", description="Learned renormalization-group simulation on quantum hardware.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    e = sub.add_parser("exact", help="exact real-time dynamics of a spin chain (Krylov or free fermions)")
    e.add_argument("--model", default="tfim", help="tfim (−J ZZ − h X − g Z) or xxz (J (XX + YY + Δ ZZ) + hz Z)")
    e.add_argument("--n", type=int, required=True, help="number of sites (>= 2)")
    e.add_argument("--J", type=float, default=1.0)
    e.add_argument("--h", type=float, default=1.0, help="transverse field (tfim)")
    e.add_argument("--g", type=float, default=0.0, help="longitudinal field (tfim; g != 0 needs krylov)")
    e.add_argument("--delta", type=float, default=1.0, help="anisotropy Δ (xxz)")
    e.add_argument("--hz", type=float, default=0.0, help="z field (xxz)")
    e.add_argument("--boundary", default="open", help="open or periodic")
    e.add_argument("--initial", default="zero", help="zero (|0…0⟩), neel (|0101…⟩) or ground (see --h0)")
    e.add_argument("--h0", type=float, default=None, help="tfim field of the pre-quench ground state (default: --h)")
    e.add_argument("--observable", action="append", help="x:3, zz:0,5, x:all, tt:zz:2,7 (repeatable)")
    e.add_argument("--times", default="0:5:51", help="START:STOP:NUM, or a comma list")
    e.add_argument("--method", default="auto", help="auto, krylov or free-fermion")
    e.add_argument("--out", default=None, help="folder for result.csv and result.png")
    e.set_defaults(func=cmd_exact)

    d = sub.add_parser("demo", help="the main job: the OLRG benchmark (exact reference) with its plot")
    d.add_argument("--out", default="out/demo")
    d.set_defaults(func=cmd_demo)

    r = sub.add_parser("run", help="run an OLRG experiment spec (TOML): train, predict, bound, compare to exact")
    r.add_argument("spec", help="experiments/<name>.toml")
    r.add_argument("--out", default=None, help="output folder (default out/<name>); rerunning resumes there")
    r.add_argument("--init-from", default=None, metavar="RUN_DIR",
                   help="warm start: each point starts from the trained map of RUN_DIR nearest in T")
    r.set_defaults(func=cmd_run)

    # The statistical-physics packages register their own subcommands (`hybrid-rg mlrg …`, `hybrid-rg cora …`).
    # Their cli modules import torch only inside the command functions, so `hybrid-rg --help` stays fast.
    from .cora.cli import register as register_cora
    from .mlrg.cli import register as register_mlrg
    register_mlrg(sub)
    register_cora(sub)
    # Devices: `hybrid-rg devices` (snapshots) and `hybrid-rg validate PROGRAM.json --device D`.
    from .devices.cli import register as register_devices
    register_devices(sub)
    # The hardware runtime: dry-run, submit, status, collect, ls, rerun (hybrid_rg/runtime/cli.py).
    from .runtime.cli import register as register_runtime
    register_runtime(sub)
    # Pulse calibration campaigns with optuna (hybrid_rg/calibration/cli.py).
    from .calibration.cli import register as register_calibration
    register_calibration(sub)
    return p


def main(argv=None) -> int:
    """Parse, run the subcommand, and turn every deliberate error into one line on stderr and its exit status.

    Subcommands raise `hybrid_rg.errors` classes instead of printing and returning codes themselves; this is the
    one place that catches them (as optuna's CLI does), so every command reports errors the same way."""
    parser = build_parser()
    # Global, before the subcommand: `hybrid-rg --debug submit ...`. Added here rather than in build_parser
    # because it belongs to the error handling below.
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error instead of one line")
    args = parser.parse_args(argv)
    # Before any numerics is imported, so that OpenBLAS and torch start with the thread count the commands want
    # (one by default: hybrid_rg/utils/threads.py says why); cheap, imports nothing heavy.
    from .utils.threads import limit_threads

    limit_threads()
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was written")
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        sys.stderr.close()
        return 0
    except HybridRGError as err:
        if args.debug:
            raise
        return _report(err)
    except OSError as err:
        # A path the user gave (an --out folder, a spec, a program file) that cannot be read or written: bad
        # input naming the path. An OSError without a path is not the user's to fix: it keeps its traceback.
        if err.filename is None or args.debug:
            raise
        return _report(UnusableFile(f"cannot use {err.filename} ({err.strerror or err}); pass another path, one "
                                    f"you can read (and write, for outputs)"))


def _report(err: HybridRGError) -> int:
    print(f"hybrid-rg: error: {err}", file=sys.stderr)
    return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
