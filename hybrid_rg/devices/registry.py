"""Devices by name, built lazily (no SDK is imported until its device is asked for), and cost estimates.

    get_device("emulator"), get_device("braket_local", blockade_radius_um=6.2), get_device("braket_aquila")

Names: emulator, braket_local, braket_aquila, pennylane, dynamics, ibm_aer, ibm_heron. Options go to the
adapter's constructor (e.g. `directory=` for local adapters, which keeps tasks on disk for reattachment).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import BadInput
from .spec import DeviceSpec, load_device_spec

_DEVICES = {  # name -> (module, class, snapshot)
    "emulator": ("hybrid_rg.devices.emulator", "EmulatorDevice", "emulator"),
    "braket_local": ("hybrid_rg.devices.adapters.braket_local", "BraketLocalDevice", "braket_local"),
    "braket_aquila": ("hybrid_rg.devices.adapters.braket_aws", "BraketAwsDevice", "quera_aquila"),
    "pennylane": ("hybrid_rg.devices.adapters.pennylane_pulse", "PennyLaneDevice", "pennylane"),
    "dynamics": ("hybrid_rg.devices.adapters.dynamics", "DynamicsDevice", "dynamics"),
    "ibm_aer": ("hybrid_rg.devices.adapters.ibm_digital", "IbmAerDevice", "ibm_aer"),
    "ibm_heron": ("hybrid_rg.devices.adapters.ibm_digital", "IbmRuntimeDevice", "ibm_heron"),
}
DEVICE_NAMES = tuple(_DEVICES)
# The test doubles of hybrid_rg.testing are ordinary entries: built and validated like the others, so no caller
# needs to know it talks to one. They are kept out of DEVICE_NAMES, the list users are shown.
_DEVICES |= {
    "fake_remote": ("hybrid_rg.testing.fake_provider", "FakeRemoteDevice", "fake_aquila"),
    "fake_local": ("hybrid_rg.testing.fake_provider", "FakeLocalDevice", "fake_local"),
}
ADAPTER_NAMES = tuple(_DEVICES)


class _UserChoices(tuple):
    """argparse `choices` that list only the names users are shown (help, usage, the error for an unknown name)
    but accept every registered adapter, so tests still name a test double (`--adapter fake_remote`) explicitly."""

    def __contains__(self, name) -> bool:
        return name in _DEVICES


ADAPTER_CHOICES = _UserChoices(DEVICE_NAMES)  # for `submit --adapter`
# Local simulators that keep their tasks on disk when given a folder (the option that names it): without one a
# task lives only in the process that ran it, so another process (status, collect) could not read it back.
TASK_FOLDER_OPTION = {name: "directory" for name in ("emulator", "braket_local", "pennylane", "dynamics", "ibm_aer")}


def with_task_folder(name: str, options: dict, folder) -> dict:
    """`options` for adapter `name`, with `folder` (joined with the adapter's name) as the folder its tasks are
    kept in, unless the adapter keeps no tasks on disk or the options already name a folder."""
    key = TASK_FOLDER_OPTION.get(name)
    if key is None or key in options or folder is None:
        return dict(options)
    return {**options, key: str(Path(folder) / name)}


class SpecValidated:
    """Wraps a device that does not validate against a snapshot itself (the emulator checks only its own
    limits): the whole batch is validated against `spec` before the inner device sees it."""

    def __init__(self, inner, spec: DeviceSpec):
        self.inner, self.spec, self.name = inner, spec, getattr(inner, "name", spec.name)

    def run(self, programs, shots: int, seed: int | None = None):
        from .validation import require_valid

        programs = list(programs)
        require_valid(programs, self.spec, shots)
        return self.inner.run(programs, shots, seed)

    def task(self, task_id: str):
        return self.inner.task(task_id)


def snapshot_of(name: str) -> str | None:
    """The snapshot an adapter name stands for (`braket_aquila` -> `quera_aquila`), None if `name` is no adapter.
    Every command that takes `--device` accepts snapshot names and these aliases alike (spec.load_device_spec)."""
    return _DEVICES[name][2] if name in _DEVICES else None


def targets() -> list[tuple[str, str, str]]:
    """Every name `--device` accepts, as (name, snapshot, adapter that submits): the shipped snapshots, then the
    adapter names that are aliases of another snapshot. The test doubles are left out (they are not for users)."""
    from .spec import list_device_specs

    out = [(s.name, s.name, default_adapter(s)) for s in list_device_specs()]
    snapshots = {name for name, _, _ in out}
    out += [(name, _DEVICES[name][2], name) for name in DEVICE_NAMES if name not in snapshots]
    return out


def get_device(name: str, **options):
    """The device adapter called `name`, built with `options` (`directory=` keeps local tasks on disk)."""
    if name not in _DEVICES:
        raise BadInput(f"no device named {name!r}; known devices: {list(DEVICE_NAMES)}")
    module, cls, spec_name = _DEVICES[name]
    options = dict(options)
    if name == "emulator" and "directory" in options:
        options["results_dir"] = options.pop("directory")
    device = getattr(importlib.import_module(module), cls)(**options)
    if not hasattr(device, "spec"):
        device = SpecValidated(device, load_device_spec(spec_name))
    return device


def adapter_options(name: str, options: dict) -> dict:
    """`options` for adapter `name`, checked against its constructor: an unknown key is refused with the known
    ones, and a text value (from `--adapter-opt KEY=VALUE`) becomes its default's type (bool, int, or a finite
    float: a nan delay would leave a task pending for good)."""
    import inspect
    import math

    if name not in _DEVICES:
        raise BadInput(f"no device named {name!r}; known devices: {list(DEVICE_NAMES)}")
    module, cls, _ = _DEVICES[name]
    params = {
        k: p
        for k, p in inspect.signature(getattr(importlib.import_module(module), cls).__init__).parameters.items()
        if k != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    if name == "emulator":
        params["directory"] = params.pop("results_dir")
    out = {}
    for key, value in options.items():
        if key not in params:
            raise BadInput(f"--adapter-opt {key}: adapter {name} has no option {key!r}; its options: {sorted(params)}")
        default = params[key].default
        kind = type(default) if default not in (None, inspect.Parameter.empty) else None
        try:
            if kind is bool and isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError("write true or false")
                value = value.lower() in ("true", "1", "yes")
            elif kind in (int, float) and not isinstance(value, bool):
                value = kind(value)
                if not math.isfinite(value):
                    raise ValueError("write a finite number")
        except (TypeError, ValueError) as err:
            why = str(err) if "write" in str(err) else f"write a {kind.__name__}"
            raise BadInput(f"--adapter-opt {key}={value}: {why} (adapter {name}, default {default!r})") from None
        out[key] = value
    return out


def device_spec(name: str) -> DeviceSpec:
    """The snapshot a device validates against (quera_aquila for braket_aquila, ...)."""
    if name not in _DEVICES:
        raise BadInput(f"no device named {name!r}; known devices: {list(DEVICE_NAMES)}")
    return load_device_spec(_DEVICES[name][2])


def default_adapter(spec: DeviceSpec) -> str:
    """The adapter that submits to a snapshot's device: the first registered one validating against it
    (braket_aquila for quera_aquila), else the snapshot's own name."""
    return next((name for name, (_, _, snap) in _DEVICES.items() if snap == spec.name), spec.name)


def estimate_cost_usd(spec: DeviceSpec, n_tasks: int, shots: int) -> float:
    """Provider charges for n_tasks tasks of `shots` shots each: n_tasks × (per task + shots × per shot)."""
    if n_tasks < 0 or shots < 0:
        raise BadInput(f"n_tasks = {n_tasks}, shots = {shots}; both must be >= 0")
    return n_tasks * (spec.price_per_task_usd + shots * spec.price_per_shot_usd)


__all__ = [
    "snapshot_of",
    "targets",
    "get_device",
    "device_spec",
    "default_adapter",
    "estimate_cost_usd",
    "with_task_folder",
    "DEVICE_NAMES",
    "ADAPTER_NAMES",
    "ADAPTER_CHOICES",
    "TASK_FOLDER_OPTION",
    "adapter_options",
]
