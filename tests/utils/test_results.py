"""atomic_file: the whole new file or the old one, never a half-written one or a stray temporary."""

import numpy as np
import pytest

from hybrid_rg.utils.results import atomic_file


def test_replaces_the_target_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "best.json"
    target.write_text("old")
    with atomic_file(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".json" and not tmp.exists()
        tmp.write_text("new")
        assert target.read_text() == "old"  # readers still see the old file while it is written
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.json"]


def test_an_error_keeps_the_old_file_and_removes_the_half_written_one(tmp_path):
    target = tmp_path / "state.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.txt"]


def test_keeps_the_suffix_so_numpy_writes_where_it_is_told(tmp_path):
    target = tmp_path / "samples.npy"
    with atomic_file(target) as tmp:
        np.save(tmp, np.arange(3))
    assert np.load(target).tolist() == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["samples.npy"]


def test_atomic_dir_replaces_a_subfolder_as_a_whole(tmp_path):
    from hybrid_rg.utils.results import atomic_dir

    out = tmp_path / "run"
    with atomic_dir(out) as tmp:
        (tmp / "programs").mkdir()
        (tmp / "programs" / "K2_T0.5.json").write_text("old")
        (tmp / "programs" / "K2_T1.json").write_text("old")
        (tmp / "result.csv").write_text("old")
    (out / "checkpoints").mkdir()  # written by others: left alone
    with atomic_dir(out) as tmp:  # a rerun with one time less (before: "Directory not empty")
        (tmp / "programs").mkdir()
        (tmp / "programs" / "K2_T0.5.json").write_text("new")
        (tmp / "result.csv").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["checkpoints", "programs", "result.csv"]
    assert [p.name for p in (out / "programs").iterdir()] == ["K2_T0.5.json"]
    assert (out / "programs" / "K2_T0.5.json").read_text() == "new" and (out / "result.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
