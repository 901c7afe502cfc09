"""The warm-start curriculum never changes an untrained point (issue 19, "the trap")."""

import pytest

from hybrid_rg.olrg.experiment import run_experiment
from hybrid_rg.olrg.spec import parse_spec

BASE = {
    "target": {"model": "tfim", "N": 5, "observable": "zz:0,1", "observable_scale": 0.25},
    "times": {"T": [0.3, 0.9]},
    "map": {"kind": "linear", "n0": 2, "chi": 2, "init": "rdm"},
    "training": {"orders": [1], "iterations": 0, "n_samples": 4, "n_steps": 5},
    "reference": {"method": "none"},
    "bound": {"n_grid": 5, "max_tuples": 200},
}


def _run(tmp_path, name, **training):
    spec = parse_spec({**BASE, "training": {**BASE["training"], **training}})
    points, _ = run_experiment(spec, tmp_path / name)
    return [p.prediction for p in points]


def test_untrained_points_keep_their_own_initialisation_under_warm_start(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "0")
    cold = _run(tmp_path, "cold", warm_start=False)
    warm = _run(tmp_path, "warm", warm_start=True)
    # the rdm initialisation depends on T, so inheriting the first T's map would change the second point
    assert warm == pytest.approx(cold, rel=0, abs=1e-14)
