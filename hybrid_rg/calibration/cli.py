"""`hybrid-rg calibrate …` (registered by hybrid_rg.cli). Heavy imports go inside the command functions.

    hybrid-rg calibrate SPEC [--workers N]             start, or resume, the campaign (same as `start` / `resume`)
    hybrid-rg calibrate status SPEC                    trials by state, best trial, how to open optuna-dashboard
    hybrid-rg calibrate report SPEC [--out DIR]        history.csv/png, importances.png, best_program.png, report.md
    hybrid-rg calibrate best SPEC --export PROGRAM.json  the best validated pulse program (the ledger's copy)

Common options: --root (campaign folders, default out/calibration), --ledger (else $HYBRID_RG_LEDGER, else
~/.local/share/hybrid-rg/ledger.sqlite). Exit status: 0 done; 2 bad input or refused storage (one line, nothing
written); 3 refused by the campaign's budget cap; 4 results not ready yet (run the same command again: nothing is
lost and nothing is paid twice).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import BadInput
from ..utils.argtypes import positive_int
from ..utils.cli_errors import user_input

ACTIONS = ("start", "resume", "status", "report", "best")


def _ledger_path(args):
    from ..runtime.ledger import default_path

    return args.ledger or default_path()


def cmd_calibrate(args) -> int:
    from .spec import load_campaign

    # The whole command, as before: a ValueError anywhere in a campaign's set-up is reported as bad input
    # (CampaignSpecError and StorageRefused are BadInput already; LedgerError reaches cli.main as it is).
    with user_input():
        cspec = load_campaign(args.spec)
        if args.action in ("start", "resume"):
            from ..runtime.ledger import check_target
            from ..utils.results import check_output_dir

            check_output_dir(args.root, "--root")  # before any trial: a campaign runs for minutes to days
            check_target(_ledger_path(args))
            return _start(cspec, args)
        if args.action == "status":
            from .report import status

            print(json.dumps(status(cspec, args.root), indent=1, default=str))
            return 0
        if args.action == "report":
            from .report import write_report

            out = args.out or f"{args.root}/{cspec.name}/report"
            summary = write_report(cspec, args.root, out, _ledger_path(args))
            print(json.dumps({k: summary[k] for k in ("states", "best", "importances")}, indent=1, default=str))
            print(
                f"wrote {out}/report.md, history.csv, history.png"
                + (", importances.png" if summary["importances"] else "")
                + ", best_program.png"
            )
            return 0
        if not args.export:
            raise BadInput("calibrate best needs --export PROGRAM.json")
        from .report import export_best

        print(json.dumps(export_best(cspec, args.root, _ledger_path(args), args.export), indent=1))
        return 0


def _start(cspec, args) -> int:
    from ..runtime.budget import BudgetExceeded
    from ..utils.threads import limit_torch_threads
    from .workers import run_workers

    limit_torch_threads()
    workers = args.workers if args.workers is not None else cspec.storage.workers
    try:
        outs = run_workers(cspec, root=args.root, ledger_path=_ledger_path(args), workers=workers)
    except BudgetExceeded as err:
        print(f"hybrid-rg: {err}")
        return 3
    pending = sorted(n for o in outs for n in o.pending)
    stopped = [o.stopped for o in outs if o.stopped]
    told = sum(len(o.told) for o in outs)
    print(
        f"campaign {cspec.name}: {outs[0].complete if len(outs) == 1 else max(o.complete for o in outs)}/"
        f"{cspec.budget.n_trials} trials complete ({told} told by this run; taken over: "
        f"{sorted(n for o in outs for n in o.taken_over)})"
    )
    if told:
        from .report import status

        st = status(cspec, args.root)
        print(f"best: {st['verdict']}")
    if stopped:
        print(f"stopped: {stopped[0]}")
        return 3
    if pending:
        print(f"waiting for results of trials {pending}; run the same command again later")
        return 4
    return 0


def _start_by_default(parser_class: type) -> type:
    """The `calibrate` parser: `calibrate SPEC` means `calibrate start SPEC` (the action is inserted before the
    first word that is neither an option nor an option's value, when that word is not an action)."""

    class CalibrateParser(parser_class):
        def parse_known_args(self, args=None, namespace=None):
            args = list(sys.argv[1:] if args is None else args)
            k = 0
            while k < len(args) and args[k].startswith("-"):
                k += 1 if "=" in args[k] or args[k] in ("-h", "--help") else 2  # every option takes a value
            if k < len(args) and args[k] not in ACTIONS:
                args.insert(k, "start")
            return super().parse_known_args(args, namespace)

    return CalibrateParser


_HELP = {
    "start": "start the campaign, or resume it where it stopped",
    "resume": "the same as start (a started campaign resumes)",
    "status": "trials by state, the best trial, how to open optuna-dashboard",
    "report": "history.csv/png, importances.png, best_program.png, report.md",
    "best": "export the best validated pulse program (the ledger's copy)",
}


def _common_options(parser, with_defaults: bool) -> None:
    """--root and --ledger, accepted before or after the action. Only `calibrate` itself holds their defaults
    (with_defaults): an action's own defaults would overwrite a value given before it."""
    parser.add_argument(
        "--root",
        default="out/calibration" if with_defaults else argparse.SUPPRESS,
        help="folder holding each campaign's folder (default: out/calibration)",
    )
    parser.add_argument(
        "--ledger",
        default=None if with_defaults else argparse.SUPPRESS,
        help="the runtime ledger (default: $HYBRID_RG_LEDGER, else ~/.local/share/hybrid-rg/ledger.sqlite)",
    )


def register(sub) -> None:
    """Add `calibrate` to the top-level `sub` (an argparse subparsers action)."""
    c = sub.add_parser(
        "calibrate",
        help="pulse-calibration campaigns with optuna (start/resume, status, report, best)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    base = type(c)
    c.__class__ = _start_by_default(base)
    _common_options(c, with_defaults=True)
    c.set_defaults(func=cmd_calibrate, workers=None, out=None, export=None)
    actions = c.add_subparsers(dest="action", required=True, parser_class=base)
    for action in ACTIONS:
        a = actions.add_parser(action, help=_HELP[action])
        a.add_argument("spec", help="a campaign spec, e.g. calibration/hem_emulator.toml")
        _common_options(a, with_defaults=False)
        if action in ("start", "resume"):
            a.add_argument(
                "--workers",
                type=positive_int,
                default=None,
                help="worker processes (default: storage.workers of the spec; more than 1 needs an RDB storage)",
            )
        if action == "report":
            a.add_argument("--out", default=None, help="report folder (default: ROOT/NAME/report)")
        if action == "best":
            a.add_argument(
                "--export",
                default=None,
                metavar="PROGRAM.json",
                help="write the best validated program to this JSON file (required: no default)",
            )
