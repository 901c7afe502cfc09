"""Hostile input, table-driven (issue 15 §3/§5): every bad input exits with its documented status, prints one line
naming the value and the fix, shows no traceback, and writes nothing.

Each case runs `hybrid-rg ARGS` in a fresh process, in a fresh working folder that holds the files the case needs
and nothing else. HOME and TMPDIR point inside that folder (so the default ledger and any temporary folder would
show up there), sizes are judged against a 4 GiB memory limit (HYBRID_RG_MEMORY_LIMIT_GIB, so the answer does not
depend on the machine running the test), and cloud credentials are fake or absent, with the endpoints pointed at a
closed local port (no network is used). The folder is compared before and after: nothing may appear, vanish or
change.

    python tests/cli/test_bad_input.py      prints the counts: tried, clean, traceback, wrong exit, partial files
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# the code under test (BAD_INPUT_CODE: another checkout, e.g. to measure a "before" figure)
REPO = Path(os.environ.get("BAD_INPUT_CODE") or Path(__file__).resolve().parents[2])
SMOKE = (REPO / "experiments/olrg/order_smoke.toml").read_text()
FIG5 = REPO / "experiments/mlrg/fig5.toml"
CORA = REPO / "experiments/cora/ising1d_K1_method2.toml"
CAMPAIGN = REPO / "calibration/hem_emulator.toml"
BIG = str(10**12)
TOO_BIG_ID = str(2**63)
NO_DIR = "/proc/hybrid-rg-no-such-dir/out"  # cannot be created, even by root
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    code: int = 2
    says: tuple[str, ...] = ()  # substrings of the one error line (the value it names)
    files: dict = field(default_factory=dict)  # relative path -> bytes | str | a builder name in BUILD
    env: dict = field(default_factory=dict)


def program_dict(n_atoms: int = 2) -> dict:
    d, rabi = 1.0, 5.0
    return {
        "format": "hybrid-rg.rydberg-program/1",
        "positions_um": [[6.0 * k, 0.0] for k in range(n_atoms)],
        "amplitude": {"times_us": [0.0, 0.1, 0.9, d], "values": [0.0, rabi, rabi, 0.0], "interpolation": "linear"},
        "detuning": {"times_us": [0.0, d], "values": [0.0, 0.0], "interpolation": "linear"},
        "phase": {"times_us": [0.0, d], "values": [0.0, 0.0], "interpolation": "constant"},
        "local_detuning": None,
        "c6_rad_per_us_um6": 5420000.0,
        "metadata": {},
    }


def _prog(**change) -> str:
    d = program_dict()
    for key, value in change.items():
        d[key] = value
    return json.dumps([d])


PROG = json.dumps([program_dict()])
STRING_VALUES = _prog(amplitude={"times_us": [0, 0.5, 1], "values": ["0", "5", "0"], "interpolation": "linear"})
UNKNOWN_KEY = _prog(detuning_typo={"times_us": [0, 1], "values": [0, 0]})
LIST_FIELD = _prog(amplitude=[0.0, 5.0, 0.0])
BINARY = bytes(range(256)) * 4
# Aquila's snapshot (noise model on) without its 1000-shot limit: the shots reach the noise simulation's memory
AQUILA_WITHOUT_SHOT_LIMIT = "\n".join(
    line
    for line in (REPO / "hybrid_rg/devices/snapshots/quera_aquila.toml").read_text().splitlines()
    if not line.startswith("shots_max")
)
TOML_GARBAGE = "kind = 'rydberg'\n[limits]\nmax_atoms = 'many'\nbanana = 3\n"


def _torch_bytes(obj) -> bytes:
    import io

    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _tiny_cora() -> bytes:
    from hybrid_rg.cora.run import build_model
    from hybrid_rg.cora.spec import parse_spec

    spec = parse_spec({"data": {"side": 8, "K": 1.0}, "model": {"n_layers": 2}, "eval": {"r_max": 4}})
    model = build_model(spec)
    return _torch_bytes({"config": model.config(), "state": model.state_dict()})


def _ledger(path: Path) -> None:
    from hybrid_rg.runtime.ledger import Ledger

    Ledger(path).close()


BUILD = {
    "@ledger": _ledger,
    "@dir": lambda path: path.mkdir(parents=True),
    "@cora": lambda path: path.write_bytes(_tiny_cora()),
    "@garbage_pt": lambda path: path.write_bytes(b"PK\x03\x04 not a checkpoint" * 10),
    "@truncated_pt": lambda path: path.write_bytes(_torch_bytes({"w": __import__("torch").zeros(64)})[:300]),
}

POINT = json.dumps({"order": 0, "T": 0.2, "prediction": 0.1, "exact": 0.1, "bound": 0.1, "tail_share": 0.0})


def _ledger_cases() -> list[Case]:
    led = {"l.sqlite": "@ledger"}
    out = []
    for cmd in ("status", "collect", "rerun"):
        args = (cmd, "1") if cmd == "rerun" else (cmd,)
        out.append(Case(f"{cmd}-missing-ledger", (*args, "--ledger", "none.sqlite"), says=("none.sqlite",)))
        out.append(Case(f"{cmd}-missing-default-ledger", args, says=("ledger",)))
    for cmd in ("status", "collect", "rerun", "ls"):
        out.append(Case(f"{cmd}-id-2^63", (cmd, TOO_BIG_ID, "--ledger", "l.sqlite"), says=(TOO_BIG_ID,), files=led))
    out += [
        Case(
            "collect-poll-nan",
            ("collect", "--poll-interval-s", "nan", "--ledger", "l.sqlite"),
            says=("nan",),
            files=led,
        ),
        Case(
            "collect-timeout-nan", ("collect", "--timeout-s", "nan", "--ledger", "l.sqlite"), says=("nan",), files=led
        ),
        Case("status-ledger-is-dir", ("status", "--ledger", "d"), says=("d",), files={"d/x": "x"}),
    ]
    return out


def _submit(*extra, device="emulator", files=None, env=None, code=2, says=(), id_=None) -> Case:
    argv = ("submit", "p.json", "--device", device, "--ledger", "new/l.sqlite", *extra)
    return Case(id_, argv, code, says, {"p.json": PROG, **(files or {})}, env or {})


SUBMIT = [
    _submit(
        files={"p.json": json.dumps([program_dict(300)])}, device="quera_aquila", says=("300",), id_="submit-300-atoms"
    ),
    _submit("--shots", "0", says=("shots",), id_="submit-shots-0"),
    _submit("--seed", TOO_BIG_ID, says=(TOO_BIG_ID,), id_="submit-seed-2^63"),  # a seed the ledger could not store
    _submit("--seed", "-1", says=("-1",), id_="submit-seed-negative"),
    _submit("--budget-usd", "-1", says=("-1",), id_="submit-budget-negative"),
    _submit("--budget-usd", "inf", device="quera_aquila", says=("inf",), id_="submit-budget-inf"),
    _submit("--budget-usd", "nan", device="quera_aquila", says=("nan",), id_="submit-budget-nan"),
    _submit(device="nosuch", says=("nosuch",), id_="submit-unknown-device"),
    _submit("--budget-usd", "100", device="quera_aquila", says=("AWS",), id_="submit-missing-credentials"),
    _submit(
        "--budget-usd", "0.01", device="quera_aquila", env=FAKE_AWS, code=3, says=("0.01",), id_="submit-budget-refusal"
    ),
    _submit("--tag", "\x1b[31mred", says=("tag",), id_="submit-tag-ansi"),
    _submit("--tag", "abc\u202edef", says=("tag",), id_="submit-tag-rtl"),
    _submit("--tag", "two\nlines", says=("tag",), id_="submit-tag-newline"),
    _submit("--adapter-opt", "bogus=1", says=("bogus",), id_="submit-adapter-opt-bogus"),
    _submit(
        "--adapter",
        "fake_remote",
        "--adapter-opt",
        "dir=prov",
        "--adapter-opt",
        "delay_s=nan",
        "--budget-usd",
        "5",
        device="fake_aquila",
        says=("delay_s",),
        id_="submit-adapter-opt-nan",
    ),
    _submit(
        "--budget-usd",
        "100",
        device="quera_aquila",
        code=1,
        says=("cannot reach",),
        id_="submit-cloud-no-network",
        env={**FAKE_AWS, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"},
    ),
    _submit(
        "--budget-usd",
        "100",
        device="ibm_heron",
        code=1,
        says=("cannot reach",),
        id_="submit-ibm-no-network",
        env={"QISKIT_IBM_TOKEN": "fake", "QISKIT_IBM_CHANNEL": "ibm_quantum", "HTTPS_PROXY": "http://127.0.0.1:9"},
    ),
]

CASES: list[Case] = [
    # output paths that are a file, or cannot be created: refused before any computation
    Case(
        "exact-out-is-file",
        ("exact", "--n", "6", "--observable", "zz:0,1", "--out", "f"),
        says=("f",),
        files={"f": "x"},
    ),
    Case("exact-out-unwritable", ("exact", "--n", "6", "--observable", "zz:0,1", "--out", NO_DIR), says=(NO_DIR,)),
    Case("run-out-is-file", ("run", "s.toml", "--out", "f"), says=("f",), files={"s.toml": SMOKE, "f": "x"}),
    Case("mlrg-out-is-file", ("mlrg", "run", str(FIG5), "--out", "f"), says=("f",), files={"f": "x"}),
    Case("mlrg-out-unwritable", ("mlrg", "run", str(FIG5), "--out", NO_DIR), says=(NO_DIR,)),
    Case("cora-out-is-file", ("cora", "fit", str(CORA), "--out", "f"), says=("f",), files={"f": "x"}),
    Case(
        "dry-run-out-is-file",
        ("dry-run", "p.json", "--device", "emulator", "--out", "f"),
        says=("f",),
        files={"p.json": PROG, "f": "x"},
    ),
    Case("calibrate-root-is-file", ("calibrate", str(CAMPAIGN), "--root", "f"), says=("f",), files={"f": "x"}),
    Case(
        "calibrate-ledger-is-dir",
        ("calibrate", str(CAMPAIGN), "--root", "cal", "--ledger", "d"),
        says=("d",),
        files={"d/x": "x"},
    ),
    Case(
        "submit-ledger-is-dir",
        ("submit", "p.json", "--device", "emulator", "--ledger", "d"),
        says=("d",),
        files={"p.json": PROG, "d/x": "x"},
    ),
    # malformed files
    Case("run-binary-spec", ("run", "b.toml"), says=("b.toml",), files={"b.toml": BINARY}),
    Case("mlrg-binary-spec", ("mlrg", "run", "b.toml", "--out", "o"), says=("b.toml",), files={"b.toml": BINARY}),
    Case("cora-binary-spec", ("cora", "fit", "b.toml", "--out", "o"), says=("b.toml",), files={"b.toml": BINARY}),
    Case("calibrate-binary-spec", ("calibrate", "b.toml", "--root", "cal"), says=("b.toml",), files={"b.toml": BINARY}),
    Case("validate-list-of-numbers", ("validate", "p.json"), says=("p.json",), files={"p.json": "[1, 2]"}),
    Case("validate-field-is-list", ("validate", "p.json"), says=("amplitude",), files={"p.json": LIST_FIELD}),
    Case("validate-string-values", ("validate", "p.json"), says=("values",), files={"p.json": STRING_VALUES}),
    Case("validate-unknown-key", ("validate", "p.json"), says=("detuning_typo",), files={"p.json": UNKNOWN_KEY}),
    Case("validate-binary-program", ("validate", "p.json"), says=("p.json",), files={"p.json": BINARY}),
    Case(
        "validate-garbage-snapshot",
        ("validate", "p.json", "--device", "g.toml"),
        says=("g.toml",),
        files={"p.json": PROG, "g.toml": TOML_GARBAGE},
    ),
    Case(
        "validate-binary-snapshot",
        ("validate", "p.json", "--device", "g.toml"),
        says=("g.toml",),
        files={"p.json": PROG, "g.toml": BINARY},
    ),
    Case(
        "dry-run-garbage-snapshot",
        ("dry-run", "p.json", "--device", "g.toml", "--out", "o"),
        says=("g.toml",),
        files={"p.json": PROG, "g.toml": TOML_GARBAGE},
    ),
    Case(
        "cora-garbage-model",
        ("cora", "sample", "r", "--n", "10"),
        says=("model.pt", "delete"),
        files={"r/model.pt": "@garbage_pt"},
    ),
    Case(
        "cora-truncated-model",
        ("cora", "sample", "r", "--n", "10"),
        says=("model.pt", "delete"),
        files={"r/model.pt": "@truncated_pt"},
    ),
    Case(
        "run-garbage-checkpoint",
        ("run", "s.toml", "--out", "o"),
        says=("K0_T0.2.pt", "delete"),
        files={"s.toml": SMOKE, "o/checkpoints/K0_T0.2.pt": "@garbage_pt", "o/checkpoints/K0_T0.2.json": POINT},
    ),
    Case(
        "run-init-from-truncated",
        ("run", "s.toml", "--out", "o", "--init-from", "w"),
        says=("K0_T0.2.pt", "delete"),
        files={"s.toml": SMOKE, "w/checkpoints/K0_T0.2.pt": "@truncated_pt"},
    ),
    # numbers
    Case("mlrg-j0-nan", ("mlrg", "fixed-point", "--j0", "nan"), says=("nan",)),
    Case("mlrg-j0-inf", ("mlrg", "fixed-point", "--j0", "inf"), says=("inf",)),
    Case("calibrate-workers-0", ("calibrate", str(CAMPAIGN), "--root", "cal", "--workers", "0"), says=("0",)),
    Case("calibrate-workers-negative", ("calibrate", str(CAMPAIGN), "--root", "cal", "--workers", "-2"), says=("-2",)),
    Case("exact-h-nan", ("exact", "--n", "6", "--h", "nan", "--observable", "zz:0,1"), says=("nan",)),
    Case("exact-times-inf", ("exact", "--n", "6", "--observable", "zz:0,1", "--times", "0:inf:5"), says=("inf",)),
    Case("exact-times-nan", ("exact", "--n", "6", "--observable", "zz:0,1", "--times", "nan,1"), says=("nan",)),
    # sizes, from the memory they need (4 GiB here)
    Case("exact-n-20000", ("exact", "--n", "20000", "--observable", "zz:0,1"), says=("20000", "GiB")),
    Case(
        "exact-n-22-krylov", ("exact", "--n", "22", "--method", "krylov", "--observable", "zz:0,1"), says=("22", "GiB")
    ),
    Case(
        "exact-times-10^9",
        ("exact", "--n", "6", "--observable", "zz:0,1", "--times", "0:1:1000000000"),
        says=("1000000000", "GiB"),
    ),
    Case(
        "dry-run-shots-10^12",
        ("dry-run", "p.json", "--device", "aq.toml", "--shots", BIG, "--out", "o"),
        says=(BIG, "GiB"),
        files={"p.json": PROG, "aq.toml": AQUILA_WITHOUT_SHOT_LIMIT},
    ),
    Case("cora-sample-10^12", ("cora", "sample", "r", "--n", BIG), says=(BIG, "GiB"), files={"r/model.pt": "@cora"}),
    Case(
        "mlrg-batch-10^9",
        ("mlrg", "run", "s.toml", "--out", "o"),
        says=("batch", "GiB"),
        files={"s.toml": FIG5.read_text().replace("batch = 256", "batch = 1000000000")},
    ),
    Case(
        "cora-side-10^9",
        ("cora", "fit", "s.toml", "--out", "o"),
        says=("side",),
        files={"s.toml": CORA.read_text().replace("side = 64", "side = 1000000000")},
    ),
    Case(
        "cora-side-10^5000",
        ("cora", "fit", "s.toml", "--out", "o"),
        says=("side",),
        files={"s.toml": CORA.read_text().replace("side = 64", "side = 1" + "0" * 5000)},
    ),
    # names that would leave their folder
    Case(
        "run-name-escapes",
        ("run", "s.toml"),
        says=("../../../x",),
        files={"s.toml": SMOKE.replace('name = "olrg_order_smoke"', 'name = "../../../x"')},
    ),
    # argparse: one line, the right program name
    Case("argparse-unknown-option", ("exact", "--n", "6", "--observable", "zz:0,1", "--bogus"), says=("--bogus",)),
    Case("argparse-unknown-command", ("nosuch",), says=("nosuch",)),
    Case("argparse-nested-bad-float", ("mlrg", "fixed-point", "--j0", "abc"), says=("abc", "mlrg fixed-point")),
    *_ledger_cases(),
    *SUBMIT,
]


def _snapshot(root: Path) -> dict:
    """Every path under root with its size and modification time (what 'nothing was written' is checked on)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            out[str(p.relative_to(root))] = (st.st_size if p.is_file() else -1, st.st_mtime_ns)
    return out


@dataclass
class Outcome:
    case: Case
    code: int | None
    stdout: str
    stderr: str
    added: list
    changed: list

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stderr or "Traceback" in self.stdout

    @property
    def partial(self) -> bool:
        return bool(self.added or self.changed)

    @property
    def wrong_exit(self) -> bool:
        return self.code != self.case.code

    @property
    def clean(self) -> bool:
        return not (self.traceback or self.partial or self.wrong_exit) and self.one_line_ok

    @property
    def one_line_ok(self) -> bool:
        lines = self.lines
        return (
            len(lines) == 1
            and lines[0].startswith("hybrid-rg: error: ")
            and "hybrid-rg hybrid-rg" not in lines[0]
            and all(s in lines[0] for s in self.case.says)
        )


def run_case(case: Case, timeout_s: float = 120.0) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="bad-input-") as tmp:
        root = Path(tmp)
        work = root / "work"
        for sub in ("work", "home", "tmp"):
            (root / sub).mkdir()
        for rel, content in case.files.items():
            path = work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str) and content in BUILD:
                BUILD[content](path)
            elif isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "QISKIT_", "HYBRID_RG_"))}
        env.update(
            HOME=str(root / "home"),
            TMPDIR=str(root / "tmp"),
            PYTHONPATH=str(REPO),
            OPENBLAS_NUM_THREADS="1",
            MPLBACKEND="Agg",
            HYBRID_RG_MEMORY_LIMIT_GIB="4",
            # no heartbeat lines: on a loaded machine a case may pass 10 s before its error (tests/conftest.py)
            HYBRID_RG_PROGRESS="off",
            AWS_SHARED_CREDENTIALS_FILE=str(root / "home" / "no-aws-credentials"),
            AWS_CONFIG_FILE=str(root / "home" / "no-aws-config"),
            **case.env,
        )
        before = _snapshot(root)
        cmd = [sys.executable, "-c", "import sys; from hybrid_rg.cli import main; sys.exit(main())", *case.argv]
        try:
            proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout_s)
            code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as err:
            code, stdout, stderr = None, str(err.stdout or ""), f"(timed out after {timeout_s:.0f} s)"
        after = _snapshot(root)
        added = sorted(set(after) - set(before))
        changed = sorted(k for k in before if k in after and after[k] != before[k] and not Path(root / k).is_dir())
        gone = sorted(set(before) - set(after))
        return Outcome(case, code, stdout, stderr, added + [f"-{g}" for g in gone], changed)


def run_all(cases=None, workers: int = 3, timeout_s: float = 120.0) -> dict[str, Outcome]:
    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, timeout_s), CASES if cases is None else cases))
    return {o.case.id: o for o in outcomes}


# Cases whose command imports torch or a cloud SDK before it refuses (2–4 s of CPU each, against ~0.5 s for the
# others): the slow marker keeps the default suite near 20 s on two cores; `make test-all` runs the whole table.
HEAVY = {
    "run-out-is-file",
    "run-binary-spec",
    "run-garbage-checkpoint",
    "run-init-from-truncated",
    "run-name-escapes",
    "mlrg-out-is-file",
    "mlrg-out-unwritable",
    "mlrg-batch-10^9",
    "cora-garbage-model",
    "cora-truncated-model",
    "cora-sample-10^12",
    "submit-adapter-opt-bogus",
    "submit-missing-credentials",
    "submit-cloud-no-network",
    "submit-ibm-no-network",
}
PARAMS = [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.id in HEAVY else []) for c in CASES]


@pytest.fixture(scope="module")
def outcomes(request):
    """Every case this session selected, run at once in a small pool (each in its own process and folder)."""
    chosen = {
        item.callspec.params["case"].id: item.callspec.params["case"]
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec") and "case" in item.callspec.params
    }
    return run_all(list(chosen.values()))


def test_case_ids_are_unique():
    assert len({c.id for c in CASES}) == len(CASES)


def test_heavy_cases_exist():
    assert HEAVY <= {c.id for c in CASES}


@pytest.mark.parametrize("case", PARAMS)
def test_bad_input(case, outcomes):
    o = outcomes[case.id]
    report = f"exit {o.code}\nstderr: {o.stderr[-2000:]}\nstdout: {o.stdout[-500:]}"
    assert not o.traceback, report
    assert o.code == case.code, report
    assert o.one_line_ok, report
    assert not o.partial, f"written: {o.added} changed: {o.changed}\n{report}"


def summary(results: dict[str, Outcome]) -> dict:
    rs = list(results.values())
    return {
        "tried": len(rs),
        "clean": sum(o.clean for o in rs),
        "traceback": sum(o.traceback for o in rs),
        "wrong_exit": sum(o.wrong_exit for o in rs),
        "partial_files": sum(o.partial for o in rs),
        "not_one_line": sum(not o.one_line_ok for o in rs),
    }


if __name__ == "__main__":
    import time

    t0 = time.perf_counter()
    results = run_all(timeout_s=float(os.environ.get("CASE_TIMEOUT_S", 120)))
    for o in results.values():
        flags = [n for n in ("traceback", "wrong_exit", "partial") if getattr(o, n)]
        if not o.one_line_ok:
            flags.append("not_one_line")
        tail = (o.lines[-1] if o.lines else "")[:160]
        print(f"{o.case.id:32s} exit {o.code!s:4s} {','.join(flags) or 'clean':34s} {tail}")
    print(json.dumps(summary(results)), f"({time.perf_counter() - t0:.0f} s)")
