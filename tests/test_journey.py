"""The hardware workflow as a newcomer walks it, each step a fresh `hybrid-rg` process, on tiny sizes:

    run (a tiny HEM spec) -> its batch file programs/programs.json -> validate -> dry-run -> submit to the emulator
    and to a paid fake device under a budget -> status -> collect -> rerun -> calibrate (3 trials, the run folder as
    its experiment) -> calibrate status / report / best

Each step's exit status and the files it writes are asserted, and no output anywhere holds a traceback. The paid
device is the test double of hybrid_rg.testing (snapshot fake_aquila: Aquila's prices, served by an on-disk fake
provider), so budgets act as on hardware and nothing leaves the machine.

Every process imports torch, which costs seconds on a loaded machine: the walks in fresh processes are marked slow
(about 4 and 6 minutes on a 2-core machine shared with other jobs). `test_journey_core_in_process` walks the same
core (run, batch file, validate, dry-run, submit, status, collect, rerun) through `hybrid_rg.cli.main` in this
process, and stays in the default suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "experiments" / "olrg" / "hem_smoke.toml"


class Journey:
    def __init__(self, tmp: Path, fresh: bool = True):
        self.tmp, self.fresh = tmp, fresh
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HYBRID_RG_LEDGER": str(tmp / "ledger.sqlite"),
            "MPLBACKEND": "Agg",
            "OPENBLAS_NUM_THREADS": "1",
        }
        self.log: list[str] = []

    def __call__(self, *args: str, code: int = 0) -> str:
        """`hybrid-rg ARGS` in the tmp folder, in a fresh process (or this one); asserts the exit status and that no
        traceback was printed."""
        if self.fresh:
            argv = [sys.executable, "-c", "import sys; from hybrid_rg.cli import main; sys.exit(main())", *args]
            proc = subprocess.run(argv, cwd=self.tmp, env=self.env, capture_output=True, text=True, timeout=600)
            out, returncode = proc.stdout + proc.stderr, proc.returncode
        else:
            out, returncode = self._in_process(args)
        self.log.append(f"$ hybrid-rg {' '.join(args)}\n{out}")
        assert "Traceback" not in out, f"hybrid-rg {' '.join(args)}:\n{out}"
        assert returncode == code, f"hybrid-rg {' '.join(args)}: exit {returncode}, expected {code}\n{out}"
        return out

    def _in_process(self, args) -> tuple[str, int]:
        import contextlib
        import io

        from hybrid_rg.cli import main

        buf, cwd, env = io.StringIO(), os.getcwd(), dict(os.environ)
        os.environ["HYBRID_RG_LEDGER"] = self.env["HYBRID_RG_LEDGER"]
        os.chdir(self.tmp)
        try:
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
                try:
                    code = main(list(args))
                except SystemExit as stop:  # argparse
                    code = stop.code
        finally:
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(env)
        return buf.getvalue(), code


def _tiny_spec(tmp: Path) -> Path:
    raw = tomllib.loads(SPEC.read_text())
    raw["training"]["iterations"] = 2
    path = tmp / "tiny_hem.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


def _core(tmp: Path, fresh: bool = True) -> Journey:
    hrg = Journey(tmp, fresh)
    spec = _tiny_spec(tmp)

    # a spec without a finished run: refused, with the command to run and where; nothing is trained
    out = hrg("dry-run", str(spec), "--device", "quera_aquila", "--out", "dry0", code=2)
    assert "hybrid-rg run" in out and "out/hem_smoke" in out and "--train" in out
    assert not (tmp / "out").exists() and not (tmp / "dry0").exists()

    out = hrg("run", str(spec), "--out", "run")
    run = tmp / "run"
    for name in ("result.csv", "result.png", "provenance.json", "programs/waveforms.png", "programs/K2_T0.5.json"):
        assert (run / name).is_file(), name
    batch = run / "programs" / "programs.json"
    programs = json.loads(batch.read_text())
    assert [float(p["metadata"]["T"]) for p in programs] == [0.5, 1.0]
    assert all({"prediction", "exact", "observable"} <= set(p["metadata"]) for p in programs)

    out = hrg("validate", str(batch), "--device", "quera_aquila")
    assert out.count(": valid") == 2
    hrg("validate", str(batch), "--device", "braket_aquila")  # one device, two names

    out = hrg("dry-run", "run", "--device", "quera_aquila", "--shots", "200", "--out", "dry")
    assert "2 valid, 0 invalid" in out and "noise modelled" in out and "EXAMPLE" in out
    md = (tmp / "dry" / "report.md").read_text()
    assert "| 0 | 0.5 | 2 | `zz:0,1` × 0.25 |" in md and "**Device limits**" in md
    for name in ("report.png", "results.json", "programs.json", "provenance.json"):
        assert (tmp / "dry" / name).is_file(), name
    # the spec with its finished run (--run-dir), noise-free: the same programs, no training
    out = hrg("dry-run", str(spec), "--run-dir", "run", "--device", "quera_aquila", "--no-noise", "--out", "dry2")
    assert "using the finished run in run" in out and "noise NOT modelled" in out

    out = hrg("submit", "run", "--device", "emulator", "--tag", "free")
    assert "2 submitted" in out
    paid = ["submit", "run", "--device", "fake_aquila", "--adapter-opt", f"dir={tmp / 'provider'}"]
    out = hrg(*paid, "--budget-usd", "3", "--tag", "paid")  # 2 tasks × ($0.30 + 100 × $0.01) = $2.60 <= $3
    assert "2 submitted" in out
    out = hrg(*paid, "--shots", "50", "--tag", "paid", code=3)  # $1.60 more would pass the $3 cap: refused
    assert "budget" in out and "Nothing was submitted" in out
    hrg("status")
    out = hrg("collect", "--timeout-s", "60", "--poll-interval-s", "0.2")
    assert "not finished" not in out
    ls = json.loads(hrg("ls", "--json"))
    assert len(ls) == 4 and all(e["state"] == "COMPLETED" for e in ls)
    assert {e["device"] for e in ls} == {"emulator", "fake_aquila"}
    out = hrg("rerun", "1")
    assert "identical (bit for bit)" in out
    return hrg


def test_journey_core_in_process(tmp_path):
    _core(tmp_path, fresh=False)


@pytest.mark.slow
def test_journey_core_in_fresh_processes(tmp_path):
    _core(tmp_path)


@pytest.mark.slow
def test_journey_with_calibration(tmp_path):
    hrg = _core(tmp_path)
    # --train: the spec's run is trained where asked, saying so first, then used
    out = hrg("dry-run", "tiny_hem.toml", "--train", "--run-dir", "trained", "--device", "emulator", "--out", "dry3")
    assert "training tiny_hem.toml into trained first: 2 of 2 points" in out and "2 valid, 0 invalid" in out
    assert (tmp_path / "trained" / "programs" / "programs.json").is_file() and (
        tmp_path / "dry3" / "report.md"
    ).is_file()
    campaign = tomllib.loads((ROOT / "calibration" / "hem_emulator.toml").read_text())
    campaign["experiment"] = str(tmp_path / "run")  # the finished run folder stands for its spec
    campaign["budget"].update(n_trials=3, batch_size=3)
    campaign["device"]["shots"] = 200
    campaign["warm_start"].update(n_candidates=4, n_enqueue=1, narrow_top=2)
    spec = tmp_path / "tiny_campaign.toml"
    spec.write_text(tomli_w.dumps(campaign))
    cal = ["--root", "cal"]

    out = hrg("calibrate", str(spec), *cal)
    assert "3/3 trials complete" in out
    status = json.loads(hrg("calibrate", "status", str(spec), *cal))
    assert status["states"].get("COMPLETE") == 3
    hrg("calibrate", "report", str(spec), *cal)
    report = tmp_path / "cal" / "hem_emulator" / "report"
    for name in ("report.md", "history.csv", "history.png", "best_program.png"):
        assert (report / name).is_file(), name
    hrg("calibrate", "best", str(spec), *cal, "--export", "best.json")
    best = json.loads((tmp_path / "best.json").read_text())
    assert best["amplitude"] and best["positions_um"]
    hrg("validate", "best.json", "--device", "emulator")
    assert len(json.loads(hrg("ls", "--json"))) == 4 + 3  # each trial is a ledger entry
