"""Credential checks for cloud devices that never open a network connection, so a missing credential fails at
once with a message that says which one and how to provide it (instead of a hang, a `NoRegionError`, or the
`AttributeError: 'NoneType' object has no attribute 'method'` Braket raises for a device in another region).

AWS: boto3's credential chain without the EC2/ECS metadata providers (those would open a socket), and the
region from the session (environment or ~/.aws/config). IBM: qiskit-ibm-runtime's saved accounts file
(~/.qiskit/qiskit-ibm.json, read at call time) or the QISKIT_IBM_TOKEN environment variable.
"""

from __future__ import annotations

import os

from ..errors import MissingCredentials
from .adapters import import_extra

AWS_HOW = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), "
    "or AWS_PROFILE naming a profile in ~/.aws/credentials (`aws configure`)"
)


# The devices layer's name for errors.MissingCredentials (exit 2): the message says how to provide the credential.
CredentialsMissing = MissingCredentials


def aws_session(region: str | None = None, allow_instance_metadata: bool = False):
    """A boto3 Session with credentials and a region, checked offline. Raises CredentialsMissing.

    allow_instance_metadata: also look for an EC2 instance role / ECS task role (that lookup contacts the
    metadata endpoint, so it is off by default)."""
    boto3 = import_extra("boto3", "braket")
    from botocore.credentials import create_credential_resolver

    session = boto3.Session(region_name=region)
    resolver = create_credential_resolver(session._session)
    if not allow_instance_metadata:
        for name in ("iam-role", "container-role"):
            try:
                resolver.remove(name)
            except Exception:  # noqa: BLE001 (absent provider in another botocore version)
                pass
    if resolver.load_credentials() is None:
        raise CredentialsMissing(
            f"no AWS credentials found (checked the environment, AWS_SHARED_CREDENTIALS_FILE="
            f"{os.environ.get('AWS_SHARED_CREDENTIALS_FILE', '~/.aws/credentials')}, "
            f"AWS_CONFIG_FILE, SSO); {AWS_HOW}"
        )
    if not session.region_name:
        raise CredentialsMissing(
            "no AWS region configured (botocore NoRegionError); set AWS_DEFAULT_REGION="
            "us-east-1 (QuEra Aquila's region) or `region = us-east-1` in ~/.aws/config, "
            "or pass region='us-east-1'"
        )
    return session


def device_region(arn: str) -> str | None:
    """The region in a Braket device ARN (arn:aws:braket:<region>::device/...), None for global simulators."""
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 3 else None


def ibm_account(channel: str | None = None):
    """The saved or environment IBM Quantum account (qiskit-ibm-runtime), read offline."""
    import_extra("qiskit_ibm_runtime", "ibm")
    from qiskit_ibm_runtime.accounts import AccountManager
    from qiskit_ibm_runtime.accounts.exceptions import AccountNotFoundError

    filename = os.path.join(os.path.expanduser("~"), ".qiskit", "qiskit-ibm.json")
    try:
        return AccountManager.get(filename=filename, channel=channel)
    except AccountNotFoundError as err:
        raise CredentialsMissing(
            f"no IBM Quantum account found ({err}; looked in {filename} and QISKIT_IBM_TOKEN); set QISKIT_IBM_TOKEN "
            f"(and QISKIT_IBM_INSTANCE, QISKIT_IBM_CHANNEL) or run QiskitRuntimeService.save_account(token=..., "
            f"channel='ibm_cloud' or 'ibm_quantum', instance=...)"
        ) from err


__all__ = ["CredentialsMissing", "aws_session", "ibm_account", "device_region"]
