"""Bad inputs to every adapter and to env_config: a clear, specific error, and nothing written.

One table drives both backends: each row is a call, the exact exception type it
must raise, and a pattern its message must match (the message has to say what
to fix). Every row runs on the AWS adapters (moto) and on the in-memory
backend, and the two must raise the same type with the same message. Around
each call every table, queue and bucket is snapshotted; they must not change.
Rows about the environment and Terraform outputs (``AWS_ONLY``) concern
``env_config`` alone, which the in-memory backend does not use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from stereo_spot_aws_adapters import (
    MAX_MESSAGE_BYTES,
    DynamoDBJobStore,
    DynamoSegmentCompletionStore,
    ReassemblyTriggeredLock,
    S3ObjectStorage,
    SQSQueueReceiver,
    SQSQueueSender,
    env_config,
)
from stereo_spot_aws_adapters._clients import clear_client_cache
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.generated.resources import BUCKETS, QUEUES, TABLES
from stereo_spot_shared.errors import (
    ArgumentTypeError,
    EmptyMessageError,
    InvalidArgumentError,
    InvalidPageTokenError,
    MessageTooLargeError,
    MissingConfigurationError,
    RejectedRequestError,
    StereoSpotError,
)
from stereo_spot_shared.generated.memory_backend import build_adapters
from stereo_spot_shared.memory import MemoryState
from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode


@dataclass
class World:
    """Every adapter of one backend, on resources that already hold one record each."""

    backend: str
    env: dict[str, str]
    jobs: DynamoDBJobStore
    completions: DynamoSegmentCompletionStore
    lock: ReassemblyTriggeredLock
    sender: SQSQueueSender
    receiver: SQSQueueReceiver
    storage: S3ObjectStorage
    bucket: str
    missing_file: Path
    monkeypatch: pytest.MonkeyPatch
    directory: Path

    def after_unset(self, call: Callable[[], object], *names: str) -> object:
        for name in names:
            self.monkeypatch.delenv(name)
        return call()

    def after_blank(self, call: Callable[[], object], name: str) -> object:
        self.monkeypatch.setenv(name, "  ")
        return call()


def segment(index: int = 0) -> SegmentCompletion:
    return SegmentCompletion(
        job_id="job-1", segment_index=index, output_s3_uri="s3://out/x.mp4", completed_at=10
    )


def token(**fields: object) -> dict[str, object]:
    """A list_completed page token: a well-formed one, changed by ``fields``."""
    return {"completed_at": 10, "job_id": "job-1", "status": "completed", **fields}


Call = Callable[[World], object]

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}

BAD_INPUTS: list[tuple[str, Call, type[BaseException], str]] = [
    # Wrong types.
    ("job-id-int", lambda w: w.jobs.get(123), ArgumentTypeError, r"job_id must be a str, got int"),  # type: ignore[arg-type]
    (
        "put-dict",
        lambda w: w.jobs.put({"job_id": "job-2", "mode": "sbs", "status": "created"}),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"job must be a Job, got dict",
    ),
    (
        "put-many-non-model",
        lambda w: w.completions.put_many([segment(1), {"segment_index": 2}]),  # type: ignore[list-item]
        ArgumentTypeError,
        r"items\[1\] must be a SegmentCompletion, got dict",
    ),
    (
        "completion-put-str",
        lambda w: w.completions.put("segment 3"),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"segment_completion must be a SegmentCompletion, got str",
    ),
    (
        "status-int",
        lambda w: w.jobs.update("job-1", status=5),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"status for Job: Input should be 'created', 'ingesting', 'chunking_in_progress', "
        r"'chunking_complete', 'reassembling', 'completed', 'failed' or 'deleted' \(got 5\)",
    ),
    (
        "total-segments-str",
        lambda w: w.jobs.update("job-1", total_segments="3"),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"total_segments for Job: Input should be a valid integer \(got '3'\)",
    ),
    (
        "batch-body-int",
        lambda w: w.sender.send_batch(["fine", 5]),  # type: ignore[list-item]
        ArgumentTypeError,
        r"message body must be str or bytes, not int",
    ),
    (
        "upload-str-body",
        lambda w: w.storage.upload(w.bucket, "k", "text"),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"body must be bytes, not str; encode text first",
    ),
    # Empty or oversize values.
    ("empty-job-id", lambda w: w.jobs.get(""), InvalidArgumentError, r"job_id must not be empty"),
    (
        "empty-trigger-job-id",
        lambda w: w.lock.try_trigger(""),
        InvalidArgumentError,
        r"job_id must not be empty",
    ),
    (
        "empty-body",
        lambda w: w.sender.send(""),
        EmptyMessageError,
        r"message body is empty; SQS does not accept empty messages",
    ),
    (
        "body-too-large",
        lambda w: w.sender.send("x" * MAX_MESSAGE_BYTES),
        MessageTooLargeError,
        r"over the queue's limit of \d+ bytes; store the payload in S3",
    ),
    (
        "empty-bucket",
        lambda w: w.storage.upload("", "k", b"data"),
        InvalidArgumentError,
        r"bucket is empty; pass the bucket name",
    ),
    (
        "key-control-character",
        lambda w: w.storage.upload(w.bucket, "video\n.mp4", b"data"),
        InvalidArgumentError,
        r"key 'video\\n.mp4' contains control character '\\n' at index 5",
    ),
    (
        "segment-index-negative",
        lambda w: w.completions.put_many([segment(1), segment(-1)]),
        ValidationError,
        r"segment_index\n.*greater than or equal to 0",
    ),
    # Malformed page tokens.
    (
        "token-not-mapping",
        lambda w: w.jobs.list_completed(5, "next"),  # type: ignore[arg-type]
        InvalidPageTokenError,
        r"must be the mapping a previous call returned, got str",
    ),
    (
        "token-missing-key",
        lambda w: w.jobs.list_completed(5, {"job_id": "job-1", "status": "completed"}),
        InvalidPageTokenError,
        r"must have exactly the keys \['completed_at', 'job_id', 'status'\]",
    ),
    (
        "token-wrong-type",
        lambda w: w.jobs.list_completed(5, token(completed_at="10")),
        InvalidPageTokenError,
        r"'completed_at' must be an integer",
    ),
    (
        "token-foreign-status",
        lambda w: w.jobs.list_completed(5, token(status="created")),
        InvalidPageTokenError,
        r"'status' is 'created', this listing reads 'completed'",
    ),
    (
        "token-bool-number",
        lambda w: w.jobs.list_completed(5, token(completed_at=True)),
        InvalidPageTokenError,
        r"'completed_at' must be an integer",
    ),
    # Out-of-range numbers.
    (
        "limit-zero",
        lambda w: w.jobs.list_completed(0),
        InvalidArgumentError,
        r"limit must be at least 1",
    ),
    (
        "total-segments-negative",
        lambda w: w.jobs.update("job-1", total_segments=-1),
        InvalidArgumentError,
        r"total_segments for Job: Input should be greater than or equal to 0 \(got -1\)",
    ),
    (
        "completed-at-negative",
        lambda w: w.jobs.update("job-1", status="completed", completed_at=-5),
        InvalidArgumentError,
        r"completed_at for Job: Input should be greater than or equal to 0 \(got -5\)",
    ),
    (
        "lease-seconds-zero",
        lambda w: w.lock.try_acquire("job-1", lease_seconds=0),
        InvalidArgumentError,
        r"lease_seconds must be from 1 to 604800, got 0",
    ),
    (
        "max-messages-11",
        lambda w: w.receiver.receive(max_messages=11),
        InvalidArgumentError,
        r"max_messages must be between 1 and 10, got 11",
    ),
    (
        "visibility-43201",
        lambda w: w.receiver.change_visibility("handle", 43201),
        InvalidArgumentError,
        r"seconds must be between 0 and 43200 \(12 hours\), got 43201",
    ),
    (
        "expires-in-zero",
        lambda w: w.storage.presign_upload(w.bucket, "k", expires_in=0),
        InvalidArgumentError,
        r"expires_in must be between 1 and 604800 seconds \(7 days\), got 0",
    ),
    (
        "expires-in-over-seven-days",
        lambda w: w.storage.presign_download(w.bucket, "k", expires_in=604801),
        InvalidArgumentError,
        r"expires_in must be between 1 and 604800 seconds \(7 days\), got 604801",
    ),
    # Unknown statuses.
    (
        "status-bogus",
        lambda w: w.jobs.update("job-1", status="bogus"),
        InvalidArgumentError,
        r"status for Job: Input should be 'created', .* \(got 'bogus'\)",
    ),
    # Every other method of every adapter.
    (
        "delete-empty-job-id",
        lambda w: w.jobs.delete(""),
        InvalidArgumentError,
        r"job_id must not be empty",
    ),
    (
        "query-by-job-int",
        lambda w: w.completions.query_by_job(5),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"job_id must be a str, got int",
    ),
    (
        "completion-delete-str-index",
        lambda w: w.completions.delete("job-1", "0"),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"segment_index must be an int, got str",
    ),
    (
        "renew-lease-zero",
        lambda w: w.lock.renew("job-1", lease_seconds=0),
        InvalidArgumentError,
        r"lease_seconds must be from 1 to 604800, got 0",
    ),
    (
        "release-empty",
        lambda w: w.lock.release(""),
        InvalidArgumentError,
        r"job_id must not be empty",
    ),
    (
        "complete-int",
        lambda w: w.lock.complete(7),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"job_id must be a str, got int",
    ),
    (
        "lock-delete-empty",
        lambda w: w.lock.delete(""),
        InvalidArgumentError,
        r"job_id must not be empty",
    ),
    (
        "trigger-ttl-zero",
        lambda w: w.lock.try_trigger("job-2", ttl_seconds=0),
        InvalidArgumentError,
        r"ttl_seconds must be at least 1, got 0",
    ),
    (
        "send-non-xml-character",
        lambda w: w.sender.send("bad \x00 char"),
        InvalidArgumentError,
        r"message body contains U\+0000 at index 4, which SQS does not accept",
    ),
    (
        "receive-zero",
        lambda w: w.receiver.receive(max_messages=0),
        InvalidArgumentError,
        r"max_messages must be between 1 and 10, got 0",
    ),
    (
        "delete-empty-handle",
        lambda w: w.receiver.delete(""),
        InvalidArgumentError,
        r"receipt_handle is empty; pass QueueMessage.receipt_handle",
    ),
    (
        "delete-batch-empty-handle",
        lambda w: w.receiver.delete_batch(["", ""]),
        InvalidArgumentError,
        r"receipt_handle is empty",
    ),
    (
        "exists-bucket-with-slash",
        lambda w: w.storage.exists("bucket/path", "k"),
        InvalidArgumentError,
        r"bucket 'bucket/path' is not a bucket name",
    ),
    (
        "download-empty-key",
        lambda w: w.storage.download(w.bucket, ""),
        InvalidArgumentError,
        r"key is empty",
    ),
    (
        "delete-key-too-long",
        lambda w: w.storage.delete(w.bucket, "k" * 1025),
        InvalidArgumentError,
        r"key is 1025 bytes of UTF-8; S3 allows at most 1024",
    ),
    (
        "list-page-size-zero",
        lambda w: w.storage.list_object_keys(w.bucket, "p", page_size=0),
        InvalidArgumentError,
        r"page_size must be between 1 and 1000, got 0",
    ),
    (
        "list-prefix-control-character",
        lambda w: w.storage.list_object_keys(w.bucket, "a\tb"),
        InvalidArgumentError,
        r"prefix 'a\\tb' contains control character",
    ),
    (
        "presign-empty-content-type",
        lambda w: w.storage.presign_upload(w.bucket, "k", content_type=""),
        InvalidArgumentError,
        r"content_type is empty",
    ),
    (
        "download-into-directory",
        lambda w: w.storage.download_file(w.bucket, "existing.mp4", w.directory),
        IsADirectoryError,
        r"download target is a directory",
    ),
    (
        "upload-a-directory",
        lambda w: w.storage.upload_file(w.bucket, "k", w.directory),
        IsADirectoryError,
        r"cannot upload a directory",
    ),
    # Missing environment variables.
    (
        "env-unset",
        lambda w: w.after_unset(env_config.job_store_from_env, "JOBS_TABLE_NAME"),
        MissingConfigurationError,
        r"JOBS_TABLE_NAME is not set.*`terraform output -raw jobs_table_name`",
    ),
    (
        "env-blank",
        lambda w: w.after_blank(env_config.job_store_from_env, "JOBS_TABLE_NAME"),
        MissingConfigurationError,
        r"JOBS_TABLE_NAME is not set",
    ),
    (
        "env-all-missing",
        lambda w: w.after_unset(env_config.check_environment, *w.env),
        MissingConfigurationError,
        r"(?s)8 environment variable\(s\) missing:\n  - \$JOBS_TABLE_NAME .*"
        r"SEGMENT_COMPLETIONS_TABLE_NAME.*REASSEMBLY_TRIGGERED_TABLE_NAME.*CHUNKING_QUEUE_URL"
        r".*VIDEO_WORKER_QUEUE_URL.*REASSEMBLY_QUEUE_URL.*INPUT_BUCKET_NAME.*OUTPUT_BUCKET_NAME",
    ),
    # Issue 12: values the service would refuse, caught before any request.
    (
        "job-id-over-2048-bytes",
        lambda w: w.jobs.get("é" * 1025),
        InvalidArgumentError,
        r"job_id is 2050 bytes of UTF-8; DynamoDB keys hold at most 2048",
    ),
    (
        "job-id-lone-surrogate",
        lambda w: w.jobs.get("job-\ud800"),
        InvalidArgumentError,
        r"job_id is not valid Unicode \(surrogates not allowed at index 4\)",
    ),
    (
        "number-over-38-digits",
        lambda w: w.jobs.put(
            Job(
                job_id="job-2", mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=10**38 + 1
            )
        ),
        InvalidArgumentError,
        r"created_at = 100000000000\.\.\. has more than 38 significant digits",
    ),
    (
        "update-number-over-38-digits",
        lambda w: w.jobs.update("job-1", total_segments=2**200),
        InvalidArgumentError,
        r"total_segments = \d+\.\.\. has more than 38 significant digits",
    ),
    (
        "ttl-beyond-dynamodb-numbers",
        lambda w: w.lock.try_trigger("job-9", ttl_seconds=10**40),
        InvalidArgumentError,
        r"ttl_seconds = \d+\.\.\. has more than 38 significant digits",
    ),
    (
        "token-number-beyond-str",
        lambda w: w.jobs.list_completed(5, token(completed_at=10**5000)),
        InvalidPageTokenError,
        r"'completed_at'|completed_at has \d+ bits, beyond the largest DynamoDB number",
    ),
    (
        "expires-in-float",
        lambda w: w.storage.presign_upload(w.bucket, "k", expires_in=1.5),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"expires_in must be an int, got float",
    ),
    (
        "expires-in-bool",
        lambda w: w.storage.presign_download(w.bucket, "k", expires_in=True),
        ArgumentTypeError,
        r"expires_in must be an int, got bool",
    ),
    (
        "receive-float",
        lambda w: w.receiver.receive(1.5),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"max_messages must be an int, got float",
    ),
    (
        "visibility-float",
        lambda w: w.receiver.change_visibility("handle", 2.5),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"seconds must be an int, got float",
    ),
    (
        "receipt-handle-int",
        lambda w: w.receiver.delete(7),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"receipt_handle must be a str, got int",
    ),
    (
        "bucket-with-space",
        lambda w: w.storage.download("my bucket", "k"),
        InvalidArgumentError,
        r"bucket 'my bucket' is not a bucket name",
    ),
    (
        "bucket-not-str",
        lambda w: w.storage.exists(b"bucket", "k"),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"bucket must be a str, got bytes",
    ),
    (
        "page-size-float",
        lambda w: w.storage.list_object_keys(w.bucket, page_size=10.0),  # type: ignore[arg-type]
        ArgumentTypeError,
        r"page_size must be an int, got float",
    ),
    # What only the service can tell: rejected after one request, still typed, nothing written.
    (
        "receipt-handle-invalid",
        lambda w: w.receiver.delete("not-a-receipt-handle"),
        RejectedRequestError,
        r"sqs:DeleteMessage on SQS queue .* was rejected \(ReceiptHandleIsInvalid: ",
    ),
    (
        "queue-limit-only-the-service-knows",
        lambda w: SQSQueueSender(w.env["CHUNKING_QUEUE_URL"]).send("x" * 300 * 1024),
        RejectedRequestError,
        r"sqs:SendMessage .* was rejected \(InvalidParameterValue: .*262144 bytes",
    ),
    # Missing files.
    (
        "upload-missing-file",
        lambda w: w.storage.upload_file(w.bucket, "k", w.missing_file),
        FileNotFoundError,
        r"local file to upload does not exist.*no-such-video\.mp4",
    ),
    (
        "terraform-outputs-missing",
        lambda w: env_config.load_terraform_outputs(w.missing_file),
        FileNotFoundError,
        r"Terraform outputs file not found: .*no-such-video\.mp4",
    ),
]


# Message attributes SQS would refuse: each refused by send and, naming the body, by send_batch.
BAD_ATTRIBUTES: list[tuple[str, object, type[BaseException], str]] = [
    ("empty-name", {"": "x"}, InvalidArgumentError, r"name '' must be 1-256 characters"),
    ("long-name", {"a" * 257: "x"}, InvalidArgumentError, r"must be 1-256 characters"),
    ("space", {"has space": "x"}, InvalidArgumentError, r"'has space' must be 1-256 characters"),
    ("non-ascii-name", {"ünicode": "x"}, InvalidArgumentError, r"from A-Z, a-z, 0-9"),
    ("leading-dot", {".leading": "x"}, InvalidArgumentError, r"must not start or end with '\.'"),
    ("trailing-dot", {"trailing.": "x"}, InvalidArgumentError, r"must not start or end"),
    ("double-dot", {"two..dots": "x"}, InvalidArgumentError, r"or contain '\.\.'"),
    ("aws-prefix", {"AWS.thing": "x"}, InvalidArgumentError, r"'AWS\.thing' is reserved"),
    ("amazon-prefix", {"amazon.thing": "x"}, InvalidArgumentError, r"is reserved"),
    (
        "our-marker",
        {"stereo-spot-body-encoding": "utf-8"},
        InvalidArgumentError,
        r"'stereo-spot-body-encoding' is reserved",
    ),
    ("empty-string", {"e": ""}, InvalidArgumentError, r"'e' is empty; SQS refuses empty values"),
    ("empty-binary", {"e": b""}, InvalidArgumentError, r"'e' is empty"),
    ("control-character", {"c": "bell\x07"}, InvalidArgumentError, r"contains U\+0007"),
    (
        "bool",
        {"b": True},
        ArgumentTypeError,
        r"'b' must be str, bytes, int, float or Decimal, not bool",
    ),
    ("none", {"n": None}, ArgumentTypeError, r"not NoneType"),
    ("list", {"l": [1]}, ArgumentTypeError, r"not list"),
    ("nan", {"f": float("nan")}, InvalidArgumentError, r"'f' must be a finite number"),
    ("inf", {"f": float("inf")}, InvalidArgumentError, r"must be a finite number"),
    ("39-digits", {"d": Decimal("1" * 39)}, InvalidArgumentError, r"39 significant digits"),
    ("too-big", {"big": 10**126}, InvalidArgumentError, r"out of SQS's range"),
    ("too-small", {"tiny": Decimal("1e-129")}, InvalidArgumentError, r"out of SQS's range"),
    (
        "ten-attributes",
        {f"k{i}": i for i in range(10)},
        InvalidArgumentError,
        r"10 message attributes given; .* so at most 9",
    ),
    ("int-name", {1: "x"}, ArgumentTypeError, r"attribute names must be str, not int"),
    ("not-a-mapping", [("k", "v")], ArgumentTypeError, r"must be a mapping of name to value"),
]


def _attribute_rows() -> list[tuple[str, Call, type[BaseException], str]]:
    rows: list[tuple[str, Call, type[BaseException], str]] = []
    for name, attributes, error, message in BAD_ATTRIBUTES:
        rows.append(
            (
                f"attributes-{name}",
                lambda w, a=attributes: w.sender.send("body", attributes=a),  # type: ignore[misc]
                error,
                message,
            )
        )
        rows.append(
            (
                f"batch-attributes-{name}",
                lambda w, a=attributes: w.sender.send_batch(["fine", "body"], attributes=[None, a]),  # type: ignore[misc]
                error,
                r"bodies\[1\]: .*" + message,
            )
        )
    return rows


BAD_INPUTS += _attribute_rows()
BAD_INPUTS += [
    (
        "batch-attributes-not-one-per-body",
        lambda w: w.sender.send_batch(["a", "b"], attributes=[{"k": "v"}]),
        InvalidArgumentError,
        r"attributes must hold one entry per body: 1 for 2 bodies",
    ),
    (
        "attributes-over-the-size-limit",
        lambda w: w.sender.send("y" * 1000, attributes={"blob": b"x" * MAX_MESSAGE_BYTES}),
        MessageTooLargeError,
        r"\(utf-8-encoded body plus attributes\), over the queue's limit",
    ),
]

# env_config and Terraform outputs are the AWS backend's own; so is a sender built by hand
# without the queue's size limit, which only SQS then enforces.
AWS_ONLY = {
    "env-unset",
    "env-blank",
    "env-all-missing",
    "terraform-outputs-missing",
    "queue-limit-only-the-service-knows",
}

# Local files are the operating system's business; a model the caller built is pydantic's.
_NOT_OURS = (FileNotFoundError, IsADirectoryError, ValidationError)


@pytest.fixture(scope="module")
def aws_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Built once per module: the rows must write nothing, and each row checks that."""
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        for name, value in FAKE_AWS.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        clear_client_cache()
        env = create_resources()
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        world = World(
            backend="aws",
            env=env,
            jobs=env_config.job_store_from_env(),
            completions=env_config.segment_completion_store_from_env(),
            lock=env_config.reassembly_triggered_lock_from_env(),
            sender=env_config.chunking_queue_sender_from_env(),
            receiver=env_config.chunking_queue_receiver_from_env(wait_time_seconds=0),
            storage=env_config.object_storage_from_env(),
            bucket=env["INPUT_BUCKET_NAME"],
            missing_file=tmp_path_factory.mktemp("bad-inputs") / "no-such-video.mp4",
            monkeypatch=monkeypatch,
            directory=tmp_path_factory.mktemp("a-directory"),
        )
        fill(world)
        yield world
        clear_client_cache()


@pytest.fixture(scope="module")
def memory_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The same adapters from the in-memory backend."""
    adapters = build_adapters(wait_time_seconds=0)
    world = World(
        backend="memory",
        env={},
        jobs=adapters.jobs,  # type: ignore[arg-type]
        completions=adapters.segment_completions,  # type: ignore[arg-type]
        lock=adapters.reassembly_triggered,  # type: ignore[arg-type]
        sender=adapters.chunking_sender,  # type: ignore[arg-type]
        receiver=adapters.chunking_receiver,  # type: ignore[arg-type]
        storage=adapters.objects,  # type: ignore[arg-type]
        bucket=adapters.input_bucket,
        missing_file=tmp_path_factory.mktemp("bad-inputs-memory") / "no-such-video.mp4",
        monkeypatch=pytest.MonkeyPatch(),
        directory=tmp_path_factory.mktemp("a-directory-memory"),
    )
    fill(world)
    return world


def fill(world: World) -> None:
    """One record everywhere, so a stray write or delete shows up as a change."""
    world.jobs.put(Job(job_id="job-1", mode=StereoMode.SBS, status=JobStatus.CREATED))
    world.completions.put(segment(0))
    world.lock.try_trigger("job-1")
    world.sender.send("already queued")
    world.storage.upload(world.bucket, "existing.mp4", b"video")


CASES = [("aws", *row) for row in BAD_INPUTS] + [
    ("memory", *row) for row in BAD_INPUTS if row[0] not in AWS_ONLY
]


def world_of(
    request: pytest.FixtureRequest, backend: str, monkeypatch: pytest.MonkeyPatch
) -> World:
    """A backend's shared world, with this test's monkeypatch (the env rows unset variables)."""
    shared: World = request.getfixturevalue(f"{backend}_world")
    for name, value in shared.env.items():
        monkeypatch.setenv(name, value)
    return replace(shared, monkeypatch=monkeypatch)


def create_resources() -> dict[str, str]:
    """Every table (with the schema's keys, indexes and TTL), queue and bucket.

    Without redrive policies: ``snapshot`` receives every message once per
    look, and a message must not be dead-lettered by being looked at.
    """
    environment = provision(prefix="bad")
    sqs = boto3.client("sqs")
    for queue in QUEUES:
        sqs.set_queue_attributes(
            QueueUrl=environment[queue.env_var], Attributes={"RedrivePolicy": ""}
        )
    return environment


def snapshot(world: World) -> dict[str, Any]:
    """Every item, queued message and object, as plain comparable data."""
    if world.backend == "memory":
        return memory_snapshot(world.storage.state)  # type: ignore[attr-defined]
    env = world.env
    dynamodb = boto3.client("dynamodb")
    sqs = boto3.client("sqs")
    s3 = boto3.client("s3")
    state: dict[str, Any] = {}
    for table in TABLES:
        items = dynamodb.scan(TableName=env[table.env_var], ConsistentRead=True)["Items"]
        state[table.name] = sorted(map(repr, items))
    for queue in QUEUES:
        url = env[queue.env_var]
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        # Visibility 0: looking at the messages leaves them where they were.
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        state[queue.name] = (attributes, sorted(message["Body"] for message in messages))
    for bucket in BUCKETS:
        name = env[bucket.env_var]
        objects = s3.list_objects_v2(Bucket=name).get("Contents", [])
        uploads = s3.list_multipart_uploads(Bucket=name).get("Uploads", [])
        state[bucket.name] = ([(o["Key"], o["ETag"]) for o in objects], uploads)
    return state


def memory_snapshot(state: MemoryState) -> dict[str, Any]:
    with state.lock:
        tables = {
            name: sorted(map(repr, records.values())) for name, records in state.tables.items()
        }
        queues = {
            name: ([], sorted(str(m.body) for m in messages.values()))
            for name, messages in state.queues.items()
        }
        buckets = {name: (sorted(objects.items()), []) for name, objects in state.buckets.items()}
    return {**tables, **queues, **buckets}


@pytest.mark.parametrize(
    ("backend", "name", "call", "error", "message"),
    CASES,
    ids=[f"{case[0]}-{case[1]}" for case in CASES],
)
def test_bad_input_is_rejected_and_writes_nothing(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
    name: str,
    call: Call,
    error: type[BaseException],
    message: str,
) -> None:
    world = world_of(request, backend, monkeypatch)
    before = snapshot(world)
    assert before["jobs"] and before["chunking"][1] == ["already queued"]

    with pytest.raises(error, match=message) as raised:
        call(world)

    assert type(raised.value) is error, f"expected exactly {error.__name__}"
    if error not in _NOT_OURS:
        assert isinstance(raised.value, StereoSpotError)
    assert snapshot(world) == before


@pytest.mark.parametrize(
    ("name", "call"),
    [(row[0], row[1]) for row in BAD_INPUTS if row[0] not in AWS_ONLY],
    ids=[row[0] for row in BAD_INPUTS if row[0] not in AWS_ONLY],
)
def test_both_backends_raise_the_same_type_and_message(
    aws_world: World, memory_world: World, name: str, call: Call
) -> None:
    raised: list[BaseException] = []
    for world in (aws_world, memory_world):
        with pytest.raises(Exception) as caught:
            call(world)
        raised.append(caught.value)
    aws, memory = raised
    assert type(memory) is type(aws)
    # Each world names its own files, directory and queue; everything else must match.
    assert neutral(str(memory), memory_world) == neutral(str(aws), aws_world)


def neutral(message: str, world: World) -> str:
    for own, placeholder in (
        (str(world.directory), "<dir>"),
        (str(world.missing_file), "<file>"),
        (world.receiver.queue_url, "<queue>"),
    ):
        message = message.replace(own, placeholder)
    return message


def test_the_table_covers_every_kind_of_bad_input() -> None:
    assert len({row[0] for row in BAD_INPUTS}) == len(BAD_INPUTS) >= 50
