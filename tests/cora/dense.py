"""Brute-force reference for tests: the full joint distribution of a small CORA, built layer by layer over the
*whole* lattice with numpy (no causal cone, no memo), so that cone marginals can be checked against it."""

from __future__ import annotations

import numpy as np


def dense_joint(model) -> np.ndarray:
    geo, J = model.geometry, model.geometry.n_layers
    P = model.top().detach().numpy()
    for k in range(J, 0, -1):
        M, N = geo.size(k), geo.size(k - 1)
        iso = model.isometry(k).detach().numpy()
        dis = model.disentangler(k).detach().numpy()
        ops = [P, list(range(M))]
        for s in range(M):
            ops += [iso, [s] + [M + c for c in geo.children(k, s)]]
        Q = np.einsum(*ops, list(range(M, M + N)), optimize=True)
        labels = list(range(N))
        for g in range(M):
            sites = geo.group_sites(k - 1, g)
            new = {t: N + t for t in sites}
            out = [new.get(t, t) for t in labels]
            Q = np.einsum(Q, labels, dis, list(sites) + [new[t] for t in sites], out, optimize=True)
            labels = out
        P = Q.transpose(np.argsort(labels))
    return P


def dense_marginal(joint: np.ndarray, sites) -> np.ndarray:
    """Marginal over `sites` with axes in the given order."""
    drop = tuple(a for a in range(joint.ndim) if a not in sites)
    m = joint.sum(axis=drop)
    order = sorted(sites)
    return m.transpose([order.index(s) for s in sites])
