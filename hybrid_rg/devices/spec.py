"""Device capability snapshots: `hybrid_rg/devices/snapshots/<name>.toml` loaded as a frozen, hashable `DeviceSpec`.

A snapshot is what a device promised on a given date, taken from a named source and stored in the repository,
so that validation runs offline, is reproducible, and can be cited by digest in a run's provenance (users of
Braket and IBM ask for exactly this: validate without submitting). Numbers are read with `Decimal`
(tomllib's parse_float), so resolutions such as 0.001 µs stay exact for the grid checks in `validation` and
`discretize`. Units are the package's (µm, µs, rad/µs, rad/µs², rad, rad/µs·µm^6) and are in every field name;
SI values from a provider are converted once, when the snapshot is written (`snapshot_from_quera_paradigm`).

    spec = load_device_spec("quera_aquila")      # or a path to a .toml file
    spec.rydberg.rabi_max_rad_per_us, spec.price_per_shot_usd, spec.digest()
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

# The reader, the Rydberg limits and the snapshot folder live below olrg, which reads limits too (hybrid_rg.limits).
from ..limits import SNAPSHOT_DIR, DeviceSpecError, RydbergLimits, read_snapshot

# The snapshots of the test doubles in hybrid_rg.testing: loaded by name like any other, not listed.
TESTING_SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "testing" / "snapshots"
KINDS = ("rydberg", "digital", "simulator")


@dataclass(frozen=True)
class DigitalTarget:
    """A gate-model target: native gates and connectivity (from a fake backend snapshot)."""

    n_qubits: int
    basis_gates: tuple[str, ...]
    coupling_map_edges: int
    fractional_rzz: bool = False
    backend: str = ""
    errors: tuple[tuple[str, float], ...] = ()  # summary statistics, e.g. ("cz_error_median", 0.0029)


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    kind: str  # "rydberg" | "digital" | "simulator"
    source: str
    date: str
    simulator: str  # the local device that stands in for this one (itself for simulators)
    price_per_task_usd: float = 0.0
    price_per_shot_usd: float = 0.0
    price_source: str = ""
    shots_max: int | None = None
    description: str = ""
    rydberg: RydbergLimits = field(default_factory=RydbergLimits)
    digital: DigitalTarget | None = None
    content: str = field(default="", compare=False, repr=False)  # the canonical JSON the digest hashes

    @property
    def max_atoms(self) -> int | None:
        if self.rydberg.max_atoms is not None:
            return self.rydberg.max_atoms
        return None if self.digital is None else self.digital.n_qubits

    @property
    def example_values(self) -> bool:
        """True when the snapshot holds a schema's documented example values rather than the live device's."""
        return "example" in self.source.lower()

    def limits_origin(self) -> str:
        """One sentence for reports: where this snapshot's limits come from, and a warning for example values."""
        text = f"limits from the snapshot {self.name} (dated {self.date}; source: {' '.join(self.source.split())})"
        if self.example_values:
            text += (
                f". These are a schema's EXAMPLE values, not the live device's: run 'hybrid-rg devices refresh "
                f"{self.name}' (needs credentials) before a real submission"
            )
        return text

    def digest(self) -> str:
        """sha256 of the snapshot's canonical content (key order and TOML formatting do not matter)."""
        return hashlib.sha256(self.content.encode()).hexdigest()


def _canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def spec_from_dict(data: dict, path: str = "<dict>") -> DeviceSpec:
    """Build a DeviceSpec from a parsed snapshot (floats as Decimal)."""
    try:
        kind = data["kind"]
        if kind not in KINDS:
            raise DeviceSpecError(f"{path}: kind = {kind!r}; use one of {KINDS}")
        price = data.get("price", {})
        dig = data.get("digital")
        digital = (
            None
            if dig is None
            else DigitalTarget(
                int(dig["n_qubits"]),
                tuple(dig["basis_gates"]),
                int(dig["coupling_map_edges"]),
                bool(dig.get("fractional_rzz", False)),
                str(dig.get("backend", "")),
                tuple(sorted((str(k), float(v)) for k, v in dig.get("errors", {}).items())),
            )
        )
        return DeviceSpec(
            name=str(data["name"]),
            kind=kind,
            source=str(data["source"]),
            date=str(data["date"]),
            simulator=str(data.get("simulator", data["name"])),
            price_per_task_usd=float(price.get("per_task_usd", 0)),
            price_per_shot_usd=float(price.get("per_shot_usd", 0)),
            price_source=str(price.get("source", "")),
            shots_max=None if "shots_max" not in data else int(data["shots_max"]),
            description=str(data.get("description", "")),
            rydberg=RydbergLimits.from_table(data.get("limits", {}), path),
            digital=digital,
            content=_canonical(data),
        )
    except KeyError as err:
        raise DeviceSpecError(
            f"{path}: snapshot lacks the field {err}; every snapshot has name, kind, source and date"
        ) from err
    except DeviceSpecError:
        raise
    except (ValueError, TypeError, AttributeError, ArithmeticError) as err:  # a field of the wrong type
        raise DeviceSpecError(
            f"{path}: not a usable device snapshot ({type(err).__name__}: {str(err)[:120]}); fix the file or pass a "
            f"snapshot listed by 'hybrid-rg devices'"
        ) from None


def load_device_spec(name_or_path: str | Path) -> DeviceSpec:
    """Load `hybrid_rg/devices/snapshots/<name>.toml` by name (or a test double's snapshot in
    hybrid_rg/testing/snapshots), or any snapshot by path. An adapter name is an alias of the snapshot it
    validates against (`braket_aquila` loads `quera_aquila`): the registry's table is the one list of aliases."""
    if Path(name_or_path).suffix != ".toml" and not (SNAPSHOT_DIR / f"{name_or_path}.toml").is_file():
        from .registry import snapshot_of  # below the registry's own import of this module: no cycle at import

        name_or_path = snapshot_of(str(name_or_path)) or name_or_path
    testing = TESTING_SNAPSHOT_DIR / f"{name_or_path}.toml"
    if Path(name_or_path).suffix != ".toml" and not (SNAPSHOT_DIR / testing.name).is_file() and not testing.is_file():
        from .registry import targets

        raise DeviceSpecError(
            f"no device named {str(name_or_path)!r}; known devices: {[t[0] for t in targets()]} ('hybrid-rg "
            f"devices' lists them), or pass a path to a .toml snapshot"
        )
    if Path(name_or_path).suffix != ".toml" and not (SNAPSHOT_DIR / testing.name).is_file() and testing.is_file():
        name_or_path = testing
    data, path = read_snapshot(name_or_path)
    return spec_from_dict(data, str(path))


def list_device_specs() -> list[DeviceSpec]:
    return [load_device_spec(p) for p in sorted(SNAPSHOT_DIR.glob("*.toml"))]


# Braket's QuEra paradigm properties are SI; these factors take them to the package's units.
_SI = {
    "m": Decimal("1e6"),
    "s": Decimal("1e6"),
    "rad/s": Decimal("1e-6"),
    "rad/s2": Decimal("1e-12"),
    "c6": Decimal("1e30"),
    "1": Decimal(1),
}
_QUERA_MAP = (  # (our limit, path in the paradigm properties, SI unit)
    ("area_width_um", "lattice.area.width", "m"),
    ("area_height_um", "lattice.area.height", "m"),
    ("spacing_radial_min_um", "lattice.geometry.spacingRadialMin", "m"),
    ("spacing_vertical_min_um", "lattice.geometry.spacingVerticalMin", "m"),
    ("position_resolution_um", "lattice.geometry.positionResolution", "m"),
    ("c6_rad_per_us_um6", "rydberg.c6Coefficient", "c6"),
    ("rabi_min_rad_per_us", "rydberg.rydbergGlobal.rabiFrequencyRange.0", "rad/s"),
    ("rabi_max_rad_per_us", "rydberg.rydbergGlobal.rabiFrequencyRange.1", "rad/s"),
    ("rabi_resolution_rad_per_us", "rydberg.rydbergGlobal.rabiFrequencyResolution", "rad/s"),
    ("rabi_slew_max_rad_per_us2", "rydberg.rydbergGlobal.rabiFrequencySlewRateMax", "rad/s2"),
    ("detuning_min_rad_per_us", "rydberg.rydbergGlobal.detuningRange.0", "rad/s"),
    ("detuning_max_rad_per_us", "rydberg.rydbergGlobal.detuningRange.1", "rad/s"),
    ("detuning_resolution_rad_per_us", "rydberg.rydbergGlobal.detuningResolution", "rad/s"),
    ("detuning_slew_max_rad_per_us2", "rydberg.rydbergGlobal.detuningSlewRateMax", "rad/s2"),
    ("phase_min_rad", "rydberg.rydbergGlobal.phaseRange.0", "1"),
    ("phase_max_rad", "rydberg.rydbergGlobal.phaseRange.1", "1"),
    ("phase_resolution_rad", "rydberg.rydbergGlobal.phaseResolution", "1"),
    ("time_resolution_us", "rydberg.rydbergGlobal.timeResolution", "s"),
    ("time_delta_min_us", "rydberg.rydbergGlobal.timeDeltaMin", "s"),
    ("duration_min_us", "rydberg.rydbergGlobal.timeMin", "s"),
    ("duration_max_us", "rydberg.rydbergGlobal.timeMax", "s"),
    ("local_detuning_min_rad_per_us", "rydberg.rydbergLocal.detuningRange.0", "rad/s"),
    ("local_detuning_max_rad_per_us", "rydberg.rydbergLocal.detuningRange.1", "rad/s"),
    ("local_detuning_slew_max_rad_per_us2", "rydberg.rydbergLocal.detuningSlewRateMax", "rad/s2"),
    ("local_pattern_min", "rydberg.rydbergLocal.siteCoefficientRange.0", "1"),
    ("local_pattern_max", "rydberg.rydbergLocal.siteCoefficientRange.1", "1"),
    ("local_spacing_radial_min_um", "rydberg.rydbergLocal.spacingRadialMin", "m"),
    ("local_time_resolution_us", "rydberg.rydbergLocal.timeResolution", "s"),
    ("local_time_delta_min_us", "rydberg.rydbergLocal.timeDeltaMin", "s"),
)


def snapshot_from_quera_paradigm(paradigm: dict) -> dict:
    """The `[limits]` table of a snapshot from Braket's QuEra paradigm properties (a dict, SI units), e.g.
    `AwsDevice(arn).properties.paradigm.dict()` when refreshing the Aquila snapshot with credentials."""

    def get(path):
        node = paradigm
        for part in path.split("."):
            if node is None:
                return None
            node = node[int(part)] if part.isdigit() else node.get(part)
        return node

    out: dict = {
        "max_atoms": int(get("lattice.geometry.numberSitesMax")),
        "amplitude_zero_at_ends": True,
        "local_detuning": get("rydberg.rydbergLocal") is not None,
    }
    for ours, path, unit in _QUERA_MAP:
        value = get(path)
        if value is not None:
            out[ours] = (Decimal(str(value)) * _SI[unit]).normalize()
    if out["local_detuning"]:
        out["local_max_sites"] = int(get("rydberg.rydbergLocal.numberLocalDetuningSitesMax"))
    return out


__all__ = [
    "DeviceSpec",
    "RydbergLimits",
    "DigitalTarget",
    "DeviceSpecError",
    "load_device_spec",
    "list_device_specs",
    "spec_from_dict",
    "snapshot_from_quera_paradigm",
    "SNAPSHOT_DIR",
]
