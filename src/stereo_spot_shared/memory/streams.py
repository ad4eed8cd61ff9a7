"""DynamoDB stream records of the in-memory tables, as EventBridge Pipes deliver them.

A table the schema gives a ``stream_view_type`` and a queue that names it in
``stream_sources`` form a ``StreamRoute``: every change of one of the table's
items puts one record on the queue, the JSON a pipe sends an SQS target
(``eventName``, ``eventSourceARN``, ``dynamodb.Keys`` / ``NewImage`` /
``OldImage`` in DynamoDB JSON, as the view type keeps them). So the
job-events pipeline runs in memory as it runs on AWS.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["StreamRoute", "attribute_value", "stream_record"]


@dataclass(frozen=True)
class StreamRoute:
    """Changes of ``table`` reach ``queue`` as stream records of ``view_type`` from ``arn``."""

    table: str
    queue: str
    view_type: str  # NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY
    arn: str


def attribute_value(value: object) -> dict[str, Any]:
    """One stored value (``str``, ``int`` or ``bytes``) in DynamoDB JSON."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes):
        return {"B": base64.b64encode(value).decode("ascii")}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"N": str(value)}
    raise TypeError(f"a stored value is str, int or bytes, not {type(value).__name__}")


def _image(record: Mapping[str, object]) -> dict[str, Any]:
    return {name: attribute_value(value) for name, value in record.items()}


def stream_record(
    route: StreamRoute,
    key_attributes: Sequence[str],
    old: Mapping[str, object] | None,
    new: Mapping[str, object] | None,
    *,
    sequence_number: int,
    now: float,
    region: str,
) -> str:
    """The JSON body of the stream record of one change (``old`` or ``new`` is ``None``)."""
    item = new if new is not None else old
    assert item is not None  # a change has at least one side
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": int(now),
        "Keys": _image({name: item[name] for name in key_attributes}),
    }
    if new is not None and route.view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["NewImage"] = _image(new)
    if old is not None and route.view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["OldImage"] = _image(old)
    change["SequenceNumber"] = f"{sequence_number:021d}"
    change["SizeBytes"] = len(json.dumps(change))
    change["StreamViewType"] = route.view_type
    return json.dumps(
        {
            "eventID": uuid.uuid4().hex,
            "eventName": "INSERT" if old is None else "REMOVE" if new is None else "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": change,
            "eventSourceARN": route.arn,
        }
    )
