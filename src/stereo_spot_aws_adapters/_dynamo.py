"""Runtime shared by every generated DynamoDB adapter.

Generated classes do their own straight-line marshalling; what lives here is
what every table needs the same way: following pages, batch writes with
retries, and JSON-safe page tokens. The argument checks are cloud-agnostic
(``stereo_spot_shared._checks``, shared with the in-memory backend) and are
re-exported here under the names generated code calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from botocore.exceptions import ClientError

from stereo_spot_shared._checks import (
    MAX_KEY_BYTES,
    MAX_NUMBER_DIGITS,
    ModelFields,
    TokenType,
    check_page_token,
    field_validator,
    fits_uncounted,
    require_bytes_key,
    require_int,
    require_model,
    require_str_key,
    storable_record,
    to_number,
)
from stereo_spot_shared._clock import default_owner_id, now
from stereo_spot_shared._lazy import LazyModule as LazyModule  # generated modules' models
from stereo_spot_shared.errors import (
    CorruptItemError,
    InvalidPageTokenError,
    LeaseLostError,
    StereoSpotError,
)
from stereo_spot_shared.interfaces import PageToken
from stereo_spot_shared.leases import FenceSource, fencing

from ._errors import AWS_ERRORS, AwsCall, Resource, error_code, error_message, service_error
from ._retry import BatchRetry, retry_leftovers

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        ConditionCheckTypeDef,
        QueryInputTypeDef,
        QueryOutputTypeDef,
        ScanInputTypeDef,
        UpdateItemInputTypeDef,
        UpdateTypeDef,
    )

    Item = dict[str, AttributeValueTypeDef]

logger = logging.getLogger(__name__)
_M = TypeVar("_M")

BATCH_WRITE_LIMIT = 25
"""BatchWriteItem accepts at most 25 put or delete requests."""


def table_resource(table_name: str, env_var: str, terraform_output: str) -> AwsCall:
    """The ``AwsCall`` a generated store wraps its requests in."""
    return AwsCall(Resource("dynamodb", "DynamoDB table", table_name, env_var, terraform_output))


def storable_item(item: Item, key_names: Sequence[str]) -> Item:
    """``item`` if DynamoDB would store it: the memory backend's check (``storable_record``),
    on the item's plain values, before any request."""
    plain: dict[str, object] = {}
    for name, value in item.items():
        if "S" in value:
            plain[name] = value["S"]
        elif "N" in value:
            plain[name] = Decimal(value["N"])
        elif "B" in value:
            plain[name] = bytes(value["B"])
        else:
            plain[name] = None  # BOOL / NULL: one byte each; models hold no other kind
    storable_record(plain, key_names)
    return item


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


def read_items(
    convert: Callable[[Item], _M], items: Sequence[Item], aws: AwsCall, key_names: Sequence[str]
) -> list[_M]:
    """``read_item`` of every item of a page, in order, with one ``try`` for the whole page.

    Only when some item fails are they read again one by one, so the first
    corrupt item is the one ``CorruptItemError`` names, as ``read_item`` does.
    """
    try:
        return [convert(item) for item in items]
    except (KeyError, TypeError, ValueError):
        pass
    return [read_item(convert, item, aws, key_names) for item in items]


def _plain(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value.values()))
    return value


def is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def _stored_item(error: ClientError) -> Item | None:
    """The stored item a failed condition returned (``ReturnValuesOnConditionCheckFailure=ALL_OLD``).

    ``None`` when no item has the key, so the caller can tell "missing" from "refused".
    """
    response: Mapping[str, Any] = error.response
    item = response.get("Item")
    return dict(item) if isinstance(item, Mapping) and item else None


@dataclass(frozen=True)
class Refused:
    """A conditional write DynamoDB refused because its condition did not hold."""

    error: ClientError  # the ConditionalCheckFailedException: the cause of what the caller raises
    stored: Item | None  # with ReturnValuesOnConditionCheckFailure=ALL_OLD: the item; None: none


def conditional_write(aws: AwsCall, write: Callable[[], object]) -> Refused | None:
    """Issue one conditional write; ``None`` when it was applied, ``Refused`` when not.

    ``write`` makes exactly one PutItem or UpdateItem request. A refused
    condition is the caller's answer (``False``, not found, a refused move), so it
    comes back as a value; every other botocore error is mapped by ``aws`` to the
    shared errors (``_errors.py``).
    """
    with aws:
        try:
            write()
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            return Refused(error, _stored_item(error))
    return None


def refused_item(
    refused: Refused, client: DynamoDBClient, table_name: str, key: Item, aws: AwsCall
) -> Item | None:
    """The item a refused conditional write met; ``None`` when no item has ``key``.

    DynamoDB returns it with the refusal (``ReturnValuesOnConditionCheckFailure=ALL_OLD``).
    An emulator that ignores that parameter (dynalite) returns nothing, which
    would read as "no such item"; then one strongly consistent read tells
    "absent" from "refused".
    """
    if refused.stored is not None:
        return refused.stored
    with aws:
        response = client.get_item(TableName=table_name, Key=key, ConsistentRead=True)
    item = response.get("Item")
    return dict(item) if item else None


def fenced_update(
    client: DynamoDBClient,
    aws: AwsCall,
    request: UpdateItemInputTypeDef,
    fence: FenceSource | None,
) -> Refused | None:
    """One conditional UpdateItem, or with a ``fence`` the same update behind a lease check.

    Fenced: one ``TransactWriteItems`` -- a ``ConditionCheck`` that the lease
    item still carries the fence's token and owner, and the update -- so
    DynamoDB itself refuses a zombie holder's write and writes nothing
    (``LeaseLostError``). The update's own refused condition comes back as
    ``Refused``, as from ``conditional_write``.
    """
    with fencing(fence) as held:
        if held is None:
            return conditional_write(aws, lambda: client.update_item(**request))
        check: ConditionCheckTypeDef = {
            "TableName": held.table_name,
            "Key": {name: _attribute_value(value) for name, value in held.key.items()},
            "ConditionExpression": "#t = :t AND #o = :o AND attribute_exists(#e)",
            "ExpressionAttributeNames": {
                "#t": held.token_attribute,
                "#o": held.owner_attribute,
                "#e": held.expires_attribute,
            },
            "ExpressionAttributeValues": {
                ":t": {"N": str(held.token)},
                ":o": {"S": held.owner},
            },
        }
        fields = {k: v for k, v in request.items() if k != "ReturnValues"}
        update = cast("UpdateTypeDef", fields)  # pragma: no mutate (the type is for mypy only)
        with aws:
            try:
                client.transact_write_items(
                    TransactItems=[{"ConditionCheck": check}, {"Update": update}]
                )
            except ClientError as error:
                if error_code(error) != "TransactionCanceledException":
                    raise
                response: Mapping[str, Any] = error.response
                reasons: list[Mapping[str, Any]] = response.get("CancellationReasons", [])
                codes = [reason.get("Code") for reason in reasons]
                if codes[:1] == ["ConditionalCheckFailed"]:
                    raise LeaseLostError(held.table_name, held.key_value, held.token) from error
                if codes[1:2] == ["ConditionalCheckFailed"]:
                    item = reasons[1].get("Item")
                    stored: Item | None = dict(item) if isinstance(item, Mapping) and item else None
                    return Refused(error, stored)
                raise
    return None


def _attribute_value(value: str | int | bytes) -> AttributeValueTypeDef:
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes):
        return {"B": value}
    return {"N": str(value)}


def one_of(name: str, allowed: Sequence[str], values: Item, placeholder: str) -> str:
    """A condition that ``name`` holds one of ``allowed`` (string values), adding the placeholders."""
    options = []
    for position, value in enumerate(allowed):
        values[f"{placeholder}_{position}"] = {"S": value}
        options.append(f"{placeholder}_{position}")
    return f"{name} IN ({', '.join(options)})"


def _query_responses(
    client: DynamoDBClient, request: QueryInputTypeDef, aws: AwsCall
) -> Iterator[QueryOutputTypeDef]:
    """Yield every response of a query, following ``LastEvaluatedKey`` to the end."""
    while True:
        with aws:
            response = client.query(**request)
        yield response
        last_key = response.get("LastEvaluatedKey")
        if not last_key:
            return
        request["ExclusiveStartKey"] = last_key


def query_pages(
    client: DynamoDBClient, request: QueryInputTypeDef, aws: AwsCall
) -> Iterator[list[Item]]:
    """Yield every page of a query's items."""
    for response in _query_responses(client, request, aws):
        yield response["Items"]


def scan_pages(client: DynamoDBClient, table_name: str, aws: AwsCall) -> Iterator[list[Item]]:
    """Yield every page of a strongly consistent scan of the whole table."""
    request: ScanInputTypeDef = {"TableName": table_name, "ConsistentRead": True}
    while True:
        with aws:
            response = client.scan(**request)
        yield response.get("Items", [])
        last_key = response.get("LastEvaluatedKey")
        if not last_key:
            return
        request["ExclusiveStartKey"] = last_key


def query_count(client: DynamoDBClient, request: QueryInputTypeDef, aws: AwsCall) -> int:
    """How many items a ``Select="COUNT"`` query matches, every page summed."""
    return sum(response["Count"] for response in _query_responses(client, request, aws))


def query_page(
    client: DynamoDBClient, request: QueryInputTypeDef, aws: AwsCall, *, token_given: bool
) -> QueryOutputTypeDef:
    """One page of a listing; DynamoDB refusing the caller's page token is ``InvalidPageTokenError``."""
    with aws:
        try:
            return client.query(**request)
        except ClientError as error:
            if token_given and is_validation_error(error):
                raise InvalidPageTokenError(
                    f"page token rejected by DynamoDB: {error_message(error)}"
                ) from error
            raise


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
        pending, error = _write_chunk(client, aws, kind, pending, retry)
        if error is not None:
            outcome.error = service_error(error, aws.resource)
        if pending:
            reason = type(outcome.error).__name__ if outcome.error else "still unprocessed"
            logger.warning(
                "gave up on %d of %d items on table %s (%s)",
                len(pending),
                sent,
                table_name,
                reason,
                extra={
                    "table_name": table_name,
                    "batch_action": kind,
                    "batch_size": sent,
                    "failed": len(pending),
                    "reason": reason,
                },
            )
        outcome.written += sent - len(pending)
        outcome.failed.extend(pending)
    return outcome


def _write_chunk(
    client: DynamoDBClient,
    aws: AwsCall,
    kind: WriteKind,
    chunk: list[Item],
    retry: BatchRetry,
) -> tuple[list[Item], Exception | None]:
    """One BatchWriteItem of at most 25 requests, resending only ``UnprocessedItems``."""
    slot = _WRITE_FIELD[kind]
    table_name = aws.resource.name

    def send_once(pending: list[Item]) -> list[Item]:
        response = client.batch_write_item(
            RequestItems={table_name: [{kind: {slot: item}} for item in pending]}  # type: ignore[misc]
        )
        unprocessed = response.get("UnprocessedItems", {}).get(table_name, [])
        return [
            cast("Item", cast("Mapping[str, Any]", request)[kind][slot])
            for request in unprocessed
            if kind in request
        ]

    def describe(pending: list[Item], attempt: int) -> None:
        logger.warning(
            "retrying %d of %d unprocessed items on table %s (attempt %d of %d)",
            len(pending),
            len(chunk),
            table_name,
            attempt,
            retry.attempts,
            extra={
                "table_name": table_name,
                "batch_action": kind,
                "batch_size": len(chunk),
                "pending": len(pending),
                "attempt": attempt,
                "max_attempts": retry.attempts,
            },
        )

    return retry_leftovers(chunk, send_once, retry, describe, AWS_ERRORS)


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
    values = check_page_token(token, attribute_types, fixed, listing)
    return {
        name: {"S": value} if isinstance(value, str) else {"N": to_number(name, value)}
        for name, value in values.items()
    }


def is_validation_error(error: ClientError) -> bool:
    return error_code(error) == "ValidationException"


__all__ = [
    "BATCH_WRITE_LIMIT",
    "MAX_KEY_BYTES",
    "MAX_NUMBER_DIGITS",
    "BatchPutOutcome",
    "LazyModule",
    "ModelFields",
    "Refused",
    "TokenType",
    "batch_put",
    "conditional_write",
    "decode_page_token",
    "default_owner_id",
    "delete_partition",
    "encode_page_token",
    "error_message",
    "field_validator",
    "fenced_update",
    "is_condition_failure",
    "is_validation_error",
    "now",
    "one_of",
    "plain_key",
    "query_count",
    "query_page",
    "query_pages",
    "read_item",
    "read_items",
    "refused_item",
    "require_bytes_key",
    "require_int",
    "require_model",
    "require_str_key",
    "scan_pages",
    "fits_uncounted",
    "storable_item",
    "table_resource",
    "to_number",
]
