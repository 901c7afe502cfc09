"""Exact 2D Ising energies: Kaufman's finite-torus partition function and Onsager's infinite-lattice energy.

Kaufman (1949), isotropic coupling K on an m×n torus (m rows, n columns):
    Z = ½ (2 sinh 2K)^{mn/2} [Π_r 2cosh(m γ_{2r+1}/2) + Π_r 2sinh(m γ_{2r+1}/2)
                              + Π_r 2cosh(m γ_{2r}/2) + Π_r 2sinh(m γ_{2r}/2)],   r = 0…n−1,
    cosh γ_l = cosh 2K coth 2K − cos(π l / n) for l ≥ 1, and γ_0 = 2K + ln tanh K (signed: < 0 above T_c).
The energy per site is u = −(1/mn) ∂ ln Z / ∂K (central difference of a signed log-sum-exp; tests check it against
brute-force enumeration of the 4×4 torus). Onsager: u = −coth 2K [1 + (2/π)(2 tanh² 2K − 1) K1(k)],
k = 2 sinh 2K / cosh² 2K, which is −√2 at K_c.

Row correlations of the infinite lattice (McCoy & Wu, *The Two-Dimensional Ising Model*, ch. XI): ⟨σ_{0,0}σ_{0,r}⟩ is
the r×r Toeplitz determinant det(a_{i−j}) of the Fourier coefficients a_n = (1/2π)∫ e^{−inθ} φ(θ) dθ of
    φ(θ) = [(1 − α1 e^{iθ})(1 − α2 e^{−iθ}) / ((1 − α1 e^{−iθ})(1 − α2 e^{iθ}))]^{1/2},
α1 = z z*, α2 = z*/z, z = tanh K, z* = e^{−2K} (the dual coupling). At K_c, α2 = 1 and φ jumps at θ = 0:
on (0, 2π) it is e^{i(π−θ)/2} [(1 − α1 e^{iθ})/(1 − α1 e^{−iθ})]^{1/2}, a smooth function integrated by Gauss–Legendre.
Checks (tests/cora/test_ising.py): r = 1 gives −u_Onsager/2 (1/√2 at T_c), and r^{1/4}⟨σ_0σ_r⟩ → 0.7034.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ellipk


def _gamma(l: np.ndarray, n: int, K: float) -> np.ndarray:
    g = np.arccosh(np.cosh(2 * K) / np.tanh(2 * K) - np.cos(np.pi * l / n))
    return np.where(l == 0, 2 * K + np.log(np.tanh(K)), g)


def _log_abs_prod(terms: np.ndarray) -> tuple[float, float]:
    return float(np.sum(np.log(np.abs(terms)))), float(np.prod(np.sign(terms)))


def log_z_torus(m: int, n: int, K: float) -> float:
    r = np.arange(n)
    g_odd, g_even = _gamma(2 * r + 1, n, K), _gamma(2 * r, n, K)

    # 2cosh(x) and 2sinh(x) in log form: log(2cosh x) = |x| + log1p(e^{-2|x|}), same for |2sinh x|
    def lc(x):
        return np.sum(np.abs(x) + np.log1p(np.exp(-2 * np.abs(x)))), 1.0

    def ls(x):
        return np.sum(np.abs(x) + np.log(-np.expm1(-2 * np.abs(x)))), float(np.prod(np.sign(x)))

    parts = [lc(m * g_odd / 2), ls(m * g_odd / 2), lc(m * g_even / 2), ls(m * g_even / 2)]
    logs = np.array([p[0] for p in parts])
    signs = np.array([p[1] for p in parts])
    top = logs.max()
    total = np.sum(signs * np.exp(logs - top))
    return float(np.log(0.5) + 0.5 * m * n * np.log(2 * np.sinh(2 * K)) + top + np.log(total))


def energy_torus(m: int, n: int, K: float, h: float = 1e-5) -> float:
    """Exact ⟨E⟩/N of the m×n torus at coupling K (J = 1)."""
    return -(log_z_torus(m, n, K + h) - log_z_torus(m, n, K - h)) / (2 * h) / (m * n)


def energy_onsager(K: float) -> float:
    """Exact energy per site of the infinite square lattice."""
    k = 2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    if abs(2 * np.tanh(2 * K) ** 2 - 1) < 1e-12:  # at K_c the elliptic integral diverges, its prefactor vanishes
        return float(-1 / np.tanh(2 * K))
    return float(-1 / np.tanh(2 * K) * (1 + 2 / np.pi * (2 * np.tanh(2 * K) ** 2 - 1) * ellipk(k * k)))


def row_correlation_infinite(K: float, r_max: int, n_nodes: int = 4000) -> np.ndarray:
    """Exact ⟨σ_{0,0}σ_{0,r}⟩, r = 1…r_max, of the infinite square lattice at coupling K (Toeplitz determinants)."""
    if r_max < 1 or K <= 0:
        raise ValueError(f"r_max = {r_max}, K = {K}: need r_max >= 1 and K > 0")
    z, zd = np.tanh(K), np.exp(-2 * K)
    a1, a2 = z * zd, zd / z
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    th, w = np.pi * (x + 1), np.pi * w  # nodes on (0, 2π): the jump of φ at θ = 0 sits on the interval's ends
    e = np.exp(1j * th)
    if abs(a2 - 1) < 1e-12:
        phi = np.exp(0.5j * (np.pi - th)) * np.sqrt((1 - a1 * e) / (1 - a1 / e))
    else:  # principal logs: each factor is analytic in θ for |α| ≠ 1
        phi = np.exp(0.5 * (np.log(1 - a1 * e) - np.log(1 - a1 / e) + np.log(1 - a2 / e) - np.log(1 - a2 * e)))
    n = np.arange(-(r_max - 1), r_max)
    a = (w * phi * np.exp(-1j * np.outer(n, th))).sum(1) / (2 * np.pi)
    idx = np.subtract.outer(np.arange(r_max), np.arange(r_max)) + (r_max - 1)
    out = np.array([np.linalg.det(a[idx[:r, :r]]) for r in range(1, r_max + 1)])
    return out.real
