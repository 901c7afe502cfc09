"""The `hybrid-rg` command: it parses, calls library functions, prints.

    hybrid-rg exact --model tfim --n 100 --h 1.0 --observable zz:0,1 --times 0:5:51 --out DIR   exact.runner
    hybrid-rg run   experiments/olrg/order.toml [--out DIR]                                     workflows.run_spec
    hybrid-rg demo  [--out DIR]                                                                 workflows.run_demo

Every option declares its choices and default. Modules are imported inside the command functions, so that
`hybrid-rg --help` starts fast. Errors in the input exit with status 2 and one line on stderr that says what is
wrong; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import time

from .errors import BadInput, HybridRGError, UnusableFile
from .utils.cli_errors import user_input

# Every --help ends with where the words are explained (the parsers of every subcommand are _Parsers).
EPILOG = (
    "Words and symbols (OLRG, OMM, HEM, TOBC, χ, T, GSD, A1/E, snapshot, ledger, …): docs/glossary.md. "
    "Walk-through: README.md; devices and the ledger: docs/runtime.md."
)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("epilog", EPILOG)
        super().__init__(*args, **kwargs)

    def error(self, message):  # one line, status 2 (argparse would print the whole usage)
        command = " ".join(self.prog.split()[1:])  # "hybrid-rg mlrg fixed-point" -> "mlrg fixed-point"
        self.exit(2, f"hybrid-rg: error: {message} (see 'hybrid-rg {command + ' ' if command else ''}--help')\n")


def _print_table(times, columns, max_cols: int = 6, max_rows: int = 60) -> None:
    names = list(columns)[:max_cols]
    width = max(12, *(len(n) + 2 for n in names))
    print("t".rjust(8) + "".join(n.rjust(width) for n in names))
    step = max(1, -(-len(times) // max_rows))  # ceil without numpy: --help must not import it
    for k in range(0, len(times), step):
        print(
            f"{times[k]:8.3f}"
            + "".join(f"{columns[n][k]:{width}{'.1e' if n.startswith('abs_') else '.8f'}}" for n in names)
        )
    if len(columns) > max_cols:
        print(f"(… {len(columns) - max_cols} more columns in result.csv)")


def cmd_exact(args) -> int:
    from .exact.runner import ExactRequest, run_exact
    from .utils.results import atomic_dir, check_output_dir, plot_time_series, real_columns, write_csv
    from .utils.timegrid import parse_time_grid

    if args.out:
        check_output_dir(args.out)
    with user_input():
        times = parse_time_grid(args.times)
        req = ExactRequest(
            model=args.model,
            n=args.n,
            times=tuple(times),
            observables=tuple(args.observable or ()),
            J=args.J,
            h=args.h,
            g=args.g,
            delta=args.delta,
            hz=args.hz,
            boundary=args.boundary,
            initial=args.initial,
            h0=args.h0,
            method=args.method,
        ).validate()
    t0 = time.perf_counter()
    times, values = run_exact(req)
    seconds = time.perf_counter() - t0
    columns = real_columns(values)
    print(
        f"# {req.model} N={req.n} J={req.J}"
        + (f" h={req.h} g={req.g}" if req.model == "tfim" else f" delta={req.delta} hz={req.hz}")
        + f" {req.boundary}, initial {req.initial}, method {req.method}, {seconds:.2f} s"
    )
    _print_table(times, columns)
    if args.out:
        with atomic_dir(args.out) as tmp:
            write_csv(tmp / "result.csv", times, columns)
            plot_time_series(
                tmp / "result.png",
                times,
                columns,
                title=f"{req.model.upper()} N={req.n}, J={req.J:g}, "
                + (f"h={req.h:g}, g={req.g:g}" if req.model == "tfim" else f"Δ={req.delta:g}, hz={req.hz:g}")
                + f", {req.boundary} chain, initial state {req.initial} ({req.method})",
            )
        print(f"wrote {args.out}/result.csv and {args.out}/result.png")
    return 0


def cmd_demo(args) -> int:
    from .exact.olrg_benchmark import TIMES
    from .utils.results import check_output_dir
    from .workflows import run_demo

    check_output_dir(args.out)
    # Sites counted from 0, as in the CLI (zz:0,1) and the plots; the paper counts from 1 (docs/conventions.md).
    print("OLRG paper benchmark (exact): TFIM J = h = 1, open chain, |0…0⟩ quench, ⟨S^z_0 S^z_1⟩(t)")
    demo = run_demo(args.out)
    _print_table(TIMES, demo.table)
    print(f"max |Krylov − free fermions| at N = 10: {demo.worst_exact_diff:.2e}   ({demo.seconds_exact:.1f} s)")
    print("OLRG flow, N = 10 from an exact 4-site block, χ = 8 (RDM-initialised isometries, untrained):")
    o = demo.olrg
    for T, value, exact, bound in zip(o["T"], o["olrg"], o["exact"], o["bound"]):
        print(
            f"  T = {T:4.2f}   OLRG {value:.8f}   exact {exact:.8f}   |error| {abs(value - exact):.1e}   "
            f"bound {bound:.1e}"
        )
    print(f"wrote {args.out}/result.csv, olrg.csv and result.png; trained OLRG runs: hybrid-rg run experiments/olrg/…")
    return 0 if demo.ok else 1


def cmd_run(args) -> int:
    from .olrg.spec import load_spec
    from .utils.results import check_output_dir
    from .utils.threads import limit_torch_threads
    from .workflows import run_spec

    with user_input():
        spec = load_spec(args.spec)
    m, out = spec.map, args.out or f"out/{spec.name}"
    check_output_dir(out)
    limit_torch_threads()
    t = spec.target
    print(
        f"# {spec.name}: {t.model} {t.couplings} N={t.N}, ⟨{t.observable}⟩×{t.observable_scale}, "
        f"map {m.kind} n0={m.n0}"
        + ("" if m.kind == "hem" else f" χ={m.chi}")
        + f", orders {list(spec.training.orders)}, {len(spec.times.T)} times (resumes from {out}/checkpoints)",
        flush=True,  # before the progress lines on stderr, also when stdout is a pipe
    )
    run = run_spec(spec, out, args.init_from, spec_file=args.spec, recompute=args.recompute)
    # |error| and the bound side by side (both absolute: the bound certifies |error|), the relative error after
    print(f"{'K':>2} {'T':>6} {'prediction':>12} {'exact':>12} {'|error|':>10} {'bound':>10} {'rel.error':>10}")
    for p in run.points:
        err = "" if p.exact is None else f"{p.error:10.2e}"
        rel = "" if p.exact is None else f"{p.error / max(abs(p.exact), 1e-300):10.2e}"
        ex = "" if p.exact is None else f"{p.exact:12.8f}"
        print(f"{p.order:2d} {p.T:6.3f} {p.prediction:12.8f} {ex:>12} {err:>10} {p.bound:10.2e} {rel:>10}")
    extra = (
        f", programs/ ({len(run.programs)} pulse programs, all in programs/programs.json for dry-run and submit; "
        f"waveforms.png)"
        if run.programs
        else ""
    )
    print(f"wrote {out}/result.csv, result.png, provenance.json{extra} ({run.seconds:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hybrid-rg", description="Learned renormalization-group simulation on quantum hardware.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    # The choices repeat exact.runner's Literal types (importing it here would load scipy at every start);
    # tests/test_cli.py checks that they agree.
    e = sub.add_parser("exact", help="exact real-time dynamics of a spin chain (Krylov or free fermions)")
    e.add_argument(
        "--model",
        default="tfim",
        choices=("tfim", "xxz"),
        help="tfim (−J ZZ − h X − g Z) or xxz (J (XX + YY + Δ ZZ) + hz Z) (default: %(default)s)",
    )
    e.add_argument("--n", type=int, required=True, help="number of sites (>= 2)")
    e.add_argument("--J", type=float, default=1.0, help="nearest-neighbour coupling (default: %(default)s)")
    e.add_argument("--h", type=float, default=1.0, help="transverse field (tfim; default: %(default)s)")
    e.add_argument(
        "--g", type=float, default=0.0, help="longitudinal field (tfim; g != 0 needs krylov; default: %(default)s)"
    )
    e.add_argument("--delta", type=float, default=1.0, help="anisotropy Δ (xxz; default: %(default)s)")
    e.add_argument("--hz", type=float, default=0.0, help="z field (xxz; default: %(default)s)")
    e.add_argument("--boundary", default="open", choices=("open", "periodic"), help="default: %(default)s")
    e.add_argument(
        "--initial",
        default="zero",
        choices=("zero", "neel", "ground"),
        help="zero (|0…0⟩), neel (|0101…⟩) or ground (see --h0) (default: %(default)s)",
    )
    e.add_argument("--h0", type=float, default=None, help="tfim field of the pre-quench ground state (default: --h)")
    e.add_argument(
        "--observable",
        action="append",
        default=None,
        help="x:3, zz:0,5, x:all, tt:zz:2,7 (repeatable; required: no default)",
    )
    e.add_argument("--times", default="0:5:51", help="START:STOP:NUM, or a comma list (default: %(default)s)")
    e.add_argument(
        "--method",
        default="auto",
        choices=("auto", "krylov", "free-fermion"),
        help="auto picks free fermions where they apply (default: %(default)s)",
    )
    e.add_argument("--out", default=None, help="folder for result.csv and result.png (default: print only)")
    e.set_defaults(func=cmd_exact)

    d = sub.add_parser("demo", help="the main job: the OLRG benchmark (exact reference) with its plot")
    d.add_argument(
        "--out", default="out/demo", help="folder for result.csv, olrg.csv, result.png (default: %(default)s)"
    )
    d.set_defaults(func=cmd_demo)

    r = sub.add_parser("run", help="run an OLRG experiment spec (TOML): train, predict, bound, compare to exact")
    r.add_argument("spec", help="an OLRG experiment spec, e.g. experiments/olrg/order.toml")
    r.add_argument("--out", default=None, help="output folder (default: out/<name>); rerunning resumes there")
    r.add_argument(
        "--init-from",
        default=None,
        metavar="RUN_DIR",
        help="warm start: each point starts from the trained map of RUN_DIR nearest in T (default: the "
        "map's own initialisation)",
    )
    r.add_argument(
        "--recompute",
        action="store_true",
        help="recompute the points of --out that an earlier, different spec made (default: refuse to resume them, "
        "naming the changed fields)",
    )
    r.set_defaults(func=cmd_run)

    # The statistical-physics packages register their own subcommands (`hybrid-rg mlrg …`, `hybrid-rg cora …`).
    # Their cli modules import torch only inside the command functions, so `hybrid-rg --help` stays fast.
    from .cora.cli import register as register_cora
    from .mlrg.cli import register as register_mlrg

    register_mlrg(sub)
    register_cora(sub)
    # Devices: `hybrid-rg devices` (snapshots).
    from .devices.cli import register as register_devices

    register_devices(sub)
    # The hardware runtime: validate, dry-run, submit, status, collect, ls, rerun (hybrid_rg/runtime/cli.py).
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
    _add_global_options(parser)
    args = parser.parse_args(argv)
    if args.progress is not None:  # the env variable reaches library code and worker processes alike
        import os

        os.environ["HYBRID_RG_PROGRESS"] = args.progress
    # Before any numerics is imported, so that OpenBLAS and torch start with the thread count the commands want
    # (one by default: hybrid_rg/utils/threads.py says why); cheap, imports nothing heavy.
    from .utils.threads import limit_threads

    limit_threads()
    from .utils.progress import activity

    try:
        with activity(f"hybrid-rg {args.command}"):  # a heartbeat line in logs while any command runs long
            return args.func(args)
    except KeyboardInterrupt:
        return _report(BadInput("interrupted; nothing was written"))  # one line, exit status 2
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
        return _report(
            UnusableFile(
                f"cannot use {err.filename} ({err.strerror or err}); pass another path, one "
                f"you can read (and write, for outputs)"
            )
        )


def _add_global_options(parser: argparse.ArgumentParser, top: bool = True) -> None:
    """--debug and --progress on the top parser and on every subcommand, so that both `hybrid-rg --debug run …`
    and `hybrid-rg run … --debug` work. Below the top they default to SUPPRESS: a subcommand that was not given
    the option leaves the top parser's value in place instead of overwriting it with its own default."""
    default = (lambda value: value) if top else (lambda value: argparse.SUPPRESS)
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="show the full traceback of an error instead of one line",
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "bar", "lines", "off"),
        default=default(None),
        help="progress of long commands on stderr: a bar with ETA (bar), a line per finished point and a "
        "heartbeat every 10 s (lines), or nothing (off); auto: bar on a terminal, else lines (default: "
        "$HYBRID_RG_PROGRESS, else auto)",
    )
    for action in parser._actions:  # argparse keeps subcommands only in this private list
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                _add_global_options(sub, top=False)


def _report(err: HybridRGError) -> int:
    print(f"hybrid-rg: error: {err}", file=sys.stderr)
    return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
