"""Observables a Rydberg run predicts from its shot counts, each with its shot-noise standard error.

⟨n_i⟩ (Rydberg density) and ⟨Z_i Z_{i+1}⟩ (Z = 1 − 2n, ground = +1) for consecutive atoms. The error bar is the
sample standard deviation over shots divided by √shots: what a user compares two runs with.
"""

from __future__ import annotations

import math

import numpy as np

from ..pulse.program import zz_from_counts


def densities(counts: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    shots = sum(counts.values())
    if shots < 2:
        raise ValueError("need at least 2 shots for an estimate with an error bar")
    n = len(next(iter(counts)))
    ones = np.zeros(n)
    for bits, c in counts.items():
        ones += c * np.array([b == "1" for b in bits], dtype=float)
    mean = ones / shots
    var = mean * (1 - mean) * shots / (shots - 1)          # sample variance of a 0/1 variable
    return mean, np.sqrt(var / shots)


def neighbour_zz(counts: dict[str, int]) -> list[tuple[int, int, float, float]]:
    n = len(next(iter(counts)))
    return [(i, i + 1, *zz_from_counts(counts, i, i + 1)) for i in range(n - 1)]


def summary(counts: dict[str, int]) -> dict:
    mean, err = densities(counts)
    return {"shots": int(sum(counts.values())),
            "density": [float(x) for x in mean], "density_err": [float(x) for x in err],
            "zz_pairs": [[i, j] for i, j, _, _ in neighbour_zz(counts)],
            "zz": [m for *_, m, _ in neighbour_zz(counts)], "zz_err": [e for *_, e in neighbour_zz(counts)],
            "max_err_bound": 1 / math.sqrt(sum(counts.values()))}
