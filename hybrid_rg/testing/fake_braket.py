"""A stateful fake of the Amazon Braket service (and the S3 objects its tasks write), plugged into real boto3 clients.

    fake = FakeBraket(tmp_path / "braket")
    device = BraketAwsDevice(boto_session=fake.session(), s3_destination=("bucket", "tasks"))

`session()` is a real `boto3.Session` (dummy static credentials, us-east-1) whose event system answers the Braket
and S3 calls from this fake instead of the network: botocore still builds, validates and fills in every request
(including the `clientToken` it generates when none is given), and the hybrid-rg adapter and the Braket SDK run
unchanged above it. The fake hooks `before-parameter-build` (to keep the final request parameters) and
`before-call` (to answer), the same two events botocore's own `Stubber` uses.

State lives in `<dir>/braket.sqlite`, so several processes, and a process killed and restarted, see one service.
What it models, and the assumptions behind it:

- CreateQuantumTask honours `clientToken` as AWS idempotency tokens work: the same token with the same request
  returns the task created the first time (no second task); the same token with a different request is refused
  (ValidationException; the real service's code for that case is not documented in the botocore model). Tokens
  do not expire here; whether and when the real service forgets a token is not documented, which is why
  recovery also searches by tag.
- `accept_delay_s`: the task is committed, then the reply waits (the window a SIGKILL aims at).
  `drop_replies(n)`: the next n CreateQuantumTask calls commit the task and then fail as a lost reply would
  (botocore `ReadTimeoutError`): "accepted, then the reply was dropped".
- SearchQuantumTasks filters on quantumTaskArn, deviceArn, status and createdAt (the filters the API has; no tag
  filter) and returns the tags with each task; createdAt values are read as ISO-8601 UTC times (the live
  service's expected format is not documented in the botocore model).
- A task is QUEUED, then RUNNING, then COMPLETED `complete_after_s` after creation; its results.json (an AHS task
  result in the Braket schema) is served from S3 GetObject, every atom filled, deterministic per task.
- GetDevice answers for QuEra Aquila with capabilities built from the Braket schema's own example
  (`braket.device_schema.quera`, see `aquila_capabilities`).

Counters (`counters()`) record every call, so tests can prove "0 duplicate tasks" on the service's own record.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import random
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .provider_store import ProviderDb

REGION = "us-east-1"
ACCOUNT = "123456789012"
AQUILA_ARN = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks(arn TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, request_digest TEXT NOT NULL,
    device_arn TEXT NOT NULL, shots INTEGER NOT NULL, action TEXT NOT NULL, bucket TEXT NOT NULL,
    directory TEXT NOT NULL, tags TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_REQUEST_FIELDS = (
    "deviceArn",
    "action",
    "shots",
    "outputS3Bucket",
    "outputS3KeyPrefix",
    "deviceParameters",
    "tags",
    "associations",
)


def aquila_paradigm() -> dict:
    """QuEra's AHS paradigm properties as in the example of `braket.device_schema.quera.
    quera_ahs_paradigm_properties_v1` (amazon-braket-schemas), with its `2*math.pi(3.14)*x` written as 2πx, except
    c6Coefficient (see the comment there). The example's rydbergLocal holds placeholders (0.2 sites, 0.2 s
    resolution) that a device could not have; those are replaced by the values of the shipped snapshot's source
    (noted in the quera_aquila snapshot)."""
    two_pi = 2 * math.pi
    return {
        "braketSchemaHeader": {"name": "braket.device_schema.quera.quera_ahs_paradigm_properties", "version": "1"},
        "qubitCount": 256,
        "lattice": {
            "area": {"width": 100.0e-6, "height": 100.0e-6},
            "geometry": {
                "spacingRadialMin": 4.0e-6,
                "spacingVerticalMin": 2.5e-6,
                "positionResolution": 1e-7,
                "numberSitesMax": 256,
            },
        },
        "rydberg": {
            # the schema example writes 2*pi*862690 (= 5.42e6, the value in rad/us*um^6), not the rad*m^6/s its
            # field documents; a device answering in SI says 5.42e-24 (as the SDK's own test fixture does)
            "c6Coefficient": 5.42e-24,
            "rydbergGlobal": {
                "rabiFrequencyRange": [0, two_pi * 4.0e6],
                "rabiFrequencyResolution": 400,
                "rabiFrequencySlewRateMax": two_pi * 4e6 / 100e-9,
                "detuningRange": [-two_pi * 20.0e6, two_pi * 20.0e6],
                "detuningResolution": 0.2,
                "detuningSlewRateMax": two_pi * 40.0e6 / 100e-9,
                "phaseRange": [-99, 99],
                "phaseResolution": 5e-7,
                "timeResolution": 1e-9,
                "timeDeltaMin": 1e-8,
                "timeMin": 0,
                "timeMax": 4.0e-6,
            },
            "rydbergLocal": {
                "detuningRange": [0, two_pi * 50.0e6],
                "detuningSlewRateMax": 1.2566e15,
                "siteCoefficientRange": [0.0, 1.0],
                "numberLocalDetuningSitesMax": 200,
                "spacingRadialMin": 5e-6,
                "timeResolution": 1e-9,
                "timeDeltaMin": 1e-8,
            },
        },
        "performance": {
            "lattice": {
                "positionErrorAbs": 0.025e-6,
                "sitePositionError": 0.025e-6,
                "atomPositionError": 0.025e-6,
                "fillingErrorTypical": 0.005,
                "fillingErrorWorst": 0.01,
                "vacancyErrorTypical": 0.005,
                "vacancyErrorWorst": 0.005,
                "atomLossProbabilityTypical": 0.01,
                "atomLossProbabilityWorst": 0.01,
                "atomCaptureProbabilityTypical": 0.01,
                "atomCaptureProbabilityWorst": 0.01,
                "atomDetectionErrorFalsePositiveTypical": 0.01,
                "atomDetectionErrorFalsePositiveWorst": 0.01,
                "atomDetectionErrorFalseNegativeTypical": 0.01,
                "atomDetectionErrorFalseNegativeWorst": 0.01,
            },
            "rydberg": {
                "rydbergGlobal": {
                    "rabiFrequencyErrorRel": 0.01,
                    "rabiFrequencyGlobalErrorRel": 0.01,
                    "rabiFrequencyInhomogeneityRel": 0.01,
                    "groundDetectionError": 0.01,
                    "rydbergDetectionError": 0.1,
                    "groundPrepError": 0.01,
                    "rydbergPrepErrorBest": 0.05,
                    "rydbergPrepErrorWorst": 0.05,
                    "T1Single": 100e-6,
                    "T1Ensemble": 100e-6,
                    "T2StarSingle": 5e-6,
                    "T2StarEnsemble": 5e-6,
                    "T2EchoSingle": 5e-6,
                    "T2EchoEnsemble": 5e-6,
                    "T2RabiSingle": 5e-6,
                    "T2RabiEnsemble": 5e-6,
                    "T2BlockadedRabiSingle": 5e-6,
                    "T2BlockadedRabiEnsemble": 5e-6,
                    "detuningError": 1e6,
                    "detuningInhomogeneity": 1e6,
                    "rabiAmplitudeRampCorrection": [
                        {"rampTime": 50e-9, "rabiCorrection": 0.92},
                        {"rampTime": 75e-9, "rabiCorrection": 0.97},
                        {"rampTime": 100e-9, "rabiCorrection": 1.0},
                    ],
                }
            },
        },
    }


def aquila_capabilities() -> dict:
    """A full QueraDeviceCapabilities document (the schema's example service block, the paradigm above)."""
    return {
        "braketSchemaHeader": {"name": "braket.device_schema.quera.quera_device_capabilities", "version": "1"},
        "service": {
            "braketSchemaHeader": {"name": "braket.device_schema.device_service_properties", "version": "1"},
            "executionWindows": [{"executionDay": "Everyday", "windowStartHour": "09:00", "windowEndHour": "10:00"}],
            "shotsRange": [1, 1000],
            "deviceCost": {"price": 0.01, "unit": "shot"},
            "deviceDocumentation": {
                "imageUrl": "image_url",
                "summary": "Summary on the device",
                "externalDocumentationUrl": "external doc link",
            },
            "deviceLocation": "us-east-1",
            "updatedAt": "2022-05-15T19:28:02.869136",
        },
        "action": {"braket.ir.ahs.program": {"actionType": "braket.ir.ahs.program", "version": ["1"]}},
        "paradigm": aquila_paradigm(),
        "deviceParameters": {},
    }


def _time_matches(op: str, t: float, times: list[float]) -> bool:
    """One createdAt filter (BETWEEN takes two values, the others one)."""
    if op == "BETWEEN":
        return times[0] <= t <= times[1]
    return {"GTE": t >= times[0], "GT": t > times[0], "LTE": t <= times[0], "LT": t < times[0], "EQUAL": t in times}[op]


def _iso(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class FakeBraket:
    def __init__(
        self, dir, complete_after_s: float = 0.05, accept_delay_s: float = 0.0, capabilities: dict | None = None
    ):
        self.dir = Path(dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.complete_after_s = float(complete_after_s)
        self.accept_delay_s = float(accept_delay_s)
        self.capabilities = capabilities or aquila_capabilities()
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def _db(self) -> ProviderDb:
        return ProviderDb(self.dir / "braket.sqlite")

    # --- plugging into boto3 ---------------------------------------------------------------------------------
    def session(self, region: str = REGION):
        """A real boto3 Session whose Braket and S3 calls this fake answers (register before clients exist)."""
        import boto3

        session = boto3.Session(
            aws_access_key_id="FAKEKEYFORTESTS", aws_secret_access_key="fake-secret-for-tests", region_name=region
        )
        self.attach(session.events)
        return session

    def attach(self, events) -> None:
        """Hook an event emitter (a boto3 Session's `events` or a client's `meta.events`)."""
        for service in ("braket", "s3"):
            events.register(f"before-parameter-build.{service}", self._keep_params)
            events.register(f"before-call.{service}", self._answer)

    @staticmethod
    def _keep_params(params, context, **kwargs):
        # the same dict botocore later fills (idempotency token) and serialises: read it at before-call time
        context["fake_braket_params"] = params

    def _answer(self, model, context, **kwargs):
        from botocore.awsrequest import AWSResponse

        params = context.get("fake_braket_params", {})
        handler = getattr(self, f"_op_{model.name}", None)
        if handler is None:
            return AWSResponse(None, 400, {}, None), self._error(
                "UnsupportedOperation", f"the fake does not serve {model.name}"
            )
        parsed = handler(params)
        status = parsed.get("ResponseMetadata", {}).get("HTTPStatusCode", 200)
        return AWSResponse(None, status, {}, None), parsed

    @staticmethod
    def _error(code: str, message: str, status: int = 400) -> dict:
        return {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}

    def _count(self, db, name: str, by: int = 1) -> None:
        db.execute(
            "INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?", (name, by, by)
        )

    # --- operations ------------------------------------------------------------------------------------------
    def _op_CreateQuantumTask(self, p: dict) -> dict:
        request = {k: p.get(k) for k in _REQUEST_FIELDS}
        digest = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
        token = p["clientToken"]
        drop = False
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            self._count(db, "create_calls")
            row = db.execute("SELECT arn, request_digest FROM tasks WHERE token = ?", (token,)).fetchone()
            if row is not None:
                self._count(db, "token_hits")
                db.execute("COMMIT")
                if row[1] != digest:
                    return self._error("ValidationException", f"clientToken {token} was used for another request")
                return {"quantumTaskArn": row[0]}
            arn = f"arn:aws:braket:{REGION}:{ACCOUNT}:quantum-task/{uuid.uuid4()}"
            directory = f"{p['outputS3KeyPrefix']}/{arn.rsplit('/', 1)[1]}"
            db.execute(
                "INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    arn,
                    token,
                    digest,
                    p["deviceArn"],
                    int(p["shots"]),
                    p["action"],
                    p["outputS3Bucket"],
                    directory,
                    json.dumps(p.get("tags") or {}),
                    time.time(),
                ),
            )
            self._count(db, "tasks_created")
            pending = db.execute("SELECT value FROM counters WHERE name = 'drop_replies'").fetchone()
            if pending and pending[0] > 0:
                self._count(db, "drop_replies", -1)
                self._count(db, "replies_dropped")
                drop = True
            db.execute("COMMIT")
        if drop:
            from botocore.exceptions import ReadTimeoutError

            raise ReadTimeoutError(endpoint_url=f"https://braket.{REGION}.amazonaws.com/quantum-task")
        if self.accept_delay_s:
            time.sleep(self.accept_delay_s)  # accepted by the service, not yet known to the caller
        return {"quantumTaskArn": arn}

    def _row(self, arn: str):
        with self._db() as db:
            return db.execute(
                "SELECT arn, device_arn, shots, bucket, directory, tags, created, action FROM tasks WHERE arn = ?",
                (arn,),
            ).fetchone()

    def _status(self, created: float) -> str:
        age = time.time() - created
        if age >= self.complete_after_s:
            return "COMPLETED"
        return "RUNNING" if age >= self.complete_after_s / 2 else "QUEUED"

    def _summary(self, row) -> dict:
        arn, device, shots, bucket, directory, tags, created, _ = row
        status = self._status(created)
        out = {
            "quantumTaskArn": arn,
            "status": status,
            "deviceArn": device,
            "shots": shots,
            "outputS3Bucket": bucket,
            "outputS3Directory": directory,
            "createdAt": _iso(created),
            "tags": json.loads(tags),
        }
        if status == "COMPLETED":
            out["endedAt"] = _iso(created + self.complete_after_s)
        return out

    def _op_GetQuantumTask(self, p: dict) -> dict:
        with self._db() as db:
            self._count(db, "get_calls")
        row = self._row(p["quantumTaskArn"])
        if row is None:
            return self._error("ResourceNotFoundException", f"no quantum task {p['quantumTaskArn']}", 404)
        return {**self._summary(row), "deviceParameters": "{}"}

    def _op_SearchQuantumTasks(self, p: dict) -> dict:
        with self._db() as db:
            self._count(db, "search_calls")
            rows = db.execute(
                "SELECT arn, device_arn, shots, bucket, directory, tags, created, action FROM tasks "
                "ORDER BY created, arn"
            ).fetchall()
        tasks = [self._summary(r) for r in rows]
        for f in p["filters"]:
            name, op, values = f["name"], f["operator"], f["values"]
            if name not in ("quantumTaskArn", "deviceArn", "jobArn", "status", "createdAt"):
                return self._error("ValidationException", f"cannot filter on {name}")
            if name == "createdAt":
                try:
                    times = [_parse_time(v) for v in values]
                except ValueError:
                    return self._error("ValidationException", f"createdAt values {values} are not timestamps")
                tasks = [t for t in tasks if _time_matches(op, t["createdAt"].timestamp(), times)]
            elif name == "jobArn":
                tasks = []
            else:
                if op != "EQUAL":
                    return self._error("ValidationException", f"{name} takes the EQUAL operator")
                tasks = [t for t in tasks if t[name] in values]
        start = int(p.get("nextToken") or 0)
        size = int(p.get("maxResults") or 100)
        page = tasks[start : start + size]
        out = {"quantumTasks": [{k: v for k, v in t.items()} for t in page]}
        if start + size < len(tasks):
            out["nextToken"] = str(start + size)
        return out

    def _op_GetDevice(self, p: dict) -> dict:
        if p["deviceArn"] != AQUILA_ARN:
            return self._error("ResourceNotFoundException", f"no device {p['deviceArn']}", 404)
        return {
            "deviceArn": AQUILA_ARN,
            "deviceName": "Aquila",
            "providerName": "QuEra",
            "deviceType": "QPU",
            "deviceStatus": "ONLINE",
            "deviceCapabilities": json.dumps(self.capabilities),
            "deviceQueueInfo": [],
        }

    def _op_GetObject(self, p: dict) -> dict:
        directory, _, name = p["Key"].rpartition("/")
        with self._db() as db:
            row = db.execute(
                "SELECT arn, device_arn, shots, bucket, directory, tags, created, action FROM tasks "
                "WHERE bucket = ? AND directory = ?",
                (p["Bucket"], directory),
            ).fetchone()
        if row is None or name != "results.json" or self._status(row[6]) != "COMPLETED":
            return self._error("NoSuchKey", f"s3://{p['Bucket']}/{p['Key']} does not exist", 404)
        return {"Body": io.BytesIO(self.result_json(row).encode())}

    @staticmethod
    def result_json(row) -> str:
        """An AHS task result (braket.task_result.analog_hamiltonian_simulation_task_result v1), every site filled,
        post-sequences drawn from a generator seeded by the task ARN (the same answer on every read)."""
        arn, device, shots, *_, action = row
        n = len(json.loads(action)["setup"]["ahs_register"]["sites"])
        rng = random.Random(arn)
        shots_out = [
            {
                "shotMetadata": {"shotStatus": "Success"},
                "shotResult": {"preSequence": [1] * n, "postSequence": [rng.randint(0, 1) for _ in range(n)]},
            }
            for _ in range(shots)
        ]
        return json.dumps(
            {
                "braketSchemaHeader": {
                    "name": "braket.task_result.analog_hamiltonian_simulation_task_result",
                    "version": "1",
                },
                "taskMetadata": {
                    "braketSchemaHeader": {"name": "braket.task_result.task_metadata", "version": "1"},
                    "id": arn,
                    "shots": shots,
                    "deviceId": device,
                },
                "measurements": shots_out,
            }
        )

    # --- for tests ---------------------------------------------------------------------------------------------
    def drop_replies(self, n: int = 1) -> None:
        """The next n CreateQuantumTask calls create their task and then lose the reply."""
        with self._db() as db:
            self._count(db, "drop_replies", int(n))

    def tasks(self) -> list[dict]:
        with self._db() as db:
            rows = db.execute(
                "SELECT arn, token, request_digest, device_arn, shots, action, tags, created FROM tasks "
                "ORDER BY created"
            ).fetchall()
        keys = ("arn", "token", "request_digest", "device_arn", "shots", "action", "tags", "created")
        return [{**dict(zip(keys, r)), "tags": json.loads(r[6])} for r in rows]

    def counters(self) -> dict[str, int]:
        with self._db() as db:
            return dict(db.execute("SELECT name, value FROM counters").fetchall())


__all__ = ["FakeBraket", "aquila_capabilities", "aquila_paradigm", "AQUILA_ARN"]
