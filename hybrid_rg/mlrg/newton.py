"""The one Newton iteration of mlrg, in its two uses: minimisation and root finding, both with backtracking.

- `minimize`: damped Newton on a smooth objective with its exact gradient and Hessian (the KL's inner optimum in
  kl.py, the ridge-penalised optimum in continuation.py). A Hessian that is not positive definite is shifted, so
  the step is a descent direction; the step is halved until F does not increase.
- `guarded_root`: Newton on F(x) = 0 with the Jacobian (fixed points R(J) − J of the exact map, saddles ∇C = 0 of
  the monotone). The step is capped, halved until |F| decreases, replaced by Levenberg–Marquardt steps when that
  fails, and the iteration stops with a reason (`stuck`, `diverged`, `max_iter`) instead of wandering off.

scipy.optimize has no guarded variant that stops with a reason and caps |x|, and the inner minimisation runs
~10⁴ times per search on 10 variables, where scipy's per-call overhead would dominate; scipy's brentq is used for
the one-dimensional roots (critical.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch


def minimize(
    derivs: Callable,
    x: torch.Tensor,
    *,
    gtol: float,
    max_iter: int,
    shift: float = 1e-6,
    t_min: float = 1e-8,
    slack: float = 1e-14,
):
    """argmin by damped Newton from x; derivs(x) → (F, gradient, Hessian). Returns (x, F, gradient, Hessian)."""
    x = x.detach().clone()
    F, g, H = derivs(x)
    eye = torch.eye(len(x), dtype=x.dtype)
    for _ in range(max_iter):
        if float(g.abs().max()) < gtol:
            break
        lo = float(torch.linalg.eigvalsh(H).min())
        s = 0.0 if lo > 1e-10 else shift - 1.5 * lo  # shift a non-convex Hessian so that the step descends
        step = torch.linalg.solve(H + s * eye, g)
        t = 1.0
        while t > t_min:
            trial = x - t * step
            Ft, gt, Ht = derivs(trial)
            if Ft <= F + slack:
                break
            t *= 0.5
        if t <= t_min:
            break
        x, F, g, H = trial, Ft, gt, Ht
    return x, F, g, H


@dataclass
class RootResult:
    x: torch.Tensor
    residual: float  # max |F| at x
    converged: bool
    reason: str  # "converged" | "max_iter" | "stuck" | "diverged"
    iterations: int
    aux: Any  # what fun returned beside F and its Jacobian at x (the caller's extra data)


def guarded_root(
    fun: Callable,
    x: torch.Tensor,
    *,
    tol: float,
    max_iter: int,
    max_step: float,
    x_max: float,
    t_min: float = 1e-3,
    lm_attempts: int = 12,
) -> RootResult:
    """Newton on F(x) = 0 from x; fun(x) → (F, dF/dx, aux). Stops when max|F| < tol, when no step decreases |F|
    ("stuck"), when max|x| > x_max ("diverged") or after max_iter steps."""
    x = x.detach().clone()
    eye = torch.eye(len(x), dtype=torch.float64)
    F, A, aux = fun(x)
    res, mu, reason, it = float(F.norm()), 1e-3, "max_iter", 0
    for it in range(1, max_iter + 1):
        if float(F.abs().max()) < tol:
            reason = "converged"
            it -= 1
            break
        accepted = False
        for attempt in range(lm_attempts):
            try:
                if attempt == 0:
                    step = -torch.linalg.solve(A, F)
                else:  # Levenberg–Marquardt on |F|²: (AᵀA + μ)δ = −AᵀF
                    step = -torch.linalg.solve(A.T @ A + mu * eye, A.T @ F)
                    mu *= 10
            except RuntimeError:  # singular A: go on with a regularised step
                continue
            if not bool(torch.isfinite(step).all()):
                continue
            norm = float(step.norm())
            if norm > max_step:
                step = step * (max_step / norm)
            t = 1.0
            while t > t_min:
                trial = x + t * step
                F2, A2, aux2 = fun(trial)
                if float(F2.norm()) < (1 - 1e-4 * t) * res:
                    accepted = True
                    break
                t *= 0.5
            if accepted:
                break
        if not accepted:
            reason = "stuck"
            break
        x, F, A, aux, res = trial, F2, A2, aux2, float(F2.norm())
        mu = max(mu / 100, 1e-6)
        if float(x.abs().max()) > x_max:
            reason = "diverged"
            break
    residual = float(F.abs().max())
    if residual < tol:
        reason = "converged"
    return RootResult(x, residual, residual < tol, reason, it, aux)
