"""`hybrid-rg devices` (registered by hybrid_rg.cli through `register(sub)`).

    hybrid-rg devices                                      list the capability snapshots (devices/snapshots/*.toml)
    hybrid-rg devices refresh quera_aquila [--out PATH]    live properties -> new snapshot + diff (AWS credentials)

`hybrid-rg validate` lives in runtime/cli.py: it takes what dry-run and submit take (a run folder, its batch file, a
JSON program file), and the loader of those (runtime/programs.py) sits above this layer.
"""

from __future__ import annotations

from ..errors import BadInput

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


def register(sub) -> None:
    """Add `devices` to the top-level subparsers `sub` (`validate` is in runtime/cli.py, beside dry-run: it reads
    programs through runtime/programs.py, the one loader)."""
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


__all__ = ["register"]
