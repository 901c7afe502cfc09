"""The shot-noise floor of a campaign's loss, and the trials that shot noise cannot tell apart from the best.

A trial's loss is (x̂ − target)² + w·consistency, where x̂ is the observable estimated from the trial's shots with
standard error σ (`build.observable_from_counts`: the sample error of the z-string average over the shots, stored
on the trial as `stderr`), and the consistency term is a deterministic torch quantity. With x̂ = x + ε,
ε ≈ N(0, σ²):

    E[(x̂ − target)²]   = (x − target)² + σ²
    Var[(x̂ − target)²] = 4 (x − target)² σ² + 2 σ⁴

so a perfect pulse (x = target) still shows a loss of σ² on average: that is the **floor**. A measured loss at or
below it says "within shot noise of the target", never "better than a trial at 2σ²".

Which trials noise cannot tell apart from the lowest-loss trial b: the noisy part of a loss is the deviation
|x̂ − target| = sqrt(loss0), and the deviations of two trials are told apart when they differ by more than Z
standard errors of their difference, s = sqrt(σ_i² + σ_b²). So trial i is **indistinguishable from the best** when
(max(|x̂_i − target| − Z s, 0))² + k_i ≤ (x̂_b − target)² + k_b, k = loss − loss0 being the deterministic
consistency term. Comparing deviations, not squared losses, matters: a loss's own error bar (the delta method
below, drawn in the history plot) is wide for a trial far from the target and would make everything "tie". More
shots, not more trials, separate tied trials.
"""

from __future__ import annotations

import math
from statistics import median

Z = 2.0  # how many standard deviations of the loss difference make two trials distinguishable


def loss_sd(loss0: float, stderr: float) -> float:
    """Standard deviation of the shot part (x̂ − target)² of a loss measured as loss0 with standard error stderr."""
    return math.sqrt(4.0 * max(loss0, 0.0) * stderr**2 + 2.0 * stderr**4)


def _noise(t) -> tuple[float, float] | None:
    """(loss0, stderr) of a told trial, or None when it carries no shot statistics."""
    ua = t.user_attrs
    if ua.get("stderr") is None or ua.get("loss0") is None:
        return None
    return float(ua["loss0"]), float(ua["stderr"])


def floor(trials) -> float | None:
    """The campaign's shot-noise floor: the median σ² over trials with shot statistics (σ² varies with the shots a
    trial used, so the median stands for the campaign; each trial's own σ² is in history.csv)."""
    s2 = [n[1] ** 2 for t in trials if (n := _noise(t)) is not None]
    return median(s2) if s2 else None


def indistinguishable(trials, best) -> list[int]:
    """Numbers of the trials (best included) that shot noise cannot tell apart from `best` (module docstring),
    lowest loss first. A trial without shot statistics ties only with an equal or lower loss."""
    nb = _noise(best)
    out = []
    for t in trials:
        n = _noise(t)
        if n is None or nb is None:
            tie = t.values[0] <= best.values[0]
        else:
            (l0_i, s_i), s_b = n, nb[1]
            reach = max(math.sqrt(max(l0_i, 0.0)) - Z * math.hypot(s_i, s_b), 0.0) ** 2
            tie = reach + (t.values[0] - l0_i) <= best.values[0] + 1e-300
        if tie or t.number == best.number:
            out.append((t.values[0], t.number))
    return [n for _, n in sorted(out)]


def verdict(best, ties: list[int], floor_value: float | None) -> str:
    """One sentence a user can act on."""
    if best is None:
        return "no complete, feasible trial yet"
    if floor_value is None:
        return f"trial {best.number} has the lowest loss (no shot statistics recorded to judge it against noise)"
    below = best.values[0] <= floor_value
    if len(ties) <= 1:
        return f"trial {best.number} is better than every other trial beyond shot noise" + (
            " (its loss is at the shot-noise floor: more shots could still improve on it)" if below else ""
        )
    return (
        f"{len(ties)} trials ({', '.join(map(str, ties))}) are indistinguishable within shot noise "
        f"(deviations from the target within {Z:g}σ of the lowest-loss trial {best.number}"
        + (f", which lies at or below the floor σ² = {floor_value:.1e}" if below else "")
        + "): the ranking among them is noise; choose among them by bound or cost, or rerun them with more shots"
    )
