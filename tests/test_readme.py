"""The README's commands, as a newcomer pastes them: parsed always, run (at small sizes) in the slow suite.

Every ```sh block of README.md holds commands that work as written from the checkout once `hybrid-rg` is on PATH;
every ```python block is a script that runs from the checkout. The fast tests check that each command is concrete
(no placeholders, no pasted alternatives), that each `hybrid-rg` line parses against the real argument parser and
that each file it names exists; so a renamed option, subcommand or spec breaks the suite at once. The slow test runs
every block in order, in fresh processes, in a copy of the checkout whose shipped specs are shrunk to a few
iterations and two times (the commands stay exactly as written; only the sizes behind them shrink), and asserts each
exit status and that no traceback appears.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Lines of the README that a test cannot run as written, each with the reason (a new one must be added here, which
# is the point: a command nobody classified is a command nobody checked).
NOT_RUN = {
    "make test": "the test suite itself",
    "source .venv/bin/activate": "the tests put hybrid-rg on PATH themselves (a wrapper in a bin folder)",
}
# Commands run in place of a README line: `make demo` sets up .venv first (the tests run in one), then runs this.
INSTEAD = {"make demo": "hybrid-rg demo --out out/demo"}
# Answers that are not 0, by design: a cloud device without credentials fails at once and says which is missing.
EXPECTED = {"--device braket_aquila": (2, "credentials")}
PLACEHOLDER = re.compile(r"\b(SPEC|DIR|RUN_DIR|ID|PROGRAMS?\.json|OUT|NAME)\b|<[^>]+>|\|")


def blocks() -> list[tuple[str, str]]:
    """(language, text) of every fenced block of the README, in order."""
    return [(m[1], m[2]) for m in re.finditer(r"^```(\w*)\n(.*?)^```", README.read_text(), re.S | re.M)]


def commands() -> list[str]:
    """The command lines of the ```sh blocks, comments stripped."""
    out = []
    for lang, text in blocks():
        if lang == "sh":
            out += [line.split("  #")[0].strip() for line in text.splitlines() if line.strip()]
    return [c for c in out if c and not c.startswith("#")]


def test_readme_has_runnable_blocks_and_no_unmarked_ones():
    langs = [lang for lang, _ in blocks()]
    assert langs.count("sh") >= 6 and "python" in langs
    # a block without a language is neither run nor checked: every block says what it is
    assert all(lang in ("sh", "python", "toml", "text") for lang in langs), langs


@pytest.mark.parametrize("line", commands())
def test_every_command_is_concrete_and_parses(line):
    """No placeholder to fill in and no `a | b` alternatives; `hybrid-rg` lines parse against the real parser, and
    every file or folder of the checkout they name exists."""
    from hybrid_rg.cli import build_parser

    assert not PLACEHOLDER.search(line), f"README command is not runnable as written: {line}"
    argv = shlex.split(line)
    if line in NOT_RUN or argv[0] == "make":
        assert argv[0] in ("make", "source")
        return
    for word in argv[1:]:
        if word.startswith(("experiments/", "calibration/", "docs/")):
            assert (ROOT / word).exists(), f"{line}: {word} does not exist"
    if argv[0] == "python":
        assert (ROOT / argv[1]).is_file()
        return
    assert argv[0] == "hybrid-rg", line
    if "--help" in argv:
        return
    build_parser().parse_args(argv[1:])  # SystemExit(2) on an unknown option or subcommand


def _shrink(repo: Path) -> None:
    """Cut every shipped spec the README runs to a few iterations at two times (and the campaign to 3 trials)."""
    for spec in (repo / "experiments" / "olrg").glob("*.toml"):
        raw = tomllib.loads(spec.read_text())
        T = raw["times"]["T"]
        if isinstance(T, str):
            start, stop, num = T.split(":")
            T = [float(start), float(start) + (float(stop) - float(start)) / (int(num) - 1)]
        raw["times"]["T"] = [float(t) for t in T[:2]]
        raw["training"]["iterations"] = min(int(raw["training"].get("iterations", 2)), 2)
        raw["training"]["orders"] = list(raw["training"]["orders"])[:2]
        if raw["target"]["N"] > 12 and raw.get("map", {}).get("kind") != "hem":
            raw.setdefault("reference", {})["method"] = "free-fermion" if raw["target"].get("g", 0) == 0 else "none"
        spec.write_text(tomli_w.dumps(raw))
    for camp in (repo / "calibration").glob("*.toml"):
        raw = tomllib.loads(camp.read_text())
        raw["budget"].update(n_trials=3, batch_size=3)
        raw["device"]["shots"] = 200
        raw.setdefault("warm_start", {}).update(n_candidates=4, n_enqueue=1, narrow_top=2)
        camp.write_text(tomli_w.dumps(raw))


def _newcomer(tmp_path: Path) -> tuple[Path, dict]:
    """A copy of the checkout (specs shrunk, everything else linked) and an environment with hybrid-rg on PATH."""
    repo = tmp_path / "checkout"
    repo.mkdir()
    for entry in ROOT.iterdir():
        if entry.name in ("experiments", "calibration"):
            shutil.copytree(entry, repo / entry.name)
        elif entry.name not in ("out", ".git", ".venv") and not entry.name.startswith("."):
            (repo / entry.name).symlink_to(entry)
    _shrink(repo)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "hybrid-rg").write_text(
        f"#!/bin/sh\nexec {sys.executable} -c 'import sys; from hybrid_rg.cli import main; sys.exit(main())' \"$@\"\n"
    )
    (bin_dir / "hybrid-rg").chmod(0o755)
    # a script, not a symlink: a symlinked venv python outside the venv does not find the venv's packages
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    (bin_dir / "python").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "HYBRID_RG_LEDGER": str(tmp_path / "ledger.sqlite"),
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
    }
    return repo, env


@pytest.mark.slow
def test_readme_runs_as_written(tmp_path):
    """Every block, in order, in fresh processes: exit statuses as documented, no traceback, timings printed."""
    repo, env = _newcomer(tmp_path)
    timings = []
    for lang, text in blocks():
        if lang == "python":
            runs = [("python block", [sys.executable, "-c", text], (0, ""))]
        elif lang == "sh":
            runs = []
            for line in [c for c in (ln.split("  #")[0].strip() for ln in text.splitlines()) if c]:
                if line.startswith("#") or line in NOT_RUN:
                    continue
                line = INSTEAD.get(line, line)
                expect = next((v for k, v in EXPECTED.items() if k in line), (0, ""))
                runs.append((line, ["bash", "-c", line], expect))
        else:
            continue
        for label, argv, (code, words) in runs:
            t0 = time.perf_counter()
            proc = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=900)
            timings.append((label, time.perf_counter() - t0))
            both = proc.stdout + proc.stderr
            assert proc.returncode == code, f"{label}: exit {proc.returncode}, expected {code}\n{both[-3000:]}"
            assert words in both and "Traceback" not in both, f"{label}:\n{both[-3000:]}"
    for label, seconds in timings:
        print(f"{seconds:6.1f} s  {label[:100]}")
    out = repo / "out"
    for path in (
        "demo/result.png",
        "tfim_n100/result.csv",
        "hem_smoke/programs/programs.json",
        "dry-run-quera_aquila/report.md",
        "hem_vdw_aquila/shots.png",
        "best.json",
        "calibration/hem_emulator/report/report.md",
    ):
        assert (out / path).is_file(), path
