"""Time grids: parsing "start:stop:num" and checking that a grid is usable."""

from __future__ import annotations

import math

import numpy as np

from ..errors import BadInput
from .memory import require_memory

# What each time of a grid costs a run at least: the grid itself, the request's copy, one complex value per
# observable kept as a Python object while stepping and as an array at the end.
BYTES_PER_TIME = 96


class TimeGridError(BadInput):
    """A time grid that cannot be used (malformed, negative, decreasing); the message shows the accepted forms."""


def parse_time_grid(text: str) -> np.ndarray:
    """'0:5:51' -> 51 equally spaced times from 0 to 5 inclusive; '0.5' -> one time; '0,1,2.5' -> a list."""
    hint = "write START:STOP:NUM (e.g. 0:5:51), a comma list (0,0.5,1) or one time"
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise TimeGridError(f"times '{text}' has {len(parts)} fields; {hint}")
            start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
            if num < 1:
                raise TimeGridError(f"times '{text}': NUM must be >= 1")
            if not (math.isfinite(start) and math.isfinite(stop)):  # before linspace, which would warn
                raise TimeGridError(f"times '{text}': START and STOP must be finite numbers; {hint}")
            require_memory(num * BYTES_PER_TIME, f"times '{text}' ({num} times)", "ask for fewer times (NUM)")
            times = np.linspace(start, stop, num)
        else:
            times = np.array([float(x) for x in text.split(",")])
    except ValueError as err:
        if isinstance(err, BadInput):  # ours (a malformed grid, or one too large for memory): already one line
            raise
        raise TimeGridError(f"times '{text}' is not understood; {hint}") from None
    return check_times(times)


def check_times(times) -> np.ndarray:
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0:
        raise TimeGridError("times must be a non-empty 1-D list")
    if not np.all(np.isfinite(times)):
        bad = [float(x) for x in times[~np.isfinite(times)][:3]]
        raise TimeGridError(f"times contain {bad} (NaN or infinity); give finite times >= 0")
    if np.any(times < 0):
        raise TimeGridError(f"times must be >= 0 (evolution starts at t = 0), got {times.min()}")
    if np.any(np.diff(times) < 0):
        raise TimeGridError("times must be in increasing order")
    return times


def uniform_step(times: np.ndarray, rtol: float = 1e-10) -> float | None:
    """The spacing of an equally spaced grid, or None if the grid is not equally spaced."""
    if times.size < 2:
        return None
    d = np.diff(times)
    step = (times[-1] - times[0]) / (times.size - 1)
    return step if step > 0 and np.all(np.abs(d - step) <= rtol * max(1.0, math.fabs(times[-1]))) else None
