"""Training data made by the project: the classical Ising model (coupling J = 1, K = J/T, spins ±1 ↔ states 1/0).

1D: exact, independent samples of the periodic chain. The bond variables b_i = σ_i σ_{i+1} of an open chain are
i.i.d. (P(b = −1) = e^{−K} / (2 cosh K)); a ring is the same law conditioned on Π b_i = +1, so rejecting bond
strings with an odd number of domain walls samples the ring exactly (acceptance (1 + tanh^N K)/2 ≥ 1/2).

2D: Swendsen–Wang cluster Monte Carlo on an L×L torus, vectorised: bonds between equal neighbours are activated
with probability 1 − e^{−2K}, clusters are the connected components of that graph (scipy.sparse.csgraph) and each
cluster is flipped with probability ½. Exact references for the energy are in `ising_exact.py`.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

T_C = 2.0 / np.log(1.0 + np.sqrt(2.0))  # Onsager: K_c = ln(1 + √2)/2


def chain_samples(n_sites: int, K: float, n: int, seed: int) -> np.ndarray:
    """n exact samples of the periodic Ising chain, shape (n, n_sites), states 0/1 (σ = 2x − 1)."""
    if n_sites < 2 or n < 1:
        raise ValueError(f"n_sites = {n_sites}, n = {n}: need n_sites >= 2 and n >= 1")
    rng = np.random.default_rng(seed)
    p_wall = np.exp(-K) / (2.0 * np.cosh(K))
    rows = []
    while sum(len(r) for r in rows) < n:
        walls = rng.random((2 * n, n_sites)) < p_wall
        rows.append(walls[walls.sum(1) % 2 == 0])
    walls = np.concatenate(rows)[:n]
    first = rng.random(n) < 0.5
    # σ_{i+1} = σ_i · b_i: the parity of the walls before site i decides σ_i relative to σ_0
    parity = np.concatenate([np.zeros((n, 1), dtype=int), np.cumsum(walls[:, :-1], axis=1)], axis=1) % 2
    return (parity ^ first[:, None]).astype(np.uint8)


def chain_correlation(n_sites: int, K: float, r) -> np.ndarray:
    """Exact ⟨σ_0 σ_r⟩ on the periodic chain: (t^r + t^{N−r}) / (1 + t^N), t = tanh K."""
    t, r = np.tanh(K), np.asarray(r, dtype=float)
    return (t**r + t ** (n_sites - r)) / (1.0 + t**n_sites)


def energy_per_site(spins: np.ndarray) -> np.ndarray:
    """−(1/N) Σ_<ij> σ_i σ_j per configuration; spins (..., L, L) of ±1 on a torus."""
    s = spins.astype(np.int64)
    return -((s * np.roll(s, -1, -1)).mean((-2, -1)) + (s * np.roll(s, -1, -2)).mean((-2, -1)))


class SwendsenWang:
    """Swendsen–Wang chain on an L×L torus at coupling K; `sweep()` returns the new ±1 spin array."""

    def __init__(self, L: int, K: float, seed: int, start: str = "random"):
        if L < 2 or K <= 0:
            raise ValueError(f"L = {L}, K = {K}: need L >= 2 and K > 0")
        self.L, self.K, self.rng = L, K, np.random.default_rng(seed)
        self.p = 1.0 - np.exp(-2.0 * K)
        idx = np.arange(L * L).reshape(L, L)
        self._nbr_r, self._nbr_d = np.roll(idx, -1, 1).ravel(), np.roll(idx, -1, 0).ravel()
        self.spins = (
            np.ones((L, L), dtype=np.int8)
            if start == "ordered"
            else self.rng.choice(np.array([-1, 1], dtype=np.int8), size=(L, L))
        )

    def sweep(self) -> np.ndarray:
        s, N = self.spins.ravel(), self.L * self.L
        src = np.arange(N)
        on_r = (s == s[self._nbr_r]) & (self.rng.random(N) < self.p)
        on_d = (s == s[self._nbr_d]) & (self.rng.random(N) < self.p)
        rows = np.concatenate([src[on_r], src[on_d]])
        cols = np.concatenate([self._nbr_r[on_r], self._nbr_d[on_d]])
        graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(N, N))
        n_comp, labels = connected_components(graph, directed=False)
        flip = np.where(self.rng.random(n_comp) < 0.5, -1, 1).astype(np.int8)
        self.spins = (s * flip[labels]).reshape(self.L, self.L)
        return self.spins

    def run(self, n_samples: int, thermalize: int = 200, every: int = 1, progress_desc: str | None = None):
        """Configurations (n_samples, L, L) of ±1 after `thermalize` sweeps, one every `every` sweeps."""
        from ..utils.progress import progress

        for _ in range(thermalize):
            self.sweep()
        out = np.empty((n_samples, self.L, self.L), dtype=np.int8)
        for i in progress(range(n_samples), desc=progress_desc or f"Swendsen-Wang L={self.L}"):
            for _ in range(every):
                self.sweep()
            out[i] = self.spins
        return out


def binned_mean(x: np.ndarray, n_bins: int = 20) -> tuple[float, float]:
    """Mean and its standard error from n_bins consecutive bins (honest for a correlated Markov chain
    when the bins are much longer than the autocorrelation time)."""
    x = np.asarray(x, dtype=float)
    m = len(x) // n_bins
    if m < 1:
        raise ValueError(f"{len(x)} values cannot fill {n_bins} bins")
    bins = x[: m * n_bins].reshape(n_bins, m).mean(1)
    return float(bins.mean()), float(bins.std(ddof=1) / np.sqrt(n_bins))


def integrated_autocorrelation_time(x: np.ndarray, c: float = 5.0) -> float:
    """τ_int = ½ + Σ_t ρ(t), summed up to Sokal's automatic window t ≥ c·τ_int (in units of the series' step)."""
    x = np.asarray(x, dtype=float) - np.mean(x)
    n = len(x)
    if n < 4 or not np.any(x):
        return 0.5
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n] / (x @ x)
    tau = 0.5
    for t in range(1, n):
        tau += acf[t]
        if t >= c * tau:
            break
    return float(max(tau, 0.5))
