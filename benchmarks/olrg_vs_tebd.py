"""OMM (OLRG linear isometry) against TeNPy TEBD at the same bond dimension χ, both against free fermions.

TFIM J = h = 1, open chain, |0…0⟩ quench, edge ⟨S^z_1 S^z_2⟩(T) for T ∈ {0.5, 1, 2, 3, 5}, N ∈ {32, 64},
χ ∈ {8, 16}. The OMM is the RDM-initialised map without training (training is per-T and is reported by
`hybrid-rg run experiments/olrg/scale_*.toml`); TEBD is 4th-order with dt = 0.01 and chi_max = χ.
Prints one JSON line per (N, χ): max relative error of each method and its wall time (bound not included).

    python benchmarks/olrg_vs_tebd.py [--n 32 64] [--chi 8 16]

physics-tenpy is a benchmark-only dependency (requirements/lock.txt).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from hybrid_rg.exact import TFIMFreeFermions, ZeroState
from hybrid_rg.olrg import LinearIsometryMap, SiteModel, exact_block, run_flow
from hybrid_rg.operators import parse_observables

TIMES = (0.5, 1.0, 2.0, 3.0, 5.0)


def tebd(n: int, chi: int, times, dt: float = 0.01) -> np.ndarray:
    import tenpy
    from tenpy.algorithms.tebd import TEBDEngine
    from tenpy.models.model import CouplingMPOModel, NearestNeighborModel
    from tenpy.networks.mps import MPS
    from tenpy.networks.site import SpinHalfSite

    tenpy.tools.misc.setup_logging(to_stdout=None)

    class TFIM(CouplingMPOModel, NearestNeighborModel):  # −J ZZ − h X, our convention
        def init_sites(self, p):
            return SpinHalfSite(conserve=None)

        def init_terms(self, p):
            self.add_coupling(-1.0, 0, "Sigmaz", 0, "Sigmaz", 1)
            self.add_onsite(-1.0, 0, "Sigmax")

    model = TFIM({"L": n, "bc_MPS": "finite", "lattice": "Chain", "bc_x": "open"})
    psi = MPS.from_product_state(model.lat.mps_sites(), ["up"] * n, bc="finite")
    eng = TEBDEngine(
        psi, model, {"dt": dt, "order": 4, "N_steps": 1, "trunc_params": {"chi_max": chi, "svd_min": 1e-14}}
    )
    out, t = [], 0.0
    for T in times:
        steps = int(round((T - t) / dt))
        eng.options["N_steps"] = steps
        eng.run()
        t += steps * dt
        out.append(0.25 * np.real(psi.expectation_value_term([("Sigmaz", 0), ("Sigmaz", 1)])))
    return np.array(out)


def omm(n: int, chi: int, times) -> np.ndarray:
    site = SiteModel.tfim(1.0, 1.0)
    first = exact_block(site, 5, parse_observables("zz:0,1", 5)[0].operator(5) * 0.25)
    out = []
    with torch.no_grad():
        for T in times:
            flow = run_flow(first, site, n, LinearIsometryMap(chi, init="rdm", site=site, T=T))
            out.append(float(flow.prediction(T)))
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--chi", type=int, nargs="+", default=[8, 16])
    args = ap.parse_args()
    torch.set_num_threads(1)
    spec = parse_observables("zz:0,1", 2)
    for n in args.n:
        exact = 0.25 * TFIMFreeFermions(1.0, np.ones(n)).evolve(np.array(TIMES), ZeroState(), spec)["zz:0,1"].real
        for chi in args.chi:
            row = {"N": n, "chi": chi, "T": list(TIMES)}
            for name, fn in (("omm_rdm_untrained", omm), ("tebd", tebd)):
                t0 = time.perf_counter()
                vals = fn(n, chi, TIMES)
                rel = np.abs(vals - exact) / np.abs(exact)
                row[name] = {
                    "rel_error": [float(f"{r:.3e}") for r in rel],
                    "max_rel_error": float(f"{rel.max():.3e}"),
                    "seconds": round(time.perf_counter() - t0, 2),
                }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
