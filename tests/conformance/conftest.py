"""One conformance suite, every backend: each test runs on each backend below.

- ``memory``: the in-memory backend (``STORAGE_ADAPTER=memory``);
- ``moto``: the AWS adapters against moto in-process;
- ``moto_server``: the AWS adapters over HTTP against the embedded moto server;
- ``endpoint``: the AWS adapters against ``$STEREO_SPOT_TEST_ENDPOINT`` (LocalStack
  or another AWS-compatible emulator), only when it is set. Each service may have
  its own endpoint (dynalite for DynamoDB beside LocalStack for SQS and S3):
  ``STEREO_SPOT_TEST_ENDPOINT_<SERVICE>``, else botocore's ``AWS_ENDPOINT_URL_<SERVICE>``,
  else ``STEREO_SPOT_TEST_ENDPOINT`` (see ``endpoints_under_test``).

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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from stereo_spot_aws_adapters._clients import ENDPOINT_VARIABLES, SERVICES, ServiceName, get_client
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
SERVICE_ENDPOINT_VARIABLES: Mapping[ServiceName, str] = {
    service: f"{ENDPOINT_VARIABLE}_{service.upper()}" for service in SERVICES
}
REGION = "us-east-1"
WAIT_SECONDS = 1
"""Receivers long-poll this long: enough for moto, short enough to keep the suite fast."""

Endpoints = Mapping[ServiceName, str]
"""The endpoint each service's requests go to."""


def endpoints_under_test(environ: Mapping[str, str]) -> Endpoints | None:
    """Where the ``endpoint`` backend sends each service's requests; ``None``: it does not run.

    Per service, the first set of ``STEREO_SPOT_TEST_ENDPOINT_<SERVICE>``,
    botocore's ``AWS_ENDPOINT_URL_<SERVICE>`` and ``STEREO_SPOT_TEST_ENDPOINT``.
    The backend runs when any ``STEREO_SPOT_TEST_ENDPOINT*`` variable is set, or
    all three of botocore's; a service left without an endpoint is a usage
    error, never a silent fall-back to AWS.
    """

    def value(name: str) -> str:
        return environ.get(name, "").strip()

    ours = [ENDPOINT_VARIABLE, *SERVICE_ENDPOINT_VARIABLES.values()]
    if not any(value(name) for name in ours) and not all(
        value(name) for name in ENDPOINT_VARIABLES.values()
    ):
        return None
    endpoints: dict[ServiceName, str] = {}
    for service in SERVICES:
        candidates = (
            SERVICE_ENDPOINT_VARIABLES[service],
            ENDPOINT_VARIABLES[service],
            ENDPOINT_VARIABLE,
        )
        found = next((value(name) for name in candidates if value(name)), None)
        if found is None:
            raise pytest.UsageError(f"no endpoint for {service}: set {' or '.join(candidates)}")
        endpoints[service] = found
    return endpoints


# Read once, before any fixture clears the AWS_ENDPOINT_URL_* variables.
ENDPOINTS = endpoints_under_test(os.environ)
BACKENDS = ["memory", "moto", "moto_server"] + (["endpoint"] if ENDPOINTS else [])


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
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], endpoints: Endpoints | None
) -> None:
    """Credentials, region and each service's endpoint (botocore's own variables)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for service, variable in ENDPOINT_VARIABLES.items():
        if endpoints is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, endpoints[service])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", os.environ.get("AWS_ACCESS_KEY_ID") or "testing")
    monkeypatch.setenv(
        "AWS_SECRET_ACCESS_KEY", os.environ.get("AWS_SECRET_ACCESS_KEY") or "testing"
    )
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


def _aws_backend(name: str, endpoints: Endpoints | None) -> Iterator[Backend]:
    """Provision uniquely named resources, build the bundle from the environment, clean up.

    Every client (the bundle's, provisioning's, the suite's own) finds its
    service's endpoint in botocore's ``AWS_ENDPOINT_URL_<SERVICE>``, as a service would.
    """
    prefix = f"conf-{uuid.uuid4().hex[:8]}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _aws_environment(monkeypatch, {}, endpoints)
        environment = provision(prefix=prefix, region_name=REGION)
        _aws_environment(monkeypatch, environment, endpoints)
        monkeypatch.setenv("STORAGE_ADAPTER", "aws")
        adapters = adapters_from_env(wait_time_seconds=WAIT_SECONDS)
        sqs = get_client("sqs", region_name=REGION)
        s3 = get_client("s3", region_name=REGION)
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
            teardown(environment, region_name=REGION)


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
    guarantee is DynamoDB's; this restores it for moto (see docs/guides/local-stack.md).
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
        yield from _aws_backend(name, dict.fromkeys(SERVICES, endpoint))
    else:
        assert ENDPOINTS is not None
        yield from _aws_backend(name, ENDPOINTS)


@pytest.fixture
def adapters(backend: Backend) -> Adapters:
    return backend.adapters


def another(adapter: Any) -> Any:
    """A second adapter object on the same resources (its own clock and owner id)."""
    return copy.copy(adapter)
