"""Live device snapshots: read a device's properties from Amazon Braket and write a new snapshot, with its date and
a diff against the old one.

    hybrid-rg devices refresh quera_aquila [--out PATH]      (needs AWS credentials; reads GetDevice only)

The limits come from `AwsDevice(arn).properties.paradigm` through `spec.snapshot_from_quera_paradigm` (SI ->
µm/µs, Decimal), `shots_max` from the service's `shotsRange`. What the provider's properties do not carry is kept
from the old snapshot: kind, description, simulator and the price table (Braket's properties hold no per-task
price). The new file says where each value came from and which ones changed; the old file's text stays in version
control. Without credentials the command fails at once with one line (exit 2), before any network call.

Kept separate from spec.py (the reader) on purpose: this is the one place that writes snapshots.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from ..errors import BadInput
from .spec import SNAPSHOT_DIR, RydbergLimits, load_device_spec, snapshot_from_quera_paradigm, spec_from_dict

ARNS = {"quera_aquila": "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"}


@dataclass
class RefreshResult:
    path: Path
    text: str
    diff: list[str]
    date: str


def aws_device(name: str):
    """The Braket adapter for a snapshot name (credentials are checked here, offline). Tests replace this."""
    from .adapters.braket_aws import BraketAwsDevice

    return BraketAwsDevice(arn=ARNS[name], spec_name=name)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        text = format(v.normalize(), "f")  # plain digits: TOML floats must not be "1E+2"-style integers
        return text if "." in text else text + ".0"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _limits_table(spec) -> dict:
    return {f.name: getattr(spec.rydberg, f.name) for f in fields(RydbergLimits)}


def snapshot_diff(old, new) -> list[str]:
    """One line per changed value: `field: old -> new` (limits, shots_max), exact Decimal comparison."""
    lines = []
    if old.shots_max != new.shots_max:
        lines.append(f"shots_max: {old.shots_max} -> {new.shots_max}")
    a, b = _limits_table(old), _limits_table(new)
    for key in a:
        if a[key] != b[key]:
            lines.append(f"limits.{key}: {_fmt(a[key])} -> {_fmt(b[key])}")
    return lines


def snapshot_text(
    old, limits: dict, shots_max: int | None, arn: str, date: str, updated_at: str, diff: list[str]
) -> str:
    """The TOML text of a refreshed snapshot (old header fields, new limits, provenance and diff as comments)."""
    source = (
        f"AwsDevice({arn}).properties, read on {date} (Braket service properties updatedAt {updated_at}); "
        f"limits converted from the QuEra paradigm properties (SI) by hybrid_rg.devices.spec."
        f"snapshot_from_quera_paradigm. Kind, description, simulator and price kept from the previous "
        f"snapshot (dated {old.date}, digest {old.digest()[:12]})."
    )
    lines = [
        f"# {old.name}: refreshed from the live device properties on {date} by `hybrid-rg devices refresh`.",
        f"# Changes against the previous snapshot ({old.date}):",
    ]
    lines += [f"#   {d}" for d in diff] or ["#   none"]
    lines += [
        f"name = {_toml_value(old.name)}",
        f"kind = {_toml_value(old.kind)}",
        f"description = {_toml_value(old.description)}",
        f"source = {_toml_value(source)}",
        f"date = {_toml_value(date)}",
        f"simulator = {_toml_value(old.simulator)}",
    ]
    if shots_max is not None:
        lines.append(f"shots_max = {shots_max}          # service.shotsRange[1]")
    lines += [
        "",
        "[price]",
        f"per_task_usd = {old.price_per_task_usd!r}",
        f"per_shot_usd = {old.price_per_shot_usd!r}",
        f"source = {_toml_value(old.price_source)}",
        "",
        "[limits]",
    ]
    previous = _limits_table(old)
    for key, value in limits.items():
        note = "" if previous.get(key) == value else f"   # was {_fmt(previous.get(key))}"
        lines.append(f"{key} = {_toml_value(value)}{note}")
    return "\n".join(lines) + "\n"


def refresh(name: str, device=None, out: str | Path | None = None, today: str | None = None) -> RefreshResult:
    """Read the live properties of `name`'s device and write the new snapshot to `out` (default: in place)."""
    if name not in ARNS:
        raise BadInput(
            f"cannot refresh {name!r}: live properties are read for {sorted(ARNS)} only (the other "
            f"snapshots are simulators or IBM backends)"
        )
    old = load_device_spec(name)
    device = aws_device(name) if device is None else device
    props = device.device.properties  # AwsDevice(...).properties: GetDevice, parsed
    limits = snapshot_from_quera_paradigm(props.paradigm.dict())
    _check_plausible(limits, name)
    shots_range = getattr(props.service, "shotsRange", None)
    shots_max = int(shots_range[1]) if shots_range else old.shots_max
    date = today or datetime.now(timezone.utc).date().isoformat()
    updated = str(getattr(props.service, "updatedAt", "unknown"))
    new = spec_from_dict(
        {"name": old.name, "kind": old.kind, "source": "-", "date": date, "shots_max": shots_max, "limits": limits}
    )
    diff = snapshot_diff(old, new)
    text = snapshot_text(old, limits, shots_max, ARNS[name], date, updated, diff)
    path = Path(out) if out is not None else SNAPSHOT_DIR / f"{name}.toml"
    _write(path, text)
    load_device_spec(path)  # what was written reads back as a snapshot
    return RefreshResult(path, text, diff, date)


# Values outside these ranges mean the properties were not in the units the schema documents (e.g. the schema's
# own example writes c6Coefficient = 2*pi*862690, the rad/us*um^6 value, where SI asks for 5.42e-24): such a
# snapshot would validate nothing correctly, so the refresh stops instead of writing it.
PLAUSIBLE = {
    "c6_rad_per_us_um6": (Decimal("1e5"), Decimal("1e8")),
    "rabi_max_rad_per_us": (Decimal(1), Decimal(1000)),
    "duration_max_us": (Decimal("0.1"), Decimal(1000)),
    "spacing_radial_min_um": (Decimal("0.1"), Decimal(100)),
}


def _check_plausible(limits: dict, name: str) -> None:
    bad = [
        f"{k} = {_fmt(limits[k])} (expected {_fmt(lo)}..{_fmt(hi)})"
        for k, (lo, hi) in PLAUSIBLE.items()
        if k in limits and not lo <= limits[k] <= hi
    ]
    if bad:
        from ..errors import DeviceError

        raise DeviceError(
            f"the live properties of {name} convert to implausible limits: {'; '.join(bad)}; the "
            f"provider's units differ from the schema's (SI); no snapshot was written"
        )


def _fmt(v) -> str:
    return format(v.normalize(), "f") if isinstance(v, Decimal) else str(v)


def _write(path: Path, text: str) -> None:
    """Atomic replace: a reader sees the old snapshot or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


__all__ = ["refresh", "RefreshResult", "snapshot_diff", "snapshot_text", "ARNS"]
