"""Kept for hybrid_rg.mlrg until it moves to the one spec layer: `read_toml` is hybrid_rg.utils.specs.read_toml
(its SpecError is a ValueError, so a caller's `except ValueError` keeps working)."""

from __future__ import annotations

from pathlib import Path

from .specs import read_toml as _read_toml


def read_toml(path: str | Path, error: type[ValueError] = ValueError, example: str = "") -> dict:
    """The TOML table of a spec file. `error` is accepted for the old signature; the error raised is SpecError
    (a ValueError, exit status 2)."""
    return _read_toml(path, example)
