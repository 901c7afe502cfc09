"""Critical point of the exact map J = R(J) on the A1 axis: the critical bare coupling J0*, the critical fixed point
J*, its thermal eigenvalue λ_t, ν = ln √2 / ln λ_t, GSD and Δ1.

The critical fixed point is a saddle of the flow with one relevant direction: iteration never stays there and
Newton from a generic start falls into one of the attractive fixed points (trivial J = 0, or frozen |J| → ∞).
The search is built so that no setting has to be tuned per representation or geometry:

1. **coarse scan** of J0 on a wide geometric grid (default 0.02 … 3, 12 points) with short flows (`scan_steps`):
   a flow's phase is *decided* by the distance to a known attractive fixed point: |J| < `r_trivial` (inside the
   trivial point's basin: disordered) or |J| > `j_cap` (running to the frozen point: ordered); a flow that is not
   decided is "undecided" (it lingers near J* or creeps towards J = 0, which is nearly marginal for 2A1+E). GSD is
   not used: the 2A1+E critical fixed point has GSD ≈ 1.0004, so a GSD threshold calls ordered flows disordered.
   The bracket is the first decided disordered → ordered change (undecided points in between are skipped).
2. **guarded Newton** on F(J) = R(J) − J (dR/dJ by implicit differentiation) from the distinct trajectory points
   that are closest to being fixed (relative step), away from both attractive fixed points; critical = converged,
   non-trivial, exactly one eigenvalue of dR/dJ with |λ| > 1. Eigenvalues are general (dR/dJ is not symmetric).
3. only if that fails: **basin bisection** in the bracket with long flows (`max_steps`) down to `bisect_tol`,
   and Newton again from the lingering points of its trajectories.
4. **projection**: with u the left eigenvector of λ_t, φ_n(J0) = u·(Rⁿ(J0 e0) − J*) changes sign at J0* once n is
   large enough that the irrelevant components (|λ_2|ⁿ ≤ `proj_tol`) have died; its root in the bracket (Brent) is
   J0*. One flow of 2n steps from the root measures how far the root of φ_2n lies: the reported uncertainty, so a
   flow that is too short shows up as a number instead of a silent bias.
Without a critical fixed point (the consistent geometry's A1+E, docs/mlrg.md) J0* is the midpoint of the basin
bracket: a boundary between basins, reported as such, with no λ_t, ν or Δ1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .analysis import gsd, scaling_dimensions, weight_tensor
from .rgmap import ExactRG, axis_point, fixed_point, linearisation  # noqa: F401 (re-exported)

LN_SQRT2 = 0.5 * math.log(2.0)  # the block doubles the lattice spacing's area: b = √2 per step


@dataclass(frozen=True)
class FlowRule:
    """When is a flow's phase decided? Distances to the attractive fixed points (not GSD, not a step count)."""

    r_trivial: float = 0.05  # |J| below this: in the basin of the trivial fixed point J = 0 (disordered)
    j_cap: float = 12.0  # |J| above this: running to the frozen fixed point (ordered)
    max_steps: int = 400  # a flow still undecided after this many steps started next to J0*


def classify_flow(rg: ExactRG, J0: float, rule: FlowRule) -> tuple[str, list[torch.Tensor]]:
    """('disordered' | 'ordered' | 'undecided', trajectory) of the exact flow from J0·e0, run until decided."""
    traj = [axis_point(rg.pair.n_params, J0)]
    for _ in range(rule.max_steps):
        J, _ = rg.step(traj[-1])
        traj.append(J)
        norm = float(J.norm())
        if norm > rule.j_cap:
            return "ordered", traj
        if norm < rule.r_trivial and norm < float(traj[-2].norm()):
            # inside the ball *and* shrinking: near J = 0 the map can also push flows out (the consistent
            # geometry's 2A1+E: from J0 = 0.02 |J| grows by ~1 % a step), so the ball alone decides nothing
            return "disordered", traj
    return "undecided", traj


def scan_phases(rg: ExactRG, grid, rule: FlowRule, log=None) -> list[tuple[float, str, int]]:
    """(J0, label, steps taken) per grid point."""
    out = []
    for j0 in grid:
        label, traj = classify_flow(rg, float(j0), rule)
        out.append((float(j0), label, len(traj) - 1))
        if log:
            log(f"scan J0 = {float(j0):.4g}: {label} after {len(traj) - 1} steps, |J| = {float(traj[-1].norm()):.3g}")
    return out


def phase_change(scan: list[tuple[float, str, int]]) -> tuple[float, float, int]:
    """(lo, hi, number of label changes): the first decided disordered → ordered change of a scan (undecided points
    between them are skipped: they lie next to J0*)."""
    decided = [(j, lab) for j, lab, _ in scan if lab != "undecided"]
    changes = [(a[0], b[0]) for a, b in zip(decided, decided[1:]) if a[1] != b[1]]
    up = [(a[0], b[0]) for a, b in zip(decided, decided[1:]) if a[1] == "disordered" and b[1] == "ordered"]
    if not up:
        labels = ", ".join(f"{j:.3g}:{lab[0]}" for j, lab, _ in scan)
        raise ValueError(
            f"no disordered → ordered change on the A1 axis in the scan ({labels}; d = disordered, "
            "o = ordered, u = undecided); widen `scan` or raise `max_steps`"
        )
    return up[0][0], up[0][1], len(changes)


def bisect_phases(rg: ExactRG, lo: float, hi: float, rule: FlowRule, tol: float = 1e-3) -> dict:
    """Bisection of J0 between a disordered `lo` and an ordered `hi` with the flow rule; stops at width `tol` or
    when a flow stays undecided (then that J0 is within the rule's resolution of J0*). Keeps every trajectory."""
    la, ta = classify_flow(rg, lo, rule)
    lb, tb = classify_flow(rg, hi, rule)
    if la != "disordered" or lb != "ordered":
        raise ValueError(
            f"the bracket ({lo}, {hi}) flows to ({la}, {lb}), not (disordered, ordered) within "
            f"{rule.max_steps} steps; widen it or raise max_steps"
        )
    trajs, undecided = [ta, tb], None
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lab, t = classify_flow(rg, mid, rule)
        trajs.append(t)
        if lab == "undecided":
            undecided = mid
            break
        if lab == "ordered":
            hi = mid
        else:
            lo = mid
    return {"bracket": (lo, hi), "trajectories": trajs, "undecided": undecided}


guarded_fixed_point = fixed_point  # the guarded Newton on R(J) − J lives in rgmap (one Newton: newton.py)


def projection_root(rg: ExactRG, fp: dict, lo: float, hi: float, steps: int, xtol: float = 1e-9) -> dict | None:
    """Root in [lo, hi] of φ_n(J0) = u·(Rⁿ(J0 e0) − J*), n = `steps` (Brent), and a check at 2n.

    At J0* the relevant component of Rⁿ decays like |λ_2|^2n (second order in the irrelevant components), so the
    roots of φ_n and φ_2n agree to that order when n is long enough. The check costs one flow: φ_2n at the root of
    φ_n, divided by φ_2n's slope (≈ λ_t^n times φ_n's, from Brent's last points), is the distance between the two
    roots, reported as the uncertainty. None if φ_n has no sign change in [lo, hi].
    """
    from scipy.optimize import brentq

    u = torch.tensor(fp["left"])
    n = rg.pair.n_params
    seen: dict[float, float] = {}

    def phi(J0: float, k: int = steps) -> float:
        value = float(u @ (rg.flow(axis_point(n, J0), k)[-1] - fp["J"]))
        if k == steps:
            seen[J0] = value
        return value

    a, b = phi(lo), phi(hi)
    if not (np.isfinite(a) and np.isfinite(b)) or a * b > 0:
        return None
    root = float(brentq(phi, lo, hi, xtol=xtol))
    pts = sorted(seen.items(), key=lambda p: abs(p[0] - root))[:2]
    slope = (pts[0][1] - pts[1][1]) / (pts[0][0] - pts[1][0])
    lam_t = float(fp["eigenvalues"][0].real)
    shift = abs(phi(root, 2 * steps) / (slope * lam_t**steps)) if slope != 0 else float("inf")
    return {"root": root, "steps": steps, "evaluations": len(seen) + 1, "uncertainty": shift}


def _seeds(trajs: list[list[torch.Tensor]], rule: FlowRule, limit: int) -> list[tuple[float, torch.Tensor]]:
    """Distinct trajectory points closest to being fixed (relative step |R(J) − J|/|J|), away from both attractive
    fixed points: the points where a flow lingers near the critical saddle."""
    cands = []
    for t in trajs:
        for i in range(len(t) - 1):
            norm = float(t[i].norm())
            if 2 * rule.r_trivial < norm < 0.5 * rule.j_cap:
                cands.append((float((t[i + 1] - t[i]).norm()) / norm, t[i]))
    cands.sort(key=lambda c: c[0])
    out = []
    for rel, J in cands:  # the lingering points of one trajectory are all alike: keep distinct ones
        if all(float((J - s).norm()) > 0.05 * float(J.norm()) for _, s in out):
            out.append((rel, J))
        if len(out) >= limit:
            break
    return out


def _newton_from(rg: ExactRG, seeds, rule: FlowRule, say, tried: list) -> dict | None:
    fp = None
    for rel, J in seeds:
        if any(float((J - s).norm()) < 1e-9 for s in tried):
            continue
        tried.append(J)
        fp = guarded_fixed_point(rg, J, max_iter=25)
        fp["nontrivial"] = float(fp["J"].norm()) > 2 * rule.r_trivial
        fp["critical"] = bool(fp["converged"] and fp["nontrivial"] and fp["n_relevant"] == 1)
        say(
            f"Newton from |J| = {float(J.norm()):.4f} (relative step {rel:.3g}): {fp['message']}, "
            f"|J*| = {float(fp['J'].norm()):.5f}, |λ| = {np.round(np.abs(fp['eigenvalues'][:3]), 5).tolist()}"
        )
        if fp["critical"]:
            return fp
    return fp


def find_critical(
    rg: ExactRG,
    *,
    scan: tuple[float, float, int] = (0.02, 3.0, 12),
    rule: FlowRule = FlowRule(),
    scan_steps: int = 30,
    bisect_tol: float = 1e-2,
    max_seeds: int = 3,
    proj_tol: float = 1e-4,
    min_proj_steps: int = 4,
    max_proj_steps: int = 200,
    log=None,
) -> dict:
    """The whole search (module docstring). Returns J0* (from the projection when a critical fixed point is found,
    else the bisection midpoint), the fixed point and its data, and how each stage went."""
    say = log or (lambda _msg: None)
    lo_s, hi_s, n_s = scan
    grid = np.geomspace(lo_s, hi_s, n_s)
    short = FlowRule(rule.r_trivial, rule.j_cap, min(scan_steps, rule.max_steps))
    trajs, labels = [], []
    for j0 in grid:  # 1. coarse scan with short flows: most points decide within a few steps
        label, t = classify_flow(rg, float(j0), short)
        trajs.append(t)
        labels.append((float(j0), label, len(t) - 1))
        say(f"scan J0 = {float(j0):.4g}: {label} after {len(t) - 1} steps, |J| = {float(t[-1].norm()):.3g}")
    lo, hi, n_changes = phase_change(labels)
    bracket, tried = (lo, hi), []
    # 2. Newton from the scan's lingering points; 3. if that fails, bisection with long flows for better seeds
    fp = _newton_from(rg, _seeds(trajs, rule, max_seeds), rule, say, tried)
    if fp is None or not fp["critical"]:
        b = bisect_phases(rg, lo, hi, rule, tol=bisect_tol)
        bracket = b["bracket"]
        say(f"bisection bracket ({bracket[0]:.6f}, {bracket[1]:.6f}), undecided at {b['undecided']}")
        fp = _newton_from(rg, _seeds(b["trajectories"], rule, max_seeds), rule, say, tried) or fp
    if fp is None:
        fp = {
            "critical": False,
            "converged": False,
            "message": "no trajectory point to start Newton from",
            "J": torch.full((rg.pair.n_params,), float("nan"), dtype=torch.float64),
        }
    lo, hi = bracket
    out = {
        **fp,
        "J0_bisection": 0.5 * (lo + hi),
        "bracket": (lo, hi),
        "scan": labels,
        "label_changes": n_changes,
        "seeds_tried": len(tried),
        "J0_star": 0.5 * (lo + hi),
        "J0_star_from": "bracket midpoint",
        "J0_uncertainty": 0.5 * (hi - lo),
    }
    if not fp["critical"]:
        out["message"] = (
            f"{fp['message']}; no critical fixed point from {len(tried)} seeds on the trajectories "
            f"near J0* (last: converged={fp['converged']}, |J| = {float(fp['J'].norm()):.3g}, "
            f"{fp.get('n_relevant', '?')} relevant)"
        )
        return out
    lam = np.abs(fp["eigenvalues"])
    lam_t = float(fp["eigenvalues"][0].real)
    lam2 = float(lam[1]) if len(lam) > 1 else 0.0
    # 4. n such that |λ_2|ⁿ ≤ proj_tol: the root of φ_n is then off by ~|λ_2|^2n (see projection_root)
    steps = min_proj_steps if lam2 < 1e-6 else math.ceil(math.log(proj_tol) / math.log(lam2))
    steps = int(min(max_proj_steps, max(min_proj_steps, steps)))
    pr = projection_root(rg, out, lo, hi, steps)
    if pr is not None:
        out.update(
            J0_star=pr["root"],
            J0_star_from=f"projection, n = {pr['steps']}",
            J0_uncertainty=pr["uncertainty"],
            projection_evaluations=pr["evaluations"],
        )
    else:
        out["message"] += (
            f"; φ_n (n = {steps}) does not change sign in ({lo:.6g}, {hi:.6g}), J0* is the bracket's midpoint"
        )
    T = weight_tensor(rg.pair.teacher, fp["J"])
    out.update(
        lambda_t=lam_t,
        nu=LN_SQRT2 / math.log(lam_t) if lam_t > 1 else float("nan"),
        lambda_2=lam2,
        proj_steps=steps,
        gsd=gsd(T),
        Delta1=float(scaling_dimensions(T, 1)[1]),
    )
    return out
