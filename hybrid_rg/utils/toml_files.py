"""Reading a TOML spec file with the two errors every spec loader reports the same way: no such file, or not
valid TOML. `error` is the loader's own ValueError subclass, so its CLI prints one line and exits 2."""

from __future__ import annotations

import tomllib
from pathlib import Path


def read_toml(path: str | Path, error: type[ValueError] = ValueError, example: str = "") -> dict:
    path = Path(path)
    try:
        return tomllib.loads(path.read_text())
    except (FileNotFoundError, IsADirectoryError):
        hint = f"; pass a TOML file such as {example}" if example else ""
        raise error(f"spec file {str(path)!r} not found{hint}") from None
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML ({err}); fix the file") from None
