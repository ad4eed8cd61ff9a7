"""Queue message rules every backend applies the same way, before anything is sent.

A body keeps its type end to end: ``str`` travels as it is, ``bytes`` as
base64, and a message attribute says which, so the receiver never guesses.
The size limit counts the encoded body plus that attribute, as SQS does.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from .errors import EmptyMessageError, MessageTooLargeError

MAX_MESSAGE_BYTES = 1_048_576
"""SQS's limit (1 MiB since 2025) on one message, body plus attributes, and on one batch."""

MAX_BATCH_ENTRIES = 10
"""SQS accepts at most this many entries per SendMessageBatch / DeleteMessageBatch."""

MAX_VISIBILITY_TIMEOUT = 43_200
"""Twelve hours, the longest visibility timeout SQS allows."""

MAX_WAIT_TIME_SECONDS = 20
"""The longest long-polling wait SQS allows."""

ENCODING_ATTRIBUTE = "stereo-spot-body-encoding"
"""Message attribute recording how the body was encoded: ``utf-8`` or ``base64``."""

UTF8 = "utf-8"
BASE64 = "base64"
STRING_TYPE = "String"

# The characters SQS accepts in a body (XML 1.0 Char production). Compiled on
# first use: the astral-plane range makes compiling cost ~15 ms at import.
_NOT_SQS_CHARACTER = "[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


@dataclass(frozen=True)
class OutgoingMessage:
    """A validated body, as it will travel."""

    text: str
    encoding: str
    size: int


def encode_body(body: object) -> OutgoingMessage:
    """Validate a body and encode it for the queue; raise before anything is sent."""
    if not isinstance(body, (str, bytes)):
        raise TypeError(f"message body must be str or bytes, not {type(body).__name__}")
    if not body:
        raise EmptyMessageError("message body is empty; SQS does not accept empty messages")
    if isinstance(body, bytes):
        text = base64.b64encode(body).decode("ascii")
        encoding = BASE64
    else:
        bad = re.search(_NOT_SQS_CHARACTER, body)
        if bad is not None:
            raise ValueError(
                f"message body contains U+{ord(bad.group()):04X} at index {bad.start()}, "
                "which SQS does not accept; send the body as bytes to have it base64-encoded"
            )
        text = body
        encoding = UTF8
    size = len(text.encode("utf-8")) + len(ENCODING_ATTRIBUTE) + len(STRING_TYPE) + len(encoding)
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLargeError(
            f"message is {size} bytes ({encoding}-encoded body plus attributes), over the SQS "
            f"limit of {MAX_MESSAGE_BYTES} bytes; store the payload in S3 and send its key instead"
        )
    return OutgoingMessage(text=text, encoding=encoding, size=size)


def check_max_messages(max_messages: int) -> None:
    if not 1 <= max_messages <= MAX_BATCH_ENTRIES:
        raise ValueError(
            f"max_messages must be between 1 and {MAX_BATCH_ENTRIES}, got {max_messages}"
        )


def check_wait_time(wait_time_seconds: int) -> None:
    if not 0 <= wait_time_seconds <= MAX_WAIT_TIME_SECONDS:
        raise ValueError(
            f"wait_time_seconds must be between 0 and {MAX_WAIT_TIME_SECONDS} (SQS long polling), "
            f"got {wait_time_seconds}"
        )


def check_visibility(seconds: int) -> None:
    if not 0 <= seconds <= MAX_VISIBILITY_TIMEOUT:
        raise ValueError(
            f"seconds must be between 0 and {MAX_VISIBILITY_TIMEOUT} (12 hours), got {seconds}"
        )


def check_receipt_handle(receipt_handle: str) -> None:
    if not receipt_handle:
        raise ValueError("receipt_handle is empty; pass QueueMessage.receipt_handle")
