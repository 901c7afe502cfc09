"""The RG-monotone network C_θ(J) and the RG step it defines.

Paper Sec. II D: the flow is the gradient flow dJ/dℓ = −∇C(J). The paper integrates it from ℓ = 0 to 1 as a
neural ODE (`ode_step`, torchdiffeq, adjoint-free backprop through the solver); the authors' code takes a single
explicit Euler step J − ∇C(J) instead (`euler_step`). Both are offered; `flow` iterates either. C is an MLP of
[Linear → LayerNorm → Tanh] blocks with C(J) = f(J) − f(0) (the authors' architecture), and ∇C keeps its graph so
that training back-propagates through it (double backprop). Fixed points are saddle points of C: Newton on ∇C = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

STEP_MODES = ("euler", "ode")


class Monotone(nn.Module):
    def __init__(self, n_params: int, hdims: list[int] | None = None, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        hdims = hdims or [8 * n_params, 4 * n_params]
        layers, d = [], n_params
        for h in hdims:
            layers += [nn.Linear(d, h), nn.LayerNorm(h), nn.Tanh()]
            d = h
        layers.append(nn.Linear(d, 1))
        self.ffn = nn.Sequential(*layers).to(torch.float64)
        self.n_params = n_params

    def forward(self, J: torch.Tensor) -> torch.Tensor:
        zero = torch.zeros(1, self.n_params, dtype=J.dtype)
        return self.ffn(J).squeeze(-1) - self.ffn(zero).squeeze(-1).detach()

    def grad(self, J: torch.Tensor, create_graph: bool = True) -> torch.Tensor:
        with torch.enable_grad():
            Jg = J if J.requires_grad else J.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self(Jg).sum(), Jg, create_graph=create_graph)
        return g

    def euler_step(self, J: torch.Tensor) -> torch.Tensor:
        return J - self.grad(J)

    def ode_step(self, J: torch.Tensor, ell: float = 1.0, rtol: float = 1e-7, atol: float = 1e-9) -> torch.Tensor:
        from torchdiffeq import odeint

        t = torch.tensor([0.0, ell], dtype=torch.float64)
        return odeint(lambda _t, y: -self.grad(y), J, t, rtol=rtol, atol=atol, method="dopri5")[-1]

    def step(self, J: torch.Tensor, mode: str = "euler") -> torch.Tensor:
        if mode not in STEP_MODES:
            raise ValueError(f"RG step mode {mode!r} is unknown; use one of {', '.join(STEP_MODES)}")
        return self.euler_step(J) if mode == "euler" else self.ode_step(J)

    def flow(self, J: torch.Tensor, steps: int, mode: str = "euler") -> list[torch.Tensor]:
        out = [J]
        for _ in range(steps):
            out.append(self.step(out[-1], mode).detach())
        return out

    def newton(self, J: torch.Tensor, steps: int = 100, step_size: float = 1.0, tol: float = 1e-10) -> torch.Tensor:
        """Saddle point of C near J (guarded: see `newton_saddle`); raises when it does not converge."""
        out = newton_saddle(self, J, max_iter=steps, tol=tol, max_step=step_size)
        if not out.converged:
            raise ValueError(
                f"Newton on ∇C = 0 failed from J = {J.detach().numpy().round(4).tolist()}: "
                f"{out.message}; start closer to the critical flow or train C longer"
            )
        return out.J


@dataclass(frozen=True)
class NewtonResult:
    J: torch.Tensor
    grad_norm: float
    converged: bool
    message: str
    iterations: int
    hessian_eigenvalues: tuple[float, ...]  # one negative eigenvalue = a saddle with one relevant direction


def newton_saddle(
    model: "Monotone",
    J: torch.Tensor,
    *,
    max_iter: int = 100,
    tol: float = 1e-10,
    max_step: float = 0.25,
    j_max: float = 20.0,
) -> NewtonResult:
    """Newton on ∇C(J) = 0 with a trust region on the step length and a line search on |∇C|.

    The paper's route (the authors' code: plain J ← J − s (∇²C)⁻¹∇C). An untrained or flat C has a nearly singular
    Hessian and plain Newton runs to |J| ~ 1e12; here each step is capped at `max_step`, shrunk until |∇C| decreases
    (Levenberg–Marquardt regularised when the Newton direction fails), and the iteration stops with a reason when
    |J| exceeds `j_max` or no step helps.
    """
    from .newton import guarded_root

    grad = lambda v: model.grad(v[None], create_graph=False)[0]  # noqa: E731
    hess = lambda v: torch.autograd.functional.hessian(lambda w: model(w[None])[0], v)  # noqa: E731
    r = guarded_root(
        lambda v: (grad(v), hess(v), None),
        J.detach().clone().reshape(-1),
        tol=tol,
        max_iter=max_iter,
        max_step=max_step,
        x_max=j_max,
        t_min=1e-4,
    )
    gn = float(grad(r.x).norm())
    messages = {
        "converged": "converged",
        "max_iter": "max_iter reached",
        "stuck": f"no step decreases |∇C| (stuck at {gn:.3g}): a flat or saddle-free region of C",
        "diverged": f"|J| = {float(r.x.abs().max()):.3g} exceeds {j_max}: C has no saddle in reach (diverging)",
    }
    H = hess(r.x)
    ev = tuple(float(x) for x in torch.linalg.eigvalsh(0.5 * (H + H.T)))
    return NewtonResult(r.x, gn, r.converged, messages[r.reason], r.iterations, ev)


def critical_from_monotone(model: Monotone, J0_grid: torch.Tensor, steps: int, mode: str = "euler") -> float:
    """Paper Eq. (21): J0* = argmax_J0 C(J(J0, ℓ)), refined by a parabola through the grid maximum."""
    J = torch.zeros(len(J0_grid), model.n_params, dtype=torch.float64)
    J[:, 0] = J0_grid
    Jl = model.flow(J, steps, mode)[-1]
    C = model(Jl).detach()
    i = int(torch.argmax(C))
    i = min(max(i, 1), len(J0_grid) - 2)
    x, y = J0_grid[i - 1 : i + 2].numpy(), C[i - 1 : i + 2].numpy()
    den = y[0] - 2 * y[1] + y[2]
    h = float(x[1] - x[0])
    return float(x[1] + (0.5 * h * (y[0] - y[2]) / den if den < 0 else 0.0))
