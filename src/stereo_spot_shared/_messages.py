"""Queue message rules every backend applies the same way, before anything is sent.

A body keeps its type end to end: ``str`` travels as it is, ``bytes`` as
base64, and a message attribute says which, so the receiver never guesses.
User message attributes (``stereo_spot_shared.message_attributes`` holds
SQS's rules) travel beside the body, with the current trace context added when
OpenTelemetry is installed. The size limit counts the encoded body plus every
attribute, the encoding marker included, as SQS does. The
AWS adapters and the in-memory backend both call these, so a bad argument
raises the same exception with the same message on either.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._checks import check_int
from .errors import (
    ArgumentTypeError,
    BatchWriteError,
    EmptyMessageError,
    InvalidArgumentError,
    MessageTooLargeError,
)
from .message_attributes import (
    MAX_MESSAGE_ATTRIBUTES,
    NOT_SQS_CHARACTER,
    MessageAttributeValue,
    attribute_size,
    check_attributes,
)
from .tracing import with_trace_context

MAX_MESSAGE_BYTES = 1_048_576
"""SQS's largest limit (1 MiB since 2025) on one message, body plus attributes, and on one batch.

A queue's own limit (its ``MaximumMessageSize``) can be lower; the schema
declares it per queue (``max_message_bytes``) and the generated factories pass
it to the sender.
"""

MIN_MESSAGE_BYTES = 1024
"""The smallest ``MaximumMessageSize`` SQS lets a queue have."""

MAX_BATCH_ENTRIES = 10
"""SQS accepts at most this many entries per SendMessageBatch / DeleteMessageBatch."""

MAX_VISIBILITY_TIMEOUT = 43_200
"""Twelve hours, the longest visibility timeout SQS allows."""

ENCODING_ATTRIBUTE = "stereo-spot-body-encoding"
"""Message attribute recording how the body was encoded: ``utf-8`` or ``base64``."""

STABLE_ID_LABEL = "id-"
"""The encoding marker's type is ``String.id-<stable id>``: the producer's id rides there.

A custom type label (SQS allows ``String.<label>``) takes no attribute slot, and
receivers that read only the marker's value (older releases) ignore it.
"""

STABLE_ID_LENGTH = 32
"""A stable id is a UUID4's 32 hex digits."""

UTF8 = "utf-8"
BASE64 = "base64"
STRING_TYPE = "String"

MARKER_TYPE_BYTES = len(STRING_TYPE) + len(".") + len(STABLE_ID_LABEL) + STABLE_ID_LENGTH
"""The size of the encoding marker's DataType (``String.id-<stable id>``), counted in every message."""

OWN_ATTRIBUTES = 1
"""Attribute slots every backend takes for itself: the encoding marker."""

MAX_WAIT_TIME_SECONDS = 20
"""The longest long-polling wait SQS allows."""

Attributes = Mapping[str, MessageAttributeValue]
"""A message's user attributes, as ``send(body, attributes=...)`` takes them."""


@dataclass(frozen=True)
class OutgoingMessage:
    """A validated body and its attributes, as they will travel."""

    text: str
    encoding: str
    attributes: dict[str, MessageAttributeValue]
    """The caller's attributes plus the current trace context (never the encoding marker)."""
    size: int
    stable_id: str
    """Assigned here, once per message: every resend of it carries the same id."""

    @property
    def marker_type(self) -> str:
        """The encoding marker's DataType, which carries the stable id."""
        return f"{STRING_TYPE}.{STABLE_ID_LABEL}{self.stable_id}"


def encode_body(
    body: object,
    limit: int = MAX_MESSAGE_BYTES,
    *,
    attributes: Attributes | None = None,
) -> OutgoingMessage:
    """Validate a body and its attributes and encode them for SQS; raise before
    anything is sent."""
    user_attributes = with_trace_context(
        check_attributes(
            attributes, reserved_names=(ENCODING_ATTRIBUTE,), slots_taken=OWN_ATTRIBUTES
        ),
        limit=MAX_MESSAGE_ATTRIBUTES - OWN_ATTRIBUTES,
    )
    if not isinstance(body, (str, bytes)):
        raise ArgumentTypeError(f"message body must be str or bytes, not {type(body).__name__}")
    if not body:
        raise EmptyMessageError("message body is empty; SQS does not accept empty messages")
    if isinstance(body, bytes):
        text = base64.b64encode(body).decode("ascii")
        encoding = BASE64
    else:
        bad = re.search(NOT_SQS_CHARACTER, body)
        if bad is not None:
            raise InvalidArgumentError(
                f"message body contains U+{ord(bad.group()):04X} at index {bad.start()}, "
                "which SQS does not accept; send the body as bytes to have it base64-encoded"
            )
        text = body
        encoding = UTF8
    stable_id = uuid.uuid4().hex
    size = (
        len(text.encode("utf-8"))
        # The marker: its name, its type (which carries the stable id) and its value.
        + len(ENCODING_ATTRIBUTE)
        + MARKER_TYPE_BYTES
        + len(encoding)
        + sum(attribute_size(name, value) for name, value in user_attributes.items())
    )
    if size > limit:
        raise MessageTooLargeError(
            f"message is {size} bytes ({encoding}-encoded body plus attributes), over the queue's "
            f"limit of {limit} bytes; store the payload in S3 and send its key instead"
        )
    return OutgoingMessage(
        text=text, encoding=encoding, attributes=user_attributes, size=size, stable_id=stable_id
    )


def encode_bodies(
    bodies: Sequence[object],
    limit: int = MAX_MESSAGE_BYTES,
    *,
    attributes: Sequence[Attributes | None] | None = None,
) -> list[OutgoingMessage]:
    """Every body of a batch, with its attributes (``attributes[i]`` for
    ``bodies[i]``), checked before any is sent; an error names the body's index."""
    if attributes is None:
        per_body: list[Attributes | None] = [None] * len(bodies)
    else:
        per_body = list(attributes)
        if len(per_body) != len(bodies):
            raise InvalidArgumentError(
                f"attributes must hold one entry per body: {len(per_body)} for {len(bodies)} bodies"
            )
    outgoing: list[OutgoingMessage] = []
    for index, (body, extra) in enumerate(zip(bodies, per_body, strict=True)):
        try:
            outgoing.append(encode_body(body, limit, attributes=extra))
        except (InvalidArgumentError, ArgumentTypeError) as refused:
            # Same class, so callers' handlers still match; the index says which body.
            raise type(refused)(f"bodies[{index}]: {refused}") from refused
    return outgoing


def stable_id_of(marker_type: str | None, message_id: str) -> str:
    """The producer's stable id from the marker's DataType; SQS's message id when there is none.

    Messages from other producers (S3 notifications, older releases) carry no
    stable id; their SQS message id is stable across redeliveries of that message.
    """
    _, _, label = (marker_type or "").partition(".")
    if label.startswith(STABLE_ID_LABEL) and len(label) > len(STABLE_ID_LABEL):
        return label[len(STABLE_ID_LABEL) :]
    return message_id


def check_max_message_bytes(max_message_bytes: int) -> None:
    check_int("max_message_bytes", max_message_bytes, MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES)


def check_wait_time(wait_time_seconds: int) -> None:
    check_int("wait_time_seconds", wait_time_seconds, 0, MAX_WAIT_TIME_SECONDS, "SQS long polling")


def check_max_messages(max_messages: int) -> None:
    check_int("max_messages", max_messages, 1, MAX_BATCH_ENTRIES)


def check_visibility(seconds: int) -> None:
    check_int("seconds", seconds, 0, MAX_VISIBILITY_TIMEOUT, "12 hours")


def check_visibility_timeout(seconds: int | None) -> None:
    """A receiver's ``visibility_timeout_seconds`` (the queue's, from the schema), when given."""
    if seconds is not None:
        check_int("visibility_timeout_seconds", seconds, 1, MAX_VISIBILITY_TIMEOUT)


def check_receipt_handle(receipt_handle: str) -> None:
    if not isinstance(receipt_handle, str):
        raise ArgumentTypeError(
            f"receipt_handle must be a str, got {type(receipt_handle).__name__}"
        )
    if not receipt_handle:
        raise InvalidArgumentError("receipt_handle is empty; pass QueueMessage.receipt_handle")


HANDLE_GONE_CODES = frozenset(
    {
        "ReceiptHandleIsInvalid",
        "InvalidParameterValue",  # also: past the 12-hour visibility limit, so no longer extendable
        "MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
    }
)
"""Error codes that mean a receipt handle no longer works (the message is not held any more)."""


def not_deleted(
    queue_url: str, handles: Sequence[str], failures: Mapping[int, str]
) -> BatchWriteError:
    """What ``delete_batch`` raises, on every backend, when some handles did not delete.

    SQS answers a batch entry by entry: the good handles of the same call are
    deleted, and ``failures`` (index into ``handles`` -> error code) holds the rest.
    """
    codes = ", ".join(sorted(set(failures.values())))
    return BatchWriteError(
        f"{len(failures)} of {len(handles)} messages were not deleted from "
        f"{queue_url} ({codes}); they will be delivered again unless "
        "the receipt handles in .failed are deleted",
        [handles[index] for index in sorted(failures)],
    )


def check_retry_delay(seconds: int) -> int:
    check_int("retry_delay_seconds", seconds, 0, MAX_VISIBILITY_TIMEOUT, "12 hours")
    return seconds
