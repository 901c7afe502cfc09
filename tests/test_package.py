"""Importing hybrid_rg must not pull in device SDKs (they are optional extras, imported by adapters only)."""

import subprocess
import sys

HEAVY = ["braket", "qiskit_ibm_runtime", "qiskit_aer", "pennylane", "qiskit_dynamics", "jax", "optuna", "torch"]


def test_import_pulls_in_no_device_sdk():
    code = (
        "import sys, hybrid_rg, hybrid_rg.operators, hybrid_rg.exact, hybrid_rg.cli; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_import_works_with_the_sdks_blocked():
    block = "; ".join(f"sys.modules[{m!r}] = None" for m in HEAVY)
    code = f"import sys; {block}; import hybrid_rg.operators, hybrid_rg.exact; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_every_data_file_in_the_package_is_declared_package_data():
    """A file under hybrid_rg/ that is not Python reaches a wheel only through tool.setuptools.package-data
    (`make wheel-check` builds one; this finds the omission in a second)."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    declared = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    tracked = subprocess.run(["git", "ls-files", "hybrid_rg"], cwd=root, capture_output=True, text=True).stdout.split()
    missing = []
    for name in tracked:
        if name.endswith(".py"):
            continue
        path = Path(name)
        owners = [(pkg, Path(*pkg.split("."))) for pkg in declared]
        if not any(
            path.is_relative_to(d) and any(fnmatch.fnmatch(str(path.relative_to(d)), g) for g in declared[pkg])
            for pkg, d in owners
        ):
            missing.append(name)
    assert missing == [], f"not declared in pyproject's tool.setuptools.package-data: {missing}"
