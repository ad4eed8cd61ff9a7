"""Every log record of a full walk, at DEBUG, holds no secret.

The whole demo walk runs in this process against the embedded moto server with
the library's loggers at DEBUG and a handler that keeps every record. The test
records every message body sent and received, every presigned URL and the
credentials in use, then searches each record -- its message, its arguments,
every ``extra=`` field and any traceback -- for them. botocore's own loggers
are not captured: at DEBUG botocore logs whole requests by design, and
enabling it is the application's choice, not the library's.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from stereo_spot_aws_adapters.devtools.demo import run_demo
from stereo_spot_aws_adapters.s3 import S3ObjectStorage
from stereo_spot_aws_adapters.sqs import SQSQueueReceiver, SQSQueueSender
from stereo_spot_shared.interfaces import QueueMessage
from stereo_spot_shared.memory.objects import MemoryObjectStorage
from stereo_spot_shared.memory.queues import MemoryQueueReceiver, MemoryQueueSender

pytestmark = pytest.mark.integration

LIBRARY_LOGGERS = ("stereo_spot_aws_adapters", "stereo_spot_shared")


class KeepEverything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured() -> Iterator[KeepEverything]:
    handler = KeepEverything()
    saved = []
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def restored_environment() -> Iterator[None]:
    """The walk sets its stack's variables in os.environ, as a service's would be."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def everything_in(record: logging.LogRecord) -> str:
    """The record as any formatter could render it: message, fields, traceback."""
    formatter = logging.Formatter()
    text = formatter.format(record)
    fields = json.dumps(record.__dict__, default=repr)
    return text + "\n" + fields + "\n" + repr(record.args)


def spy(monkeypatch: pytest.MonkeyPatch, cls: type, name: str, seen: Callable[..., None]) -> None:
    real = getattr(cls, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = real(self, *args, **kwargs)
        seen(args, result)
        return result

    monkeypatch.setattr(cls, name, wrapper)


def test_no_record_of_a_full_walk_holds_a_body_credential_or_signature(
    captured: KeepEverything,
    restored_environment: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret_key = f"secret-{uuid.uuid4().hex}"
    session_token = f"token-{uuid.uuid4().hex}"
    access_key = f"AKIA{uuid.uuid4().hex[:16].upper()}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", session_token)

    bodies: list[str] = []
    urls: list[str] = []

    def sent(args: tuple[Any, ...], _: object) -> None:
        payloads = args[0] if isinstance(args[0], list) else [args[0]]
        for body in payloads:
            bodies.append(body if isinstance(body, str) else base64.b64encode(body).decode())

    def received(_: tuple[Any, ...], messages: list[QueueMessage]) -> None:
        for message in messages:
            body = message.body
            bodies.append(body if isinstance(body, str) else base64.b64encode(body).decode())

    spy(monkeypatch, SQSQueueSender, "send", sent)
    spy(monkeypatch, SQSQueueSender, "send_batch", sent)
    spy(monkeypatch, SQSQueueReceiver, "receive", received)
    spy(monkeypatch, S3ObjectStorage, "presign_upload", lambda _, url: urls.append(url))
    spy(monkeypatch, S3ObjectStorage, "presign_download", lambda _, url: urls.append(url))

    out = io.StringIO()
    # The demo keeps credentials that are already set: these sentinels sign every request.
    assert run_demo(prefix=f"leak-{uuid.uuid4().hex[:6]}", out=out) == 0, out.getvalue()

    signatures = [parse_qs(urlsplit(url).query)["X-Amz-Signature"][0] for url in urls]
    secrets = {
        "secret access key": [secret_key],
        "session token": [session_token],
        "access key id": [access_key],
        "presigned URL signature": signatures,
        "presigned URL": urls,
        "message body": bodies,
    }
    assert len(urls) == 2 and len(bodies) >= 10, (urls, len(bodies))

    records = captured.records
    texts = [everything_in(record) for record in records]
    for kind, values in secrets.items():
        for value in values:
            leaks = [text for text in texts if value in text]
            assert not leaks, f"a log record holds a {kind}: {leaks[0][:300]}"

    # The capture saw the walk: a DEBUG record for calls to each service, with fields.
    calls = [r for r in records if getattr(r, "aws_operation", None)]
    assert {r.aws_service for r in calls} == {"dynamodb", "sqs", "s3"}  # type: ignore[attr-defined]
    operations = {r.aws_operation for r in calls}  # type: ignore[attr-defined]
    assert {"SendMessage", "ReceiveMessage", "PutItem", "UploadPart", "GetObject"} <= operations
    assert all(r.levelno == logging.DEBUG and r.duration_ms >= 0 for r in calls)  # type: ignore[attr-defined]
    assert all(isinstance(r.retry_attempts, int) for r in calls if r.http_status)  # type: ignore[attr-defined]
    send = next(r for r in calls if r.aws_operation == "SendMessage")  # type: ignore[attr-defined]
    assert send.aws_resource.startswith("http://127.0.0.1:")  # type: ignore[attr-defined]


def test_the_memory_walk_logs_no_body_or_url_either(
    captured: KeepEverything,
    restored_environment: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bodies: list[str] = []
    urls: list[str] = []

    def sent(args: tuple[Any, ...], _: object) -> None:
        payloads = args[0] if isinstance(args[0], list) else [args[0]]
        for body in payloads:
            bodies.append(body if isinstance(body, str) else base64.b64encode(body).decode())

    def received(_: tuple[Any, ...], messages: list[QueueMessage]) -> None:
        for message in messages:
            body = message.body
            bodies.append(body if isinstance(body, str) else base64.b64encode(body).decode())

    spy(monkeypatch, MemoryQueueSender, "send", sent)
    spy(monkeypatch, MemoryQueueSender, "send_batch", sent)
    spy(monkeypatch, MemoryQueueReceiver, "receive", received)
    spy(monkeypatch, MemoryObjectStorage, "presign_upload", lambda _, url: urls.append(url))
    spy(monkeypatch, MemoryObjectStorage, "presign_download", lambda _, url: urls.append(url))

    out = io.StringIO()
    assert run_demo(backend="memory", out=out) == 0, out.getvalue()
    assert len(urls) == 2 and len(bodies) >= 10, (urls, len(bodies))

    texts = [everything_in(record) for record in captured.records]
    for kind, values in {"presigned URL": urls, "message body": bodies}.items():
        for value in values:
            leaks = [text for text in texts if value in text]
            assert not leaks, f"a log record holds a {kind}: {leaks[0][:300]}"
    # The capture saw the in-memory backend's own records: the upload that notified a queue.
    notified = [r for r in captured.records if r.name == "stereo_spot_shared.memory.objects"]
    assert notified and all(r.levelno == logging.DEBUG for r in notified)
    assert {getattr(r, "queue", None) for r in notified} >= {"chunking"}
