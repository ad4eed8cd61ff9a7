"""DynamoDB stream records as the job-events pipeline's normalised events.

A stream record (``eventName``, ``eventSourceARN``, ``dynamodb.NewImage`` in
DynamoDB JSON) reaches a consumer through the job-events queue: EventBridge
Pipes forward the jobs and segment-completions streams there on AWS, and the
in-memory backend puts the same records there itself. ``normalize_stream_record``
turns one into a ``JobTableChange`` or a ``SegmentCompletionInsert`` (or
``None`` for a record the pipeline ignores), telling the tables apart by the
stream ARN, as the original's ``job_events.normalize_dynamodb_stream_record`` does.
No cloud SDK: the image is decoded here.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import MalformedEventError
from .models import JobTableChange, SegmentCompletionInsert

__all__ = ["decode_image", "decode_value", "normalize_stream_record"]


def decode_image(image: Mapping[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB JSON (``{"job_id": {"S": "j"}, ...}``) as plain Python values.

    Numbers are ints when integral (the models' timestamps and counts), else
    ``Decimal``; binary is ``bytes``; sets are ``set``. A value that is not
    DynamoDB JSON is a ``MalformedEventError``.
    """
    if not isinstance(image, Mapping):
        raise MalformedEventError(f"a stream image must be an object, got {type(image).__name__}")
    return {str(name): decode_value(value) for name, value in image.items()}


def decode_value(value: Any) -> Any:
    """One DynamoDB JSON attribute value (``{"N": "12"}``) as a plain value."""
    if not isinstance(value, Mapping) or len(value) != 1:
        raise MalformedEventError(f"not a DynamoDB attribute value: {value!r:.80}")
    [(tag, data)] = value.items()
    if tag == "S" and isinstance(data, str):
        return data
    if tag == "N" and isinstance(data, str):
        return _number(data)
    if tag == "B" and isinstance(data, (str, bytes)):
        return _binary(data)
    if tag == "BOOL" and isinstance(data, bool):
        return data
    if tag == "NULL" and data is True:
        return None
    if tag == "L" and isinstance(data, list):
        return [decode_value(item) for item in data]
    if tag == "M" and isinstance(data, Mapping):
        return decode_image(data)
    if tag in ("SS", "NS", "BS") and isinstance(data, list):
        member = {"SS": "S", "NS": "N", "BS": "B"}[tag]
        return {decode_value({member: item}) for item in data}
    raise MalformedEventError(f"not a DynamoDB attribute value: {value!r:.80}")


def _number(text: str) -> int | Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise MalformedEventError(f"not a DynamoDB number: {text!r:.40}") from None
    if not number.is_finite():
        raise MalformedEventError(f"not a DynamoDB number: {text!r:.40}")
    return int(number) if number == number.to_integral_value() else number


def _binary(data: str | bytes) -> bytes:
    if isinstance(data, bytes):
        return data
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error as error:
        raise MalformedEventError(f"not base64 binary: {data!r:.40}") from error


def normalize_stream_record(
    record: Mapping[str, Any],
    *,
    jobs_stream_arn: str | None = None,
    segment_completions_stream_arn: str | None = None,
) -> JobTableChange | SegmentCompletionInsert | None:
    """The pipeline's event for one stream record, or ``None`` when it carries none.

    A record from the jobs stream with a new image (INSERT, MODIFY) is a
    ``JobTableChange``; an INSERT on the segment-completions stream is a
    ``SegmentCompletionInsert``. A REMOVE, a record without a ``NewImage``
    (a ``KEYS_ONLY`` or ``OLD_IMAGE`` stream), one of another stream, or one
    missing its keys is ``None``. A record whose image is not DynamoDB JSON is a
    ``MalformedEventError``.
    """
    if not isinstance(record, Mapping):
        raise MalformedEventError(f"a stream record must be an object, got {type(record).__name__}")
    arn = record.get("eventSourceARN") or ""
    change = record.get("dynamodb") or {}
    new_image = change.get("NewImage") if isinstance(change, Mapping) else None
    if not new_image:
        return None
    if jobs_stream_arn and arn == jobs_stream_arn:
        image = decode_image(new_image)
        job_id = image.get("job_id")
        if not isinstance(job_id, str) or not job_id:
            return None
        return JobTableChange(job_id=job_id, new_image=image)
    if segment_completions_stream_arn and arn == segment_completions_stream_arn:
        if record.get("eventName") != "INSERT":
            return None
        image = decode_image(new_image)
        job_id, segment_index = image.get("job_id"), image.get("segment_index")
        if not isinstance(job_id, str) or not job_id or type(segment_index) is not int:
            return None
        if segment_index < 0:
            return None
        return SegmentCompletionInsert(job_id=job_id, segment_index=segment_index)
    return None
