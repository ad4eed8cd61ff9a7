"""Parse queue message bodies: S3 event notifications and our own JSON payloads.

Cloud-agnostic on purpose: this reads the JSON an S3 notification carries and
never imports an SDK, so any service can parse what its queue delivers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar
from urllib.parse import quote_plus, unquote_plus

from pydantic import BaseModel, ValidationError

from .errors import MalformedEventError, UnexpectedBucketError

M = TypeVar("M", bound=BaseModel)

_TEST_EVENT = "s3:TestEvent"

# A '%' that does not start an escape: S3 writes a literal '%' as '%25'.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True, slots=True)
class S3ObjectRef:
    """One object named by an S3 event record; ``key`` is already URL-decoded."""

    bucket: str
    key: str
    size: int | None
    event_name: str


def parse_s3_event(body: str | bytes) -> list[S3ObjectRef]:
    """The objects an S3 event notification names, in record order.

    Accepts the notification as S3 sends it to SQS, or wrapped in an SNS
    envelope. The ``s3:TestEvent`` S3 sends when notifications are configured
    yields ``[]``. Anything else raises ``MalformedEventError``: JSON nested
    too deeply to parse, and keys whose percent-encoding is invalid (a stray
    ``%``, or escapes that are not UTF-8) included — a key is never guessed.
    """
    document = _load_object(body, "S3 event notification")
    if document.get("Type") == "Notification" and "Message" in document:
        message = document["Message"]
        if not isinstance(message, str):
            raise MalformedEventError("SNS notification 'Message' is not a string of JSON")
        document = _load_object(message, "S3 event notification inside the SNS 'Message'")
    if document.get("Event") == _TEST_EVENT:
        return []
    records = document.get("Records")
    if not isinstance(records, list):
        raise MalformedEventError(
            f"S3 event notification has no 'Records' list; top-level keys are {sorted(document)}"
        )
    return [_parse_record(index, record) for index, record in enumerate(records)]


def check_event_buckets(
    refs: Sequence[S3ObjectRef], allowed: Collection[str], queue: str
) -> list[S3ObjectRef]:
    """``refs``, if every one names a bucket in ``allowed``; else ``UnexpectedBucketError``.

    A queue's parser accepts events only from the buckets routed to it, so a
    notification from another bucket (another stack, a misrouted rule, a forged
    message) is never acted on as if it were ours.
    """
    for ref in refs:
        if ref.bucket not in allowed:
            expected = sorted(allowed)
            raise UnexpectedBucketError(
                f"S3 event for s3://{ref.bucket}/{ref.key} on the {queue} queue, which carries "
                f"events of bucket(s) {expected} only",
                ref.bucket,
                expected,
            )
    return list(refs)


def parse_payload(body: str | bytes, model: type[M]) -> M:
    """Validate a JSON message body as ``model``; invalid bodies raise ``MalformedEventError``."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise MalformedEventError(f"message body is not a valid {model.__name__}: {exc}") from exc


def _load_object(text: str | bytes, what: str) -> dict[str, object]:
    try:
        document = json.loads(text)
    except (ValueError, TypeError) as exc:
        # ValueError covers both JSONDecodeError and bytes that are not UTF-8.
        raise MalformedEventError(f"{what} is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise MalformedEventError(f"{what} is JSON nested too deeply to read") from exc
    if not isinstance(document, dict):
        raise MalformedEventError(f"{what} is JSON {type(document).__name__}, expected an object")
    return document


def _parse_record(index: int, record: object) -> S3ObjectRef:
    where = f"Records[{index}]"
    if not isinstance(record, dict):
        raise MalformedEventError(f"{where} is not an object")
    s3 = _child(record, "s3", where)
    bucket = _child(s3, "bucket", f"{where}.s3")
    obj = _child(s3, "object", f"{where}.s3")
    bucket_name = bucket.get("name")
    if not isinstance(bucket_name, str) or not bucket_name:
        raise MalformedEventError(f"{where}.s3.bucket.name is missing or empty")
    raw_key = obj.get("key")
    if not isinstance(raw_key, str) or not raw_key:
        raise MalformedEventError(f"{where}.s3.object.key is missing or empty")
    event_name = record.get("eventName")
    if not isinstance(event_name, str) or not event_name:
        raise MalformedEventError(f"{where}.eventName is missing or empty")
    size = obj.get("size")
    # Delete events carry no size; bool is an int subclass but never a size.
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise MalformedEventError(f"{where}.s3.object.size is {size!r}, expected a whole number")
    return S3ObjectRef(
        bucket=bucket_name, key=_decode_key(raw_key, where), size=size, event_name=event_name
    )


def _decode_key(raw_key: str, where: str) -> str:
    """S3 form-encodes keys in notifications: '+' is a space, '%XX' are UTF-8 bytes."""
    bad = _BAD_ESCAPE.search(raw_key)
    if bad is not None:
        raise MalformedEventError(
            f"{where}.s3.object.key has a '%' at index {bad.start()} that is not a %XX escape"
        )
    try:
        key = unquote_plus(raw_key, errors="strict")
    except UnicodeDecodeError as exc:
        raise MalformedEventError(
            f"{where}.s3.object.key's %XX escapes are not UTF-8 ({exc.reason})"
        ) from exc
    if not key:
        raise MalformedEventError(f"{where}.s3.object.key decodes to an empty key")
    return key


def _child(parent: dict[str, object], name: str, where: str) -> dict[str, object]:
    value = parent.get(name)
    if not isinstance(value, dict):
        raise MalformedEventError(f"{where}.{name} is missing or not an object")
    return value


def object_created_event(
    bucket: str,
    key: str,
    size: int,
    *,
    etag: str = "",
    event_name: str = "ObjectCreated:Put",
    region: str = "us-east-1",
    event_time: datetime | None = None,
) -> str:
    """The notification body S3 sends to SQS when an object is created (key form-encoded).

    The in-memory backend puts exactly this on a queue when an upload matches a
    bucket notification, and the walk sends it itself when a stack has none.
    """
    when = event_time or datetime.now(timezone.utc)
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": event_name,
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag},
        },
    }
    return json.dumps({"Records": [record]})


def test_event(bucket: str, *, event_time: datetime | None = None) -> str:
    """The ``s3:TestEvent`` S3 sends to a queue when a bucket notification is configured."""
    when = event_time or datetime.now(timezone.utc)
    return json.dumps(
        {
            "Service": "Amazon S3",
            "Event": _TEST_EVENT,
            "Time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "Bucket": bucket,
        }
    )


__all__ = [
    "S3ObjectRef",
    "check_event_buckets",
    "object_created_event",
    "parse_payload",
    "parse_s3_event",
    "test_event",
]
