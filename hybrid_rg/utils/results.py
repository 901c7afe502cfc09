"""Writing results a physicist can read and plot: result.csv and result.png, all or nothing.

Files are written into a temporary folder (`atomic_dir`) or under a temporary name (`atomic_file`) beside the
target and moved into place at the end, so an error half-way (or Ctrl-C) never leaves a partial result behind.
A SIGKILL cannot be caught, so a temporary can survive its writer: its name carries the writer's host and pid
(`.result.tmp-HOST-PID-…`), and the next write to the same target removes the ones whose writer is dead on this
host (a live writer's, or another host's, are left alone).
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Mapping

import numpy as np


def real_columns(values: Mapping[str, np.ndarray], atol: float = 1e-10) -> dict[str, np.ndarray]:
    """Equal-time expectation values are real: keep their real part (checking the imaginary part is ~0);
    complex correlators become two columns re(...) and im(...)."""
    out = {}
    for name, v in values.items():
        v = np.asarray(v)
        if np.iscomplexobj(v) and np.abs(v.imag).max(initial=0.0) > atol:
            out[f"re({name})"], out[f"im({name})"] = v.real, v.imag
        else:
            out[name] = np.real(v)
    return out


def _writer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_temporaries(folder: Path, prefix: str) -> list[Path]:
    """Remove the entries of `folder` named `prefix` + 'HOST-PID-…' whose writer (this host, that pid) no longer
    runs: what a SIGKILL during an atomic write left behind. Returns what was removed."""
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix)]
    except OSError:
        return removed
    host = socket.gethostname()
    for name in names:
        parts = name[len(prefix) :].rsplit("-", 2)
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit() or _pid_alive(int(parts[1])):
            continue
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def check_output_dir(target: str | os.PathLike, option: str = "--out") -> Path:
    """Refuse, before any computation, an output folder that `atomic_dir` could not fill: an existing file, or a
    path whose nearest existing parent is not a writable folder. Creates nothing."""
    from ..errors import UnusableFile

    target = Path(target)
    if target.exists() and not target.is_dir():
        raise UnusableFile(
            f"{option} {target} is an existing file, not a folder; pass a folder path (or move the file)"
        )
    parent = target
    while not parent.exists():
        if parent == parent.parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise UnusableFile(f"{option} {target}: {parent} is a file, not a folder; pass a path under a folder")
    try:  # the one reliable test (permissions, read-only mounts, /proc): a nameless file (O_TMPFILE), gone at once
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as err:
        raise UnusableFile(
            f"{option} {target} cannot be written ({parent}: {err.strerror or err}); pass a folder you can write to"
        ) from None
    return target


@contextmanager
def atomic_dir(target: str | os.PathLike):
    """Yield a temporary folder; on success its entries replace/join those of `target` (a subfolder replaces the
    one of the same name as a whole, so no file of an earlier write survives in it), on error nothing is left."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent, f".{target.name}.tmp-")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{_writer()}-", dir=target.parent))
    try:
        yield tmp
        target.mkdir(exist_ok=True)
        new = list(tmp.iterdir())
        for f in new:
            dest = target / f.name
            if f.is_dir() and dest.is_dir() and not dest.is_symlink():
                os.replace(dest, tmp / f".old-{f.name}")  # a folder cannot replace a non-empty one: set it aside
            os.replace(f, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def atomic_file(target: str | os.PathLike):
    """Yield a temporary path beside `target` for the caller to write; on success it replaces `target` in one
    step (readers see the old file or the new one, never half of one), on error it is removed.

        with atomic_file(run_dir / "state.pt") as tmp:
            torch.save(state, tmp)

    The temporary name starts with a dot (hidden, and outside patterns such as `K*_T*.pt` that readers glob for)
    and keeps `target`'s suffix, because some writers (np.save) append theirs otherwise; it is not created here,
    so the file gets the writer's usual permissions.
    """
    target = Path(target)
    remove_stale_temporaries(target.parent, f".{target.stem}.tmp-")
    tmp = target.with_name(f".{target.stem}.tmp-{_writer()}-{secrets.token_hex(4)}{target.suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_csv(path: Path, times: np.ndarray, columns: Mapping[str, np.ndarray]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["t", *columns])
        for k, t in enumerate(times):
            w.writerow([f"{t:.10g}", *(f"{columns[c][k]:.15g}" for c in columns)])


def _series_label(name: str) -> str:
    """Legend text for a result column: observables typeset, the demo's method columns in words."""
    import re

    from .plotting import observable_label

    m = re.fullmatch(r"(krylov|free_fermion)_N(\d+)", name)
    if m:
        return f"{'Krylov' if m.group(1) == 'krylov' else 'free fermions'}, $N = {m.group(2)}$"
    m = re.fullmatch(r"(re|im)\((.*)\)", name)
    if m:
        return ("Re " if m.group(1) == "re" else "Im ") + observable_label(m.group(2))
    return observable_label(name)


def plot_time_series(
    path: Path,
    times: np.ndarray,
    columns: Mapping[str, np.ndarray],
    title: str,
    ylabel: str | None = None,
    max_lines: int = 8,
    time_unit: str = "J",
) -> None:
    """Lines for a few observables; a space–time colour map when many one-site observables share a letter.
    Time is in units of 1/time_unit (ħ = 1); ylabel defaults to the one observable plotted, typeset."""
    from .plotting import figure, legend, observable_label, save, tex, time_label

    groups: dict[str, list[str]] = {}
    for name in columns:
        letter, _, sites = name.partition(":")
        if sites.isdigit():
            groups.setdefault(letter, []).append(name)
    maps = {k: v for k, v in groups.items() if len(v) > max_lines}
    lines = [c for c in columns if not any(c in v for v in maps.values())]
    n_panels = len(maps) + (1 if lines else 0)
    fig, axes = figure(1, n_panels, size=(6 * n_panels, 4.2), squeeze=False)
    axes = list(axes[0])
    if lines:
        ax = axes.pop(0)
        styles = ["-", "--", ":", "-."]
        for k, c in enumerate(lines[:max_lines]):
            # distinct dashes so curves that coincide (e.g. two exact methods) stay visible
            ax.plot(
                times,
                columns[c],
                styles[k % 4],
                marker="." if len(times) < 60 else None,
                label=_series_label(c),
                linewidth=2.2 - 0.4 * (k % 4),
            )
        ax.set_xlabel(time_label(time_unit))
        ax.set_ylabel(ylabel or (_series_label(lines[0]) if len(lines) == 1 else "expectation value (dimensionless)"))
        if len(lines) > 1 or ylabel:
            legend(ax, title=None if len(lines) <= max_lines else f"first {max_lines} of {len(lines)}")
    for letter, names in maps.items():
        ax = axes.pop(0)
        data = np.array([columns[c] for c in names])
        im = ax.imshow(
            data,
            aspect="auto",
            origin="lower",
            cmap="RdBu_r",
            vmin=-1,
            vmax=1,
            extent=(times[0], times[-1], -0.5, len(names) - 0.5),
        )
        ax.set_xlabel(time_label(time_unit))
        ax.set_ylabel("site $i$")
        ax.grid(False)
        label = observable_label(f"{letter}:i")
        ax.set_title(label)
        fig.colorbar(im, ax=ax, label=label)
    fig.suptitle(tex(title), fontsize=10)
    save(fig, path)
