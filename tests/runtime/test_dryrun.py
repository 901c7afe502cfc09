"""Dry runs (validate, cost, simulate, report) against closed-form physics; rerun bit for bit; credentials never
written anywhere."""

import json
import math
import subprocess
import sys

import pytest

from hybrid_rg.devices.emulator import evolve_probabilities
from hybrid_rg.pulse.program import RydbergProgram, Waveform, chain_positions
from hybrid_rg.runtime.dryrun import dry_run
from hybrid_rg.runtime.ledger import Ledger

from .helpers import cli, program, write_programs


def final_probabilities(program):
    """The physics behind every fake device: the emulator's, at a tolerance far below the assertions'."""
    return evolve_probabilities(program, tol=1e-12).numpy()


def _square(n, rabi, detuning, duration_us, spacing_um=60.0):
    return RydbergProgram(
        chain_positions(n, spacing_um),
        Waveform.constant(rabi, duration_us),
        Waveform.constant(detuning, duration_us),
        Waveform.constant(0.0, duration_us, "constant"),
    )


@pytest.mark.parametrize("rabi, detuning, t", [(3.0, 0.0, 0.7), (5.0, 2.0, 1.3), (2.0, -4.0, 2.9)])
def test_fake_sampler_matches_the_rabi_formula(rabi, detuning, t):
    """One atom: P(r) = Ω²/W² sin²(W t/2), W = √(Ω² + Δ²) (closed form, not the code's own output)."""
    w = math.hypot(rabi, detuning)
    exact = rabi**2 / w**2 * math.sin(w * t / 2) ** 2
    assert abs(final_probabilities(_square(1, rabi, detuning, t))[1] - exact) < 1e-10


def test_blockade_suppresses_double_excitation():
    """Two atoms 5 µm apart (V = C6/r^6 ≈ 347 rad/µs ≫ Ω): a √2·Ω π pulse puts them in (|gr⟩+|rg⟩)/√2."""
    rabi = 4.0
    p = final_probabilities(_square(2, rabi, 0.0, math.pi / (math.sqrt(2) * rabi), spacing_um=5.0))
    assert abs(p[1] - 0.5) < 0.01 and abs(p[2] - 0.5) < 0.01 and p[3] < 0.01


def test_dry_run_report_predicts_within_shot_noise(tmp_path, capsys):
    progs = [_square(2, math.pi / 1.0, 0.0, 1.0), _square(2, 0.0, 0.0, 1.0), program(2, rabi=50.0)]
    path = write_programs(tmp_path / "p.json", progs)
    out = tmp_path / "dry"
    assert cli(["dry-run", path, "--device", "fake_aquila", "--shots", "400", "--seed", "3", "--out", str(out)]) == 1
    res = json.loads((out / "results.json").read_text())
    assert abs(res["cost_usd"]["total"] - 3 * (0.30 + 400 * 0.01)) < 1e-9
    pi_pulse, idle, bad = res["programs"]
    assert pi_pulse["valid"] and idle["valid"] and not bad["valid"] and bad["run"] is None
    assert "amplitude" in bad["violations"]
    dens = pi_pulse["run"]["observables"]["density"]
    assert all(abs(d - 1.0) < 1e-9 for d in dens)  # an exact π pulse on far-apart atoms
    assert idle["run"]["observables"]["zz"] == [1.0] and idle["run"]["observables"]["density"] == [0.0, 0.0]
    half = dry_run([_square(2, math.pi / 2, 0.0, 1.0)], "fake_aquila", 400, 3)  # π/2: ⟨n⟩ = 1/2
    obs = half.runs[0]["observables"]
    for d, e in zip(obs["density"], obs["density_err"]):
        assert 0 < e < 0.04 and abs(d - 0.5) < 4 * e
    for zz, e in zip(obs["zz"], obs["zz_err"]):  # independent atoms: ⟨ZZ⟩ = ⟨Z⟩² = 0
        assert abs(zz) < 4 * e
    md = (out / "report.md").read_text()
    assert "INVALID" in md and "$" in md and "±" in md and "provenance.json" in md
    assert (out / "report.png").stat().st_size > 20_000
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seeds"]["batch_seed"] == 3 and len(prov["seeds"]["task_seeds"]) == 3
    assert "1 invalid" in capsys.readouterr().out


def test_dry_run_bad_input_writes_nothing(tmp_path, capsys):
    (tmp_path / "bad.json").write_text("{not json")
    out = tmp_path / "dry"
    assert cli(["dry-run", str(tmp_path / "bad.json"), "--device", "fake_aquila", "--out", str(out)]) == 2
    assert cli(["dry-run", str(tmp_path / "nothere.json"), "--device", "fake_aquila", "--out", str(out)]) == 2
    path = write_programs(tmp_path / "p.json", [program(2)])
    assert cli(["dry-run", path, "--device", "no_such_device_xyz", "--out", str(out)]) == 2
    assert capsys.readouterr().err.count("hybrid-rg: error:") == 3
    assert not out.exists()


def test_rerun_repeats_a_simulator_entry_bit_for_bit(tmp_path, capsys):
    path = write_programs(tmp_path / "p.json", [program(2), program(3, rabi=7.0)])
    ledger = str(tmp_path / "l.sqlite")
    opts = ["--adapter-opt", f"dir={tmp_path / 'sim'}"]
    assert (
        cli(["submit", path, "--device", "fake_local", "--shots", "200", "--seed", "9", "--ledger", ledger] + opts) == 0
    )
    assert cli(["collect", "--ledger", ledger, "--timeout-s", "20", "--poll-interval-s", "0.01"]) == 0
    capsys.readouterr()
    assert cli(["rerun", "2", "--ledger", ledger]) == 0
    assert "identical" in capsys.readouterr().out
    with Ledger(ledger) as led, led.write() as conn:  # tamper with the stored counts
        counts = json.loads(conn.execute("SELECT result_json FROM entries WHERE id = 2").fetchone()[0])
        first = next(iter(counts["counts"]))
        counts["counts"][first] += 1
        conn.execute("UPDATE entries SET result_json = ? WHERE id = 2", (json.dumps(counts),))
    assert cli(["rerun", "2", "--ledger", ledger]) == 1
    assert "DIFFERENT" in capsys.readouterr().out


def test_rerun_refuses_hardware_entries(tmp_path, capsys):
    path = write_programs(tmp_path / "p.json", [program(2)])
    ledger = str(tmp_path / "l.sqlite")
    assert (
        cli(
            [
                "submit",
                path,
                "--device",
                "fake_aquila",
                "--shots",
                "10",
                "--budget-usd",
                "1",
                "--ledger",
                ledger,
                "--adapter-opt",
                f"dir={tmp_path / 'prov'}",
            ]
        )
        == 0
    )
    assert cli(["rerun", "1", "--ledger", ledger]) == 2
    assert "cannot be repeated bit for bit" in capsys.readouterr().err


FAKE_KEY_ID = "AKIAFAKEHYBRIDRG0001"
FAKE_SECRET = "fakeSecret/HybridRG+NeverWrite/0123456789abcd"
FAKE_SESSION = "FakeSessionTokenHybridRG42"

SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from tests.runtime.helpers import cli, program, write_programs
from pathlib import Path
w = Path({work!r})
p = write_programs(w / "p.json", [program(2), program(3)])
led = str(w / "ledger.sqlite")
common = ["--ledger", led]
rcs = [cli(["dry-run", p, "--device", "fake_aquila", "--shots", "20", "--out", str(w / "dry")]),
       cli(["submit", p, "--device", "fake_aquila", "--shots", "10", "--budget-usd", "2", "--tag", "creds",
            "--adapter-opt", "dir=" + str(w / "prov"), "--adapter-opt", "delay_s=0.01"] + common),
       cli(["collect", "--timeout-s", "10", "--poll-interval-s", "0.01"] + common),
       cli(["status", "--tag", "creds"] + common), cli(["ls", "--json"] + common)]
print("RCS", rcs)
"""


def test_credentials_never_reach_ledger_logs_or_reports(tmp_path):
    import os

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    (tmp_path / "run.py").write_text(SCRIPT.format(root=root, work=str(tmp_path)))
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": FAKE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_SESSION_TOKEN": FAKE_SESSION,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    r = subprocess.run([sys.executable, str(tmp_path / "run.py")], capture_output=True, text=True, env=env, timeout=120)
    assert "RCS [0, 0, 0, 0, 0]" in r.stdout, r.stdout + r.stderr
    blobs = [r.stdout.encode(), r.stderr.encode()]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "ledger.sqlite-wal" or p.name == "ledger.sqlite" for p in files)
    assert any(p.name == "report.md" for p in files)
    blobs += [p.read_bytes() for p in files if p.name != "run.py"]
    for secret in (FAKE_KEY_ID, FAKE_SECRET, FAKE_SESSION):
        assert not any(secret.encode() in b for b in blobs), secret
    assert any(b"fake_aquila" in b for b in blobs)  # the grep does see the ledger's contents


def test_report_per_program_says_T_prediction_estimate_noise_and_limits(tmp_path, capsys):
    """A program carrying a run's metadata: the report gives its T, the prediction and exact value, the observable
    from the shots ± its shot error (checked against the closed form), whether noise was modelled and where the
    limits came from; --no-noise switches the noise model off and says so."""
    from dataclasses import replace

    # a π/2 pulse on two far-apart atoms: ⟨Z_0 Z_1⟩ = ⟨Z⟩² = 0 exactly, so 0.25·⟨ZZ⟩ must be 0 within 4σ
    meta = {"T": "0.75", "order": "2", "observable": "zz:0,1", "observable_scale": "0.25"}
    meta |= {"prediction": "0.0123", "exact": "0.0456"}
    prog = replace(_square(2, math.pi / 2, 0.0, 1.0), metadata=tuple(sorted(meta.items())))
    path = write_programs(tmp_path / "p.json", [prog])
    out = tmp_path / "dry"
    assert cli(["dry-run", path, "--device", "fake_aquila", "--shots", "400", "--out", str(out), "--no-noise"]) == 0
    res = json.loads((out / "results.json").read_text())
    entry = res["programs"][0]
    assert entry["context"]["T"] == 0.75 and entry["context"]["prediction"] == 0.0123
    est = entry["run"]["estimate"]
    assert est["observable"] == "zz:0,1" and 0 < est["stderr"] < 0.02 and abs(est["value"]) < 4 * est["stderr"]
    assert res["noise"] is None and "NOT modelled" in res["noise_note"] and "turned off" in res["noise_note"]
    md = (out / "report.md").read_text()
    assert "| 0 | 0.75 | 2 | `zz:0,1` × 0.25 | 0.0123 | 0.0456 |" in md
    assert "**Noise**: noise NOT modelled" in md and "**Device limits**: limits from the snapshot fake_aquila" in md
    printed = capsys.readouterr().out
    assert "0.75" in printed and "0.0123" in printed and "NOT modelled" in printed
    aq = dry_run([prog], "quera_aquila", 100, 0, noise="off")
    assert "EXAMPLE values" in aq.spec.limits_origin() and aq.noise is None
