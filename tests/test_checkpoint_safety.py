"""Loading a file never runs code: crafted pickles in checkpoints and study databases are refused.

A `.pt` whose unpickling would create a marker file (the harmless stand-in for a shell command) must be refused
with one line naming the file, through the library loader and through `hybrid-rg run --init-from`, and the marker
must not appear. A damaged checkpoint is refused the same way; a real one still loads.
"""

from __future__ import annotations

import os

import pytest
import torch

from hybrid_rg.cli import main
from hybrid_rg.errors import UnusableFile
from hybrid_rg.utils.checkpoints import load_checkpoint


class _Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _crafted(path, marker):
    torch.save({"map": {"w": torch.zeros(2)}, "x": _Payload(marker)}, path)


def test_crafted_checkpoint_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    _crafted(tmp_path / "evil.pt", marker)
    with pytest.raises(UnusableFile, match="evil.pt: refused"):
        load_checkpoint(tmp_path / "evil.pt")
    assert not marker.exists()


def test_damaged_checkpoint_is_refused_with_the_fix(tmp_path):
    good = tmp_path / "good.pt"
    torch.save(
        {"map": {"w": torch.arange(3.0)}, "losses": [1.0, 0.5], "streams": {"loss": torch.Generator().get_state()}},
        good,
    )
    assert torch.equal(load_checkpoint(good)["map"]["w"], torch.arange(3.0))
    bad = tmp_path / "bad.pt"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(UnusableFile, match="bad.pt: damaged or truncated checkpoint.*delete it"):
        load_checkpoint(bad)


def test_init_from_a_crafted_run_folder_exits_2_and_runs_nothing(tmp_path, capsys):
    marker = tmp_path / "pwned"
    (tmp_path / "prev" / "checkpoints").mkdir(parents=True)
    _crafted(tmp_path / "prev" / "checkpoints" / "K2_T0.5.pt", marker)
    code = main(
        [
            "run",
            "experiments/olrg/hem_smoke.toml",
            "--out",
            str(tmp_path / "new"),
            "--init-from",
            str(tmp_path / "prev"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "K2_T0.5.pt: refused" in err and "Traceback" not in err
    assert not marker.exists()


def test_study_sampler_state_is_json_not_pickle():
    """The calibration study stores the sampler's random streams as JSON and restores them exactly."""
    optuna = pytest.importorskip("optuna")
    from hybrid_rg.calibration.storage import load_sampler, save_sampler

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=5))
    study.sampler._rng.rng.random(3)  # advance the stream
    save_sampler(study, 0, study.sampler)
    expected = study.sampler._rng.rng.random(4)
    fresh = optuna.samplers.TPESampler(seed=99)
    assert load_sampler(study._storage, study._study_id, 0, fresh)
    assert (fresh._rng.rng.random(4) == expected).all()
    study._storage.set_study_system_attr(study._study_id, "hybrid_rg:sampler:1", "gASVCgAAAAAAAACMBHRlc3SULg==")
    with pytest.raises(ValueError, match="not what hybrid-rg writes"):
        load_sampler(study._storage, study._study_id, 1, optuna.samplers.TPESampler(seed=1))
