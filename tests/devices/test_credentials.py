"""Cloud adapters without credentials fail at once (no network, no hang) and say what to set."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hybrid_rg.devices.adapters.braket_aws import AQUILA_ARN, translate_aws_error
from hybrid_rg.devices.credentials import CredentialsMissing, device_region

ROOT = Path(__file__).resolve().parents[2]


def _nowhere_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "QISKIT_IBM_", "BOTO"))}
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPATH=str(ROOT),
    )
    return env


def _run(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def test_braket_aquila_without_credentials_fails_fast(tmp_path):
    pytest.importorskip("braket.aws")
    out = _run(
        """
        import socket
        def refuse(*a, **k): raise AssertionError("network opened")
        socket.socket.connect = refuse
        from hybrid_rg.devices.registry import get_device
        from hybrid_rg.devices.credentials import CredentialsMissing
        try:
            get_device("braket_aquila")
        except CredentialsMissing as err:
            print("MISSING:", err)
        """,
        _nowhere_env(tmp_path),
    )
    assert "MISSING: no AWS credentials found" in out.stdout, out.stderr[-2000:]
    assert "AWS_ACCESS_KEY_ID" in out.stdout


def test_braket_region_missing_is_named(tmp_path):
    pytest.importorskip("braket.aws")
    env = _nowhere_env(tmp_path) | {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}
    out = _run(
        """
        from hybrid_rg.devices.credentials import aws_session, CredentialsMissing
        try:
            aws_session()
        except CredentialsMissing as err:
            print("MISSING:", err)
        print("REGION:", aws_session("us-east-1").region_name)
        """,
        env,
    )
    assert "MISSING: no AWS region configured" in out.stdout and "AWS_DEFAULT_REGION" in out.stdout, out.stderr
    assert "REGION: us-east-1" in out.stdout


def test_ibm_heron_without_account_fails_fast(tmp_path):
    pytest.importorskip("qiskit_ibm_runtime")
    out = _run(
        """
        from hybrid_rg.devices.registry import get_device
        from hybrid_rg.devices.credentials import CredentialsMissing
        try:
            get_device("ibm_heron")
        except CredentialsMissing as err:
            print("MISSING:", err)
        """,
        _nowhere_env(tmp_path),
    )
    assert "MISSING: no IBM Quantum account found" in out.stdout, out.stderr[-2000:]
    assert "QISKIT_IBM_TOKEN" in out.stdout and "save_account" in out.stdout


def test_braket_confusing_errors_are_translated():
    botocore = pytest.importorskip("botocore.exceptions")
    err = translate_aws_error(botocore.NoRegionError(), AQUILA_ARN)
    assert isinstance(err, CredentialsMissing) and "AWS_DEFAULT_REGION=us-east-1" in str(err)
    garnet = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
    err = translate_aws_error(AttributeError("'NoneType' object has no attribute 'method'"), garnet)
    assert isinstance(err, CredentialsMissing) and "eu-north-1" in str(err)
    other = ValueError("unrelated")
    assert translate_aws_error(other, AQUILA_ARN) is other
    assert device_region(AQUILA_ARN) == "us-east-1"
    assert device_region("arn:aws:braket:::device/quantum-simulator/amazon/sv1") is None
