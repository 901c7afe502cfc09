"""Device adapters: one module per SDK, each importing its SDK inside, so that importing hybrid_rg (or this
package) imports no SDK. A missing SDK raises `MissingExtra` naming the pip extra that installs it.

Each adapter implements the `Device` protocol (devices/protocol.py): `run(programs, shots, seed)` validates the
whole batch against the device's snapshot first (nothing runs if one program is invalid), then returns one task
per program; `task(id)` rebuilds a task from its id alone (local adapters keep results under `directory`).
"""

from __future__ import annotations

import importlib

from ...errors import MissingExtra


def import_extra(module: str, extra: str):
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingExtra(
            f"{module} is not installed (needed by this device adapter); install it with "
            f"pip install 'hybrid-rg[{extra}]'  ({err})"
        ) from err


__all__ = ["MissingExtra", "import_extra"]
