"""The one progress helper of the package: a tqdm bar with an ETA on a terminal, plain lines in a log.

    bar = progress(jobs, desc="olrg_order", unit="point")
    for job in bar:
        ...
        bar.write(f"T=0.50 prediction … ({seconds:.1f} s)")   # one line per finished item
        bar.set_postfix(loss=f"{loss:.2e}")                   # shown in the bar (or in the next heartbeat line)
    note("…")                                                 # a line outside any loop, the same way

Where it goes: everything goes to stderr (stdout keeps the results a command prints). The mode is
HYBRID_RG_PROGRESS (or `hybrid-rg --progress MODE`):

  auto   (default) `bar` when stderr is a terminal (or in a Jupyter kernel), else `lines`
  bar    tqdm bars with rate and ETA; `write` lines appear above them
  lines  no bars: the `write` lines, plus a heartbeat line whenever nothing was printed for HEARTBEAT_S seconds
         (HYBRID_RG_HEARTBEAT_S, default 10), naming every running loop, innermost last, with its count, ETA and
         postfix: `olrg_order 3/80 point, ETA 6 min › train 40/200 it, ETA 12 s, loss=1.2e-03 (1 min 2 s)`.
         A background thread prints it, so a single long iteration (one slow training step, a device poll) does
         not leave a log silent either.
  off    nothing at all (the old HYBRID_RG_PROGRESS=0; 1 still means `bar`)

Why the size fallback: a terminal that reports its size as 0 x 0 (a fresh pseudo-terminal, `docker exec -t`,
`script`, some IDE consoles and agents' shells) gives tqdm nrows = -1, and tqdm then hides every bar: on such
terminals the bars "never showed". An unknown size is taken as $COLUMNS x $LINES, else 100 x 24.
"""

from __future__ import annotations

import os
import sys
import threading
import time

MODES = ("auto", "bar", "lines", "off")


def mode() -> str:
    """The progress mode in force: 'bar', 'lines' or 'off' ('auto' resolved against stderr)."""
    flag = os.environ.get("HYBRID_RG_PROGRESS", "auto").strip().lower()
    flag = {"1": "bar", "0": "off", "": "auto"}.get(flag, flag)
    if flag not in MODES:
        flag = "auto"
    if flag != "auto":
        return flag
    if "ipykernel" in sys.modules:
        return "bar"
    try:
        return "bar" if sys.stderr.isatty() else "lines"
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return "off"


def _screen() -> tuple[int | None, int | None]:
    """(columns, rows) to give tqdm: None where the terminal reports its size (tqdm follows it), else a usable
    value. tqdm reads an unknown size as -1, draws an empty bar at -1 columns and hides every bar at -1 rows."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
        cols, rows = size.columns, size.lines
    except (OSError, ValueError, AttributeError):
        cols = rows = 0

    def env(name: str, default: int) -> int:
        try:
            return max(default // 2, int(os.environ.get(name, default)))
        except ValueError:
            return default

    return (None if cols > 0 else env("COLUMNS", 100)), (None if rows > 0 else env("LINES", 24))


def fmt_seconds(s: float) -> str:
    """3.2 s, 42 s, 5 min 3 s, 2 h 05 min."""
    if s < 10:
        return f"{s:.1f} s"
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60)} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60):02d} min"


# --- lines mode ------------------------------------------------------------------------------------------------
_lock = threading.Lock()
_stack: list[_Lines] = []  # the running loops, outermost first
_last = [time.monotonic()]  # when a line was last printed (write or heartbeat): one clock for every loop
_ticker: list[threading.Thread] = []


def _heartbeat_s() -> float:
    try:
        return max(0.05, float(os.environ.get("HYBRID_RG_HEARTBEAT_S", "10")))
    except ValueError:
        return 10.0


def _emit(line: str) -> None:
    with _lock:
        _last[0] = time.monotonic()
    try:
        print(line, file=sys.stderr, flush=True)
    except (ValueError, OSError):  # stderr closed (output piped into `head`): progress is not worth an error
        pass


def _tick() -> None:
    while True:
        every = _heartbeat_s()
        time.sleep(min(1.0, every / 4))
        with _lock:
            due = _stack and time.monotonic() - _last[0] >= every
            line = " › ".join(b.status() for b in _stack) if due else None
            started = _stack[0].t0 if _stack else None
        if line:
            _emit(f"{line} ({fmt_seconds(time.monotonic() - started)})")


class _Lines:
    """tqdm's interface, as far as the package uses it, for logs: heartbeat lines instead of a bar."""

    def __init__(self, iterable, desc: str, total: int | None, unit: str, quiet: bool):
        self.iterable, self.desc, self.unit, self.quiet = iterable, desc, unit, quiet
        if total is None and iterable is not None:
            try:
                total = len(iterable)
            except TypeError:
                total = None
        self.total, self.n, self.n0, self.postfix, self.t0 = total, 0, 0, "", time.monotonic()
        self.closed = True
        if not quiet:
            self._open()

    def _open(self) -> None:
        with _lock:
            if not _stack:  # the first loop: count silence from now, not from the last line of an earlier one
                _last[0] = time.monotonic()
            _stack.append(self)
            self.closed = False
            self.t0 = time.monotonic()
            if not _ticker or not _ticker[0].is_alive():
                _ticker[:] = [threading.Thread(target=_tick, name="hybrid-rg-heartbeat", daemon=True)]
                _ticker[0].start()

    def status(self) -> str:
        if self.total is None and self.n == 0:  # a whole command (activity): its name is all there is to say
            return self.desc + (f", {self.postfix}" if self.postfix else "")
        s = f"{self.desc} {self.n}" + (f"/{self.total}" if self.total else "") + f" {self.unit}"
        if self.total and 0 < self.n < self.total:
            done = self.n - self.n0
            eta = (time.monotonic() - self.t0) / done * (self.total - self.n) if done > 0 else 0.0
            s += f", ETA {fmt_seconds(eta)}" if eta else ""
        return s + (f", {self.postfix}" if self.postfix else "")

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.n += 1
        finally:
            self.close()

    def __len__(self) -> int:
        return self.total or 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix(self, ordered_dict=None, refresh: bool = True, **kwargs) -> None:
        items = dict(ordered_dict or {}, **kwargs)
        self.postfix = ", ".join(f"{k}={v}" for k, v in items.items())

    def set_description(self, desc: str = "", refresh: bool = True) -> None:
        self.desc = desc

    def write(self, line: str) -> None:
        if not self.quiet:
            _emit(line)

    def close(self) -> None:
        with _lock:
            if not self.closed and self in _stack:
                _stack.remove(self)
            self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def progress(
    iterable=None, *, desc: str = "", total: int | None = None, unit: str = "it", leave: bool = False, initial: int = 0
):
    """A progress bar (tqdm) or its log-line stand-in, by mode(); iterate it, or call update() yourself (then
    close() it, or use it as a context manager). initial: items already done (a resumed job)."""
    m = mode()
    if m != "bar":
        bar = _Lines(iterable, desc, total, unit, quiet=m == "off")
        bar.n = bar.n0 = initial
        return bar
    from tqdm.auto import tqdm

    cols, rows = _screen()
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        unit=unit,
        disable=False,
        leave=leave,
        initial=initial,
        file=sys.stderr,
        ncols=cols,
        nrows=rows,
        dynamic_ncols=cols is None and rows is None,
    )


def note(line: str) -> None:
    """One line of progress outside a loop (above any bar on a terminal; nothing when the mode is 'off')."""
    m = mode()
    if m == "bar":
        from tqdm.auto import tqdm

        tqdm.write(line, file=sys.stderr)
    elif m == "lines":
        _emit(line)


class activity:
    """`with activity("hybrid-rg mlrg run"):` names a whole command in the heartbeat lines, so that a log hears
    from a long command every HEARTBEAT_S seconds even between (or without) progress loops. No bar."""

    def __init__(self, desc: str):
        self.desc = desc
        self.bar = None

    def __enter__(self):
        if mode() == "lines":
            self.bar = _Lines(None, self.desc, None, "", quiet=False)
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
