"""The counts estimator against the binomial distribution's closed forms."""

import math

import numpy as np
import pytest
from scipy.stats import binom

from hybrid_rg.operators.counts import density, estimate, z_string


@pytest.mark.parametrize("shots, k", [(2, 1), (10, 3), (1000, 0), (1000, 271), (7, 7)])
def test_density_is_the_binomial_mean_with_the_unbiased_variance(shots, k):
    counts = {"10": k, "01": shots - k}
    p = k / shots
    mean, err = density(counts, 0)
    assert abs(mean - p) < 1e-15
    assert abs(err - math.sqrt(p * (1 - p) / (shots - 1))) < 1e-15


@pytest.mark.parametrize("shots, k", [(2, 1), (50, 13), (1000, 990)])
def test_z_string_is_one_minus_twice_the_odd_parity_fraction(shots, k):
    # k shots with odd parity on (0, 2): Z0 Z2 = -1 there, +1 elsewhere; the middle bit must not count
    counts = {"100": k // 2, "001": k - k // 2, "010": shots - k}
    m = 1 - 2 * k / shots
    mean, err = z_string(counts, (0, 2))
    assert abs(mean - m) < 1e-14
    assert abs(err - math.sqrt((1 - m * m) / (shots - 1))) < 1e-14
    scaled, scaled_err = z_string(counts, (0, 2), scale=0.25)
    assert abs(scaled - m / 4) < 1e-14 and abs(scaled_err - err / 4) < 1e-14


@pytest.mark.parametrize("shots, p", [(5, 0.3), (40, 0.5), (200, 0.07)])
def test_the_variance_is_unbiased_over_the_binomial_distribution(shots, p):
    # E[s²] = p(1 - p) exactly when s² has the N - 1 denominator (the biased form gives p(1 - p)(N - 1)/N)
    k = np.arange(shots + 1)
    s2 = [
        shots
        * estimate({"1": int(j), "0": int(shots - j)} if 0 < j < shots else {str(int(j > 0)): shots}, float)[1] ** 2
        for j in k
    ]
    expected = float(np.dot(binom.pmf(k, shots, p), s2))
    assert abs(expected - p * (1 - p)) < 1e-12


def test_a_single_shot_has_no_error_bar():
    with pytest.raises(ValueError, match="2 shots"):
        density({"1": 1}, 0)
