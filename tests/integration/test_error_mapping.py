"""Every adapter method x every failure kind: one documented error of the shared hierarchy.

The adapters talk to moto's server through ``FaultProxy``. Throttling, 5xx and
dropped connections are injected on every attempt, so they outlast botocore's
retries; access denied is answered by the proxy as AWS answers it; a missing
table, queue or bucket is real (moto has none of that name). Each method must
raise the shared class for its kind, name what it needs to (action, resource,
variable), and keep botocore's error as ``__cause__``.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from botocore.exceptions import BotoCoreError, ClientError
from faultproxy import Fault, FaultProxy, Forward, ProxiedRequest, ProxiedResponse
from fixtures import deployment

from stereo_spot_aws_adapters import env_config
from stereo_spot_aws_adapters._clients import client_config
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.generated.jobs import DynamoDBJobStore
from stereo_spot_aws_adapters.generated.reassembly_triggered import ReassemblyTriggeredLock
from stereo_spot_aws_adapters.generated.segment_completions import DynamoSegmentCompletionStore
from stereo_spot_aws_adapters.iam_actions import action_for
from stereo_spot_aws_adapters.s3 import S3ObjectStorage
from stereo_spot_aws_adapters.sqs import BatchRetry, SQSQueueReceiver, SQSQueueSender
from stereo_spot_shared.errors import (
    AccessDeniedError,
    BatchWriteError,
    CorruptItemError,
    MissingResourceError,
    RetryableServiceError,
    ServiceError,
    StereoSpotError,
)
from stereo_spot_shared.interfaces import QueueMessage
from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode

pytestmark = [pytest.mark.integration, pytest.mark.slow]

__all__ = ["deployment"]  # the imported fixture is used by name

REGION = "us-east-1"


@dataclass
class Adapters:
    jobs: DynamoDBJobStore
    segments: DynamoSegmentCompletionStore
    lock: ReassemblyTriggeredLock
    sender: SQSQueueSender
    receiver: SQSQueueReceiver
    storage: S3ObjectStorage
    bucket: str
    work: Path


Call = Callable[[Adapters], object]


def completion(index: int) -> SegmentCompletion:
    return SegmentCompletion(
        job_id="job-1", segment_index=index, output_s3_uri=f"s3://out/{index}", completed_at=1
    )


def upload_file(a: Adapters) -> None:
    source = a.work / "upload.bin"
    source.write_bytes(b"payload")
    a.storage.upload_file(a.bucket, "uploaded.bin", source)


# (method, service, operation the failure comes from, call)
def hold_lease(a: Adapters) -> None:
    with a.lock.hold("job-1"):  # acquiring is the request
        pass


METHODS: list[tuple[str, str, str, Call]] = [
    ("jobs.get", "dynamodb", "GetItem", lambda a: a.jobs.get("job-1")),
    (
        "jobs.put",
        "dynamodb",
        "PutItem",
        lambda a: a.jobs.put(Job(job_id="job-2", mode=StereoMode.SBS, status=JobStatus.CREATED)),
    ),
    ("jobs.update", "dynamodb", "UpdateItem", lambda a: a.jobs.update("job-1", status="completed")),
    ("jobs.list_completed", "dynamodb", "Query", lambda a: a.jobs.list_completed(5)),
    ("jobs.delete", "dynamodb", "DeleteItem", lambda a: a.jobs.delete("job-3")),
    ("jobs.list_in_progress_page", "dynamodb", "Query", lambda a: a.jobs.list_in_progress_page(5)),
    ("jobs.list_in_progress", "dynamodb", "Query", lambda a: a.jobs.list_in_progress(5)),
    ("segments.put", "dynamodb", "PutItem", lambda a: a.segments.put(completion(7))),
    (
        "segments.put_many",
        "dynamodb",
        "BatchWriteItem",
        lambda a: a.segments.put_many([completion(1), completion(2)]),
    ),
    ("segments.query_by_job", "dynamodb", "Query", lambda a: a.segments.query_by_job("job-1")),
    ("segments.delete", "dynamodb", "DeleteItem", lambda a: a.segments.delete("job-3", 0)),
    ("segments.delete_by_job", "dynamodb", "Query", lambda a: a.segments.delete_by_job("job-1")),
    ("segments.count_by_job", "dynamodb", "Query", lambda a: a.segments.count_by_job("job-1")),
    ("lock.try_trigger", "dynamodb", "PutItem", lambda a: a.lock.try_trigger("job-1")),
    (
        "lock.try_create_triggered",
        "dynamodb",
        "PutItem",
        lambda a: a.lock.try_create_triggered("job-1"),
    ),
    ("lock.try_acquire", "dynamodb", "UpdateItem", lambda a: a.lock.try_acquire("job-1")),
    ("lock.renew", "dynamodb", "UpdateItem", lambda a: a.lock.renew("job-1")),
    (
        "lock.acquire_token",
        "dynamodb",
        "UpdateItem",
        lambda a: a.lock.acquire_token("job-1"),
    ),
    ("lock.renew_token", "dynamodb", "UpdateItem", lambda a: a.lock.renew_token("job-1")),
    ("lock.release", "dynamodb", "UpdateItem", lambda a: a.lock.release("job-1")),
    ("lock.complete", "dynamodb", "UpdateItem", lambda a: a.lock.complete("job-1")),
    ("lock.delete", "dynamodb", "DeleteItem", lambda a: a.lock.delete("job-3")),
    ("lock.hold", "dynamodb", "UpdateItem", hold_lease),
    ("sender.send", "sqs", "SendMessage", lambda a: a.sender.send("hello")),
    ("sender.send_batch", "sqs", "SendMessageBatch", lambda a: a.sender.send_batch(["a", "b"])),
    ("receiver.receive", "sqs", "ReceiveMessage", lambda a: a.receiver.receive(10)),
    ("receiver.delete", "sqs", "DeleteMessage", lambda a: a.receiver.delete("handle")),
    (
        "receiver.delete_batch",
        "sqs",
        "DeleteMessageBatch",
        lambda a: a.receiver.delete_batch(["h1", "h2"]),
    ),
    (
        "receiver.change_visibility",
        "sqs",
        "ChangeMessageVisibility",
        lambda a: a.receiver.change_visibility("handle", 30),
    ),
    (
        "receiver.processing",
        "sqs",
        "ChangeMessageVisibility",  # its own window: the queue's timeout is not given
        lambda a: a.receiver.processing(QueueMessage("handle", "x")),
    ),
    (
        "receiver.processing_batch",
        "sqs",
        "ChangeMessageVisibility",
        lambda a: a.receiver.processing_batch([QueueMessage("handle", "x")]),
    ),
    ("storage.upload", "s3", "PutObject", lambda a: a.storage.upload(a.bucket, "k", b"data")),
    ("storage.download", "s3", "GetObject", lambda a: a.storage.download(a.bucket, "existing")),
    ("storage.exists", "s3", "HeadObject", lambda a: a.storage.exists(a.bucket, "existing")),
    ("storage.delete", "s3", "DeleteObject", lambda a: a.storage.delete(a.bucket, "existing")),
    (
        "storage.list_object_keys",
        "s3",
        "ListObjectsV2",
        lambda a: a.storage.list_object_keys(a.bucket),
    ),
    ("storage.upload_file", "s3", "PutObject", upload_file),
    (
        "storage.download_file",
        "s3",
        "HeadObject",
        lambda a: a.storage.download_file(a.bucket, "existing", a.work / "existing.bin"),
    ),
]

KINDS = ("throttled", "server-error", "connection-dropped", "access-denied", "missing-resource")

EXPECTED: dict[str, type[ServiceError]] = {
    "throttled": RetryableServiceError,
    "server-error": RetryableServiceError,
    "connection-dropped": RetryableServiceError,
    "access-denied": AccessDeniedError,
    "missing-resource": MissingResourceError,
}

VARIABLE = {"dynamodb": None, "sqs": "CHUNKING_QUEUE_URL", "s3": "INPUT_BUCKET_NAME"}


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's own attempts and retry rules, with its delays cut a hundredfold."""
    original = botocore.retries.standard.ExponentialBackoff.delay_amount

    def shortened(self: botocore.retries.standard.ExponentialBackoff, context: Any) -> float:
        return float(original(self, context)) / 100

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", shortened)


@pytest.fixture(scope="module")
def stack(moto_server: str) -> Iterator[dict[str, str]]:
    """One deployment for the whole table: faulted requests never reach it."""
    reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10):
        pass
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        environment = provision(prefix="errors", region_name=REGION, endpoint_url=moto_server)
        dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server)
        dynamodb.put_item(
            TableName=environment["JOBS_TABLE_NAME"],
            Item={"job_id": {"S": "job-1"}, "mode": {"S": "sbs"}, "status": {"S": "created"}},
        )
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_server)
        s3.put_object(Bucket=environment["INPUT_BUCKET_NAME"], Key="existing", Body=b"x")
    yield environment


def access_denied(request: ProxiedRequest, forward: Forward) -> ProxiedResponse:
    """What AWS answers a caller whose policy lacks the action."""
    if request.target:  # DynamoDB and SQS speak JSON
        body = json.dumps(
            {
                "__type": "com.amazon.coral.service#AccessDeniedException",
                "message": "User: arn:aws:iam::123456789012:user/x is not authorized",
            }
        ).encode()
        headers = (
            ("Content-Type", "application/x-amz-json-1.0"),
            ("x-amzn-query-error", "AccessDenied;Sender"),
        )
        return ProxiedResponse(403, "Forbidden", headers, body)
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        b"<Message>Access Denied</Message><RequestId>1</RequestId></Error>"
    )
    return ProxiedResponse(403, "Forbidden", (("Content-Type", "application/xml"),), body)


def set_fault(proxy: FaultProxy, kind: str, service: str) -> None:
    """Switch the module's one proxy to this failure kind (clients are built once: slow)."""
    proxy.rate, proxy.rewrite = 0.0, None
    if kind == "throttled":
        proxy.rate, proxy.faults = 1.0, (Fault.SLOW_DOWN if service == "s3" else Fault.THROTTLING,)
    elif kind == "server-error":
        proxy.rate, proxy.faults = 1.0, (Fault.SERVER_ERROR,)
    elif kind == "connection-dropped":
        proxy.rate, proxy.faults = 1.0, (Fault.DROP,)
    elif kind == "access-denied":
        proxy.rewrite = access_denied
    # missing-resource: forwarded to a stack that has no resource of that name


@pytest.fixture(scope="module")
def proxied(moto_server: str) -> Iterator[tuple[FaultProxy, dict[str, Any]]]:
    """One proxy and one client per service for the whole table, retrying as configured."""
    with FaultProxy(moto_server) as proxy, pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        for name in ("AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
            patch.delenv(name, raising=False)
        session = boto3.session.Session()
        clients = {
            service: session.client(
                service,  # type: ignore[call-overload]
                region_name=REGION,
                endpoint_url=proxy.url,
                config=client_config(service),  # type: ignore[arg-type]
            )
            for service in ("dynamodb", "sqs", "s3")
        }
        yield proxy, clients


def build(
    stack: dict[str, str],
    kind: str,
    upstream: str,
    clients: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    work: Path,
) -> Adapters:
    environment = dict(stack)
    if kind == "missing-resource":
        gone = f"gone-{uuid.uuid4().hex[:8]}"
        for name in environment:
            if name.endswith("_TABLE_NAME") or name.endswith("_BUCKET_NAME"):
                environment[name] = gone
            elif name.endswith("_QUEUE_URL"):
                environment[name] = f"{upstream}/123456789012/{gone}"
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    dynamodb, sqs = clients["dynamodb"], clients["sqs"]
    segments = DynamoSegmentCompletionStore(
        environment["SEGMENT_COMPLETIONS_TABLE_NAME"], client=dynamodb
    )
    segments.batch_retry = BatchRetry(attempts=1)
    queue = environment["CHUNKING_QUEUE_URL"]
    return Adapters(
        jobs=DynamoDBJobStore(environment["JOBS_TABLE_NAME"], client=dynamodb),
        segments=segments,
        lock=ReassemblyTriggeredLock(
            environment["REASSEMBLY_TRIGGERED_TABLE_NAME"], client=dynamodb
        ),
        # As the env_config factories build them, with the module's clients.
        sender=SQSQueueSender(queue, client=sqs, env_variable=env_config.CHUNKING_QUEUE_URL),
        receiver=SQSQueueReceiver(
            queue, client=sqs, wait_time_seconds=0, env_variable=env_config.CHUNKING_QUEUE_URL
        ),
        storage=S3ObjectStorage(
            client=clients["s3"],
            bucket_variables=(env_config.INPUT_BUCKET_NAME, env_config.OUTPUT_BUCKET_NAME),
        ),
        bucket=environment["INPUT_BUCKET_NAME"],
        work=work,
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("service", "operation", "call"),
    [row[1:] for row in METHODS],
    ids=[row[0] for row in METHODS],
)
def test_every_failure_is_a_documented_error(
    kind: str,
    service: str,
    operation: str,
    call: Call,
    stack: dict[str, str],
    proxied: tuple[FaultProxy, dict[str, Any]],
    moto_server: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    proxy, clients = proxied
    set_fault(proxy, kind, service)
    adapters = build(stack, kind, moto_server, clients, monkeypatch, tmp_path)
    try:
        with pytest.raises(StereoSpotError) as raised:
            call(adapters)
    finally:
        set_fault(proxy, "none", service)

    error: BaseException = raised.value
    if isinstance(error, BatchWriteError):
        # A batch reports what did not land; the request's failure is its cause.
        assert len(error.failed) == 2
        assert error.__cause__ is not None
        error = error.__cause__
    expected = EXPECTED[kind]
    assert isinstance(error, expected), f"{type(error).__name__}: {error}"
    root = error.__cause__
    while root is not None and not isinstance(root, (ClientError, BotoCoreError)):
        root = root.__cause__
    assert isinstance(root, (ClientError, BotoCoreError)), "botocore's error is not kept"
    message = str(error)
    if kind == "missing-resource":
        assert "does not exist" in message and "terraform apply" in message
        variable = VARIABLE[service]
        if variable is not None:
            assert f"${variable}" in message
        else:
            assert "_TABLE_NAME" in message
    elif kind == "access-denied":
        # Named as the IAM action to grant: send_batch needs sqs:SendMessage.
        assert error.action == action_for(service, operation)
        assert error.action in message
        assert "gone" not in message and error.resource in message
    else:
        assert error.retryable is True
        assert "retryable: back off and try again" in message


def test_the_table_covers_every_public_method() -> None:
    covered = {row[0] for row in METHODS}
    for prefix, cls in (
        ("jobs", DynamoDBJobStore),
        ("segments", DynamoSegmentCompletionStore),
        ("lock", ReassemblyTriggeredLock),
        ("sender", SQSQueueSender),
        ("receiver", SQSQueueReceiver),
        ("storage", S3ObjectStorage),
    ):
        public = {name for name in vars(cls) if not name.startswith("_")}
        requestless = {
            "presign_upload",
            "presign_download",
            "send_payload",
            "batch_retry",
            "fence",  # builds the condition a fenced write sends; no request of its own
        }
        for name in public - requestless:
            if callable(getattr(cls, name)):
                assert f"{prefix}.{name}" in covered, f"{prefix}.{name} is not in the table"


# --- corrupt stored items ---------------------------------------------------------------


@pytest.fixture
def corrupt(deployment: dict[str, str], moto_server: str) -> dict[str, str]:
    """A job item without its required ``mode``, and a completion with a text index."""
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server)
    dynamodb.put_item(
        TableName=deployment["JOBS_TABLE_NAME"],
        Item={"job_id": {"S": "broken"}, "status": {"S": "completed"}, "completed_at": {"N": "5"}},
    )
    dynamodb.put_item(
        TableName=deployment["SEGMENT_COMPLETIONS_TABLE_NAME"],
        Item={
            "job_id": {"S": "job-9"},
            "segment_index": {"N": "0"},
            "output_s3_uri": {"S": "s3://out/0"},
            "completed_at": {"S": "yesterday"},
        },
    )
    return deployment


@pytest.mark.parametrize(
    ("call", "table_variable", "key"),
    [
        (lambda: env_config.job_store_from_env().get("broken"), "JOBS_TABLE_NAME", "broken"),
        (
            lambda: env_config.job_store_from_env().list_completed(10),
            "JOBS_TABLE_NAME",
            "broken",
        ),
        (
            lambda: env_config.segment_completion_store_from_env().query_by_job("job-9"),
            "SEGMENT_COMPLETIONS_TABLE_NAME",
            "job-9",
        ),
    ],
    ids=["get", "list_completed", "query_by_job"],
)
def test_a_corrupt_item_is_a_data_error_naming_table_and_key(
    corrupt: dict[str, str], call: Callable[[], object], table_variable: str, key: str
) -> None:
    with pytest.raises(CorruptItemError) as raised:
        call()

    error = raised.value
    assert not isinstance(error, LookupError)  # it was found; its data is wrong
    assert error.table == corrupt[table_variable]
    assert isinstance(error.key, dict) and error.key["job_id"] == key
    assert corrupt[table_variable] in str(error) and key in str(error)
    assert isinstance(error.__cause__, (KeyError, ValueError))
