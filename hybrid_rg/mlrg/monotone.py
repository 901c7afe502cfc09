"""The RG-monotone network C_θ(J) and the RG step it defines.

Paper Sec. II D: the flow is the gradient flow dJ/dℓ = −∇C(J). The paper integrates it from ℓ = 0 to 1 as a
neural ODE (`ode_step`, torchdiffeq, adjoint-free backprop through the solver); the authors' code takes a single
explicit Euler step J − ∇C(J) instead (`euler_step`). Both are offered; `flow` iterates either. C is an MLP of
[Linear → LayerNorm → Tanh] blocks with C(J) = f(J) − f(0) (the authors' architecture), and ∇C keeps its graph so
that training back-propagates through it (double backprop). Fixed points are saddle points of C: Newton on ∇C = 0.
"""

from __future__ import annotations

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

    def newton(self, J: torch.Tensor, steps: int = 100, step_size: float = 1.0, tol: float = 1e-12) -> torch.Tensor:
        """Saddle point of C near J: J ← J − s (∇²C)⁻¹ ∇C (solve, not an explicit inverse)."""
        J = J.detach().clone()
        for _ in range(steps):
            g = self.grad(J, create_graph=False)
            if float(g.abs().max()) < tol:
                break
            H = torch.autograd.functional.hessian(lambda v: self(v), J)
            J = J - step_size * torch.linalg.solve(H, g)
        return J


def critical_from_monotone(model: Monotone, J0_grid: torch.Tensor, steps: int, mode: str = "euler") -> float:
    """Paper Eq. (21): J0* = argmax_J0 C(J(J0, ℓ)), refined by a parabola through the grid maximum."""
    J = torch.zeros(len(J0_grid), model.n_params, dtype=torch.float64)
    J[:, 0] = J0_grid
    Jl = model.flow(J, steps, mode)[-1]
    C = model(Jl).detach()
    i = int(torch.argmax(C))
    i = min(max(i, 1), len(J0_grid) - 2)
    x, y = J0_grid[i - 1:i + 2].numpy(), C[i - 1:i + 2].numpy()
    den = y[0] - 2 * y[1] + y[2]
    h = float(x[1] - x[0])
    return float(x[1] + (0.5 * h * (y[0] - y[2]) / den if den < 0 else 0.0))
