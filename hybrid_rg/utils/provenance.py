"""Provenance recorded with every result: what ran, with which code, packages, inputs and seeds.

Nothing here imports a heavy package: versions are read from installed metadata.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

PACKAGES = ("hybrid-rg", "torch", "numpy", "scipy", "qiskit", "torchdiffeq", "optuna", "amazon-braket-sdk")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def git_state(where: Path | None = None) -> dict:
    """The commit of the source tree the package was imported from, and whether it had local changes."""
    where = where or Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=where,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            != ""
        )
    except (OSError, subprocess.SubprocessError):
        return {"sha": None, "dirty": None}
    return {"sha": sha or None, "dirty": dirty if sha else None}


def provenance(inputs: dict, seeds: dict, extra: dict | None = None) -> dict:
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": sys.argv,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "git": git_state(),
        "inputs": inputs,
        "seeds": seeds,
        **(extra or {}),
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
