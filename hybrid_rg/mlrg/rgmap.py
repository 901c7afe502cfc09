"""The exact RG map J ↦ R(J) (KL-optimal student, gauge-fixed), its flow, fixed points and critical point.

R is the deterministic truth the learned monotone is compared with: the student's couplings become the next
teacher's (rbm.py explains why the "consistent" geometry maps the family into itself). Fixed points are found by
Newton's method directly on R(J) − J, with dR/dJ from implicit differentiation (kl.py) — no monotone involved.
The critical bare coupling J0* on the A1 axis (critical.py) is the J0 whose flow runs into the critical fixed point:
the root of u·(Rⁿ(J0 e0) − J*), u the left eigenvector of the relevant (thermal) direction of dR/dJ at J*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .gauge import canonical
from .kl import Pair, optimal_student, student_jacobian


@dataclass
class ExactRG:
    """R(J) with a cache of warm starts; `starts` random restarts guard against the symmetric-saddle trap."""

    pair: Pair
    starts: int = 6
    seed: int = 0
    _last: torch.Tensor | None = field(default=None, repr=False)

    def step(self, J: torch.Tensor, with_jacobian: bool = False):
        Js, value = optimal_student(self.pair, J, starts=self.starts, seed=self.seed, init=self._last)
        self._last = Js
        Jc, G = canonical(self.pair.rep, Js)
        if not with_jacobian:
            return Jc, value
        return Jc, value, G @ student_jacobian(self.pair, J, Js)

    def flow(self, J: torch.Tensor, steps: int) -> list[torch.Tensor]:
        out = [J.detach().clone()]
        for _ in range(steps):
            out.append(self.step(out[-1])[0])
        return out


def axis_point(n_params: int, J0: float) -> torch.Tensor:
    J = torch.zeros(n_params, dtype=torch.float64)
    J[0] = J0
    return J


def linearisation(DR: torch.Tensor) -> dict:
    """General (non-symmetric) eigen-decomposition of dR/dJ: eigenvalues by |λ| descending, the number with
    |λ| > 1, and the right/left eigenvectors of the leading one (left: u·v = 1, so u·δ is δ's component along v)."""
    A = DR.detach().numpy()
    lam, R = np.linalg.eig(A)
    order = np.argsort(-np.abs(lam))
    lam, R = lam[order], R[:, order]
    lamT, L = np.linalg.eig(A.T)
    u = L[:, np.argmin(np.abs(lamT - lam[0]))]
    v = R[:, 0]
    u = u / (u @ v)
    return {"eigenvalues": lam, "n_relevant": int((np.abs(lam) > 1 + 1e-9).sum()), "right": v.real, "left": u.real}


def fixed_point(rg: ExactRG, J: torch.Tensor, tol: float = 1e-10, max_iter: int = 40, max_step: float = 0.5) -> dict:
    """Guarded Newton (newton.guarded_root) on R(J) − J with dR/dJ from implicit differentiation. Returns J*, the
    residual, KL, dR/dJ, its eigen-data (`linearisation`), `converged` and a message saying why it stopped."""
    from .newton import guarded_root

    eye = torch.eye(len(J), dtype=torch.float64)

    def fun(x):
        RJ, kl_value, DR = rg.step(x, with_jacobian=True)
        return RJ - x, DR - eye, (kl_value, DR)

    r = guarded_root(fun, J, tol=tol, max_iter=max_iter, max_step=max_step, x_max=50.0)
    messages = {
        "converged": "converged",
        "max_iter": "max_iter reached",
        "stuck": f"no step decreases |R(J) − J| (stuck at {r.residual:.3g}); the start is not in a Newton basin",
        "diverged": f"|J| = {float(r.x.abs().max()):.3g} > 50: running to a frozen (ordered) fixed point",
    }
    kl_value, DR = r.aux
    return {
        "J": r.x,
        "residual": r.residual,
        "converged": r.residual < max(tol, 1e-8),
        "message": messages[r.reason],
        "kl": kl_value,
        "jacobian": DR,
        "iterations": r.iterations,
        **linearisation(DR),
    }
