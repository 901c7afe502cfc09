"""QuEra Aquila (or another AHS device) on Amazon Braket through `AwsDevice`, behind the Device protocol.

Credentials and region are checked offline first (`credentials.aws_session`): without them the adapter fails
at once with `CredentialsMissing` saying what to set, instead of botocore's `NoRegionError` or the
`AttributeError: 'NoneType' object has no attribute 'method'` Braket raises for a device in another region
(both are also translated if they surface later). The whole batch is validated against the snapshot before the
first task is created. A task id is the Braket task ARN; `task(arn)` rebuilds it (`AwsQuantumTask(arn)`).
"""

from __future__ import annotations

from . import import_extra
from ..credentials import CredentialsMissing, aws_session, device_region
from ..protocol import TaskFailed, TaskResult, TaskState
from ..spec import load_device_spec
from ..validation import require_valid

AQUILA_ARN = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
_STATES = {"CREATED": TaskState.QUEUED, "QUEUED": TaskState.QUEUED, "RUNNING": TaskState.RUNNING,
           "COMPLETED": TaskState.COMPLETED, "FAILED": TaskState.FAILED, "CANCELLING": TaskState.CANCELLED,
           "CANCELLED": TaskState.CANCELLED}


def translate_aws_error(err: Exception, arn: str) -> Exception:
    """The confusing botocore/Braket errors of a missing region or credential, as CredentialsMissing."""
    name = type(err).__name__
    if name == "NoRegionError":
        return CredentialsMissing(f"no AWS region for {arn} (botocore NoRegionError); set AWS_DEFAULT_REGION="
                                  f"{device_region(arn) or 'us-east-1'} or pass region=...")
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return CredentialsMissing(f"AWS credentials missing or incomplete for {arn} ({err}); set "
                                  f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE")
    if isinstance(err, AttributeError) and "'method'" in str(err):
        return CredentialsMissing(f"Braket could not open a session in {device_region(arn)} for {arn} (Braket's "
                                  f"AttributeError {err!s} means the session has no credentials for that region); "
                                  f"set AWS credentials valid in {device_region(arn)}")
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
            raise TaskFailed(f"Braket task {self.id} ended {self._task.state()}: "
                             f"{self._task.metadata().get('failureReason', '')}")
        res = counts_from_braket(result)
        return TaskResult(res.counts, res.shots, {**res.metadata, "device": "braket_aquila", "task_arn": self.id})


class BraketAwsDevice:
    name = "braket_aquila"

    def __init__(self, arn: str = AQUILA_ARN, region: str | None = None, s3_destination=None,
                 spec_name: str = "quera_aquila", allow_instance_metadata: bool = False):
        import_extra("braket.aws", "braket")
        from braket.aws import AwsDevice, AwsSession

        self.arn, self.spec = arn, load_device_spec(spec_name)
        self.s3_destination = s3_destination
        session = aws_session(region or device_region(arn), allow_instance_metadata)   # offline; may raise
        try:
            self.aws_session = AwsSession(boto_session=session)
            self.device = AwsDevice(arn, aws_session=self.aws_session)
        except Exception as err:     # noqa: BLE001
            raise translate_aws_error(err, arn) from err

    def run(self, programs, shots: int, seed: int | None = None):
        from ..braket_ir import to_ahs
        programs = list(programs)
        require_valid(programs, self.spec, shots)     # the whole batch, before the first task is created
        tasks = []
        for p in programs:
            try:
                tasks.append(_AwsTask(self.device.run(to_ahs(p), shots=shots,
                                                      s3_destination_folder=self.s3_destination)))
            except Exception as err:  # noqa: BLE001
                raise translate_aws_error(err, self.arn) from err
        return tasks

    def task(self, task_id: str):
        from braket.aws import AwsQuantumTask
        return _AwsTask(AwsQuantumTask(task_id, aws_session=self.aws_session))


__all__ = ["BraketAwsDevice", "AQUILA_ARN", "translate_aws_error"]
