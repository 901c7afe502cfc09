"""Importing hybrid_rg must not pull in device SDKs (they are optional extras, imported by adapters only)."""

import subprocess
import sys

HEAVY = ["braket", "qiskit_ibm_runtime", "qiskit_aer", "pennylane", "qiskit_dynamics", "jax", "optuna", "torch"]


def test_import_pulls_in_no_device_sdk():
    code = ("import sys, hybrid_rg, hybrid_rg.operators, hybrid_rg.exact, hybrid_rg.cli; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_import_works_with_the_sdks_blocked():
    block = "; ".join(f"sys.modules[{m!r}] = None" for m in HEAVY)
    code = f"import sys; {block}; import hybrid_rg.operators, hybrid_rg.exact; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
