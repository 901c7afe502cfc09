"""Writing results a physicist can read and plot: result.csv and result.png, all or nothing.

Files are written into a temporary folder (`atomic_dir`) or under a temporary name (`atomic_file`) beside the
target and moved into place at the end, so an error half-way (or Ctrl-C) never leaves a partial result behind.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
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
    """Yield a temporary folder; on success its files replace/join `target`, on error nothing is left."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        target.mkdir(exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, target / f.name)
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
    tmp = target.with_name(f".{target.stem}.tmp-{os.getpid()}-{secrets.token_hex(4)}{target.suffix}")
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


def plot_time_series(
    path: Path,
    times: np.ndarray,
    columns: Mapping[str, np.ndarray],
    title: str,
    ylabel: str = "value",
    max_lines: int = 8,
) -> None:
    """Lines for a few observables; a space–time colour map when many one-site observables share a letter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[str]] = {}
    for name in columns:
        letter, _, sites = name.partition(":")
        if sites.isdigit():
            groups.setdefault(letter, []).append(name)
    maps = {k: v for k, v in groups.items() if len(v) > max_lines}
    lines = [c for c in columns if not any(c in v for v in maps.values())]
    n_panels = len(maps) + (1 if lines else 0)
    fig, axes = plt.subplots(1, n_panels, figsize=(6 * n_panels, 4.2), squeeze=False)
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
                label=c,
                linewidth=2.2 - 0.4 * (k % 4),
            )
        ax.set_xlabel("t")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, title=None if len(lines) <= max_lines else f"first {max_lines} of {len(lines)}")
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
        ax.set_xlabel("t")
        ax.set_ylabel("site")
        ax.set_title(f"⟨{letter.upper()}_i(t)⟩")
        fig.colorbar(im, ax=ax)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
