"""`hybrid-rg cora fit/sample`: a tiny round trip, and bad input that exits 2 and writes nothing."""

import json

import numpy as np
import pytest

from hybrid_rg.cli import main

SPEC = """
[data]
model = "ising1d"
side = 16
K = 0.8
n_train = 300
n_test = 300
seed = 3
[model]
n_layers = 3
seed = 1
[fit]
steps = 15
lr = 0.1
[eval]
r_max = 8
n_speed = 50
"""


def test_fit_then_sample_round_trip(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC)
    out = tmp_path / "run"
    assert main(["cora", "fit", str(spec), "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "model.pt",
        "spec.toml",
        "summary.json",
        "correlations.csv",
        "correlations.png",
        "metrics.csv",
        "training.csv",
    } <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"]["data_train"] == 3 and summary["seeds"]["model_init"] == 1
    from hybrid_rg.cora.observables import model_energy
    from hybrid_rg.cora.run import load_model

    assert abs(model_energy(load_model(out)) - summary["metrics"]["energy_model"]) < 1e-12
    assert main(["cora", "sample", str(out), "--n", "200", "--seed", "5"]) == 0
    x = np.load(out / "samples_n200_seed5.npy")
    assert x.shape == (200, 16) and set(np.unique(x)) <= {0, 1}


@pytest.mark.parametrize(
    "edit,needle",
    [
        ("[data]\nfoo = 1\n", "data.foo"),
        ("[data]\nside = 12\n", "data.side"),
        ('[fit]\nmethod = "method3"\n', "fit.method"),
        ('[model]\ntop = "random"\n', "model.top"),
    ],
)
def test_bad_spec_exits_2_and_writes_nothing(tmp_path, capsys, edit, needle):
    text = SPEC
    section, line = edit.split("\n", 1)
    text = text.replace(section + "\n", section + "\n" + line, 1)
    # a repeated key is itself invalid TOML; drop the original line of that key
    key = line.split("=")[0].strip()
    lines, seen = [], False
    for ln in text.splitlines():
        if ln.split("=")[0].strip() == key and "=" in ln:
            if seen:
                continue
            seen = True
        lines.append(ln)
    spec = tmp_path / "bad.toml"
    spec.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    assert main(["cora", "fit", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["bad.toml"]


def test_sample_of_a_missing_run_exits_2(tmp_path, capsys):
    assert main(["cora", "sample", str(tmp_path / "nope"), "--n", "10"]) == 2
    assert "model.pt" in capsys.readouterr().err
