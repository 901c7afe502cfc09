"""Every error hybrid-rg raises on purpose, under one base class that carries the command's exit status.

`hybrid-rg` catches `HybridRGError` once, in `hybrid_rg.cli.main`, prints its message as one line on stderr and
exits with `exit_code` (`--debug` shows the traceback instead). The exit statuses are part of the interface:

    0  done
    1  the work ran but its answer is "no": invalid programs, a rerun that differed, a failed check
    2  bad input (a spec, a file, an option, an unusable ledger): nothing was computed, written or submitted
    3  refused by a budget cap: nothing was submitted
    4  not finished (a timeout, an interruption): the same command resumes

A module-specific error subclasses the class that says what the user must do about it, so callers catch the
meaning (`BadInput`) rather than the module (`SpecError`). Each class's docstring says what to do.

Bad input classes also subclass `ValueError`, so numeric code that checks its arguments the standard way
(`except ValueError`) keeps working.
"""

from __future__ import annotations


class HybridRGError(Exception):
    """Base of every deliberate hybrid-rg error. The message is one line that names the value, the limit and the
    fix; `exit_code` is what the command line returns for it."""

    exit_code: int = 1


class BadInput(HybridRGError, ValueError):
    """The input cannot be used as given (a spec field, an option, a file). Fix the value the message names and run
    the same command again; nothing was computed or written."""

    exit_code = 2


class SpecError(BadInput):
    """A spec file (TOML) is missing, unreadable or has a field out of range. The message names the file, the
    field's path (e.g. `map.chi`), its value and the fix."""


class UnusableFile(BadInput):
    """A file hybrid-rg was asked to read or write (a ledger, a checkpoint, a program, an output folder) cannot be
    used. The message names the path and what to do (usually: move it away or pass another path); the file was
    left as it was."""


class MissingCredentials(BadInput):
    """A cloud device was asked for without the credential it needs. The message says which variable or file
    provides it; nothing was submitted."""


class MissingExtra(BadInput, ImportError):
    """An optional dependency is not installed. The message names the pip extra that brings it, e.g.
    `pip install 'hybrid-rg[braket]'`."""


class CheckFailed(HybridRGError):
    """The work ran and its answer is "no": a program violates the device's limits, a rerun's counts differ from
    the recorded ones. Read the report the command wrote; nothing is wrong with the input's form."""

    exit_code = 1


class BudgetRefused(HybridRGError):
    """A submission would pass a budget cap. Raise the cap (`--budget-usd`) or submit less; nothing was written or
    submitted."""

    exit_code = 3


class NotFinished(HybridRGError):
    """The work stopped before it finished (a timeout, an interruption, a task still queued). Run the same command
    again: it resumes where it stopped."""

    exit_code = 4


class DeviceError(HybridRGError):
    """A device or its provider reported a failure (a task FAILED or CANCELLED, a provider that cannot be reached).
    The message carries the provider's reason; the ledger keeps the entry and its state."""

    exit_code = 1
