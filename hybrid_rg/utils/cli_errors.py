"""The one way every `hybrid-rg` subcommand reports bad input: one line on stderr, exit status 2."""

from __future__ import annotations

import sys


def fail(message: str) -> int:
    print(f"hybrid-rg: error: {message}", file=sys.stderr)
    return 2
