"""A prediction with its error bound: run the flow (once, or per replica of a stochastic map) and bound it.

For an ensemble the prediction is the replica mean and the bound the mean of the replicas' bounds, which bounds
the error of the mean (|exact − mean p_r| ≤ mean |exact − p_r|; docs/error_bound.md). Beside the bound,
`Prediction.estimate` is an error ESTIMATE (not a bound): the telescoping sum of the per-scale differences with
each environment truncated to the sites the light-cone bound attached.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .block import Block, SiteModel
from .bound import ErrorBound, flow_bound
from .flow import run_flow


@dataclass(frozen=True)
class Prediction:
    T: float
    value: float
    bound: float
    bounds: tuple[ErrorBound, ...]  # one per replica

    @property
    def tail_share(self) -> float:
        """Fraction of the bound that is a remainder (Dyson or light-cone: the part training cannot lower)."""
        tail = sum(min(sum(s.remainder for s in b.scales), b.value) for b in self.bounds) / len(self.bounds)
        return tail / self.bound if self.bound > 0 else 0.0

    @property
    def estimate(self) -> float:
        """An ESTIMATE of |exact − value|, not a bound (ErrorBound.estimate; for an ensemble, of the mean)."""
        return abs(sum(sum(s.signed for s in b.scales if s.signed is not None) for b in self.bounds)) / len(self.bounds)


def predict(
    first: Block,
    site: SiteModel,
    N: int,
    opmap,
    T: float,
    K: int,
    ensemble: int = 1,
    seed: int = 0,
    n_grid: int = 101,
    max_tuples: int = 40_000,
    **lightcone,
) -> Prediction:
    """⟨O(T)⟩ from the flow and its bound at Dyson order K (the training order is the natural choice), with an
    error estimate beside it. lightcone: options of bound.scale_bound (lightcone=False: the Dyson bound only)."""
    if hasattr(opmap, "reseed"):
        opmap.reseed(seed)
    values, bounds = [], []
    with torch.no_grad():
        for _ in range(ensemble):
            flow = run_flow(first, site, N, opmap)
            values.append(float(flow.prediction(T)))
            bounds.append(
                flow_bound(flow.pairs, site, N, T, K, n_grid, max_tuples, flow.terminal, values[-1], **lightcone)
            )
    return Prediction(T, sum(values) / ensemble, sum(b.value for b in bounds) / ensemble, tuple(bounds))
