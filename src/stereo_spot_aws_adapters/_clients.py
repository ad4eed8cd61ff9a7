"""One shared boto3 client per (service, region, endpoint).

Clients are thread-safe and expensive to build (each loads its service model
and opens its own connection pool), so every adapter in a process shares them.
Retries use botocore's ``standard`` mode — exponential backoff with jitter on
throttling and transient errors — unless the user chose otherwise through
``AWS_RETRY_MODE`` / ``AWS_MAX_ATTEMPTS``.

Clients are per process. A child made by ``os.fork()`` (pre-fork servers,
``multiprocessing`` with the ``fork`` start method) starts with an empty cache,
and every client this module built before the fork drops its pooled
connections in the child, so an adapter built before the fork opens its own
sockets there. Two processes reading one keep-alive socket would read each
other's responses. Clients passed to an adapter by the caller are the caller's
to manage.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_sqs.client import SQSClient

ServiceName = Literal["dynamodb", "sqs", "s3"]

_ENDPOINT_ENV = {
    "dynamodb": "AWS_ENDPOINT_URL_DYNAMODB",
    "sqs": "AWS_ENDPOINT_URL_SQS",
    "s3": "AWS_ENDPOINT_URL_S3",
}

_lock = threading.Lock()
_clients: dict[tuple[str, str | None, str | None, str | None], Any] = {}
_sessions: dict[str | None, boto3.session.Session] = {}
# Every client built here, cached or not any more: a fork must reach all of them.
_built: weakref.WeakSet[Any] = weakref.WeakSet()


def resolve_region(region_name: str | None) -> str | None:
    """The explicit region, else ``AWS_REGION``, else botocore's own resolution."""
    return region_name or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def resolve_endpoint(service: ServiceName, endpoint_url: str | None) -> str | None:
    """The explicit endpoint, else the service's or the global ``AWS_ENDPOINT_URL``."""
    return (
        endpoint_url
        or os.environ.get(_ENDPOINT_ENV[service])
        or os.environ.get("AWS_ENDPOINT_URL")
        or None
    )


def client_config(service: ServiceName) -> Config:
    options: dict[str, Any] = {"max_pool_connections": 32}
    if not (os.environ.get("AWS_RETRY_MODE") or os.environ.get("AWS_MAX_ATTEMPTS")):
        options["retries"] = {"mode": "standard", "max_attempts": 5}
    if service == "s3":
        # Presigned URLs must carry SigV4 so they work in every region.
        options["signature_version"] = "s3v4"
    return Config(**options)


@overload
def get_client(
    service: Literal["dynamodb"], *, region_name: str | None = ..., endpoint_url: str | None = ...
) -> DynamoDBClient: ...
@overload
def get_client(
    service: Literal["sqs"], *, region_name: str | None = ..., endpoint_url: str | None = ...
) -> SQSClient: ...
@overload
def get_client(
    service: Literal["s3"], *, region_name: str | None = ..., endpoint_url: str | None = ...
) -> S3Client: ...
def get_client(
    service: ServiceName, *, region_name: str | None = None, endpoint_url: str | None = None
) -> Any:
    """Return the process-wide client for this service, region and endpoint."""
    region = resolve_region(region_name)
    endpoint = resolve_endpoint(service, endpoint_url)
    # The access key is part of the identity so that switching credentials
    # (tests, assumed roles set through the environment) never reuses a client.
    key = (service, region, endpoint, os.environ.get("AWS_ACCESS_KEY_ID"))
    with _lock:
        cached = _clients.get(key)
        if cached is None:
            # One session per credential identity: building a session re-reads
            # botocore's endpoint and service data, the dominant cost of a client.
            session = _sessions.get(key[3])
            if session is None:
                session = _sessions[key[3]] = boto3.session.Session()
            cached = session.client(
                service, region_name=region, endpoint_url=endpoint, config=client_config(service)
            )
            _clients[key] = cached
            _built.add(cached)
        return cached


def clear_client_cache() -> None:
    """Forget every cached client (tests, or after rotating credentials in-process)."""
    with _lock:
        _clients.clear()
        _sessions.clear()


def _forget_clients_after_fork() -> None:
    """In a forked child: start an empty cache and close the inherited connections.

    Closing the child's copies of the pooled sockets leaves the parent's open
    (the file descriptors were duplicated), and the clients stay usable: their
    next request opens a fresh connection owned by the child.
    """
    global _lock
    _lock = threading.Lock()  # the parent may have held it while forking
    _clients.clear()
    _sessions.clear()
    for client in list(_built):
        # botocore keeps the urllib3 pools on the endpoint's session; close() empties them.
        client._endpoint.http_session.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_clients_after_fork)
