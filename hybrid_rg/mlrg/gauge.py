"""Gauge redundancy of the coupling parameters, and a canonical representative.

Flipping (or permuting identical copies of) the components of a *hidden* spin leaves every visible marginal unchanged,
and relabelling the *visible* spins of a teacher relabels its optimal student the same way. For the RG map
J ↦ R(J) (the student's centre spin becomes the next teacher's corner, its visible spins the next teacher's hidden
edge spins) the couplings are therefore defined only up to W ↦ P_r W P_c, with P_r, P_c signed permutations acting
on whole irrep copies (a sign on each A copy, ±1 on a whole E doublet — the only signs that commute with C4v — and
swaps of identical copies). Fixed points of R are fixed points modulo this group, so R is followed by `canonical`,
which picks the group image that maximises a fixed generic linear functional (J0 > 0 first: the ferromagnet).
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import torch

from .irreps import Rep


def _copy_actions(rep: Rep) -> list[np.ndarray]:
    """All d×d signed permutations that act on whole irrep copies (signs × swaps of identical copies)."""
    copies = rep.copies()
    d = rep.dim
    mats = []
    kinds = [r for r, _ in copies]
    for perm in itertools.permutations(range(len(copies))):
        if any(kinds[i] != kinds[perm[i]] for i in range(len(copies))):
            continue
        for signs in itertools.product((1.0, -1.0), repeat=len(copies)):
            P = np.zeros((d, d))
            for i, j in enumerate(perm):
                P[copies[j][1], copies[i][1]] = signs[i] * np.eye(copies[i][1].stop - copies[i][1].start)
            mats.append(P)
    return mats


@lru_cache(maxsize=None)
def gauge_matrices(rep: Rep) -> np.ndarray:
    """(n_group, c, c) matrices G with J ↦ G J the action of W ↦ P_r W P_c on the coefficients."""
    B = rep.coupling_basis()
    flat = B.reshape(len(B), -1)
    out = {}
    for Pr in _copy_actions(rep):
        for Pc in _copy_actions(rep):
            img = np.einsum("ij,cjk,kl->cil", Pr, B, Pc).reshape(len(B), -1)
            G, *_ = np.linalg.lstsq(flat.T, img.T, rcond=None)  # img_c = Σ_c' G[c', c] B_c'
            if np.abs(flat.T @ G - img.T).max() > 1e-12:
                raise AssertionError("gauge action leaves the mirror-symmetric subspace")
            key = tuple(np.round(G, 6).ravel())
            out[key] = G
    return np.array(list(out.values()))


def _weights(c: int) -> np.ndarray:
    return 1.0 / (1.0 + np.arange(c)) ** 2 * (1.0 + 0.01 * np.sqrt(2.0 + np.arange(c)))


def canonical(rep: Rep, J: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(G J, G) for the gauge image maximising a generic functional; G is returned so derivatives follow."""
    Gs = torch.tensor(gauge_matrices(rep))
    w = torch.tensor(_weights(J.shape[-1]))
    scores = (Gs @ J.detach()) @ w  # w·(G J) per gauge image
    G = Gs[int(torch.argmax(scores))]
    return G @ J, G
