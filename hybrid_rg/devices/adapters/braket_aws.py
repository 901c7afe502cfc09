"""QuEra Aquila (or another AHS device) on Amazon Braket through `AwsDevice`, behind the Device protocol.

Credentials and region are checked offline first (`credentials.aws_session`): without them the adapter fails
at once with `CredentialsMissing` saying what to set, instead of botocore's `NoRegionError` or the
`AttributeError: 'NoneType' object has no attribute 'method'` Braket raises for a device in another region
(both are also translated if they surface later). The whole batch is validated against the snapshot before the
first task is created. A task id is the Braket task ARN; `task(arn)` rebuilds it (`AwsQuantumTask(arn)`).

Idempotent by construction (the runtime's token extension, runtime/idempotency.py): every task is created through
`AwsSession.create_quantum_task` with `clientToken` = the ledger's intent key (1-64 characters; botocore would
otherwise fill a fresh uuid4 per call, so an application-level retry could create a second paid task) and the tag
`hybrid-rg-intent=<key>`. An intent whose task id was never recorded is looked up with SearchQuantumTasks over the
device and the intent's time window (the API filters on device, status and createdAt, not on tags; its results
carry the tags, which are matched here). If the search finds nothing (an index that lags, a window too narrow),
resubmitting with the same clientToken still returns the task the service already holds, as long as the service
remembers the token (how long it does is not documented; the tag search does not depend on it).

`boto_session=` injects a ready boto3 Session (tests plug hybrid_rg.testing.fake_braket in here; the offline
credential check is then skipped because the caller chose the session).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from ..credentials import CredentialsMissing, aws_session, device_region
from ..protocol import TaskFailed, TaskResult, TaskState
from ..spec import load_device_spec
from ..validation import require_valid
from . import import_extra

AQUILA_ARN = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
INTENT_TAG = "hybrid-rg-intent"
# how far before the intent's creation time a task may appear to have been created (clock skew between this
# machine and AWS), and after now; the window is searched, then matched on the tag
SEARCH_SKEW = timedelta(minutes=15)
SEARCH_MAX_PAGES = 50
_STATES = {
    "CREATED": TaskState.QUEUED,
    "QUEUED": TaskState.QUEUED,
    "RUNNING": TaskState.RUNNING,
    "COMPLETED": TaskState.COMPLETED,
    "FAILED": TaskState.FAILED,
    "CANCELLING": TaskState.CANCELLED,
    "CANCELLED": TaskState.CANCELLED,
}


def translate_aws_error(err: Exception, arn: str) -> Exception:
    """The confusing botocore/Braket errors of a missing region or credential, as CredentialsMissing."""
    name = type(err).__name__
    if name == "NoRegionError":
        return CredentialsMissing(
            f"no AWS region for {arn} (botocore NoRegionError); set AWS_DEFAULT_REGION="
            f"{device_region(arn) or 'us-east-1'} or pass region=..."
        )
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return CredentialsMissing(
            f"AWS credentials missing or incomplete for {arn} ({err}); set "
            f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
        )
    if isinstance(err, AttributeError) and "'method'" in str(err):
        return CredentialsMissing(
            f"Braket could not open a session in {device_region(arn)} for {arn} (Braket's "
            f"AttributeError {err!s} means the session has no credentials for that region); "
            f"set AWS credentials valid in {device_region(arn)}"
        )
    return err


class _AwsTask:
    def __init__(self, task):
        self._task = task

    @property
    def id(self) -> str:
        return self._task.id

    def state(self) -> TaskState:
        return _STATES.get(self._task.state(), TaskState.RUNNING)

    def result(self, timeout_s: float | None = None) -> TaskResult:
        from ..braket_ir import counts_from_braket

        if timeout_s is not None:
            self._task._poll_timeout_seconds = timeout_s
        result = self._task.result()
        if result is None or self.state() != TaskState.COMPLETED:
            raise TaskFailed(
                f"Braket task {self.id} ended {self._task.state()}: {self._task.metadata().get('failureReason', '')}"
            )
        res = counts_from_braket(result)
        return TaskResult(res.counts, res.shots, {**res.metadata, "device": "braket_aquila", "task_arn": self.id})


class BraketAwsDevice:
    name = "braket_aquila"

    def __init__(
        self,
        arn: str = AQUILA_ARN,
        region: str | None = None,
        s3_destination=None,
        spec_name: str = "quera_aquila",
        allow_instance_metadata: bool = False,
        boto_session=None,
    ):
        if boto_session is None:  # offline, and before the SDK's import (seconds): no credentials fail at once
            boto_session = aws_session(region or device_region(arn), allow_instance_metadata)  # may raise
        import_extra("braket.aws", "braket")
        from braket.aws import AwsSession

        self.arn, self.spec = arn, load_device_spec(spec_name)
        if isinstance(s3_destination, str):  # "bucket/prefix" or "s3://bucket/prefix" from the CLI
            bucket, _, prefix = s3_destination.removeprefix("s3://").partition("/")
            s3_destination = (bucket, prefix.rstrip("/") or "tasks")
        self.s3_destination = None if s3_destination is None else tuple(s3_destination)
        try:
            self.aws_session = AwsSession(boto_session=boto_session)
        except Exception as err:  # noqa: BLE001
            raise translate_aws_error(err, arn) from err
        self._device = None

    def check_reachable(self, timeout_s: float = 5.0) -> None:
        """One GetDevice call with a short timeout and no retries, before anything is written: a machine without
        network (or with the endpoint blocked) gets one line at once, instead of botocore's retries and a traceback
        after the ledger holds an intent. Credentials Braket rejects are reported the same way."""
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        from ...errors import DeviceError

        config = Config(connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 1})
        try:
            client = self.aws_session.boto_session.client("braket", config=config)
            client.get_device(deviceArn=self.arn)
        except (BotoConnectionError, HTTPClientError) as err:
            raise DeviceError(
                f"cannot reach Amazon Braket for {self.arn} ({type(err).__name__}: {str(err)[:160]}); check the "
                f"network or proxy and run the same command again (nothing was submitted or written)"
            ) from None
        except ClientError as err:
            raise DeviceError(
                f"Amazon Braket refused the request for {self.arn} ({str(err)[:200]}); check the AWS credentials and "
                f"their permissions (nothing was submitted or written)"
            ) from None
        except BotoCoreError as err:
            translated = translate_aws_error(err, self.arn)
            if translated is err:
                raise DeviceError(f"Amazon Braket for {self.arn}: {type(err).__name__}: {str(err)[:200]}") from None
            raise translated from None

    @property
    def device(self):
        """The `AwsDevice` (GetDevice on first use: creating a task does not need it)."""
        if self._device is None:
            from braket.aws import AwsDevice

            try:
                self._device = AwsDevice(self.arn, aws_session=self.aws_session)
            except Exception as err:  # noqa: BLE001
                raise translate_aws_error(err, self.arn) from err
        return self._device

    def _destination(self) -> tuple[str, str]:
        if self.s3_destination is not None:
            return self.s3_destination
        # what AwsDevice.run does without a destination: the account's default Braket bucket
        return self.aws_session.default_bucket(), "tasks"

    def create_kwargs(self, program, shots: int, client_token: str) -> dict:
        """The CreateQuantumTask request for one program: what `AwsQuantumTask.create` sends for an AHS program,
        plus the deterministic clientToken and the intent tag."""
        from ..braket_ir import to_ahs

        if not 1 <= len(client_token) <= 64:
            raise ValueError(
                f"client token {client_token!r} has {len(client_token)} characters; Braket's clientToken takes 1 to 64"
            )
        bucket, prefix = self._destination()
        return {
            "deviceArn": self.arn,
            "outputS3Bucket": bucket,
            "outputS3KeyPrefix": prefix,
            "shots": int(shots),
            "action": to_ahs(program).to_ir().json(),
            "clientToken": client_token,
            "tags": {INTENT_TAG: client_token},
        }

    def _task(self, arn: str) -> "_AwsTask":
        from braket.aws import AwsQuantumTask

        return _AwsTask(AwsQuantumTask(arn, aws_session=self.aws_session))

    def run(self, programs, shots: int, seed: int | None = None):
        """Without the ledger: each program gets a fresh token (so two calls are two submissions, as asked)."""
        programs = list(programs)
        require_valid(programs, self.spec, shots)  # the whole batch, before the first task is created
        return [self.submit_with_token(p, shots, seed, f"hrg-run-{uuid.uuid4().hex}", validated=True) for p in programs]

    def submit_with_token(
        self, program, shots: int, seed: int | None, client_token: str, validated: bool = False
    ) -> "_AwsTask":
        """Create (or, for a token the service already holds, get back) the task for one program. The seed is
        not sent: the device has none."""
        if not validated:
            require_valid([program], self.spec, shots)
        kwargs = self.create_kwargs(program, shots, client_token)
        try:
            arn = self.aws_session.create_quantum_task(**kwargs)
        except Exception as err:  # noqa: BLE001
            raise translate_aws_error(err, self.arn) from err
        return self._task(arn)

    def search_window(self, since_utc: str | None) -> list[str]:
        """createdAt bounds for the search: from the intent's creation (less clock skew) to now (plus skew).
        ISO-8601 UTC with a Z; the live service's expected format for these values is not documented in the
        botocore model, so a refused window falls back to a device-only search (see find_task_by_token)."""
        now = datetime.now(timezone.utc)
        start = now - timedelta(days=1) if since_utc is None else datetime.fromisoformat(since_utc)
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        return [(start - SEARCH_SKEW).astimezone(timezone.utc).strftime(fmt), (now + SEARCH_SKEW).strftime(fmt)]

    def find_task_by_token(self, client_token: str, since_utc: str | None = None) -> "_AwsTask | None":
        """The task this device created for `client_token`, found by SearchQuantumTasks over the device and the
        time window and matched on the intent tag; None if the service has none."""
        from botocore.exceptions import ClientError

        device_filter = {"name": "deviceArn", "operator": "EQUAL", "values": [self.arn]}
        time_filter = {"name": "createdAt", "operator": "BETWEEN", "values": self.search_window(since_utc)}
        client = self.aws_session.braket_client
        try:
            return self._search(client, [device_filter, time_filter], client_token)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ValidationException":
                raise translate_aws_error(err, self.arn) from err
        # the createdAt filter was refused: search the device alone (newest pages first is not promised, so the
        # search is bounded by SEARCH_MAX_PAGES pages of 100)
        return self._search(client, [device_filter], client_token)

    def _search(self, client, filters, client_token: str):
        token = None
        for _ in range(SEARCH_MAX_PAGES):
            kwargs = {"filters": filters, "maxResults": 100}
            if token:
                kwargs["nextToken"] = token
            page = client.search_quantum_tasks(**kwargs)
            for t in page.get("quantumTasks", []):
                if (t.get("tags") or {}).get(INTENT_TAG) == client_token:
                    return self._task(t["quantumTaskArn"])
            token = page.get("nextToken")
            if not token:
                return None
        from ...errors import DeviceError

        raise DeviceError(
            f"SearchQuantumTasks for {client_token} on {self.arn} returned more than "
            f"{SEARCH_MAX_PAGES} pages; narrow the window (the intent was not resubmitted)"
        )

    def task(self, task_id: str):
        return self._task(task_id)


__all__ = ["BraketAwsDevice", "AQUILA_ARN", "INTENT_TAG", "translate_aws_error"]
