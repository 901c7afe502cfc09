"""`hybrid-rg validate | dry-run | submit | status | collect | ls | rerun` (registered by hybrid_rg.cli).

    hybrid-rg validate out/hem_smoke --device quera_aquila [--shots N] [--discretize]   the validation report
    hybrid-rg dry-run out/hem_smoke --device quera_aquila --shots 100 --out out/dry   validate, cost, simulate, report
    hybrid-rg submit out/hem_smoke --device braket_aquila --shots 100 --budget-usd 20 --tag t1

Programs come from a finished run folder (its programs/programs.json), a JSON program file, or an HEM spec whose
run is finished (runtime/programs.py: never trained silently; --train trains it first and says so).
    hybrid-rg status [ID ...] [--tag T] [--batch B]      ask the provider once about pending entries
    hybrid-rg collect [ID ...] [--tag T] --timeout-s 600  poll (bounded) until final; results go into the ledger
    hybrid-rg ls [--tag T] [--json]                      what the ledger holds (no network)
    hybrid-rg rerun ID                                   repeat a simulator entry, check the counts bit for bit
    hybrid-rg ledger copy SQLITE_PATH POSTGRES_URL       copy a ledger into another (idempotent, verified)

The ledger is --ledger, else $HYBRID_RG_LEDGER, else ~/.local/share/hybrid-rg/ledger.sqlite: a SQLite file path, or
a PostgreSQL URL without a password (postgresql+psycopg2://user@host/db, or ...://?service=NAME; libpq takes the
password from PGPASSWORD, ~/.pgpass or the service file). Exit status: 0 done;
1 a dry run found invalid programs / a rerun differed; 2 bad input or an unusable ledger (one line, nothing written
or submitted); 3 refused by a budget cap; 4 not finished (timeout or interrupted submission: the same command
resumes).
"""

from __future__ import annotations

import argparse
import json

from ..errors import BadInput
from ..utils.argtypes import entry_id, label, nonneg_float, positive_float, positive_int, seed, usd

SPEC_HELP = (
    "what to run: a finished run folder of 'hybrid-rg run' (its programs/programs.json), a JSON file with one "
    "program or a list, or an HEM experiment spec (.toml) whose run is finished (see --run-dir, --train)"
)
LEDGER_HELP = "ledger file (default $HYBRID_RG_LEDGER, else ~/.local/share/hybrid-rg/ledger.sqlite)"
DEVICE_HELP = (
    "a name 'hybrid-rg devices' lists (quera_aquila, its alias braket_aquila, emulator, …) or a path to a snapshot "
    ".toml (required: no default)"
)

# Errors are raised, not printed: hybrid_rg.cli.main turns every hybrid_rg.errors class into one line on stderr and
# its exit status (2 bad input / unusable ledger, 3 budget refusal, 4 not finished), so these functions only
# decide the statuses that are answers rather than errors (1: invalid programs in a dry run, a rerun that differed).


def _options(pairs) -> dict:
    out = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInput(f"--adapter-opt {pair!r}: expected KEY=VALUE")
        out[key] = value
    return out


def _ledger(args, readonly=False, create=False):
    """The ledger of --ledger; only `submit` creates a missing one (status, collect, rerun and ls refuse it)."""
    from .ledger import Ledger

    return Ledger(args.ledger, readonly=readonly, create=create)


def _selected(args, ledger, pending_only=False):
    from . import records

    return records.select(
        ledger.conn,
        ids=tuple(args.ids or ()),
        tags=tuple(args.tag or ()),
        batch=args.batch,
        campaign=args.campaign,
        pending_only=pending_only,
    )


def _table(entries, errors=None) -> None:
    """One row per entry; an entry in `errors` (id -> reason: it could not be polled) shows as ERROR with why."""
    errors = errors or {}
    print(f"{'id':>4} {'state':10} {'device':14} {'campaign':10} {'batch':15} {'tags':12} {'cost$':>7} task / reason")
    for e in entries:
        tail = e.task_id or "-"
        state = e.state
        if e.id in errors:
            state, tail = "ERROR", f"{tail}  (could not poll, ledger state {e.state}: {errors[e.id][:160]})"
        elif e.failure_reason:
            tail += f"  ({e.failure_reason[:80]})"
        print(
            f"{e.id:>4} {state:10} {e.device[:14]:14} {e.campaign[:10]:10} {e.batch[:15]:15} "
            f"{','.join(e.tags)[:12]:12} {e.cost_estimate_usd:7.2f} {tail}"
        )


def cmd_validate(args) -> int:
    """Exit 0 when every program is valid on the device, 1 when one has violations (or cannot be discretized),
    2 on bad input (a missing or malformed file, an unknown device), which prints one line and writes nothing."""
    if args.shots is not None and args.shots < 1:
        raise BadInput(f"--shots {args.shots}; give a positive number of shots")
    from ..devices.discretize import DiscretizationError, discretize
    from ..devices.spec import load_device_spec
    from ..devices.validation import validate
    from .programs import load_programs

    spec = load_device_spec(args.device)
    programs = load_programs(args.program, args.run_dir, args.train)  # what dry-run and submit take
    ok = True
    for k, program in enumerate(programs):
        if len(programs) > 1:
            print(f"program {k}:")
        if args.discretize:
            try:
                program = discretize(program, spec)
            except DiscretizationError as err:  # an answer about this program on this device, not bad input: status 1
                print(f"discretization failed: {err}")
                ok = False
                continue
        report = validate(program, spec, args.shots)
        print(report)
        ok = ok and report.ok
    return 0 if ok else 1


def cmd_dry_run(args) -> int:
    from ..utils.results import check_output_dir
    from .dryrun import dry_run
    from .programs import load_programs

    out = args.out or f"out/dry-run-{args.device}"
    check_output_dir(out)
    programs = load_programs(args.spec, args.run_dir, args.train)
    r = dry_run(
        programs,
        args.device,
        args.shots,
        args.seed,
        out,
        noise=None if args.noise is None else ("device" if args.noise else "off"),
    )
    bad = sum(not rep.ok for rep in r.reports)
    print(
        f"{len(programs)} program(s) for {r.spec.name}: {len(programs) - bad} valid, {bad} invalid; estimated cost "
        f"${r.total_usd:.2f} (${r.per_task_usd:.2f} per task, {args.shots} shots each); simulated on {r.simulator}"
    )
    print(f"  {r.noise_note}")
    if r.spec.example_values:
        print(f"  limits: {r.spec.name} holds a schema's EXAMPLE values, not the live device's (report.md says more)")
    sim = "simulated ± shot error" if r.noise is None else "with noise ± shot error"
    print(f"  {'#':>2} {'T':>6} {'prediction':>10} {'exact':>10} {sim:>24}  verdict")
    for k, (rep, ctx, run) in enumerate(zip(r.reports, r.contexts, r.runs)):
        est = None if run is None else run.get("estimate")
        cells = [
            f"{ctx['T']:6g}" if "T" in ctx else f"{'-':>6}",
            f"{ctx['prediction']:10.4f}" if "prediction" in ctx else f"{'-':>10}",
            f"{ctx['exact']:10.4f}" if "exact" in ctx else f"{'-':>10}",
            f"{est['value']:.4f} ± {est['stderr']:.4f}".rjust(24) if est else f"{'-':>24}",
        ]
        print(f"  {k:>2} " + " ".join(cells) + "  " + ("valid" if rep.ok else f"INVALID: {rep}"))
    print(f"wrote {out}/report.md, report.png, results.json, programs.json, provenance.json")
    return 0 if bad == 0 else 1


def cmd_submit(args) -> int:
    from .ledger import check_target
    from .programs import load_programs
    from .submit import SubmitRequest, prepare, submit

    check_target(args.ledger)  # a folder or an unwritable path: refused before anything else
    req = SubmitRequest(
        tuple(load_programs(args.spec, args.run_dir, args.train)),
        args.device,
        args.shots,
        args.seed,
        args.campaign,
        args.batch,
        tuple(args.tag or ()),
        args.adapter,
        _options(args.adapter_opt),
        args.budget_usd,
        args.device_daily_usd,
        args.daily_usd,
    )
    prepared = prepare(req)  # every check that needs no ledger: a refusal creates no file
    with _ledger(args, create=True) as ledger:
        out = submit(ledger, req, prepared=prepared)
    _table(out.entries)
    print(
        f"batch {out.batch}: {out.submitted} submitted, {out.reattached} already submitted (reattached), "
        f"{out.recovered} recovered by intent key, {out.unknown} unknown; ledger {ledger.where}"
    )
    return 0


def _poll(args, timeout_s: float, interval_s: float) -> int:
    from .collect import collect

    with _ledger(args) as ledger:
        entries = _selected(args, ledger, pending_only=not (args.ids or args.tag or args.batch or args.campaign))
        out = collect(ledger, entries, timeout_s=timeout_s, poll_interval_s=interval_s)
        if not out.entries:  # an empty table alone reads as "lost"; say what there is instead
            held = len(_selected(args, ledger))
            print(
                f"nothing pending: {'no entry matches' if held == 0 else f'the {held} selected entries are final'} in "
                f"the ledger {ledger.where} ('hybrid-rg ls' lists what it holds)"
            )
            return 0
    _table(out.entries, out.errors)
    waiting = [e for e in out.entries if not e.final and e.id not in out.errors]
    for e in out.entries:
        if e.state == "COMPLETED" and e.result and args.command == "collect":
            from .observables import summary

            obs = summary(e.result["counts"])
            print(
                f"  entry {e.id}: <n_i> = "
                + ", ".join(f"{m:.3f}±{s:.3f}" for m, s in zip(obs["density"], obs["density_err"]))
            )
    if waiting:
        print(
            f"{len(waiting)} entr{'y' if len(waiting) == 1 else 'ies'} not finished; run 'hybrid-rg collect' "
            f"again later (nothing is lost)"
        )
    if out.errors:
        # after every other entry was polled and stored: exit 1, as a device failure does
        ids = " ".join(str(i) for i in out.errors)
        print(
            f"{len(out.errors)} entr{'y' if len(out.errors) == 1 else 'ies'} could not be polled (ERROR rows: "
            f"{ids}); the others were polled and stored. Their ledger state is unchanged: fix the cause and run "
            f"'hybrid-rg {args.command} {ids}' again"
        )
        return 1
    if waiting:
        return 4 if args.command == "collect" else 0
    return 0


def cmd_status(args) -> int:
    return _poll(args, 0.0, 0.0)


def cmd_collect(args) -> int:
    return _poll(args, args.timeout_s, args.poll_interval_s)


def cmd_ls(args) -> int:
    with _ledger(args, readonly=True) as ledger:
        entries = _selected(args, ledger)
    if args.json:
        print(json.dumps([{k: v for k, v in e.__dict__.items() if k != "program_json"} for e in entries], indent=1))
    else:
        _table(entries)
    return 0


def cmd_rerun(args) -> int:
    from .rerun import rerun

    with _ledger(args) as ledger:
        out = rerun(ledger, args.id)
    verdict = "identical (bit for bit)" if out.identical else "DIFFERENT"
    print(f"entry {args.id} rerun on {out.entry.adapter} (seed {out.entry.seed}, {out.entry.shots} shots): {verdict}")
    for line in out.drift:
        print(f"  drift since the entry was written: {line}")
    return 0 if out.identical else 1


def cmd_ledger_copy(args) -> int:
    from .ledger import Ledger
    from .ledger_copy import copy_ledger

    with Ledger(args.source, readonly=True, create=False) as source, Ledger(args.target) as target:
        figures = copy_ledger(source, target)
    print(json.dumps(figures, indent=1))
    e = figures["entries"]
    print(
        f"{'verified' if figures['verified'] else 'NOT VERIFIED'}: {e['source']} entries in {figures['source']}, "
        f"{e['inserted']} copied, {e['already_there']} already in {figures['target']}, {e['differ']} differ"
    )
    return 0 if figures["verified"] else 1


LEDGER_HELP = "ledger: a SQLite file or a postgresql+psycopg2:// URL without password (default $HYBRID_RG_LEDGER)"


def _selectors(p) -> None:
    p.add_argument("ids", nargs="*", type=entry_id, help="ledger entry ids (default: every entry the filters select)")
    p.add_argument(
        "--tag",
        action="append",
        type=label,
        default=None,
        help="entries with this tag (repeatable: all must match; default: any tag)",
    )
    p.add_argument("--batch", type=label, default=None, help="entries of this batch (default: any batch)")
    p.add_argument("--campaign", type=label, default=None, help="entries of this campaign (default: any campaign)")
    p.add_argument("--ledger", default=None, help=LEDGER_HELP)


def _run_options(p) -> None:
    """--run-dir and --train: where an experiment spec's run is (or would be trained), and leave to train it."""
    p.add_argument(
        "--run-dir",
        default=None,
        metavar="DIR",
        help="for a .toml spec: the folder of its finished run (default: out/<spec name>, where 'hybrid-rg run' "
        "writes)",
    )
    p.add_argument(
        "--train",
        action="store_true",
        help="for a .toml spec whose run is not finished: train it into --run-dir first (says where and how much "
        "first; default: refuse and print the 'hybrid-rg run' command)",
    )


def register(sub) -> None:
    from ..devices.registry import ADAPTER_CHOICES  # a table of names: imports no SDK and no numerics

    v = sub.add_parser("validate", help="validate pulse programs against a device snapshot, offline")
    v.add_argument(
        "program",
        help="a finished run folder of 'hybrid-rg run' (its programs/programs.json), a JSON file with one program "
        "or a list (RydbergProgram or Braket AHS program IR), or an HEM experiment spec (.toml) whose run is "
        "finished (see --run-dir, --train)",
    )
    v.add_argument(
        "--device",
        default="quera_aquila",
        help="a name 'hybrid-rg devices' lists (quera_aquila, braket_aquila, emulator, …), or a path to a "
        "snapshot .toml (default: %(default)s)",
    )
    v.add_argument(
        "--shots",
        type=int,
        default=None,
        help="also check the shot count against the device's limit (default: not checked)",
    )
    v.add_argument("--discretize", action="store_true", help="snap the program onto the device grids first")
    _run_options(v)
    v.set_defaults(func=cmd_validate)

    d = sub.add_parser("dry-run", help="validate, estimate the cost, simulate and report, without credentials")
    d.add_argument("spec", help=SPEC_HELP)
    d.add_argument("--device", required=True, help=DEVICE_HELP)
    d.add_argument(
        "--shots", type=positive_int, default=100, help="shots per program (>= 2 for error bars; default: %(default)s)"
    )
    d.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="batch seed (task seeds derive from it, as in submit; default: %(default)s)",
    )
    d.add_argument("--out", default=None, help="report folder (default: out/dry-run-DEVICE)")
    d.add_argument(
        "--noise",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="simulate the device's noise model (readout, atom loss, dephasing, … from the snapshot's [noise] "
        "table) beside the noise-free run; --no-noise: noise-free only (default: on where the snapshot has a "
        "noise model; $HYBRID_RG_NOISE may list mechanisms, e.g. 'readout,loss')",
    )
    _run_options(d)
    d.set_defaults(func=cmd_dry_run)

    s = sub.add_parser("submit", help="submit programs through the ledger (idempotent; budget-capped)")
    s.add_argument("spec", help=SPEC_HELP)
    s.add_argument("--device", required=True, help=DEVICE_HELP)
    s.add_argument(
        "--adapter",
        default=None,
        choices=ADAPTER_CHOICES,  # the test doubles are accepted but not listed
        help="adapter that submits (default: the one 'hybrid-rg devices' shows under 'submits via')",
    )
    s.add_argument(
        "--adapter-opt",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="adapter option, repeatable (recorded in the ledger, so never credentials; default: none)",
    )
    s.add_argument("--shots", type=positive_int, default=100, help="shots per program (default: %(default)s)")
    s.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="batch seed; task k gets a seed derived from it (default: %(default)s)",
    )
    s.add_argument(
        "--campaign",
        type=label,
        default="default",
        help="campaign the entries and the --budget-usd cap belong to (default: %(default)s)",
    )
    s.add_argument("--batch", type=label, default=None, help="batch name (default: derived from the request)")
    s.add_argument(
        "--tag", action="append", type=label, default=None, help="tag for the entries (repeatable; default: none)"
    )
    s.add_argument("--budget-usd", type=usd, default=None, help="cap for the whole campaign (default: none)")
    s.add_argument("--device-daily-usd", type=usd, default=None, help="cap for this device per UTC day (default: none)")
    s.add_argument("--daily-usd", type=usd, default=None, help="cap for all devices per UTC day (default: none)")
    s.add_argument("--ledger", default=None, help=LEDGER_HELP)
    _run_options(s)
    s.set_defaults(func=cmd_submit)

    st = sub.add_parser("status", help="ask the provider once about ledger entries (default: all pending)")
    _selectors(st)
    st.set_defaults(func=cmd_status)

    c = sub.add_parser("collect", help="poll until ledger entries finish (bounded, resumable); store results")
    _selectors(c)
    c.add_argument(
        "--timeout-s", type=nonneg_float, default=60.0, help="stop polling after this many seconds (default 60)"
    )
    c.add_argument("--poll-interval-s", type=positive_float, default=5.0, help="seconds between polls (default 5)")
    c.set_defaults(func=cmd_collect)

    ls = sub.add_parser("ls", help="list ledger entries (reads the ledger only)")
    _selectors(ls)
    ls.add_argument("--json", action="store_true", help="print the entries as JSON instead of a table")
    ls.set_defaults(func=cmd_ls)

    r = sub.add_parser("rerun", help="repeat a simulator entry and check it matches bit for bit")
    r.add_argument("id", type=entry_id, help="ledger entry id (see 'hybrid-rg ls')")
    r.add_argument("--ledger", default=None, help=LEDGER_HELP)
    r.set_defaults(func=cmd_rerun)

    lg = sub.add_parser("ledger", help="ledger maintenance: copy one ledger into another")
    lsub = lg.add_subparsers(dest="ledger_command", required=True)
    cp = lsub.add_parser(
        "copy",
        help="copy SOURCE (a SQLite file) into TARGET (a PostgreSQL URL); idempotent, "
        "verified by counts and digests (exit 1 if not verified)",
    )
    cp.add_argument("source", help="the ledger to read (left unchanged)")
    cp.add_argument("target", help="the ledger to copy into (created if missing)")
    cp.set_defaults(func=cmd_ledger_copy)
