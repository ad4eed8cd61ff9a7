"""Runtime shared by every generated DynamoDB adapter.

Generated classes do their own straight-line marshalling; what lives here is
what every table needs the same way: argument checks, following pages, batch
writes with retries, and JSON-safe page tokens.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

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


def item_on_condition_failure(error: ClientError) -> Item | None:
    """The stored item a failed condition returned (``ReturnValuesOnConditionCheckFailure=ALL_OLD``).

    ``None`` when no item has the key, so the caller can tell "missing" from "refused".
    """
    item = cast("Mapping[str, Any]", error.response).get("Item")
    return cast("Item", dict(item)) if isinstance(item, Mapping) and item else None


def one_of(name: str, allowed: Sequence[str], values: Item, placeholder: str) -> str:
    """A condition that ``name`` holds one of ``allowed`` (string values), adding the placeholders."""
    options = []
    for position, value in enumerate(allowed):
        values[f"{placeholder}_{position}"] = {"S": value}
        options.append(f"{placeholder}_{position}")
    return f"{name} IN ({', '.join(options)})"


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
    """What a batch write could not do: the items (or keys) not written, and why it stopped."""

    failed: list[Item] = field(default_factory=list)
    error: BotoCoreError | ClientError | None = None  # a whole request failed
    written: int = 0


WriteKind = Literal["PutRequest", "DeleteRequest"]
_WRITE_FIELD: dict[WriteKind, Literal["Item", "Key"]] = {
    "PutRequest": "Item",
    "DeleteRequest": "Key",
}


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
    return batch_write(client, table_name, "PutRequest", items, key_names, retry)


def batch_write(
    client: DynamoDBClient,
    table_name: str,
    kind: WriteKind,
    items: Sequence[Item],
    key_names: Sequence[str],
    retry: BatchRetry,
) -> BatchPutOutcome:
    """Put items or delete keys with BatchWriteItem, as ``batch_put`` describes."""
    slot = _WRITE_FIELD[kind]
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
        sent = len(pending)
        for attempt in range(retry.attempts):
            if attempt:
                retry.sleep(retry.delay_before(attempt))
            try:
                response = client.batch_write_item(
                    RequestItems={table_name: [{kind: {slot: item}} for item in pending]}  # type: ignore[misc]
                )
            except (BotoCoreError, ClientError) as error:
                outcome.error = error
                break
            unprocessed = response.get("UnprocessedItems", {}).get(table_name, [])
            pending = [
                cast("Item", cast("Mapping[str, Any]", request)[kind][slot])
                for request in unprocessed
                if kind in request
            ]
            if not pending:
                break
        outcome.written += sent - len(pending)
        outcome.failed.extend(pending)
    return outcome


def delete_partition(
    client: DynamoDBClient,
    request: QueryInputTypeDef,
    key_names: Sequence[str],
    retry: BatchRetry,
) -> BatchPutOutcome:
    """Delete every item a keys-only query finds, page by page, in batches of 25.

    Each page is deleted before the next is read; a batch that still fails
    after ``retry`` stops the run, so the failed keys (and any later pages,
    left in place) can be deleted by calling again.
    """
    outcome = BatchPutOutcome()
    for page in query_pages(client, request):
        keys = [{name: item[name] for name in key_names} for item in page]
        result = batch_write(client, request["TableName"], "DeleteRequest", keys, key_names, retry)
        outcome.written += result.written
        outcome.failed.extend(result.failed)
        outcome.error = result.error
        if result.failed:
            break
    return outcome


def plain_key(key: Item) -> dict[str, str | int]:
    """A key as plain values (``{"S": "a"}`` -> ``"a"``, ``{"N": "3"}`` -> ``3``) for error reports."""
    return {
        name: int(value["N"]) if "N" in value else str(value.get("S", value))
        for name, value in key.items()
    }


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
