"""An approximate Bayesian inverse of a whole CORA in any dimension (Gibbs sampling of its hidden variables given
data), the scale-by-scale diagnostic it allows, and Monte Carlo EM: the full likelihood, all scales at once.

Why: in 2D the posterior of a layer's inputs given its outputs is a 2D random field with no transfer-matrix
sampler (inverse.py is 1D only), and method 2 fits short windows only, so nothing in the fit sees long-range
correlations. The CORA is a Bayesian network, so its posterior p(hidden | x_0) can be sampled by Gibbs steps that
each touch one box's Markov blanket. With x_k on Γ_k (x_0 = data) and c_k the intermediate variables of layer k
(outputs of its isometries, inputs of its disentanglers, on Γ_{k−1}):

    p(x, c) = top(x_J) Π_k [Π_{s ∈ Γ_k} W_k(c_k[ch(s)] | x_k[s]) · Π_g U_k(x_{k−1}[g] | c_k[g])].

- c_k, one sublattice at a time: the sites in position j of their isometry block are also one per disentangler
  group, so given everything else they are independent, each with weight W_k(block | parent) · U_k(out | group).
- x_k (1 ≤ k < J), one disentangler group of layer k+1 at a time, exactly: the d^B joint values of its outputs
  weighted by U_{k+1}(y_g | c_{k+1}[g]) Π_{t ∈ g} W_k(c_k[ch(t)] | y_t); groups are disjoint, so all at once.
- x_J (top sites): all jointly, by enumeration (top(x_J) Π_s W_J(·| x_J[s])).

The chain starts from an upward pass (c_k = x_{k−1}, x_k drawn from its isometry with a uniform prior), and is
persistent across EM iterations (one chain per training configuration).

Scale-by-scale diagnostic: at a maximum of the likelihood, data pushed up by the posterior and the model's own
samples have the same statistics at every level Γ_k (the EM fixed-point condition), so comparing the correlations
of x_k between `posterior` chains and ancestral samples (`sample_levels`) shows which layers lose correlation.

Monte Carlo EM (`em_fit`): E-step = a few Gibbs sweeps; M-step = every map set to the normalised counts of its
(input, output) pairs pooled over boxes and chains (maps are shared per layer), plus a pseudo-count, damped:
p ← (1 − η) p + η p_counts. This maximises the likelihood of whole configurations, not of windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .model import Cora

MAX_TOP_CONFIGS = 4096


class Hierarchy:
    """Index tables of a model's geometry, and log-probability tables of its maps (numpy, float64)."""

    def __init__(self, model: Cora):
        geo, self.B, self.J = model.geometry, model.geometry.block, model.geometry.n_layers
        self.model, self.d = model, [model.dim(k) for k in range(self.J + 1)]
        self.m = [geo.size(k) for k in range(self.J + 1)]
        self.children, self.groups, self.group_of, self.pos_in_group = {}, {}, {}, {}
        for k in range(1, self.J + 1):
            self.children[k] = np.array([geo.children(k, s) for s in range(self.m[k])])
            self.groups[k] = np.array([geo.group_sites(k - 1, g) for g in range(self.m[k])])
            go, pg = np.empty(self.m[k - 1], dtype=np.int64), np.empty(self.m[k - 1], dtype=np.int64)
            for g, sites in enumerate(self.groups[k]):
                go[sites], pg[sites] = g, np.arange(self.B)
            self.group_of[k], self.pos_in_group[k] = go, pg
        self.refresh()

    def refresh(self) -> None:
        """Re-read the maps' log-probabilities (after the model's parameters changed)."""
        with torch.no_grad():
            self.lW = {k: torch.log_softmax(self.model.iso_logits[k - 1], -1).numpy() for k in range(1, self.J + 1)}
            self.lU = {k: torch.log_softmax(self.model.dis_logits[k - 1], -1).numpy() for k in range(1, self.J + 1)}
            self.ltop = torch.log(self.model.top().reshape(-1)).numpy()
        n_top = self.d[self.J] ** self.m[self.J]
        if n_top > MAX_TOP_CONFIGS:
            raise ValueError(f"the top level has {n_top} joint states (> {MAX_TOP_CONFIGS}): add a layer")

    def weights(self, k: int) -> np.ndarray:
        """Place values d^(B−1−j) of the B box positions for variables of Γ_{k−1}."""
        return self.d[k - 1] ** np.arange(self.B - 1, -1, -1)

    def index(self, x: np.ndarray, sites: np.ndarray, k: int) -> np.ndarray:
        """Flat index (n, boxes) of the values of x at sites (boxes, B), most significant first."""
        return (x[:, sites] * self.weights(k)).sum(-1)


def _draw(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per row of the last axis of unnormalised log-probabilities (inverse CDF)."""
    if logits.shape[-1] == 2:  # the common case, without the exponentials of the other values
        return (
            rng.random(logits.shape[:-1], dtype=np.float32) * (1 + np.exp(logits[..., 0] - logits[..., 1])) < 1
        ).astype(np.int64)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    cdf = np.cumsum(p, -1)
    u = rng.random(logits.shape[:-1]) * cdf[..., -1]
    return np.minimum((cdf < u[..., None]).sum(-1), logits.shape[-1] - 1)


def _digits(d: int, width: int) -> np.ndarray:
    """(d^width, width) digits of every flat index, most significant first."""
    idx = np.arange(d**width)[:, None]
    return (idx // d ** np.arange(width - 1, -1, -1)) % d


class Posterior:
    """Persistent Gibbs chains of p(hidden | x_0), one per configuration of `data` (n, sites of Γ0)."""

    def __init__(self, hier: Hierarchy, data: np.ndarray, rng: np.random.Generator):
        self.h, self.rng = hier, rng
        self.x = {0: np.asarray(data, dtype=np.int64)}
        self.c = {}
        for k in range(1, hier.J + 1):  # upward start: c_k = x_{k−1}; x_k ~ W_k(block | x_k) with a flat prior
            self.c[k] = self.x[k - 1].copy()
            logits = hier.lW[k][:, hier.index(self.c[k], hier.children[k], k)]  # (d_k, n, m_k)
            self.x[k] = _draw(np.moveaxis(logits, 0, -1), rng)
        self._gout1 = hier.index(self.x[0], hier.groups[1], 1)  # the data never change

    def state(self) -> dict:
        """The chains (for a checkpoint)."""
        return {
            "x": {k: torch.as_tensor(v) for k, v in self.x.items() if k},
            "c": {k: torch.as_tensor(v) for k, v in self.c.items()},
        }

    def load_state(self, st: dict) -> None:
        for k, v in st["x"].items():
            self.x[int(k)] = v.numpy().copy()
        for k, v in st["c"].items():
            self.c[int(k)] = v.numpy().copy()

    def sweep(self) -> None:
        h = self.h
        for k in range(1, h.J + 1):
            bidx = self._update_c(k)
            self._update_x(k, bidx)

    def _update_c(self, k: int) -> np.ndarray:
        """One pass over the 4 (2D) or 2 (1D) sublattices of c_k; returns the final block indices (n, m_k)."""
        h, c, d = self.h, self.c[k], self.h.d[k - 1]
        w, dB = h.weights(k), d**h.B
        cb = c[:, h.children[k]]  # (n, m_k, B)
        bidx = cb @ w
        gin = h.index(c, h.groups[k], k)
        gout = self._gout1 if k == 1 else h.index(self.x[k - 1], h.groups[k], k)
        lW, lU = h.lW[k].ravel(), h.lU[k].ravel()
        xrow = self.x[k] * dB
        for j in range(h.B):
            sites = h.children[k][:, j]
            old = cb[:, :, j]
            g, wg = h.group_of[k][sites], w[h.pos_in_group[k][sites]]
            b0 = xrow + bidx - old * w[j]
            gi0 = gin[:, g] - old * wg
            u0 = gi0 * dB + gout[:, g]
            logits = np.stack([lW[b0 + v * w[j]] + lU[u0 + v * wg * dB] for v in range(d)], -1)
            new = _draw(logits, self.rng)
            bidx += (new - old) * w[j]
            gin[:, g] = gi0 + new * wg
            c[:, sites] = new
            cb[:, :, j] = new
        return bidx

    def _update_x(self, k: int, bidx: np.ndarray) -> None:
        h, d = self.h, self.h.d[k]
        lw = np.moveaxis(h.lW[k][:, bidx], 0, -1)  # log W_k(block of s | v): (n, m_k, d_k)
        if k == h.J:  # the top sites, jointly
            digits = _digits(d, h.m[k])  # (configs, m_J)
            logits = h.ltop[None] + lw[:, np.arange(h.m[k])[None], digits].sum(-1)
            self.x[k] = digits[_draw(logits, self.rng)]
            return
        groups = h.groups[k + 1]  # (m_{k+1}, B) sites of Γ_k
        digits = _digits(d, h.B)  # (d^B, B)
        gin = h.index(self.c[k + 1], groups, k + 1)  # (n, m_{k+1})
        logits = h.lU[k + 1][gin]  # (n, m_{k+1}, d^B)
        for j in range(h.B):
            logits = logits + lw[:, groups[:, j]][:, :, digits[:, j]]
        pick = _draw(logits, self.rng)  # (n, m_{k+1})
        for j in range(h.B):
            self.x[k][:, groups[:, j]] = digits[pick, j]

    def counts(self) -> dict:
        """Counts of (input, output) pairs of every map, pooled over boxes and chains."""
        h, out = self.h, {}
        for k in range(1, h.J + 1):
            dB = h.d[k - 1] ** h.B
            b = h.index(self.c[k], h.children[k], k)
            out["W", k] = np.bincount((self.x[k] * dB + b).ravel(), minlength=h.d[k] * dB).reshape(h.d[k], dB)
            gi, go = h.index(self.c[k], h.groups[k], k), h.index(self.x[k - 1], h.groups[k], k)
            out["U", k] = np.bincount((gi * dB + go).ravel(), minlength=dB * dB).reshape(dB, dB)
        top = (self.x[h.J] * h.d[h.J] ** np.arange(h.m[h.J] - 1, -1, -1)).sum(-1)
        out["top"] = np.bincount(top, minlength=h.d[h.J] ** h.m[h.J])
        return out


def m_step(model: Cora, counts: dict, damping: float = 1.0, pseudo: float = 1e-2) -> None:
    """Set every map to its damped, pseudo-counted normalised counts (in place)."""

    def blend(logits: torch.Tensor, cnt: np.ndarray) -> None:
        c = torch.as_tensor(cnt, dtype=torch.float64) + pseudo
        new = (1 - damping) * torch.softmax(logits, -1) + damping * c / c.sum(-1, keepdim=True)
        logits.copy_(torch.log(new))

    with torch.no_grad():
        for k in range(1, model.geometry.n_layers + 1):
            blend(model.iso_logits[k - 1], counts["W", k])
            blend(model.dis_logits[k - 1], counts["U", k])
        if model.top_kind == "learned":
            blend(model.top_logits, counts["top"])


def posterior_log_weight(post: Posterior) -> float:
    """Mean over chains of log p(x, c) (the complete-data log-likelihood per configuration): the EM trace."""
    h, total = post.h, 0.0
    for k in range(1, h.J + 1):
        total += h.lW[k][post.x[k], h.index(post.c[k], h.children[k], k)].sum()
        gi, go = h.index(post.c[k], h.groups[k], k), h.index(post.x[k - 1], h.groups[k], k)
        total += h.lU[k][gi, go].sum()
    top = (post.x[h.J] * h.d[h.J] ** np.arange(h.m[h.J] - 1, -1, -1)).sum(-1)
    total += h.ltop[top].sum()
    return float(total / len(post.x[0]))


@torch.no_grad()
def sample_levels(model: Cora, n: int, seed: int, with_intermediate: bool = False) -> dict:
    """Ancestral samples of every level: {k: (n, sites of Γ_k)} (x_0 is what `sampling.sample` returns), and
    {("c", k): (n, sites of Γ_{k−1})}, the intermediate variables of layer k, if `with_intermediate`."""
    h, rng = Hierarchy(model), np.random.default_rng(seed)
    J = h.J
    digits = _digits(h.d[J], h.m[J])
    x = {J: digits[_draw(np.broadcast_to(h.ltop, (n, len(h.ltop))), rng)]}
    for k in range(J, 0, -1):
        dig = _digits(h.d[k - 1], h.B)
        blocks = dig[_draw(h.lW[k][x[k]], rng)]  # (n, m_k, B)
        c = np.empty((n, h.m[k - 1]), dtype=np.int64)
        c[:, h.children[k]] = blocks
        if with_intermediate:
            x["c", k] = c
        gin = h.index(c, h.groups[k], k)
        outs = dig[_draw(h.lU[k][gin], rng)]
        x[k - 1] = np.empty_like(c)
        x[k - 1][:, h.groups[k]] = outs
    return x


def level_correlations(x: np.ndarray, side: int, dim: int, d: int, r_max: int) -> np.ndarray:
    """⟨s_0 s_r⟩ (r = 1…r_max) of level variables mapped to s = 2x/(d−1) − 1, averaged over origins and axes."""
    s = 2.0 * x.reshape((-1,) + (side,) * dim) / (d - 1) - 1.0
    return np.array(
        [np.mean([(s * np.roll(s, -r, axis=1 + a)).mean() for a in range(dim)]) for r in range(1, r_max + 1)]
    )


@dataclass(frozen=True)
class EMOptions:
    iterations: int = 0  # EM iterations (0: no EM)
    sweeps: int = 2  # Gibbs sweeps per E-step
    burn_in: int = 20  # sweeps before the first M-step (from the upward start)
    damping: float = 0.5  # η: p ← (1 − η) p + η p_counts
    pseudo: float = 0.01  # pseudo-count added to every (input, output) pair
    seed: int = 0


def em_fit(model: Cora, data: np.ndarray, opt: EMOptions, ck) -> None:
    """Monte Carlo EM on the full likelihood of the configurations `data` (n, sites), in place, resumable: the
    chains, the random stream and the trace are checkpointed with the model (stage "em")."""
    from ..utils.progress import progress
    from .resume import SKIP, set_rng_state

    saved = ck.enter("em", model)
    if saved == SKIP:
        return
    rng = np.random.default_rng(opt.seed)
    hier = Hierarchy(model)
    post = Posterior(hier, data, rng)
    trace, start = [], 0
    if saved:
        post.load_state(saved["carry"]["chains"])
        set_rng_state(rng, saved["rng"])
        trace, start = list(ck.traces["em"]), saved["step"]
    else:
        for _ in progress(range(opt.burn_in), desc="CORA EM burn-in", unit="sweep"):
            post.sweep()
    ck.traces["em"] = trace
    for it in progress(range(start, opt.iterations), desc="CORA EM", unit="it"):
        for _ in range(opt.sweeps):
            post.sweep()
        m_step(model, post.counts(), opt.damping, opt.pseudo)
        hier.refresh()
        trace.append(posterior_log_weight(post))
        if ck.due(it + 1, it + 1 == opt.iterations):
            ck.save("em", it + 1, model, None, rng, {"chains": post.state()})
