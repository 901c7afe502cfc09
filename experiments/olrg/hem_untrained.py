"""How much of an HEM spec's accuracy is its starting point: the flow with the map as initialised (no training)
against exact, at every T of the spec.

    python experiments/olrg/hem_untrained.py experiments/olrg/hem_embed_width4.toml

Prints the relative error per T and its maximum (compare with the trained run's result.csv).
"""

from __future__ import annotations

import sys

import torch

from hybrid_rg.olrg.experiment import first_block, make_map, reference, site_model
from hybrid_rg.olrg.flow import run_flow
from hybrid_rg.olrg.spec import load_spec
from hybrid_rg.utils.threads import limit_torch_threads


def main(path: str) -> int:
    limit_torch_threads()
    spec = load_spec(path)
    site = site_model(spec)
    first = first_block(spec, site)
    exact, method = reference(spec)
    if exact is None:
        raise SystemExit(f"{path}: no exact reference ({method})")
    errors = []
    for T, ex in zip(spec.times.T, exact):
        opmap = make_map(spec, site, T)
        with torch.no_grad():
            errors.append(abs(float(run_flow(first, site, spec.target.N, opmap).prediction(T)) - ex) / abs(ex))
        print(f"T = {T:5.2f}  untrained relative error {errors[-1]:.2e}")
    print(
        f"max {max(errors):.2e}; max over T <= 1: {max(e for T, e in zip(spec.times.T, errors) if T <= 1):.2e} "
        f"(reference: {method})"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    raise SystemExit(main(sys.argv[1]))
