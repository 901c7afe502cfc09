"""The one estimator from measurement counts to an observable with its shot-noise error bar.

A run returns bitstring counts in the computational basis ("0" = ground, Z = 1 − 2n = +1). Every Z-diagonal
observable is a per-shot value v(bits); its estimate is the sample mean over shots, and its standard error is
√(s²/N) with s² the *unbiased* sample variance Σ c·(v − mean)²/(N − 1). For a 0/1 value (a density) that is
p̂(1 − p̂)·N/(N − 1), for a ±1 value (a Z string) (1 − m̂²)·N/(N − 1): the binomial closed forms.

    z_string(counts, (0, 1))        ⟨Z_0 Z_1⟩ and its standard error
    density(counts, 3)              ⟨n_3⟩ and its standard error
    estimate(counts, value)         any per-shot value: value(bits) -> float
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence


def estimate(counts: dict[str, int], value: Callable[[str], float]) -> tuple[float, float]:
    """(mean, standard error) of `value(bits)` over the shots in `counts` (unbiased sample variance)."""
    shots = sum(counts.values())
    if shots < 2:
        raise ValueError(f"need at least 2 shots for an estimate with an error bar; got {shots}")
    values = [(float(value(bits)), c) for bits, c in counts.items()]
    mean = sum(v * c for v, c in values) / shots
    # Two passes (mean first, then squared deviations): no cancellation when the variance is tiny.
    var = sum(c * (v - mean) ** 2 for v, c in values) / (shots - 1)
    return mean, math.sqrt(var / shots)


def z_string(counts: dict[str, int], sites: Sequence[int], scale: float = 1.0) -> tuple[float, float]:
    """⟨scale · Π_{i in sites} Z_i⟩ with Z = 1 − 2n (ground = +1), and its standard error."""
    sites = tuple(sites)
    return estimate(counts, lambda bits: scale * (1 - 2 * (sum(bits[i] == "1" for i in sites) % 2)))


def density(counts: dict[str, int], site: int) -> tuple[float, float]:
    """⟨n_site⟩ (the Rydberg density, bit "1") and its standard error."""
    return estimate(counts, lambda bits: 1.0 if bits[site] == "1" else 0.0)


__all__ = ["estimate", "z_string", "density"]
