"""The CORA model: softmax-parameterised stochastic maps on a `Geometry`, plus the fiducial top state.

Why softmax: a stochastic map is a conditional distribution p(outputs | inputs); writing each row as the softmax of
free logits keeps every map stochastic under unconstrained gradient steps (the paper notes that the constraints
differ from the quantum MERA's isometries; this is the simplest way to respect them).

Maps are shared by all boxes of one layer (translation invariance of the data: parameters ~ log N instead of the
paper's general ~ N). Layer k (1…J) maps Γ_k → Γ_{k-1}; variables on Γ0 take `n_states` values, hidden
variables on Γ_{k≥1} take `chi` values.

Initialisation: isometries random (`init = "random"`) or near a noisy block spin (`"block_spin"`, see
`_block_spin_logits`); disentanglers near the identity, so the network starts as a plain tree.

Tensor conventions (used by marginals.py and sampling.py):
    isometry(k)    shape (d_k, d_{k-1}, …, d_{k-1})          [input, B outputs in Geometry.children order]
    disentangler(k) shape (d, …, d, d, …, d), d = d_{k-1}      [B inputs, B outputs in Geometry.group_sites order]
    top()          shape (chi,) * size(J)                       [joint fiducial state on Γ_J]
"""

from __future__ import annotations

import torch

from .geometry import Geometry

MAX_TOP_ENTRIES = 2**16


class Cora(torch.nn.Module):
    def __init__(
        self,
        geometry: Geometry,
        n_states: int = 2,
        chi: int = 2,
        top: str = "uniform",
        seed: int = 0,
        init_noise: float = 0.5,
        init_identity: float = 2.0,
        init: str = "random",
    ):
        super().__init__()
        if n_states < 2 or chi < 1:
            raise ValueError(f"n_states = {n_states}, chi = {chi}: need n_states >= 2 and chi >= 1")
        if init not in ("random", "block_spin"):
            raise ValueError(f"init = {init!r}: use 'random' or 'block_spin'")
        if top not in ("uniform", "learned"):
            raise ValueError(f"top = {top!r}: use 'uniform' or 'learned'")
        n_top = chi ** geometry.size(geometry.n_layers)
        if top == "learned" and n_top > MAX_TOP_ENTRIES:
            raise ValueError(
                f"a learned top state needs chi^(top sites) = {n_top} > {MAX_TOP_ENTRIES} entries; "
                "add a layer or use top = 'uniform'"
            )
        self.geometry, self.n_states, self.chi, self.top_kind, self.init = geometry, n_states, chi, top, init
        gen = torch.Generator().manual_seed(seed)
        B = geometry.block
        self.iso_logits = torch.nn.ParameterList()
        self.dis_logits = torch.nn.ParameterList()
        for k in range(1, geometry.n_layers + 1):
            d_in, d_out = self.dim(k), self.dim(k - 1)
            logits = init_noise * torch.randn(d_in, d_out**B, generator=gen, dtype=torch.float64)
            if init == "block_spin":
                logits = logits + _block_spin_logits(d_in, d_out, B)
            self.iso_logits.append(torch.nn.Parameter(logits))
            # disentanglers start near the identity: the layer then starts as a plain tree (a "coarse-graining")
            eye = init_identity * torch.eye(d_out**B, dtype=torch.float64)
            self.dis_logits.append(
                torch.nn.Parameter(
                    eye + init_noise * torch.randn(d_out**B, d_out**B, generator=gen, dtype=torch.float64)
                )
            )
        self.top_logits = torch.nn.Parameter(
            torch.zeros(n_top if top == "learned" else 1, dtype=torch.float64), requires_grad=(top == "learned")
        )

    def dim(self, level: int) -> int:
        return self.n_states if level == 0 else self.chi

    def isometry(self, k: int) -> torch.Tensor:
        d = self.dim(k - 1)
        return torch.softmax(self.iso_logits[k - 1], dim=-1).reshape((self.dim(k),) + (d,) * self.geometry.block)

    def disentangler(self, k: int) -> torch.Tensor:
        d = self.dim(k - 1)
        return torch.softmax(self.dis_logits[k - 1], dim=-1).reshape((d,) * (2 * self.geometry.block))

    def top(self) -> torch.Tensor:
        m = self.geometry.size(self.geometry.n_layers)
        if self.top_kind == "uniform":
            return torch.full((self.chi,) * m, float(self.chi) ** -m, dtype=torch.float64)
        return torch.softmax(self.top_logits, dim=0).reshape((self.chi,) * m)

    def layer_parameters(self, k: int) -> list[torch.nn.Parameter]:
        return [self.iso_logits[k - 1], self.dis_logits[k - 1]]

    # ---- persistence: the run dir stores config + state_dict, enough to rebuild -------------------------
    def config(self) -> dict:
        g = self.geometry
        return {
            "dim": g.dim,
            "side": g.side,
            "n_layers": g.n_layers,
            "n_states": self.n_states,
            "chi": self.chi,
            "top": self.top_kind,
            "init": self.init,
        }

    @classmethod
    def from_config(cls, cfg: dict) -> "Cora":
        geo = Geometry(dim=cfg["dim"], side=cfg["side"], n_layers=cfg["n_layers"])
        return cls(geo, n_states=cfg["n_states"], chi=cfg["chi"], top=cfg["top"], init=cfg.get("init", "random"))

    def set_maps(
        self,
        k: int,
        isometry: torch.Tensor | None = None,
        disentangler: torch.Tensor | None = None,
        eps: float = 1e-300,
    ) -> None:
        """Install given stochastic maps (tests and hand-built models): logits = log(p)."""
        with torch.no_grad():
            if isometry is not None:
                self.iso_logits[k - 1].copy_(torch.log(isometry.reshape(self.iso_logits[k - 1].shape) + eps))
            if disentangler is not None:
                self.dis_logits[k - 1].copy_(torch.log(disentangler.reshape(self.dis_logits[k - 1].shape) + eps))

    def set_top(self, joint: torch.Tensor, eps: float = 1e-300) -> None:
        if self.top_kind != "learned":
            raise ValueError("set_top needs a model built with top = 'learned'")
        with torch.no_grad():
            self.top_logits.copy_(torch.log(joint.reshape(-1) + eps))


def _block_spin_logits(d_in: int, d_out: int, B: int, strength: float = 1.0) -> torch.Tensor:
    """Isometry logits favouring outputs equal to the input: a noisy "block spin" (a coarse variable that tells the
    block's majority state). Why: from a symmetric random start, gradient descent on local windows of an ordered
    phase tends to stall with the coarse variables uncorrelated with the fine ones (measured on the 2D Ising model
    below T_c, docs/cora.md); starting from the physicist's block spin avoids that. The fit moves on from here."""
    import itertools

    out = torch.zeros(d_in, d_out**B, dtype=torch.float64)
    for idx, c in enumerate(itertools.product(range(d_out), repeat=B)):
        for y in range(d_in):
            out[y, idx] = strength * sum(ci == y for ci in c)
    return out
