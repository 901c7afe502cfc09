"""Scale-by-scale diagnostic of a fitted CORA: where does it lose long-range correlation?

    PYTHONPATH=. .venv/bin/python benchmarks/cora_scales.py RUN_DIR [--n-model 4000] [--sweeps 40] [--json OUT]

For every level Γ_k it prints the correlations ⟨s_0 s_r⟩ of the level's variables (s = ±1 for chi = 2) in
- "model": the model's own ancestral samples (the state it generates on Γ_k), and
- "data":  the training data pushed up by the model's posterior (Gibbs chains of hidden | data, gibbs.Posterior;
           the approximate 2D Bayesian inverse), after --sweeps sweeps from an upward start.
At a maximum of the likelihood the two agree at every level (EM's fixed-point condition). A layer k whose input
level Γ_k agrees but whose output level Γ_{k−1} does not is where correlation is lost; if the levels all agree
up to Γ_k and disagree above, the upper layers (and the top state) are too weak. The run's spec regenerates the
training data (same seeds).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hybrid_rg.cora.data import make_data  # noqa: E402
from hybrid_rg.cora.gibbs import Hierarchy, Posterior, level_correlations, sample_levels  # noqa: E402
from hybrid_rg.cora.run import load_model  # noqa: E402
from hybrid_rg.cora.spec import parse_spec  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("run_dir")
    p.add_argument("--n-model", type=int, default=4000)
    p.add_argument("--sweeps", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None)
    a = p.parse_args()
    import torch

    torch.set_num_threads(1)
    run = Path(a.run_dir)
    spec = parse_spec(json.loads((run / "summary.json").read_text())["spec"], run / "summary.json")
    model = load_model(run)
    geo, dim = model.geometry, model.geometry.dim
    data = make_data(spec.data)["train"]
    prior = sample_levels(model, a.n_model, seed=a.seed)
    post = Posterior(Hierarchy(model), data, np.random.default_rng(a.seed + 1))
    for _ in range(a.sweeps):
        post.sweep()
    out = {}
    print(f"{run}: level correlations, model (ancestral samples) vs data (posterior chains)")
    for k in range(geo.n_layers + 1):
        side = geo.side_at(k)
        r_max = max(1, side // 2)
        xm, xd = prior[k], (data if k == 0 else post.x[k])
        cm = level_correlations(xm, side, dim, model.dim(k), r_max)
        cd = level_correlations(xd, side, dim, model.dim(k), r_max)
        rs = [r for r in (1, 2, 4, 8, 16) if r <= r_max]
        out[k] = {"r": rs, "model": [cm[r - 1] for r in rs], "data": [cd[r - 1] for r in rs]}
        cells = "  ".join(f"r={r}: {cm[r - 1]:.3f} vs {cd[r - 1]:.3f}" for r in rs)
        print(f"  Γ_{k} ({side}^{dim}, d={model.dim(k)}): {cells}")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
