"""Homotopy from the A1 critical fixed point (ridge on the student's non-A1 couplings, weight w_max(1 − λ)).

Prints one JSON line per representation: where the branch ends, why, the fixed point there, |eigenvalues| of dR/dJ,
the branch student's KL and the multi-start global minimum for the same teacher. Run:
    .venv/bin/python experiments/mlrg/homotopy.py        (~10 s on 2 cores)
"""

import json
import time

import numpy as np

from hybrid_rg.utils.threads import limit_torch_threads


def main() -> None:
    limit_torch_threads()
    from hybrid_rg.mlrg.continuation import track
    from hybrid_rg.mlrg.irreps import Rep
    from hybrid_rg.mlrg.kl import Pair
    from hybrid_rg.mlrg.rgmap import axis_point

    for text in ("A1+E", "2A1+E"):
        pair = Pair(Rep.parse(text))
        t = time.perf_counter()
        out = track(pair, axis_point(pair.n_params, 0.8139201144663), w_max=1.0)
        print(
            json.dumps(
                {
                    "rep": text,
                    "lambda_end": round(out["lambda"], 5),
                    "w_end": round(1 - out["lambda"], 5),
                    "reason": out["reason"],
                    "J": np.round(out["J"].numpy(), 6).tolist(),
                    "abs_eigenvalues": np.round(np.abs(out["eigenvalues"][:3]), 5).tolist(),
                    "kl_branch": out["kl"],
                    "kl_global": out["kl_global"],
                    "seconds": round(time.perf_counter() - t, 2),
                }
            )
        )


if __name__ == "__main__":
    main()
