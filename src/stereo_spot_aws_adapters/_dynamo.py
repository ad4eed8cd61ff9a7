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
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from botocore.exceptions import ClientError
from pydantic import TypeAdapter, ValidationError

from stereo_spot_shared.errors import (
    ArgumentTypeError,
    CorruptItemError,
    InvalidArgumentError,
    InvalidPageTokenError,
    StereoSpotError,
)
from stereo_spot_shared.interfaces import PageToken

from ._errors import AWS_ERRORS, AwsCall, Resource, error_code, service_error
from ._errors import error_message as error_message  # generated code reads messages here
from ._retry import BatchRetry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, QueryInputTypeDef
    from pydantic import BaseModel

    Item = dict[str, AttributeValueTypeDef]

_M = TypeVar("_M")

BATCH_WRITE_LIMIT = 25
"""BatchWriteItem accepts at most 25 put or delete requests."""


MAX_KEY_BYTES = 2048
"""DynamoDB's limit on the UTF-8 size of a partition key value (sort keys: 1024)."""

MAX_NUMBER_DIGITS = 38
"""DynamoDB numbers keep at most 38 significant digits; an int needing more is rejected."""

_NUMBER_MAGNITUDE_LIMIT = 10**126  # DynamoDB numbers are below 1E126


def require_str_key(name: str, value: object, *, max_bytes: int = MAX_KEY_BYTES) -> str:
    """A string key attribute: a non-empty ``str`` of at most ``max_bytes`` UTF-8 bytes."""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(f"{name} must not be empty")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise InvalidArgumentError(
            f"{name} is not valid Unicode ({error.reason} at index {error.start})"
        ) from error
    if size > max_bytes:
        raise InvalidArgumentError(
            f"{name} is {size} bytes of UTF-8; DynamoDB keys hold at most {max_bytes}"
        )
    return value


def require_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """An ``int`` (never a ``bool``) DynamoDB can store, optionally bounded below."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(f"{name} must be at least {minimum}, got {value}")
    to_number(name, value)
    return value


def to_number(name: str, value: int) -> str:
    """``value`` as a DynamoDB ``N`` string; more than 38 significant digits is refused."""
    # Checked before str(): Python refuses to format ints of over 4300 digits.
    if abs(value) >= _NUMBER_MAGNITUDE_LIMIT:
        raise InvalidArgumentError(
            f"{name} has {value.bit_length()} bits, beyond the largest DynamoDB number (1E126)"
        )
    text = str(value)
    if len(text.lstrip("-").rstrip("0")) > MAX_NUMBER_DIGITS:
        raise InvalidArgumentError(
            f"{name} = {text[:12]}... has more than {MAX_NUMBER_DIGITS} significant digits, "
            "more than a DynamoDB number holds"
        )
    return text


def require_bytes_key(name: str, value: object, *, max_bytes: int = MAX_KEY_BYTES) -> bytes:
    if not isinstance(value, bytes):
        raise ArgumentTypeError(f"{name} must be bytes, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(f"{name} must not be empty")
    if len(value) > max_bytes:
        raise InvalidArgumentError(
            f"{name} is {len(value)} bytes; DynamoDB keys hold at most {max_bytes}"
        )
    return value


def require_model(name: str, value: object, model: type[BaseModel]) -> None:
    if not isinstance(value, model):
        raise ArgumentTypeError(f"{name} must be a {model.__name__}, got {type(value).__name__}")


def table_resource(table_name: str, env_var: str, terraform_output: str) -> AwsCall:
    """The ``AwsCall`` a generated store wraps its requests in."""
    return AwsCall(Resource("dynamodb", "DynamoDB table", table_name, env_var, terraform_output))


def read_item(
    convert: Callable[[Item], _M], item: Item, aws: AwsCall, key_names: Sequence[str]
) -> _M:
    """``convert(item)``; an item that does not fit its model raises ``CorruptItemError``.

    A stored item missing a required attribute or holding a value its model
    rejects was found: reporting it as "not found" (``KeyError``) would hide it.
    """
    try:
        return convert(item)
    except (KeyError, TypeError, ValueError) as error:  # pydantic's ValidationError too
        key = {name: _plain(item.get(name)) for name in key_names}
        raise CorruptItemError(
            f"item {key} in {aws.resource} cannot be read: {type(error).__name__}: {error}; "
            "fix or delete the stored item",
            table=aws.resource.name,
            key=key,
        ) from error


def _plain(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value.values()))
    return value


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
            raise (ArgumentTypeError if wrong_type else InvalidArgumentError)(message) from None

    return validate


def is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


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


def query_pages(
    client: DynamoDBClient, request: QueryInputTypeDef, aws: AwsCall
) -> Iterator[list[Item]]:
    """Yield every page of a query, following ``LastEvaluatedKey`` to the end."""
    while True:
        with aws:
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
    error: StereoSpotError | None = None  # a whole request failed (the mapped botocore error)
    written: int = 0


WriteKind = Literal["PutRequest", "DeleteRequest"]
_WRITE_FIELD: dict[WriteKind, Literal["Item", "Key"]] = {
    "PutRequest": "Item",
    "DeleteRequest": "Key",
}


def batch_put(
    client: DynamoDBClient,
    aws: AwsCall,
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
    return batch_write(client, aws, "PutRequest", items, key_names, retry)


def batch_write(
    client: DynamoDBClient,
    aws: AwsCall,
    kind: WriteKind,
    items: Sequence[Item],
    key_names: Sequence[str],
    retry: BatchRetry,
) -> BatchPutOutcome:
    """Put items or delete keys with BatchWriteItem, as ``batch_put`` describes."""
    slot = _WRITE_FIELD[kind]
    table_name = aws.resource.name
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
            except AWS_ERRORS as error:
                outcome.error = service_error(error, aws.resource)
                outcome.error.__cause__ = error
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
    aws: AwsCall,
    key_names: Sequence[str],
    retry: BatchRetry,
) -> BatchPutOutcome:
    """Delete every item a keys-only query finds, page by page, in batches of 25.

    Each page is deleted before the next is read; a batch that still fails
    after ``retry`` stops the run, so the failed keys (and any later pages,
    left in place) can be deleted by calling again.
    """
    outcome = BatchPutOutcome()
    for page in query_pages(client, request, aws):
        keys = [{name: item[name] for name in key_names} for item in page]
        result = batch_write(client, aws, "DeleteRequest", keys, key_names, retry)
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
            try:
                key[name] = {"N": to_number(name, value)}
            except InvalidArgumentError as error:
                raise InvalidPageTokenError(f"page token for {listing}: {error}") from error
    return key


def now() -> int:
    """Unix seconds; the clock every generated time comparison uses."""
    return int(time.time())


def default_owner_id() -> str:
    """A lease owner id unique to this process and object: host, pid, random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def is_validation_error(error: ClientError) -> bool:
    return error_code(error) == "ValidationException"
