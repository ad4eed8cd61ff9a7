"""One conformance suite, every backend: each test runs on each backend below.

- ``memory``: the in-memory backend (``STORAGE_ADAPTER=memory``);
- ``moto``: the AWS adapters against moto in-process;
- ``moto_server``: the AWS adapters over HTTP against the embedded moto server;
- ``endpoint``: the AWS adapters against ``$STEREO_SPOT_TEST_ENDPOINT`` (LocalStack
  or another AWS-compatible emulator), only when that variable is set.

Every bundle is built by ``adapters_from_env``, the way a service builds it.
Resources are provisioned once per test module per backend with unique names
(``provision()``); an external endpoint is never reset, and what the suite
created there is deleted afterwards. Tests use unique keys, so they share the
tables and buckets; each queue test gets its own queue pair.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters.devtools.embedded import EmbeddedMotoServer
from stereo_spot_aws_adapters.devtools.provision import provision, teardown
from stereo_spot_aws_adapters.sqs import SQSQueueReceiver, SQSQueueSender
from stereo_spot_shared import Adapters, adapters_from_env
from stereo_spot_shared.interfaces import QueueReceiver, QueueSender
from stereo_spot_shared.memory import (
    MemoryQueueReceiver,
    MemoryQueueSender,
    MemoryState,
    MemoryURLHandler,
)

ENDPOINT_VARIABLE = "STEREO_SPOT_TEST_ENDPOINT"
REGION = "us-east-1"
WAIT_SECONDS = 1
"""Receivers long-poll this long: enough for moto, short enough to keep the suite fast."""

BACKENDS = ["memory", "moto", "moto_server"] + (
    ["endpoint"] if os.environ.get(ENDPOINT_VARIABLE) else []
)


@dataclass
class Backend:
    """One backend's bundle, and what a test needs beyond it (fresh queues, raw fetches)."""

    name: str
    adapters: Adapters
    new_queue_pair: Callable[[], tuple[QueueSender, QueueReceiver]]
    route_uploads: Callable[[str, str, str], None]  # (bucket, queue receiver's name, prefix)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def unique(self, label: str) -> str:
        return f"{label}-{uuid.uuid4().hex[:12]}"

    def fetch(
        self,
        method: str,
        url: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """An HTTP request to a presigned URL (``memory://`` ones through ``MemoryURLHandler``)."""
        if url.startswith("memory://"):
            request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
            try:
                with urllib.request.build_opener(MemoryURLHandler()).open(request) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, b""
        response = requests.request(method, url, data=data, headers=headers or {}, timeout=30)
        return response.status_code, response.content


def _aws_environment(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], endpoint: str | None
) -> None:
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_ENDPOINT_URL_S3",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", os.environ.get("AWS_ACCESS_KEY_ID") or "testing")
    monkeypatch.setenv(
        "AWS_SECRET_ACCESS_KEY", os.environ.get("AWS_SECRET_ACCESS_KEY") or "testing"
    )
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    if endpoint is None:
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    else:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


def _aws_backend(name: str, endpoint: str | None) -> Iterator[Backend]:
    """Provision uniquely named resources, build the bundle from the environment, clean up."""
    prefix = f"conf-{uuid.uuid4().hex[:8]}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _aws_environment(monkeypatch, {}, endpoint)
        environment = provision(prefix=prefix, region_name=REGION, endpoint_url=endpoint)
        _aws_environment(monkeypatch, environment, endpoint)
        monkeypatch.setenv("STORAGE_ADAPTER", "aws")
        adapters = adapters_from_env(wait_time_seconds=WAIT_SECONDS)
        sqs = get_client("sqs", region_name=REGION, endpoint_url=endpoint)
        s3 = get_client("s3", region_name=REGION, endpoint_url=endpoint)
        created_queues: list[str] = []
        queue_urls = {
            queue: environment[f"{queue.upper()}_QUEUE_URL"]
            for queue in ("chunking", "video_worker", "reassembly")
        }

        def new_queue_pair() -> tuple[QueueSender, QueueReceiver]:
            url = sqs.create_queue(QueueName=f"{prefix}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
            created_queues.append(url)
            return (
                SQSQueueSender(url, client=sqs),
                SQSQueueReceiver(url, wait_time_seconds=WAIT_SECONDS, client=sqs),
            )

        def route_uploads(bucket: str, queue: str, key_prefix: str) -> None:
            arn = sqs.get_queue_attributes(QueueUrl=queue_urls[queue], AttributeNames=["QueueArn"])
            s3.put_bucket_notification_configuration(
                Bucket=bucket,
                NotificationConfiguration={
                    "QueueConfigurations": [
                        {
                            "QueueArn": arn["Attributes"]["QueueArn"],
                            "Events": ["s3:ObjectCreated:*"],
                            "Filter": {
                                "Key": {"FilterRules": [{"Name": "prefix", "Value": key_prefix}]}
                            },
                        }
                    ]
                },
            )

        backend = Backend(name, adapters, new_queue_pair, route_uploads)
        try:
            yield backend
        finally:
            for url in created_queues:
                sqs.delete_queue(QueueUrl=url)
            teardown(environment, region_name=REGION, endpoint_url=endpoint)


def _memory_backend() -> Iterator[Backend]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("STORAGE_ADAPTER", "memory")
        adapters = adapters_from_env(wait_time_seconds=WAIT_SECONDS)
    state = _state_of(adapters)

    def new_queue_pair() -> tuple[QueueSender, QueueReceiver]:
        queue = uuid.uuid4().hex[:8]
        state.queues[queue] = {}
        return (
            MemoryQueueSender(state, queue),
            MemoryQueueReceiver(state, queue, wait_time_seconds=WAIT_SECONDS),
        )

    def route_uploads(bucket: str, queue: str, key_prefix: str) -> None:
        state.route_notifications(bucket, queue, prefix=key_prefix)

    yield Backend("memory", adapters, new_queue_pair, route_uploads)


def _one_request_at_a_time(adapters: Adapters) -> None:
    """Serialise moto's in-process requests, as ``EmbeddedMotoServer`` does for its server.

    moto's backends do not lock, so two concurrent conditional writes to one
    item can both succeed there, where DynamoDB lets exactly one through. The
    guarantee is DynamoDB's; this restores it for moto (see the README).
    """
    lock = threading.Lock()
    clients = {id(c): c for c in (getattr(a, "_client", None) for a in vars(adapters).values())}
    for client in clients.values():
        if client is None:
            continue
        call = client._make_api_call

        @functools.wraps(call)
        def serialised(*args: Any, _call: Any = call, **kwargs: Any) -> Any:
            with lock:
                return _call(*args, **kwargs)

        client._make_api_call = serialised


def _state_of(adapters: Adapters) -> MemoryState:
    state = getattr(adapters.objects, "state", None)
    assert isinstance(state, MemoryState)
    return state


@pytest.fixture(scope="session")
def embedded_endpoint() -> Iterator[str]:
    with EmbeddedMotoServer() as server:
        yield server.endpoint_url


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    name: str = request.param
    if name == "memory":
        yield from _memory_backend()
    elif name == "moto":
        from moto import mock_aws

        with mock_aws():
            for backend in _aws_backend(name, None):
                _one_request_at_a_time(backend.adapters)
                yield backend
    elif name == "moto_server":
        endpoint = request.getfixturevalue("embedded_endpoint")
        yield from _aws_backend(name, endpoint)
    else:
        yield from _aws_backend(name, os.environ[ENDPOINT_VARIABLE])


@pytest.fixture
def adapters(backend: Backend) -> Adapters:
    return backend.adapters


def another(adapter: Any) -> Any:
    """A second adapter object on the same resources (its own clock and owner id)."""
    return copy.copy(adapter)
