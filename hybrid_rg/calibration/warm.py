"""Warm start: the torch surrogate picks the first trials and narrows the ranges before any shot is paid for.

The surrogate is the campaign's own HEM in torch (build.py without compiling or running): for a terminal van der
Waals HEM its ⟨O(T)⟩ is the emulator's exact, noise-free value, so on the emulator it is a perfect model and on
hardware a noiseless one. `n_candidates` scrambled-Sobol points of the search space are scored by the surrogate loss
(|⟨O⟩_surrogate − target|² plus the exact consistency terms); the best `n_enqueue` become the first trials
(study.enqueue_trial) and the bounding box of the best `narrow_top`, widened by `margin` of each range, becomes the
campaign's search space (categorical parameters keep every choice). Seeded: the same spec gives the same start.
"""

from __future__ import annotations

from dataclasses import dataclass

from .build import Experiment, build
from .space import Param, narrowed
from .spec import CampaignSpec


@dataclass(frozen=True)
class WarmStart:
    space: dict  # name -> Param, narrowed
    enqueue: list  # [(params, surrogate_loss)], best first
    scored: list  # every candidate: [(params, surrogate_loss)]


def candidates(space: dict[str, Param], n: int, seed: int) -> list[dict]:
    import numpy as np
    from scipy.stats import qmc

    names = list(space)
    if not names:
        return []
    u = qmc.Sobol(len(names), scramble=True, seed=seed).random(n)
    out = []
    for row in u:
        pt = {}
        for x, name in zip(row, names):
            p = space[name]
            if p.choices is not None:
                pt[name] = p.choices[min(int(x * len(p.choices)), len(p.choices) - 1)]
            elif p.log:
                pt[name] = p.kind(float(np.exp(np.log(p.low) + x * (np.log(p.high) - np.log(p.low)))))
            else:
                v = p.low + x * (p.high - p.low)
                if p.step is not None:
                    v = p.low + p.step * round((v - p.low) / p.step)
                pt[name] = int(round(v)) if p.kind is int else float(v)
        out.append(pt)
    return out


def surrogate_loss(cspec: CampaignSpec, exp: Experiment, params: dict, seed: int) -> float:
    b = build(cspec, exp, params, seed, with_program=False, with_bound=False)
    return (b.surrogate_value - exp.target) ** 2 + cspec.objective.consistency_weight * b.consistency


def warm_start(cspec: CampaignSpec, exp: Experiment, space: dict[str, Param], seed: int) -> WarmStart:
    w = cspec.warm_start
    pts = candidates(space, int(w.n_candidates), seed)
    from ..utils.progress import progress

    bar = progress(pts, desc="warm start: scoring candidates on the torch surrogate", unit="candidate")
    scored = sorted(((p, surrogate_loss(cspec, exp, p, seed)) for p in bar), key=lambda x: x[1])
    top = [p for p, _ in scored[: int(w.narrow_top)]]
    return WarmStart(narrowed(space, top, float(w.margin)), scored[: int(w.n_enqueue)], scored)
