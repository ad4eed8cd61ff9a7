"""A DEBUG record for every AWS call, from botocore's own event hooks.

``attach_call_logging`` is registered once on each client ``_clients.get_client``
hands out -- the shared ones and, through ``with_call_logging``, a client a caller
passes to an adapter (``client=...``) -- so every call an adapter makes, and every
part s3transfer sends through the same client, is logged without touching the
call sites. A record names the
service, operation and resource (table, queue URL, bucket and key), its HTTP
status or error, how long it took and how many times botocore retried it; these
are also set as attributes (``extra=``) so a JSON formatter emits them as fields.

Nothing else from a request is read: no parameters beyond the resource names,
no body, no headers, so no message body, item, credential or signature can
reach a log. Presigned URLs are signed without a call and are never logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

_STARTED = "stereo_spot_call_started"
"""Key in botocore's per-request context: (perf_counter at start, resource)."""

_HOOKS_ID = "stereo-spot-call-logging"


def attach_call_logging(client: Any) -> None:
    """Log each call this client makes at DEBUG (registered once; cheap when DEBUG is off)."""
    events = client.meta.events
    events.register("before-parameter-build", _call_started, unique_id=f"{_HOOKS_ID}-start")
    events.register("after-call", _call_finished, unique_id=f"{_HOOKS_ID}-end")
    events.register("after-call-error", _call_failed, unique_id=f"{_HOOKS_ID}-error")


_Client = TypeVar("_Client")


def with_call_logging(client: _Client) -> _Client:
    """A caller's client (``client=...``), its calls logged like a shared client's.

    Registration is idempotent (by ``unique_id``), so passing one client to many
    adapters logs each call once. The hooks log every call the client makes,
    the caller's own included. A stand-in without botocore's event system (a
    test double) is used as it is.
    """
    if getattr(getattr(client, "meta", None), "events", None) is not None:
        attach_call_logging(client)
    return client


def resource_of(params: Mapping[str, Any]) -> str:
    """The table, queue or object a call addresses, from its parameters' names only."""
    if "QueueUrl" in params:
        return str(params["QueueUrl"])
    if "TableName" in params:
        return str(params["TableName"])
    if "RequestItems" in params:  # BatchWriteItem / BatchGetItem: one or more tables
        return ",".join(sorted(map(str, params["RequestItems"])))
    if "Bucket" in params:
        key = params.get("Key")
        return f"s3://{params['Bucket']}/{key}" if key else f"s3://{params['Bucket']}"
    return ""


def _call_started(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        context[_STARTED] = (time.perf_counter(), resource_of(params))


def _call_finished(
    http_response: Any, parsed: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any
) -> None:
    started = context.pop(_STARTED, None)
    if started is None:
        return
    metadata = parsed.get("ResponseMetadata", {})
    error_code = parsed.get("Error", {}).get("Code") if http_response.status_code >= 300 else None
    _log_call(
        model.service_model.service_name,
        model.name,
        started,
        outcome=f"HTTP {http_response.status_code}" + (f" {error_code}" if error_code else ""),
        fields={
            "http_status": http_response.status_code,
            "retry_attempts": int(metadata.get("RetryAttempts", 0)),
            "error_code": error_code,
        },
    )


def _call_failed(exception: BaseException, context: dict[str, Any], **kwargs: Any) -> None:
    started = context.pop(_STARTED, None)
    if started is None:
        return
    # after-call-error carries no model; the event name says service and operation.
    _, service, operation = str(kwargs.get("event_name", "..")).split(".", 2)
    _log_call(
        service,
        operation,
        started,
        outcome=f"failed with {type(exception).__name__}",
        fields={
            "http_status": None,
            "retry_attempts": None,
            "error_code": type(exception).__name__,
        },
    )


def _log_call(
    service: str,
    operation: str,
    started: tuple[float, str],
    *,
    outcome: str,
    fields: dict[str, Any],
) -> None:
    began, resource = started
    duration_ms = round((time.perf_counter() - began) * 1000, 3)
    retries = fields.get("retry_attempts")
    logger.debug(
        "%s %s %s: %s in %.1f ms%s",
        service,
        operation,
        resource or "-",
        outcome,
        duration_ms,
        f" after {retries} retries" if retries else "",
        extra={
            "aws_service": service,
            "aws_operation": operation,
            "aws_resource": resource,
            "duration_ms": duration_ms,
            **fields,
        },
    )


__all__ = ["attach_call_logging", "resource_of", "with_call_logging"]
