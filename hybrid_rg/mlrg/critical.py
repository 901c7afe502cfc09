"""Critical point of the exact map J = R(J) when plain Newton only finds the trivial or the ordered fixed point.

The critical fixed point is a saddle of the flow with one relevant direction, so iteration never reaches it and Newton
from a generic start falls into one of the two attractive ones. The robust route (used here):
1. **basin bisection** along the A1 axis: flow J0·e0 for `steps` exact RG steps and label the end point by its
   ground-state degeneracy (GSD ≥ `gsd_split` ordered, else disordered; |J| > `j_cap` counts as ordered at once,
   since the KL optimum of a nearly frozen teacher runs off to infinity). Bisect J0 between a disordered and an
   ordered start; the bracket is the critical bare coupling J0*;
2. the trajectory from J0* lingers near the critical fixed point: its point of least |R(J) − J| seeds
3. **guarded Newton** on F(J) = R(J) − J: the Newton step (dR/dJ − 1)⁻¹F from implicit differentiation, a
   backtracking line search on |F|, a Levenberg–Marquardt step when the line search fails, a cap on step length;
   it returns `converged=False` with the reason instead of wandering off.
The fixed point is accepted as critical when dR/dJ has exactly one eigenvalue with |λ| > 1.
Labels can be non-monotone in J0 where the exact flow is erratic (A1+E, 2A1+E: the student cannot represent the
teacher once E couplings are on, see docs/mlrg.md); bisection still returns *a* phase boundary, and the report says
how many label changes a coarse scan saw.
"""

from __future__ import annotations

import numpy as np
import torch

from .analysis import gsd, weight_tensor
from .rgmap import ExactRG, axis_point


def phase_of_flow(rg: ExactRG, J0: float, steps: int, *, gsd_split: float = 1.5, j_cap: float = 12.0,
                  settled: tuple[float, float] = (1.02, 1.95)) -> tuple:
    """('ordered' | 'disordered', trajectory) of the exact flow from J0·e0.

    Stops as soon as the flow has settled (GSD ≤ settled[0]: disordered; GSD ≥ settled[1] or |J| > j_cap:
    ordered); after `steps` steps without settling the label is GSD ≥ gsd_split.
    """
    traj = [axis_point(rg.pair.n_params, J0)]
    g = gsd(weight_tensor(rg.pair.teacher, traj[-1]))
    for _ in range(steps):
        J, _ = rg.step(traj[-1])
        traj.append(J)
        if float(J.abs().max()) > j_cap:
            return "ordered", traj
        g = gsd(weight_tensor(rg.pair.teacher, J))
        if g <= settled[0] or g >= settled[1]:
            break
    return ("ordered" if g >= gsd_split else "disordered"), traj


def bisect_phases(rg: ExactRG, lo: float, hi: float, *, steps: int = 8, tol: float = 1e-4, **kw) -> dict:
    """J0* between a disordered `lo` and an ordered `hi` start (bisection on the flow's phase label)."""
    la, _ = phase_of_flow(rg, lo, steps, **kw)
    lb, traj = phase_of_flow(rg, hi, steps, **kw)
    if la == lb:
        raise ValueError(f"both ends of the bracket ({lo}, {hi}) flow to the {la} phase after {steps} steps; "
                         "widen the bracket or change steps")
    flip = la == "ordered"  # allow an inverted bracket
    best_traj = traj
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lab, t = phase_of_flow(rg, mid, steps, **kw)
        if (lab == "ordered") != flip:
            hi = mid
        else:
            lo = mid
        best_traj = t
    return {"J0_star": 0.5 * (lo + hi), "bracket": (lo, hi), "trajectory": best_traj}


def scan_phases(rg: ExactRG, grid, steps: int = 8, **kw) -> list[str]:
    """Phase label per J0 on a grid (diagnostic: how often does the label change?)."""
    return [phase_of_flow(rg, float(j), steps, **kw)[0] for j in grid]


def guarded_fixed_point(rg: ExactRG, J: torch.Tensor, *, tol: float = 1e-9, max_iter: int = 40,
                        max_step: float = 0.5) -> dict:
    """Newton on R(J) − J with line search, LM fallback and a step cap; never diverges silently."""
    J = J.detach().clone()
    n = len(J)
    eye = torch.eye(n, dtype=torch.float64)
    RJ, _, DR = rg.step(J, with_jacobian=True)
    F = RJ - J
    res = float(F.norm())
    message, mu = "max_iter reached", 1e-3
    for it in range(max_iter):
        if float(F.abs().max()) < tol:
            message = "converged"
            break
        A = DR - eye
        accepted = False
        for attempt in range(12):
            if attempt == 0:
                step = -torch.linalg.solve(A, F)
            else:  # Levenberg–Marquardt on |F|²: (AᵀA + μ)δ = −AᵀF
                step = -torch.linalg.solve(A.T @ A + mu * eye, A.T @ F)
                mu *= 10
            norm = float(step.norm())
            if norm > max_step:
                step = step * (max_step / norm)
            t = 1.0
            while t > 1e-3:
                trial = J + t * step
                R2, _, D2 = rg.step(trial, with_jacobian=True)
                F2 = R2 - trial
                if float(F2.norm()) < (1 - 1e-4 * t) * res:
                    accepted = True
                    break
                t *= 0.5
            if accepted:
                break
        if not accepted:
            message = f"no step decreases |R(J) − J| (stuck at {res:.3g}); the start is not in a Newton basin"
            break
        J, F, DR, res = trial, F2, D2, float(F2.norm())
        mu = max(mu / 100, 1e-6)
        if float(J.abs().max()) > 50:
            message = f"|J| = {float(J.abs().max()):.3g} > 50: running to a frozen (ordered) fixed point"
            break
    else:
        it = max_iter
    RJ, kl_value, DR = rg.step(J, with_jacobian=True)
    lam = np.linalg.eigvals(DR.numpy())
    lam = lam[np.argsort(-np.abs(lam))]
    lamT, vecsT = np.linalg.eig(DR.numpy().T)
    residual = float((RJ - J).abs().max())
    return {"J": J, "residual": residual, "converged": residual < max(tol, 1e-8), "message": message,
            "kl": kl_value, "jacobian": DR, "eigenvalues": lam, "n_relevant": int((np.abs(lam) > 1 + 1e-9).sum()),
            "left": vecsT[:, np.argmax(np.abs(lamT))].real, "iterations": it}


def critical_fixed_point(rg: ExactRG, lo: float, hi: float, *, steps: int = 8, tol: float = 1e-4,
                         trivial: float = 0.05, max_seeds: int = 4, **kw) -> dict:
    """Basin bisection for J0*, then guarded Newton from the trajectory point closest to being fixed."""
    b = bisect_phases(rg, lo, hi, steps=steps, tol=tol, **kw)
    traj = b["trajectory"]
    # seed: the trajectory point closest to being fixed, away from both attractive fixed points (the trivial one at
    # J = 0 with GSD 1 and the frozen one with GSD 2)
    cands = [i for i in range(len(traj) - 1)
             if float(traj[i].norm()) > trivial and 1.1 < gsd(weight_tensor(rg.pair.teacher, traj[i])) < 1.95]
    cands = cands or list(range(len(traj) - 1))
    res = [float((traj[i + 1] - traj[i]).norm()) for i in cands]
    fp = None
    for i in [cands[j] for j in np.argsort(res)[:max_seeds]]:
        fp = guarded_fixed_point(rg, traj[i])
        nontrivial = float(fp["J"].norm()) > trivial
        fp.update(J0_star=b["J0_star"], bracket=b["bracket"], seed=traj[i], nontrivial=nontrivial,
                  critical=bool(fp["converged"] and nontrivial and fp["n_relevant"] == 1))
        if fp["critical"]:
            break
    if not fp["critical"]:
        fp["message"] += (f"; no critical fixed point from {min(max_seeds, len(cands))} seeds on the trajectory "
                          f"from J0* (last: converged={fp['converged']}, |J| = {float(fp['J'].norm()):.3g}, "
                          f"{fp['n_relevant']} relevant)")
    return fp
