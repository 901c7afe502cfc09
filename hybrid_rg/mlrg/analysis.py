"""Fixed-point analysis: Boltzmann weight tensor T(J), ground-state degeneracy, transfer-matrix CFT data.

T(J)_{x0x1x2x3} = Σ_z e^{−E_J(x,z)} (paper Eq. 22, teacher model) has one leg per corner spin (2^d states). The
corners are shared by neighbouring shaded plaquettes, so the T's form a square tensor network (rotated 45°) with
legs (right, up, left, down) = (x0, x1, x2, x3). Estimators:
- GSD: M_ab = T_acbc, Z = (Tr M)² / Tr M² (1 disordered, 2 Z2-ordered; Gu–Wen);
- 1×1 torus (the paper): Δ_k = ln(λ0/|λ_k|)/(2π) from the eigenvalues of M;
- L×∞ cylinder: M_L is the transfer matrix of a periodic column of L tensors, Δ_k(L) = L ln(λ0/|λ_k|)/(2π) and
  ln λ0(L) = f L + π c/(6L) gives c from two circumferences (the free energy f cancels).
M is not symmetric in general (the mirror acts on the legs' internal spins), so general eigenvalues are used.
"""

from __future__ import annotations

import numpy as np
import torch

from .rbm import Block, all_configs


def weight_tensor(teacher: Block, J: torch.Tensor) -> np.ndarray:
    """T(J) normalised to max 1, shape (2^d,)*4."""
    with torch.no_grad():
        lw = teacher.log_weight(J, all_configs(teacher.n_visible)).numpy()
    n = 2**teacher.rep.dim
    return np.exp(lw - lw.max()).reshape(n, n, n, n)


def transfer_matrix(T: np.ndarray, L: int = 1) -> np.ndarray:
    """M_L[(a1..aL),(b1..bL)] = Σ_c Π_i T[a_i, c_i, b_i, c_{i+1}], c_{L+1} = c_1 (L = 1: M_ab = T_acbc)."""
    n = T.shape[0]
    if n ** (2 * L + 2) > 2**27:
        raise ValueError(
            f"a column of L={L} tensors with bond dimension {n} is too large to build densely; "
            f"use L <= {int((27 / np.log2(n) - 2) // 2)}"
        )
    A = np.transpose(T, (0, 2, 1, 3))  # (a, b, c_top, c_bottom)
    for _ in range(L - 1):
        A = np.einsum("abij,ABjk->aAbBik", A, np.transpose(T, (0, 2, 1, 3)))
        s = A.shape
        A = A.reshape(s[0] * s[1], s[2] * s[3], s[4], s[5])
    return np.einsum("abii->ab", A)


def spectrum(M: np.ndarray, k: int = 8) -> np.ndarray:
    """|eigenvalues| in descending order (at most k)."""
    lam = np.abs(np.linalg.eigvals(M))
    return np.sort(lam)[::-1][:k]


def gsd(T: np.ndarray) -> float:
    M = transfer_matrix(T, 1)
    return float(np.trace(M) ** 2 / np.trace(M @ M))


def scaling_dimensions(T: np.ndarray, L: int = 1, k: int = 6) -> np.ndarray:
    """Δ_0 = 0, Δ_1, … from the L-column transfer matrix."""
    lam = spectrum(transfer_matrix(T, L), k)
    return L * np.log(lam[0] / lam) / (2 * np.pi)


def central_charge(T: np.ndarray, L1: int, L2: int) -> float:
    """c from ln λ0(L) = f L + π c / (6 L) at two circumferences (T must be the same normalisation at both)."""
    l1 = np.log(spectrum(transfer_matrix(T, L1), 1)[0])
    l2 = np.log(spectrum(transfer_matrix(T, L2), 1)[0])
    # l_i = f L_i + (π c / 6) / L_i  → solve for c
    A = np.array([[L1, 1.0 / L1], [L2, 1.0 / L2]])
    f, b = np.linalg.solve(A, [l1, l2])
    return float(6 * b / np.pi)


def cft_table(T: np.ndarray, Ls=(1,)) -> dict:
    """Δσ, Δε (first Z2-even level above 0 is not separated here: Δ1, Δ2 as they come) and c per circumference."""
    out = {}
    for L in Ls:
        d = scaling_dimensions(T, L)
        out[L] = {"delta1": float(d[1]), "delta2": float(d[2]) if len(d) > 2 else float("nan")}
    return out
