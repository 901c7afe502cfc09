"""RG schemes closed on the A1 axis (does exact-KL J0* converge to J0c as the representation grows?).

In the "full" scheme (critical.py) the whole student J' is the next teacher, so a flow leaves the A1 axis after one
step and the larger representations' extra couplings (A1–E, E–E, ...) take part in the flow. The two schemes here
use the larger representation only as *auxiliary* degrees of freedom that improve one step, and close the map on the
physical coupling J0 (the A1–A1 bond of an Ising model whose extra spin components are free):

- ``a1_coefficient``: g(J0) = R(J0 e0)_0, the student's A1–A1 coefficient (truncation of the coupling space back to
  the original one, as in Migdal–Kadanoff-type projections).
- ``a1_projection``: g(J0) = argmin_K KL(q_R(J0 e0) ‖ q_K e0), the information projection of the optimal student's
  visible marginal onto the axis family (the A1-only star with free extra components): the axis point whose coarse
  plaquette is closest, in the same KL that defines R, to the one the student produced.

Either way the RG is a map of one variable; J0* is its non-trivial fixed point (the root of g(J0) − J0 where it
changes sign from − (couplings shrink: disordered) to + (ordered)), λ_t = g'(J0*) by a central difference, and
ν = ln √2 / ln λ_t. For A1 both schemes are the full scheme (there is nothing to truncate).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .analysis import gsd, scaling_dimensions, weight_tensor
from .enumeration import cross_entropy_derivs, log_prob, orbits
from .newton import minimize
from .rgmap import ExactRG, axis_point

SCHEMES = ("full", "a1_coefficient", "a1_projection")
LN_SQRT2 = 0.5 * math.log(2.0)


def project_to_axis(rg: ExactRG, J_std: torch.Tensor, gtol: float = 1e-12) -> tuple[float, float]:
    """(K, KL) with K = argmin_K KL(q_J_std ‖ q_K e0) over the student's axis family (K ≥ 0: K and −K are one
    marginal, a hidden flip). Two starts (the student's own A1 coefficient and 1.0), damped Newton in one variable
    with the closed-form derivatives of enumeration.cross_entropy_derivs."""
    student = rg.pair.student
    _, mult = orbits(student.rep)
    pm = mult * log_prob(student, J_std.detach()).exp()
    n = rg.pair.n_params

    def derivs(x):
        F, g, H = cross_entropy_derivs(student, pm, axis_point(n, float(x[0])))
        return F, g[:1], H[:1, :1]

    best = None
    for k0 in (abs(float(J_std[0])), 1.0):
        x, F, _, _ = minimize(derivs, torch.tensor([k0], dtype=torch.float64), gtol=gtol, max_iter=200)
        if best is None or float(F) < best[1]:
            best = (abs(float(x[0])), float(F))
    entropy = float((pm * torch.log(pm / mult)).sum())  # Σ n p log p: KL = F + this
    return best[0], best[1] + entropy


def axis_map(rg: ExactRG, J0: float, scheme: str) -> tuple[float, float]:
    """(g(J0), KL of the RG step) for one of the axis-closed schemes."""
    if scheme not in SCHEMES[1:]:
        raise ValueError(f"scheme {scheme!r} is not closed on the A1 axis; use one of {', '.join(SCHEMES[1:])}")
    J_std, value = rg.step(axis_point(rg.pair.n_params, J0))
    if scheme == "a1_coefficient":
        return abs(float(J_std[0])), value
    return project_to_axis(rg, J_std)[0], value


def find_axis_critical(
    rg: ExactRG, scheme: str, *, scan: tuple[float, float, int] = (0.02, 3.0, 12), xtol: float = 1e-10, log=None
) -> dict:
    """J0*, λ_t, ν, GSD and Δ1 of an axis-closed scheme, with the same keys as critical.find_critical's result."""
    from scipy.optimize import brentq

    say = log or (lambda _msg: None)
    n = rg.pair.n_params
    grid = np.geomspace(scan[0], scan[1], scan[2])
    beta = [axis_map(rg, float(j), scheme)[0] - float(j) for j in grid]
    labels = [(float(j), "disordered" if b < 0 else "ordered", 1) for j, b in zip(grid, beta)]
    say("g(J0) − J0 on the scan: " + ", ".join(f"{j:.3g}:{b:+.3g}" for j, b in zip(grid, beta)))
    ups = [i for i in range(len(grid) - 1) if beta[i] < 0 <= beta[i + 1]]
    changes = sum((beta[i] < 0) != (beta[i + 1] < 0) for i in range(len(grid) - 1))
    base = {
        "scan": labels,
        "label_changes": changes,
        "seeds_tried": 0,
        "critical": False,
        "J": torch.full((n,), float("nan"), dtype=torch.float64),
        "bracket": (float("nan"), float("nan")),
        "J0_bisection": float("nan"),
        "J0_star": float("nan"),
        "J0_uncertainty": float("nan"),
        "J0_star_from": f"{scheme}: no fixed point",
    }
    if not ups:
        sign = "above" if all(b >= 0 for b in beta) else "below" if all(b < 0 for b in beta) else "around"
        base["message"] = (
            f"{scheme}: g(J0) − J0 has no − → + change on [{scan[0]}, {scan[1]}] (g is {sign} the diagonal): "
            "no critical fixed point on the axis"
        )
        return base
    lo, hi = float(grid[ups[0]]), float(grid[ups[0] + 1])
    star = float(brentq(lambda j: axis_map(rg, j, scheme)[0] - j, lo, hi, xtol=xtol))
    h = 1e-5
    g_plus, g_minus = axis_map(rg, star + h, scheme)[0], axis_map(rg, star - h, scheme)[0]
    g_star, kl_value = axis_map(rg, star, scheme)
    lam_t = (g_plus - g_minus) / (2 * h)
    J = axis_point(n, star)
    T = weight_tensor(rg.pair.teacher, J)
    base.update(
        critical=lam_t > 1,
        J=J,
        bracket=(lo, hi),
        J0_bisection=0.5 * (lo + hi),
        J0_star=star,
        # residual of the fixed-point equation, turned into a distance along the axis by the slope of g(J0) − J0
        J0_uncertainty=max(xtol, abs(g_star - star) / max(abs(lam_t - 1), 1e-12)),
        J0_star_from=f"{scheme}: root of g(J0) − J0",
        message=f"{scheme}: fixed point of g at J0 = {star:.7f}, g' = {lam_t:.5f}",
        eigenvalues=np.array([lam_t]),
        n_relevant=int(lam_t > 1),
        kl=kl_value,
        lambda_t=lam_t,
        lambda_2=float("nan"),
        nu=LN_SQRT2 / math.log(lam_t) if lam_t > 1 else float("nan"),
        gsd=gsd(T),
        Delta1=float(scaling_dimensions(T, 1)[1]),
    )
    say(base["message"])
    return base
