"""Runtime shared by every generated DynamoDB adapter.

Generated classes do their own straight-line marshalling; what lives here is
what every table needs the same way: argument checks, following pages, batch
writes with retries, and JSON-safe page tokens.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import TypeAdapter, ValidationError

from stereo_spot_shared.errors import InvalidPageTokenError
from stereo_spot_shared.interfaces import PageToken

from ._retry import BatchRetry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, QueryInputTypeDef
    from pydantic import BaseModel

    Item = dict[str, AttributeValueTypeDef]

logger = logging.getLogger(__name__)

BATCH_WRITE_LIMIT = 25
"""BatchWriteItem accepts at most 25 put or delete requests."""


def require_str_key(name: str, value: object) -> str:
    """A string key attribute: a non-empty ``str``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def require_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """An ``int`` (never a ``bool``), optionally bounded below."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def require_bytes_key(name: str, value: object) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"{name} must be bytes, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def require_model(name: str, value: object, model: type[BaseModel]) -> None:
    if not isinstance(value, model):
        raise TypeError(f"{name} must be a {model.__name__}, got {type(value).__name__}")


def field_validator(model: type[BaseModel], field: str) -> Callable[[object], Any]:
    """Validate one value exactly as ``model`` validates its ``field``.

    Used by generated ``update`` methods so a field updated alone obeys the
    same type and range rules as a whole model written by ``put``.
    """
    adapters: list[TypeAdapter[Any]] = []  # built on first use, not at import

    def validate(value: object) -> Any:
        if not adapters:
            adapters.append(TypeAdapter(model.model_fields[field].rebuild_annotation()))
        try:
            return adapters[0].validate_python(value)
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            message = f"{field} for {model.__name__}: {detail['msg']} (got {value!r})"
            # A wrong type is a TypeError; a right type with a bad value a ValueError.
            # pydantic reports any enum mismatch as "enum": a non-string is the wrong type.
            wrong_type = str(detail["type"]).endswith("_type") or (
                detail["type"] == "enum" and not isinstance(value, str)
            )
            raise (TypeError if wrong_type else ValueError)(message) from None

    return validate


def is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def query_pages(client: DynamoDBClient, request: QueryInputTypeDef) -> Iterator[list[Item]]:
    """Yield every page of a query, following ``LastEvaluatedKey`` to the end."""
    while True:
        response = client.query(**request)
        yield response["Items"]
        last_key = response.get("LastEvaluatedKey")
        if not last_key:
            return
        request["ExclusiveStartKey"] = last_key


@dataclass
class BatchPutOutcome:
    """What a batch write could not do: the items not written, and why it stopped."""

    failed: list[Item] = field(default_factory=list)
    error: BotoCoreError | ClientError | None = None  # a whole request failed


def batch_put(
    client: DynamoDBClient,
    table_name: str,
    items: Sequence[Item],
    key_names: Sequence[str],
    retry: BatchRetry,
) -> BatchPutOutcome:
    """Write ``items`` with BatchWriteItem; report those that were not written.

    Items are sent in chunks of 25. ``UnprocessedItems`` are retried with the
    ``retry`` backoff; only those are resent, so nothing is written twice.
    When a whole request fails (after botocore's own retries) the run stops:
    that chunk and every later one are reported, with the error as the cause.
    Items sharing a key are collapsed to the last one, since DynamoDB rejects a
    batch that names a key twice and a later put would overwrite it anyway.
    """
    unique: dict[tuple[str, ...], Item] = {}
    for item in items:
        unique[tuple(repr(item[name]) for name in key_names)] = item
    remaining = list(unique.values())
    outcome = BatchPutOutcome()
    for start in range(0, len(remaining), BATCH_WRITE_LIMIT):
        pending = remaining[start : start + BATCH_WRITE_LIMIT]
        if outcome.error is not None:
            outcome.failed.extend(pending)
            continue
        chunk_size = len(pending)
        for attempt in range(retry.attempts):
            if attempt:
                logger.warning(
                    "retrying %d of %d unprocessed items on table %s (attempt %d of %d)",
                    len(pending),
                    chunk_size,
                    table_name,
                    attempt + 1,
                    retry.attempts,
                    extra={
                        "table_name": table_name,
                        "batch_size": chunk_size,
                        "pending": len(pending),
                        "attempt": attempt + 1,
                        "max_attempts": retry.attempts,
                    },
                )
                retry.sleep(retry.delay_before(attempt))
            try:
                response = client.batch_write_item(
                    RequestItems={table_name: [{"PutRequest": {"Item": item}} for item in pending]}
                )
            except (BotoCoreError, ClientError) as error:
                outcome.error = error
                break
            unprocessed = response.get("UnprocessedItems", {}).get(table_name, [])
            pending = [r["PutRequest"]["Item"] for r in unprocessed if "PutRequest" in r]
            if not pending:
                break
        if pending:
            reason = type(outcome.error).__name__ if outcome.error else "still unprocessed"
            logger.warning(
                "gave up on %d of %d items on table %s (%s)",
                len(pending),
                chunk_size,
                table_name,
                reason,
                extra={
                    "table_name": table_name,
                    "batch_size": chunk_size,
                    "failed": len(pending),
                    "reason": reason,
                },
            )
        outcome.failed.extend(pending)
    return outcome


def warn_lease_lost(table_name: str, key: object, owner: str) -> None:
    """Log that a holder could not renew its lease: it lapsed and was taken, or was
    released or completed. Whoever renews on a heartbeat should stop the work."""
    logger.warning(
        "lease on %r in table %s could not be renewed: %s no longer holds it",
        key,
        table_name,
        owner,
        extra={"table_name": table_name, "lease_key": key, "owner": owner},
    )


TokenType = Literal["S", "N"]


def encode_page_token(last_key: Mapping[str, AttributeValueTypeDef] | None) -> PageToken | None:
    """Turn a ``LastEvaluatedKey`` into plain JSON: strings stay, numbers become ints."""
    if not last_key:
        return None
    token: PageToken = {}
    for name, value in last_key.items():
        if "S" in value:
            token[name] = value["S"]
        elif "N" in value:
            token[name] = int(value["N"])
        else:
            raise InvalidPageTokenError(f"cannot encode key attribute {name!r} in a page token")
    return token


def decode_page_token(
    token: object,
    attribute_types: Mapping[str, TokenType],
    fixed: Mapping[str, str],
    listing: str,
) -> Item:
    """Check a token a caller handed back and turn it into an ``ExclusiveStartKey``.

    The token must have exactly the attributes this listing's keys have, with
    their types, and the fixed partition value: anything else was forged,
    truncated, or belongs to another listing.
    """
    if not isinstance(token, Mapping):
        raise InvalidPageTokenError(
            f"page token for {listing} must be the mapping a previous call returned, "
            f"got {type(token).__name__}"
        )
    if set(token) != set(attribute_types):
        raise InvalidPageTokenError(
            f"page token for {listing} must have exactly the keys {sorted(attribute_types)}, "
            f"got {sorted(map(str, token))}"
        )
    key: Item = {}
    for name, kind in attribute_types.items():
        value = token[name]
        if kind == "S":
            if not isinstance(value, str) or not value:
                raise InvalidPageTokenError(
                    f"page token for {listing}: {name!r} must be a non-empty string"
                )
            if name in fixed and value != fixed[name]:
                raise InvalidPageTokenError(
                    f"page token for {listing}: {name!r} is {value!r}, this listing reads {fixed[name]!r}"
                )
            key[name] = {"S": value}
        else:
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidPageTokenError(
                    f"page token for {listing}: {name!r} must be an integer"
                )
            key[name] = {"N": str(value)}
    return key


def now() -> int:
    """Unix seconds; the clock every generated time comparison uses."""
    return int(time.time())


def default_owner_id() -> str:
    """A lease owner id unique to this process and object: host, pid, random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def is_validation_error(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ValidationException"


def error_message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", error))
