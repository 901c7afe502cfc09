"""Resuming `hybrid-rg cora fit` after a crash: one checkpoint file beside the run dir, rewritten atomically.

A fit is a fixed sequence of stages (method 2; or layer 1, 2, … of a layer-wise pass; then further passes; then
Monte Carlo EM), each a loop of steps. Every `every` steps (and at the end of each stage) the checkpoint stores
the stage's position in the sequence and its step, the model's parameters, the optimiser's state, the random
stream, the traces so far, what the stage carries (the coarse-grained data of a layer-wise pass, the Gibbs chains
of EM) and the training and test data. Rerunning the same command with the same spec and --out loads it: stages
before the stored one are skipped (their effect is in the stored parameters), the stored stage continues from its
step with the same random stream, so the result equals an uninterrupted run's. The file is written with
`atomic_file` (a crash never leaves half a checkpoint), read with `load_checkpoint` (no code runs), refused with
one line if it belongs to another spec, and deleted once the run dir is written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..errors import UnusableFile

SKIP = "skip"


def checkpoint_path(out: str | Path) -> Path:
    out = Path(out)
    return out.parent / f".{out.name}.checkpoint.pt"


def fingerprint(spec_json: dict) -> str:
    return hashlib.sha256(json.dumps(spec_json, sort_keys=True).encode()).hexdigest()[:16]


def rng_state(rng: np.random.Generator) -> str:
    return json.dumps(rng.bit_generator.state)  # 128-bit integers: kept exact as JSON text


def set_rng_state(rng: np.random.Generator, text: str) -> None:
    rng.bit_generator.state = json.loads(text)


class FitCheckpoint:
    """Stage bookkeeping for one fit. path None: no checkpoints (library use, tests of the plain fit)."""

    def __init__(self, path: str | Path | None, fingerprint: str, every: int = 25):
        from ..utils.checkpoints import load_checkpoint

        self.path, self.fp, self.every = (Path(path) if path else None), fingerprint, max(1, every)
        self.saved = load_checkpoint(self.path) if self.path and self.path.is_file() else None
        if self.saved is not None and self.saved.get("fingerprint") != fingerprint:
            raise UnusableFile(
                f"{self.path}: checkpoint of a different spec; delete it, or rerun with the spec it was written "
                f"for, or choose another --out"
            )
        self.index = -1  # position of the stage being run in the fit's sequence
        self.traces: dict = dict(self.saved["traces"]) if self.saved else {}
        self.data = self.saved.get("data") if self.saved else None

    @property
    def resumed_from(self) -> str | None:
        return f"{self.saved['stage']} step {self.saved['step']}" if self.saved else None

    def enter(self, stage: str, model):
        """Call at the start of each stage: SKIP (done before the crash), the saved stage state (resume here;
        the model's parameters are restored), or None (run it from the start)."""
        self.index += 1
        if self.saved is None or self.index > self.saved["index"]:
            return None
        if self.index < self.saved["index"]:
            return SKIP
        if self.saved["stage"] != stage:
            raise UnusableFile(f"{self.path}: stage {self.saved['stage']!r} where {stage!r} was expected; delete it")
        model.load_state_dict(self.saved["model"])
        return self.saved

    def due(self, step: int, last: bool) -> bool:
        return self.path is not None and (last or step % self.every == 0)

    def save(self, stage: str, step: int, model, optimizer=None, rng=None, carry=None) -> None:
        """Write the state after `step` steps of `stage` (steps done; traces in self.traces)."""
        import torch

        from ..utils.results import atomic_file

        blob = {
            "fingerprint": self.fp,
            "index": self.index,
            "stage": stage,
            "step": step,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict() if optimizer is not None else {},
            "rng": rng_state(rng) if rng is not None else "",
            "traces": self.traces,
            "carry": carry or {},
            "data": self.data or {},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(self.path) as tmp:
            torch.save(blob, tmp)

    def remove(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
