"""The one memory check: a size is refused before anything is allocated when its estimate exceeds the memory this
machine has available.

    require_memory(2**n * 16 * 4, f"--n {n} (state-vector evolution)", "lower --n")

The limit follows the machine: MemAvailable from /proc/meminfo (Linux), else the free pages from os.sysconf;
$HYBRID_RG_MEMORY_LIMIT_GIB lowers it (a shared machine, a batch slot, a reproducible test). Estimates are the
arrays the computation must hold at once (a lower bound, not a promise): a refusal is certain to be right, and a
size that passes may still be slow.
"""

from __future__ import annotations

import os

from ..errors import BadInput

GIB = 1 << 30
ENV = "HYBRID_RG_MEMORY_LIMIT_GIB"


class TooLarge(BadInput):
    """A size (sites, times, shots, samples, a batch) needs more memory than this machine has available: lower it,
    as the message says, or run on a larger machine."""


def available_bytes() -> int | None:
    """Memory available to a new allocation now (MemAvailable, else free pages); None if the system cannot say."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_limit() -> tuple[int | None, str]:
    """(bytes, where the figure comes from): the smaller of the available memory and $HYBRID_RG_MEMORY_LIMIT_GIB."""
    avail, source = available_bytes(), "available on this machine"
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            cap = float(text)
        except ValueError:
            raise BadInput(f"{ENV}={text!r} is not a number; give GiB, e.g. {ENV}=8") from None
        if not cap > 0 or cap == float("inf"):
            raise BadInput(f"{ENV}={text!r}; give a positive, finite number of GiB")
        if avail is None or cap * GIB < avail:
            avail, source = int(cap * GIB), f"allowed by {ENV}"
    return avail, source


def require_memory(nbytes: float, what: str, fix: str) -> None:
    """TooLarge, naming `what`, the need, the limit and `fix`, if `nbytes` exceed the memory limit."""
    limit, source = memory_limit()
    if limit is not None and nbytes > limit:
        try:
            need = f"{nbytes / GIB:.3g}"
        except OverflowError:  # 2**20000 bytes: more than a float holds
            need = "more than 1e300"
        raise TooLarge(f"{what} needs {need} GiB of memory, more than the {limit / GIB:.3g} GiB {source}; {fix}")
