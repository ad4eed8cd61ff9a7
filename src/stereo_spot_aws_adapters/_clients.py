"""One shared boto3 client per (service, region, endpoint, configuration).

Clients are thread-safe and expensive to build (each loads its service model
and opens its own connection pool), so every adapter in a process shares them.

What botocore already knows, botocore decides; the library only fills gaps:

- Endpoint: the ``endpoint_url`` argument, else botocore's own order --
  ``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_ENDPOINT_URL``, the profile's
  ``services`` section, the profile's ``endpoint_url``, the AWS endpoint -- where
  ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` skips everything but the argument.
- Retries: ``AWS_RETRY_MODE`` / ``AWS_MAX_ATTEMPTS``, else the profile's
  ``retry_mode`` / ``max_attempts``, else the library's default: ``standard``
  mode (exponential backoff with jitter) with 5 retries. Each setting is
  decided on its own, so a profile that sets only ``max_attempts`` keeps it.

Clients are per process. A child made by ``os.fork()`` (pre-fork servers,
``multiprocessing`` with the ``fork`` start method) starts with an empty cache,
and every client this module built before the fork drops its pooled
connections in the child, so an adapter built before the fork opens its own
sockets there. Two processes reading one keep-alive socket would read each
other's responses. Clients passed to an adapter by the caller are the caller's
to manage.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config
from botocore.exceptions import NoRegionError

from stereo_spot_shared.errors import InvalidConfigurationError

from ._logging import attach_call_logging, with_call_logging

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_sqs.client import SQSClient

ServiceName = Literal["dynamodb", "sqs", "s3"]

SERVICES: tuple[ServiceName, ...] = ("dynamodb", "sqs", "s3")

ENDPOINT_VARIABLES: Mapping[ServiceName, str] = {
    "dynamodb": "AWS_ENDPOINT_URL_DYNAMODB",
    "sqs": "AWS_ENDPOINT_URL_SQS",
    "s3": "AWS_ENDPOINT_URL_S3",
}
"""botocore's service-specific endpoint variables (``AWS_ENDPOINT_URL_<service id>``)."""

DEFAULT_RETRY_MODE = "standard"
DEFAULT_MAX_ATTEMPTS = 5
"""Retries after the first attempt (botocore's ``max_attempts`` in ``Config.retries``)."""

# Environment that changes which client botocore builds; part of the cache key
# so that changing it in-process (tests, assumed roles) never reuses a client.
_SESSION_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_CONFIG_FILE")
_CLIENT_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
)

_lock = threading.Lock()
_clients: dict[tuple[object, ...], Any] = {}
_sessions: dict[tuple[str | None, ...], boto3.session.Session] = {}
# Every client built here, cached or not any more: a fork must reach all of them.
_built: weakref.WeakSet[Any] = weakref.WeakSet()


def resolve_region(region_name: str | None) -> str | None:
    """The explicit region, else ``AWS_REGION``, else botocore's own resolution."""
    return region_name or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def client_config(service: str, profile: Mapping[str, Any] | None = None) -> Config:
    """The library's client settings, leaving to botocore what the environment or
    ``profile`` (the profile's config-file entries) already set."""
    profile = profile or {}
    retries: dict[str, Any] = {}
    if not (os.environ.get("AWS_RETRY_MODE") or "retry_mode" in profile):
        retries["mode"] = DEFAULT_RETRY_MODE
    if not (os.environ.get("AWS_MAX_ATTEMPTS") or "max_attempts" in profile):
        retries["max_attempts"] = DEFAULT_MAX_ATTEMPTS
    options: dict[str, Any] = {"max_pool_connections": 32}
    if retries:
        options["retries"] = retries
    if service == "s3":
        # Presigned URLs must carry SigV4 so they work in every region.
        options["signature_version"] = "s3v4"
    return Config(**options)


@overload
def get_client(
    service: Literal["dynamodb"],
    *,
    region_name: str | None = ...,
    endpoint_url: str | None = ...,
    client: DynamoDBClient | None = ...,
) -> DynamoDBClient: ...
@overload
def get_client(
    service: Literal["sqs"],
    *,
    region_name: str | None = ...,
    endpoint_url: str | None = ...,
    client: SQSClient | None = ...,
) -> SQSClient: ...
@overload
def get_client(
    service: Literal["s3"],
    *,
    region_name: str | None = ...,
    endpoint_url: str | None = ...,
    client: S3Client | None = ...,
) -> S3Client: ...
def get_client(
    service: ServiceName,
    *,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    client: Any = None,
) -> Any:
    """The client an adapter uses: the caller's ``client`` when given (its calls
    logged like a shared client's), else the process-wide client for this service,
    region and endpoint."""
    if client is not None:
        return with_call_logging(client)
    region = resolve_region(region_name)
    identity = tuple(os.environ.get(name) for name in _SESSION_VARIABLES)
    key = (
        service,
        region,
        endpoint_url or None,
        identity,
        tuple(os.environ.get(name) for name in (*_CLIENT_VARIABLES, ENDPOINT_VARIABLES[service])),
    )
    with _lock:
        cached = _clients.get(key)
        if cached is None:
            # One session per credential identity: building a session re-reads
            # botocore's endpoint and service data, the dominant cost of a client.
            session = _sessions.get(identity)
            if session is None:
                session = _sessions[identity] = boto3.session.Session()
            try:
                cached = session.client(
                    service,
                    region_name=region,
                    endpoint_url=endpoint_url or None,
                    config=client_config(service, profile_config(session)),
                )
            except NoRegionError as error:
                raise InvalidConfigurationError(
                    f"no AWS region for {service}: set AWS_REGION (or AWS_DEFAULT_REGION, or "
                    "region in the AWS profile), or pass it (region_name=, a command's --region)"
                ) from error
            attach_call_logging(cached)
            _clients[key] = cached
            _built.add(cached)
        return cached


def new_client(service: str, *, region_name: str | None = None) -> Any:
    """A client of its own for a service an adapter calls rarely (CloudWatch, Secrets Manager).

    Built with ``boto3.client`` (the default session), the library's retry
    settings and call logging, and kept by the adapter that asked for it; the
    endpoint is botocore's to decide (``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_ENDPOINT_URL``).
    Keys in the environment are read now: the default session keeps the
    credentials it first resolved, and the environment's come first in botocore's
    chain anyway.
    """
    try:
        client = boto3.client(
            service,  # type: ignore[call-overload]
            region_name=resolve_region(region_name),
            config=client_config(service),
            **_environment_keys(),
        )
    except NoRegionError as error:
        raise InvalidConfigurationError(
            f"no AWS region for {service}: set AWS_REGION (or AWS_DEFAULT_REGION, or "
            "region in the AWS profile), or pass region="
        ) from error
    return with_call_logging(client)


def _environment_keys() -> dict[str, str]:
    """The credentials botocore's environment provider would find, as client arguments."""
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not (key and secret):
        return {}
    keys = {"aws_access_key_id": key, "aws_secret_access_key": secret}
    token = os.environ.get("AWS_SESSION_TOKEN")
    if token:
        keys["aws_session_token"] = token
    return keys


def profile_config(session: boto3.session.Session) -> Mapping[str, Any]:
    """The active profile's entries in the shared config file (empty without one)."""
    # boto3 exposes no public accessor; its botocore session has one.
    return session._session.get_scoped_config()


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


def _drop_cache_at_exit() -> None:
    """Free the cached clients while the interpreter is whole.

    The at-fork hook keeps this module's cache alive to the last phase of
    shutdown, where freeing the clients costs a short-lived process ~50 ms.
    Adapters hold their own client, so one used by a later exit handler still
    works. Never waits: a daemon thread may hold the lock as the process exits.
    """
    if _lock.acquire(blocking=False):
        try:
            _clients.clear()
            _sessions.clear()
        finally:
            _lock.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_clients_after_fork)
    atexit.register(_drop_cache_at_exit)
