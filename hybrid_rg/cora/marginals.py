"""Exact marginals of a CORA over a few sites, through the causal cone (no sampling).

Derivation (1D; 2D is the same per axis, see docs/cora.md). Let W ⊂ Γ_{j-1} be the sites whose marginal we want.
In π_j the outputs in W are written only by the disentanglers G(W) that contain a site of W; those read the
intermediate sites T = ∪ G(W); those are written by the isometries of their parents S = parent(T) ⊂ Γ_j. Every
other box of π_j only writes variables that are summed over, and a stochastic map summed over its outputs is the
all-ones functional (Σ_y p(y|x) = 1), so it drops out. Hence

    p_{j-1}(x_W) = Σ_{x_S, c_T, y_{G∖W}} p_j(x_S) Π_{s∈S} W(c_{ch(s)∩T} | x_s) Π_{g∈G} U(y_g | c_g),

where W(·|x_s) is the isometry with its unused outputs summed. Recursing on p_j(x_S) up to the top gives the
causal cone. A window of w consecutive sites grows to ≤ w+2 disentangler inputs and shrinks to ≤ ⌈w/2⌉+1
parents, so its width reaches 3 (3×3 in 2D) after ~log2(w) layers and stays there: the cost is
O(e^{c w} · log N) per marginal, as the paper states (Fig. 3: "just 3 sites").

`ConeMarginals` memoises p_j(x_S) for one parameter setting, so the marginals of all windows share their cones.
"""

from __future__ import annotations

import torch

from .model import Cora

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _contract(cur: torch.Tensor, cur_labels: list, ops: list, out_labels: list, max_labels: int) -> torch.Tensor:
    """Contract `cur` with each (tensor, labels) in turn, summing a label as soon as nothing later needs it."""
    for i, (op, op_labels) in enumerate(ops):
        later = set(out_labels)
        for _, lab in ops[i + 1 :]:
            later.update(lab)
        keep = [lab for lab in dict.fromkeys(cur_labels + op_labels) if lab in later]
        if len(keep) > max_labels:
            # e.g. two distant sites in 2D: where their cones meet, the joint cone is a long strip
            raise ValueError(
                f"a causal-cone step needs a tensor with {len(keep)} variables (limit max_variables ="
                f" {max_labels}): ask for fewer or closer sites, or estimate from exact samples"
            )
        letter = {lab: _LETTERS[j] for j, lab in enumerate(dict.fromkeys(cur_labels + op_labels))}
        spec = (
            "".join(letter[x] for x in cur_labels)
            + ","
            + "".join(letter[x] for x in op_labels)
            + "->"
            + "".join(letter[x] for x in keep)
        )
        cur, cur_labels = torch.einsum(spec, cur, op), keep
    missing = [lab for lab in cur_labels if lab not in out_labels]
    if missing:
        cur = cur.sum(dim=[cur_labels.index(lab) for lab in missing])
        cur_labels = [lab for lab in cur_labels if lab in out_labels]
    return cur.permute([cur_labels.index(lab) for lab in out_labels])


class ConeMarginals:
    """Exact marginals of `model` for its current parameters.

    top_level / prior: by default the state on Γ_J is the model's fiducial state. Method 1 of the paper fits layer
    k with a fixed prior on Γ_k instead: ConeMarginals(model, top_level=k, prior="uniform") starts the cone there.
    """

    def __init__(self, model: Cora, top_level: int | None = None, prior: str | None = None, max_variables: int = 24):
        self.model, self.geo = model, model.geometry
        self.top_level = self.geo.n_layers if top_level is None else top_level
        if not 0 <= self.top_level <= self.geo.n_layers:
            raise ValueError(f"top_level = {top_level} outside 0…{self.geo.n_layers}")
        if self.top_level < self.geo.n_layers and prior != "uniform":
            raise ValueError("a cone that starts below the top needs prior = 'uniform'")
        self.cache: dict = {}
        self._maps: dict = {}
        self.max_variables = max_variables

    def _map(self, kind: str, k: int) -> torch.Tensor:
        if (kind, k) not in self._maps:
            self._maps[kind, k] = (
                self.model.isometry(k)
                if kind == "iso"
                else self.model.disentangler(k)
                if kind == "dis"
                else self.model.top()
            )
        return self._maps[kind, k]

    def marginal(self, level: int, sites) -> torch.Tensor:
        """Joint distribution of the (distinct) `sites` of Γ_level, axes in sorted site order."""
        key = (level, tuple(sorted(set(sites))))
        if key not in self.cache:
            self.cache[key] = self._top(key[1]) if level == self.top_level else self._step(level, key[1])
        return self.cache[key]

    def patch(self, sites, level: int = 0) -> torch.Tensor:
        """Joint distribution of `sites` (distinct) with axes in the given order."""
        sites = tuple(sites)
        if len(set(sites)) != len(sites):
            raise ValueError(f"patch sites must be distinct, got {sites}")
        order = sorted(sites)
        return self.marginal(level, sites).permute([order.index(s) for s in sites])

    def _top(self, S: tuple) -> torch.Tensor:
        chi = self.model.dim(self.top_level)
        if self.top_level < self.geo.n_layers:  # fixed uniform prior of method 1
            return torch.full((chi,) * len(S), float(chi) ** -len(S), dtype=torch.float64)
        top = self._map("top", 0)
        drop = [s for s in range(top.dim()) if s not in S]
        return top.sum(dim=drop) if drop else top

    def _step(self, level: int, W: tuple) -> torch.Tensor:
        geo, k, B = self.geo, level + 1, self.geo.block
        groups = sorted({geo.group(level, t) for t in W})
        T = {t for g in groups for t in geo.group_sites(level, g)}
        S = tuple(sorted({geo.parent(level, t) for t in T}))
        P = self.marginal(k, S)
        iso, dis, Wset = self._map("iso", k), self._map("dis", k), set(W)
        ops = []
        for s in S:
            ch = geo.children(k, s)
            drop = [1 + i for i, c in enumerate(ch) if c not in T]
            ops.append((iso.sum(dim=drop) if drop else iso, [("p", s)] + [("c", c) for c in ch if c in T]))
        for g in groups:
            gs = geo.group_sites(level, g)
            drop = [B + i for i, t in enumerate(gs) if t not in Wset]
            ops.append(
                (dis.sum(dim=drop) if drop else dis, [("c", t) for t in gs] + [("o", t) for t in gs if t in Wset])
            )
        return _contract(P, [("p", s) for s in S], ops, [("o", t) for t in W], self.max_variables)


def patch_log_prob(cones: ConeMarginals, sites, configs: torch.Tensor, level: int = 0) -> torch.Tensor:
    """log p(x_sites) for each row of `configs` (shape (batch, len(sites)), integer states in `sites` order)."""
    p = cones.patch(sites, level)
    d = cones.model.dim(level)
    flat = torch.zeros(configs.shape[0], dtype=torch.long)
    for j in range(configs.shape[1]):
        flat = flat * d + configs[:, j].long()
    return torch.log(p.reshape(-1)[flat])
