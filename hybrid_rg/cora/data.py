"""Training and held-out data for a spec: exact 1D chain samples or 2D Swendsen–Wang samples (states 0/1).

Train and test sets use different seeds (and, in 2D, independent Markov chains), so the held-out KL is honest.
The Monte Carlo cost per configuration is measured here, for the sampling-speed comparison.
"""

from __future__ import annotations

import time

import numpy as np

from .ising import SwendsenWang, chain_samples, energy_per_site, integrated_autocorrelation_time
from .spec import DataSpec


def make_data(d: DataSpec) -> dict:
    """{'train', 'test': (n, side**dim) uint8, 'seconds_per_sample', 'tau_int', 'generator'}.

    tau_int: integrated autocorrelation time of the energy along the stored training chain (in stored samples;
    1/2 for independent samples), so seconds_per_sample × 2 tau_int is the cost of one independent sample."""
    K = d.coupling
    tau = 0.5
    t0 = time.perf_counter()
    if d.model == "ising1d":
        train = chain_samples(d.side, K, d.n_train, seed=d.seed)
        test = chain_samples(d.side, K, d.n_test, seed=d.seed + 1)
        gen = "exact periodic-chain sampler"
    else:

        def chain(n, seed, tag):
            sw = SwendsenWang(d.side, K, seed=seed)
            spins = sw.run(n, thermalize=d.thermalize, every=d.every, progress_desc=f"SW {tag} L={d.side}")
            return ((spins.reshape(n, -1) + 1) // 2).astype(np.uint8)

        train = chain(d.n_train, d.seed, "train")
        tau = integrated_autocorrelation_time(energy_per_site(2 * train.reshape(-1, d.side, d.side).astype(int) - 1))
        test = chain(d.n_test, d.seed + 1, "test")
        gen = f"Swendsen-Wang, {d.thermalize} thermalisation sweeps, {d.every} sweep(s) between samples"
    seconds = time.perf_counter() - t0
    return {
        "train": train,
        "test": test,
        "seconds_per_sample": seconds / (d.n_train + d.n_test),
        "tau_int": tau,
        "generator": gen,
    }
