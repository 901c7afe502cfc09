"""`hybrid-rg devices` and `hybrid-rg validate` (registered by hybrid_rg.cli through `register(sub)`).

    hybrid-rg devices                                      list the capability snapshots (devices/snapshots/*.toml)
    hybrid-rg devices refresh quera_aquila [--out PATH]    live properties -> new snapshot + diff (AWS credentials)
    hybrid-rg validate PROGRAM.json --device quera_aquila  print the validation report (PROGRAM.json: a
                                                           RydbergProgram, a Braket AHS IR program, or a list)
                       [--shots N] [--discretize]          (--discretize: validate the program snapped to the grids)

Exit status of validate: 0 valid, 1 violations, 2 bad input (unreadable file, not a program, unknown device),
which prints one line and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import BadInput, UnusableFile

# Bad input is raised (hybrid_rg.errors), and hybrid_rg.cli.main prints it as one line with exit status 2.


def cmd_refresh(args) -> int:
    from .refresh import refresh

    if not args.name:
        raise BadInput("devices refresh needs a snapshot name, e.g. `hybrid-rg devices refresh quera_aquila`")
    out = refresh(args.name, out=args.out)  # missing credentials: one line, exit 2, before any network call
    print(f"wrote {out.path} (date {out.date}); changes against the previous snapshot:")
    for line in out.diff or ["none"]:
        print(f"  {line}")
    return 0


def cmd_devices(args) -> int:
    if getattr(args, "action", "list") == "refresh":
        return cmd_refresh(args)
    from .registry import targets
    from .spec import load_device_spec

    # One row per name that --device accepts (validate, dry-run, submit): the snapshots, then the adapter names
    # that stand for one of them (braket_aquila = quera_aquila, submitted through Braket).
    print(
        f"{'name':14s} {'snapshot':13s} {'submits via':13s} {'kind':9s} {'atoms':>5s} {'dry-run on':11s} "
        f"{'$/task':>7s} {'$/shot':>7s} {'date':10s} digest"
    )
    for name, snapshot, adapter in targets():
        s = load_device_spec(snapshot)
        print(
            f"{name:14s} {snapshot:13s} {adapter:13s} {s.kind:9s} {str(s.max_atoms or '-'):>5s} {s.simulator:11s} "
            f"{s.price_per_task_usd:7.2f} {s.price_per_shot_usd:7.3f} {s.date:10s} {s.digest()[:12]}"
        )
    print(
        "Every name above is accepted by --device (validate, dry-run, submit). 'snapshot' holds the limits and "
        "prices checked offline (hybrid_rg/devices/snapshots/); 'dry-run on' is the local simulator that stands in."
    )
    for name, snapshot, _ in targets():
        s = load_device_spec(snapshot)
        if name == snapshot and s.example_values:
            print(
                f"note: {name} holds a schema's EXAMPLE values, not the live device's; 'hybrid-rg devices refresh "
                f"{name}' (credentials) reads the live ones"
            )
    return 0


def cmd_validate(args) -> int:
    path = Path(args.program)
    if not path.is_file():  # before the imports below (numpy): a typo answers at once
        raise UnusableFile(f"program file {args.program!r} does not exist")
    from ..pulse.program import ProgramError
    from .byo import programs_from_json_data
    from .discretize import DiscretizationError, discretize
    from .spec import load_device_spec
    from .validation import validate

    spec = load_device_spec(args.device)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        why = "not a text file" if isinstance(err, UnicodeDecodeError) else f"not valid JSON ({err})"
        raise ProgramError(
            f"{args.program}: {why}; pass a JSON file with a RydbergProgram or a Braket AHS program (or a list)"
        ) from None
    programs = programs_from_json_data(data, args.program)  # ours or Braket's IR; errors name the file
    if args.shots is not None and args.shots < 1:
        raise BadInput(f"--shots {args.shots}; give a positive number of shots")
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


def register(sub) -> None:
    """Add `devices` and `validate` to the top-level subparsers `sub`."""
    d = sub.add_parser("devices", help="list the device capability snapshots (devices/snapshots/*.toml)")
    d.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=("list", "refresh"),
        help="list (default) or refresh NAME: read the live device's properties (AWS credentials) and "
        "write a new snapshot with its date and a diff against the old one",
    )
    d.add_argument("name", nargs="?", default=None, help="the snapshot to refresh (quera_aquila)")
    d.add_argument("--out", default=None, help="where refresh writes the snapshot (default: over the old one)")
    d.set_defaults(func=cmd_devices)
    v = sub.add_parser("validate", help="validate a pulse program (JSON) against a device snapshot, offline")
    v.add_argument("program", help="a JSON file: a RydbergProgram or a Braket AHS program IR (or a list of them)")
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
    v.set_defaults(func=cmd_validate)


__all__ = ["register"]
