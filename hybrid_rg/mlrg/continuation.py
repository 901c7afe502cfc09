"""Homotopy from the A1 critical fixed point to the critical fixed point of a larger representation.

The exact A1+E / 2A1+E map has no Newton basin around its critical point from a generic start (docs/mlrg.md): flows
are erratic and Newton collapses onto the degenerate trivial point J = 0. But the A1 fixed point, embedded with all
other couplings 0, *is* a stationary point of the larger problem: on the A1 axis the student's extra channels sit at a
symmetric saddle of the KL (gradient zero by symmetry, negative curvature −0.24 for A1+E, −0.32 for 2A1+E at J*).
A ridge penalty ½ w Σ_{c≥1} J'_c² on the student's non-A1 couplings with w above that curvature makes the embedded
A1 point a strict local optimum, so for the family

    R_λ(J) = argmin_J' KL(p_J ‖ q_J') + ½ w_max (1 − λ) Σ_{c≥1} J'_c²    (a local optimum, continued)

the fixed point at λ = 0 is exactly the A1 one (J0* = 0.81392), and at λ = 1 R_λ is the exact map. The fixed point is
tracked in λ by predictor (secant) – corrector (Newton on R_λ(J) − J with dR_λ/dJ by implicit differentiation: the
penalty only adds w to the student Hessian). The inner optimum is followed by warm starts, so R_λ is smooth along the
branch; at the branch end it is compared with a multi-start global optimum (a different, lower optimum means the
branch is not the global map's fixed point, and the report says so). If Newton fails, the λ step is halved; a step
below `min_step` ends the branch with the reason (a turning point or a loss of the local optimum).

What it finds (docs/mlrg.md, "homotopy"): the embedded A1 point stays the fixed point up to w = w_c, the magnitude of
the student's negative curvature there (λ_end = 1 − w_c/w_max: 0.7590 for A1+E, 0.6787 for 2A1+E), where the inner
optimum has a (supercritical) pitchfork into the E channel. Past it R_λ has a kink at the symmetric teacher (dR/dJ0
drops from 1.357 to 0.95) and a strongly expanding E sector (|λ| ≈ 1.8), and Newton cycles: the branch ends there.
Mode "teacher" (scale the teacher's released couplings by λ) has no start: R_0 depends on J0 only and its optimal
student puts weight on the E channel, R_0(J0 e0)_0 > J0 for all J0 in [0.3, 1.2].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .enumeration import cross_entropy_derivs
from .gauge import canonical
from .kl import Pair, kl, optimal_student, teacher_weights
from .newton import minimize


def release_mask(n_params: int) -> torch.Tensor:
    """1 on every coupling except J0 (the A1–A1 channel), the couplings the homotopy releases."""
    m = torch.ones(n_params, dtype=torch.float64)
    m[0] = 0.0
    return m


def penalized_student(
    pair: Pair,
    J_tch: torch.Tensor,
    w: float,
    init: torch.Tensor,
    *,
    gtol: float = 1e-11,
    max_iter: int = 80,
    escape: float = 0.05,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Local optimum of KL + ½ w |mask·J'|² from `init` (damped Newton); returns (J', penalised Hessian)."""
    pm = teacher_weights(pair, J_tch.detach()).detach()
    mask = release_mask(pair.n_params)

    def derivs(J):
        F, g, H = cross_entropy_derivs(pair.student, pm, J)
        return F + 0.5 * w * float((mask * J * J).sum()), g + w * mask * J, H + w * torch.diag(mask)

    J = init.detach().clone()
    for _ in range(4):  # at a saddle (gradient zero by symmetry) escape along the negative-curvature direction
        J, F, H = _newton(derivs, J, gtol, max_iter)
        lam, vec = torch.linalg.eigh(H)
        if float(lam[0]) > -1e-9:
            break
        trial = [J + s * escape * vec[:, 0] for s in (1.0, -1.0)]
        J = min(trial, key=lambda x: derivs(x)[0])
    return J, H


def _newton(derivs, J, gtol, max_iter):
    J, F, _, H = minimize(derivs, J, gtol=gtol, max_iter=max_iter, shift=1e-8, t_min=1e-10, slack=1e-15)
    return J, F, H


@dataclass
class Homotopy:
    """R_λ with warm starts (raw, un-gauged optimum of the last call) for one representation."""

    pair: Pair
    w_max: float = 1.0
    mode: str = "student"  # "student": ridge on the student's released couplings; "teacher": scale the teacher's
    _raw: torch.Tensor | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.mode not in ("student", "teacher"):
            raise ValueError(
                f"homotopy mode {self.mode!r} is unknown; use 'student' (ridge on the student's released "
                "couplings) or 'teacher' (scale the teacher's)"
            )

    def weight(self, lam: float) -> float:
        return self.w_max * (1.0 - lam) if self.mode == "student" else 0.0

    def teacher_scale(self, lam: float) -> torch.Tensor:
        """P_λ: the teacher's released couplings are scaled by λ ("teacher" mode; identity otherwise)."""
        if self.mode == "student":
            return torch.eye(self.pair.n_params, dtype=torch.float64)
        return torch.diag(1.0 - (1.0 - lam) * release_mask(self.pair.n_params))

    def step(self, J: torch.Tensor, lam: float, init: torch.Tensor | None = None):
        """(R_λ(J) in the canonical gauge, dR_λ/dJ, raw optimum)."""
        start = init if init is not None else (self._raw if self._raw is not None else J)
        P = self.teacher_scale(lam)
        Jt = P @ J.detach()
        Js, H = penalized_student(self.pair, Jt, self.weight(lam), start)
        g_of_t = lambda x: cross_entropy_derivs(self.pair.student, teacher_weights(self.pair, x), Js)[1]  # noqa
        H_st = torch.autograd.functional.jacobian(g_of_t, Jt)
        Jc, G = canonical(self.pair.rep, Js)
        return Jc, G @ (-torch.linalg.solve(H, H_st)) @ P, Js

    def correct(
        self,
        J: torch.Tensor,
        lam: float,
        init: torch.Tensor,
        *,
        tol: float = 1e-10,
        max_iter: int = 12,
        max_step: float = 0.3,
    ) -> dict:
        """Newton on R_λ(J) − J from J (inner warm start `init`). converged=False with a reason on failure."""
        J = J.detach().clone()
        eye = torch.eye(len(J), dtype=torch.float64)
        raw = init
        for it in range(max_iter + 1):
            RJ, DR, raw_new = self.step(J, lam, init=raw)
            F = RJ - J
            res = float(F.abs().max())
            if res < tol:
                return {"J": J, "DR": DR, "raw": raw_new, "residual": res, "converged": True, "iterations": it}
            if it == max_iter:
                break
            dJ = -torch.linalg.solve(DR - eye, F)
            n = float(dJ.norm())
            if n > max_step:
                return {
                    "J": J,
                    "DR": DR,
                    "raw": raw_new,
                    "residual": res,
                    "converged": False,
                    "iterations": it,
                    "reason": f"Newton step {n:.3g} > {max_step} (start outside the basin)",
                }
            J, raw = J + dJ, raw_new
        return {
            "J": J,
            "DR": DR,
            "raw": raw,
            "residual": res,
            "converged": False,
            "iterations": it,
            "reason": f"residual {res:.3g} after {max_iter} Newton steps",
        }


def track(
    pair: Pair,
    J_start: torch.Tensor,
    *,
    w_max: float = 1.0,
    mode: str = "student",
    d_lam: float = 0.05,
    min_step: float = 1e-4,
    max_points: int = 400,
    log=None,
) -> dict:
    """Follow the fixed point of R_λ from λ = 0 (J_start, the embedded A1 fixed point) to λ = 1.

    Returns the branch (λ, J, leading |eigenvalues|) and, at λ = 1, the fixed point, dR/dJ, its eigenvalues, the KL
    of the branch's student and the multi-start global minimum of the same teacher (to expose a lost optimum).
    """
    hom = Homotopy(pair, w_max, mode)
    first = hom.correct(J_start, 0.0, J_start)
    if not first["converged"]:
        raise ValueError(
            f"the start is not a fixed point of R_0 ({first['reason']}); start from the embedded A1 "
            "fixed point (J0 = 0.81392, other couplings 0)"
        )
    branch = [(0.0, first["J"], first["raw"], first["DR"])]
    lam, h, reason = 0.0, d_lam, "reached λ = 1"
    while lam < 1.0 and len(branch) < max_points:
        h = min(h, 1.0 - lam)
        l1, J1, raw1, _ = branch[-1]
        if len(branch) >= 2:  # secant predictor
            l0, J0, _, _ = branch[-2]
            pred = J1 + (J1 - J0) * (h / (l1 - l0))
        else:
            pred = J1
        out = hom.correct(pred, l1 + h, raw1)
        if out["converged"]:
            lam = l1 + h
            branch.append((lam, out["J"], out["raw"], out["DR"]))
            if log:
                ev = np.sort(np.abs(np.linalg.eigvals(out["DR"].numpy())))[::-1]
                log(f"λ={lam:.4f} J={np.round(out['J'].numpy(), 4)} |λ_RG|={np.round(ev[:3], 4)}")
            if out["iterations"] <= 3:
                h = min(2 * h, 0.2)
        else:
            h *= 0.5
            if h < min_step:
                reason = f"branch ends at λ = {l1:.5f}: {out['reason']}"
                break
    lam_end, J, raw, DR = branch[-1]
    ev, vecs = np.linalg.eig(DR.numpy())
    order = np.argsort(-np.abs(ev))
    with torch.no_grad():
        kl_branch = float(kl(pair, hom.teacher_scale(lam_end) @ J, raw))
    _, kl_global = optimal_student(pair, hom.teacher_scale(lam_end) @ J, init=raw)
    return {
        "lambda": lam_end,
        "J": J,
        "jacobian": DR,
        "eigenvalues": ev[order],
        "kl": kl_branch,
        "kl_global": kl_global,
        "reason": reason,
        "w_max": w_max,
        "branch": [(b[0], b[1].numpy().copy(), np.sort(np.abs(np.linalg.eigvals(b[3].numpy())))[::-1]) for b in branch],
    }
