"""Why the N = 32 edge correlator misses 1e-2 at T = 3: the untrained start and what the loss prefers.

For an OLRG spec (default scale_N32_chi16_polish.toml) prints
  1. the untrained RDM map's relative error at each T of --times (default 0.5 … 3), for each RDM environment
     (map.rdm_env) given;
  2. at the last T, the order-2 full-grid loss with its look-ahead (as trained) split into ⟨O⟩ (k = 0), look-ahead,
     the relevant TOBC sign patterns (innermost ad a commutator) and the irrelevant ones (innermost anticommutator:
     a zero environment factor in the Dyson series of ⟨O(T)⟩, loss.py), for each start and for a collapsed flow
     (the same maps, with O set to 0 after the first scale).

    python experiments/olrg/n32_start_and_loss.py [SPEC] [--env 1,3] [--chi 16] [--times 0.5,1,1.5,2,2.5,3]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from hybrid_rg.olrg.block import grow
from hybrid_rg.olrg.correlators import full_grid_correlators, heisenberg_operators
from hybrid_rg.olrg.evolution import expectation
from hybrid_rg.olrg.experiment import first_block, reference, site_model
from hybrid_rg.olrg.flow import run_flow
from hybrid_rg.olrg.loss import LossConfig
from hybrid_rg.olrg.omm import LinearIsometryMap
from hybrid_rg.olrg.spec import load_spec


class Collapsed(LinearIsometryMap):
    """The RDM map with the observable sent to 0 after the first scale: the self-consistent wrong flow."""

    def forward(self, block, scale):
        m = super().forward(block, scale)
        return replace(m, observable=torch.zeros_like(m.observable)) if scale > self.n0 else m


def loss_parts(first, site, N, opmap, cfg):
    """(k = 0, look-ahead, relevant k ≥ 1, irrelevant k ≥ 1) summed over scales, and ⟨O(T)⟩ of the flow."""
    parts = [0.0] * 4
    with torch.no_grad():
        flow = run_flow(first, site, N, opmap)
        for g, m in flow.pairs:
            g1, m1 = grow(g, site), grow(m, site)
            L = min(cfg.lookahead, N - g.n_sites - 1)
            if L:
                far = []
                for b in (g1, m1):
                    for _ in range(L):
                        b = grow(b, site)
                    far.append(expectation(b, cfg.T, cfg.substeps))
                parts[1] += cfg.lookahead_weight * float((far[0] - far[1]).abs() ** 2)
            cg, cm = (
                full_grid_correlators(b.rho, *heisenberg_operators(b, cfg.T, cfg.grid, cfg.substeps), cfg.K)
                for b in (g1, m1)
            )
            parts[0] += float(((cg[0] - cm[0]).abs() ** 2).sum(1).mean())
            for k in range(1, cfg.K + 1):
                d = (cg[k] - cm[k]).abs() ** 2
                half = 2 ** (k - 1)  # patterns 0 … 2^(k-1) − 1 have c_1 = −1 (correlators' numbering)
                parts[2] += cfg.weight(k) * float(d[:, :half].sum(1).mean())
                parts[3] += cfg.weight(k) * float(d[:, half:].sum(1).mean())
        return parts, float(flow.prediction(cfg.T))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", nargs="?", default="experiments/olrg/scale_N32_chi16_polish.toml")
    ap.add_argument("--env", default="1,3", help="RDM environments (map.rdm_env) to compare")
    ap.add_argument("--chi", type=int, default=None, help="χ (default: the spec's)")
    ap.add_argument("--times", default="0.5,1,1.5,2,2.5,3", help="final times (the loss is split at the last)")
    args = ap.parse_args()
    spec = load_spec(args.spec)
    times = tuple(float(t) for t in args.times.split(","))
    spec = spec.model_copy(update={"times": spec.times.model_copy(update={"T": times})})
    site, N, tr = site_model(spec), spec.target.N, spec.training
    first = first_block(spec, site)
    chi = args.chi or spec.map.chi
    exact, method = reference(spec)
    print(f"{spec.name}: N = {N}, χ = {chi}, reference {method}")
    envs = [int(e) for e in args.env.split(",")]
    for env in envs:
        t0 = time.process_time()
        errs = []
        for T, e in zip(spec.times.T, exact):
            opmap = LinearIsometryMap(chi, init="rdm", site=site, T=T, n_steps=tr.n_steps, rdm_env=env)
            with torch.no_grad():
                errs.append(abs(float(run_flow(first, site, N, opmap).prediction(T)) - e) / abs(e))
        row = "  ".join(f"T={T:g}: {r:.1e}" for T, r in zip(spec.times.T, errs))
        print(f"untrained, rdm_env = {env}: {row}  ({time.process_time() - t0:.0f} CPU-s)")
    T, e = spec.times.T[-1], exact[-1]
    cfg = LossConfig(
        T=T,
        K=max(tr.orders),
        n_steps=tr.n_steps,
        full_grid=True,
        weights=tr.weights,
        lookahead=tr.lookahead,
        lookahead_weight=tr.lookahead_weight,
    )
    print(f"loss at T = {T:g} (k = 0 | look-ahead | relevant | irrelevant || all | relevant only):")
    for env in envs:
        for cls in (LinearIsometryMap, Collapsed):
            opmap = cls(chi, init="rdm", site=site, T=T, n_steps=tr.n_steps, rdm_env=env)
            opmap.n0 = spec.map.n0
            p, pred = loss_parts(first, site, N, opmap, cfg)
            name = f"{'collapsed' if cls is Collapsed else 'RDM'} rdm_env = {env}"
            print(
                f"  {name:24s} error {abs(pred - e) / abs(e):.2e}: {p[0]:.2e} | {p[1]:.2e} | {p[2]:.2e} | {p[3]:.2e}"
                f" || {sum(p):.3e} | {sum(p) - p[3]:.3e}"
            )


if __name__ == "__main__":
    main()
