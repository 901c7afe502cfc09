"""Observables a Rydberg run predicts from its shot counts, each with its shot-noise standard error.

⟨n_i⟩ (Rydberg density) and ⟨Z_i Z_{i+1}⟩ (Z = 1 − 2n, ground = +1) for consecutive atoms. The error bar is the
unbiased sample standard deviation over shots divided by √shots (operators.counts): what a user compares two runs
with.
"""

from __future__ import annotations

import math

import numpy as np

from ..operators.counts import density, z_string


def densities(counts: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    n = len(next(iter(counts)))
    mean, err = zip(*(density(counts, i) for i in range(n)))
    return np.array(mean), np.array(err)


def neighbour_zz(counts: dict[str, int]) -> list[tuple[int, int, float, float]]:
    n = len(next(iter(counts)))
    return [(i, i + 1, *z_string(counts, (i, i + 1))) for i in range(n - 1)]


def summary(counts: dict[str, int]) -> dict:
    mean, err = densities(counts)
    return {
        "shots": int(sum(counts.values())),
        "density": [float(x) for x in mean],
        "density_err": [float(x) for x in err],
        "zz_pairs": [[i, j] for i, j, _, _ in neighbour_zz(counts)],
        "zz": [m for *_, m, _ in neighbour_zz(counts)],
        "zz_err": [e for *_, e in neighbour_zz(counts)],
        "max_err_bound": 1 / math.sqrt(sum(counts.values())),
    }
