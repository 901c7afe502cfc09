"""The jobs behind `hybrid-rg run` and `demo`, called from Python: the same files as the command line."""

import json

from hybrid_rg.olrg.spec import parse_spec
from hybrid_rg.workflows import run_spec

TINY = {
    "name": "tiny",
    "target": {"model": "tfim", "N": 4, "observable": "zz:0,1", "observable_scale": 0.25},
    "times": {"T": [0.3]},
    "map": {"kind": "linear", "n0": 2, "chi": 2},
    "training": {"orders": [1], "iterations": 2, "n_samples": 4, "n_steps": 5},
    "bound": {"n_grid": 11},
}


def test_run_spec_writes_results_and_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "0")
    spec = parse_spec(TINY)
    run = run_spec(spec, tmp_path / "run")
    assert [(p.order, p.T) for p in run.points] == [(1, 0.3)] and run.method == "free-fermion"
    assert run.points[0].bound >= run.points[0].error and run.programs == []
    assert (tmp_path / "run" / "result.csv").read_text().startswith("order,T,prediction,exact")
    assert (tmp_path / "run" / "result.png").stat().st_size > 1000
    recorded = json.loads((tmp_path / "run" / "provenance.json").read_text())
    assert recorded["inputs"]["spec"]["map"]["chi"] == 2 and recorded["inputs"]["spec"]["times"]["T"] == [0.3]
    assert recorded["seeds"] == {"training": 0}
