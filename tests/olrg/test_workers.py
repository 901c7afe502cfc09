"""training.workers: the T points as contiguous warm chains in separate processes, each point checkpointed,
recorded and resumable exactly as in the serial run."""

import json

import pytest

from hybrid_rg.errors import UnusableFile
from hybrid_rg.olrg.experiment import chains, point_inputs, run_experiment
from hybrid_rg.olrg.spec import parse_spec

BASE = {
    "target": {"model": "tfim", "N": 5, "observable": "zz:0,1", "observable_scale": 0.25},
    "times": {"T": [0.3, 0.6, 0.9, 1.2]},
    "map": {"kind": "linear", "n0": 2, "chi": 2, "init": "rdm"},
    "training": {
        "orders": [2],
        "iterations": 0,
        "n_steps": 4,
        "warm_start": True,
        "warm_choice": "lower_loss",
        "polish_iterations": 2,
        "polish_max_eval": 5,
    },
    "reference": {"method": "krylov"},
    "bound": {"n_grid": 5, "max_tuples": 200},
}


def _spec(**training):
    return parse_spec({**BASE, "training": {**BASE["training"], **training}})


def test_chains_split_the_times_contiguously_and_record_where_each_warm_chain_starts():
    assert [list(c) for c in chains(_spec())] == [[0, 1, 2, 3]]
    assert [list(c) for c in chains(_spec(workers=2))] == [[0, 1], [2, 3]]
    assert [list(c) for c in chains(_spec(workers=3))] == [[0], [1, 2], [3]]
    assert [list(c) for c in chains(_spec(workers=9))] == [[0], [1], [2], [3]]
    # a polished (iterations = 0) warm chain records the times it came through; the second chain starts afresh
    assert point_inputs(_spec(), 2, 3, None)["point"]["warm_from_T"] == [0.3, 0.6, 0.9]
    assert point_inputs(_spec(workers=2), 2, 3, None)["point"]["warm_from_T"] == [0.9]
    assert "warm_from_T" not in point_inputs(_spec(workers=2), 2, 2, None)["point"]
    assert "workers" not in point_inputs(_spec(workers=2), 2, 0, None)["training"]


@pytest.mark.slow  # three runs of two spawned processes each: ~75 s on the loaded 2-core machine
def test_two_workers_train_every_point_deterministically_and_resume(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "0")
    spec = _spec(workers=2)
    first, _ = run_experiment(spec, tmp_path / "a")
    again, _ = run_experiment(spec, tmp_path / "b")
    assert [p.T for p in first] == [0.3, 0.6, 0.9, 1.2]
    assert all(p.iterations == 2 and p.final_loss is not None for p in first)  # every point trained
    assert [p.prediction for p in again] == [p.prediction for p in first]  # bit for bit
    assert max(p.error for p in first) < 5e-2
    folder = tmp_path / "a" / "checkpoints"
    for p in first:
        key = f"K2_T{p.T:.6g}"
        assert json.loads((folder / f"{key}.json").read_text())["prediction"] == p.prediction
        assert (folder / f"{key}.pt").exists() and (folder / f"{key}.spec.json").exists()
    # a rerun resumes every point from its checkpoint (same numbers, no training)
    (folder / "K2_T1.2.json").unlink()  # ... and recomputes the one whose result is gone
    resumed, _ = run_experiment(spec, tmp_path / "a")
    assert [p.prediction for p in resumed] == [p.prediction for p in first]
    assert [p.seconds for p in resumed[:3]] == [p.seconds for p in first[:3]]
    # a serial rerun chains the warm starts differently: the second chain's points are refused, not reused
    with pytest.raises(UnusableFile, match="warm_from_T"):
        run_experiment(_spec(), tmp_path / "a")
