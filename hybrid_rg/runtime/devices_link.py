"""The runtime's one doorway into the devices layer (snapshots, validation, cost, adapters).

Every use the runtime makes of `hybrid_rg.devices.{spec,validation,registry}` goes through the five functions here,
so the coupling is one screen long. Names starting with `fake_` are served by the runtime's own test doubles
(`fake_spec`, `fake_remote`): they keep the runtime usable and tested while the devices layer changes, and they never
reach the network.
"""

from __future__ import annotations

import os
import tempfile

from .fake_spec import FAKE_SPECS, FakeSpec

FAKE_ADAPTERS = ("fake_remote", "fake_local")


class DevicesUnavailable(RuntimeError):
    """The devices layer (hybrid_rg.devices.spec / validation / registry) is not importable here."""


def _devices(module: str):
    import importlib

    try:
        return importlib.import_module(f"hybrid_rg.devices.{module}")
    except ImportError as err:
        raise DevicesUnavailable(f"hybrid_rg.devices.{module} is not available ({err}); only the fake devices "
                                 f"{sorted(FAKE_SPECS)} work without it") from err


def load_device_spec(name_or_path: str):
    """A device snapshot (DeviceSpec or FakeSpec); unknown names raise ValueError listing the known ones."""
    if name_or_path in FAKE_SPECS:
        return FAKE_SPECS[name_or_path]
    return _devices("spec").load_device_spec(name_or_path)


def validate_batch(programs, spec, shots: int | None = None) -> list:
    """One report per program (.ok, .violations, str()), the whole batch before anything runs."""
    if isinstance(spec, FakeSpec):
        from .fake_spec import validate

        return [validate(p, spec) for p in programs]
    return list(_devices("validation").validate_batch(programs, spec, shots))


def estimate_cost_usd(spec, n_tasks: int, shots: int) -> float:
    if isinstance(spec, FakeSpec):
        from .fake_spec import estimate_cost_usd as fake_cost

        return float(fake_cost(spec, n_tasks, shots))
    return float(_devices("registry").estimate_cost_usd(spec, n_tasks, shots))


def get_device(adapter: str, **options):
    """The Device behind an adapter name, built from options that are never credentials."""
    if adapter == "fake_remote":
        from .fake_remote import FakeRemoteDevice

        return FakeRemoteDevice(**options)
    if adapter == "fake_local":
        from .fake_remote import FakeRemoteDevice

        opts = {"dir": os.path.join(tempfile.gettempdir(), f"hybrid-rg-fake_local-{os.getuid()}"), **options}
        return FakeRemoteDevice(name="fake_local", delay_s=0.0, **opts)
    return _devices("registry").get_device(adapter, **options)


_ADAPTER_OF_SNAPSHOT = {"fake_aquila": "fake_remote", "quera_aquila": "braket_aquila"}


def default_adapter(spec) -> str:
    """The registry name of the adapter that submits to a snapshot's device (most share the snapshot's name)."""
    return getattr(spec, "adapter", None) or _ADAPTER_OF_SNAPSHOT.get(spec.name, spec.name)


def is_local_simulator(spec) -> bool:
    return spec.kind == "simulator"
