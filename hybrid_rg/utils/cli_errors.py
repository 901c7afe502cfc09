"""How `hybrid-rg` subcommands turn the user's input errors into `BadInput` (one line on stderr, exit status 2).

Parsing and validating what the user typed may raise a plain ValueError (a time grid, an observable, a spec's
cross-check); `user_input()` turns exactly those into BadInput, which `hybrid_rg.cli.main` reports once (and shows
with its traceback under --debug). The computation after validation is not wrapped: a ValueError there is a bug
of ours and keeps its traceback instead of posing as the user's mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import BadInput, HybridRGError


@contextmanager
def user_input() -> Iterator[None]:
    try:
        yield
    except HybridRGError:
        raise
    except ValueError as err:
        raise BadInput(str(err)) from err
