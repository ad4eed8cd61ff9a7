"""SQS implementations of ``QueueSender`` and ``QueueReceiver``.

A body comes out of the queue with the type it went in: ``str`` bodies are sent
as they are, ``bytes`` bodies are base64-encoded (SQS bodies must be XML
characters), and a message attribute records which one was done so the
receiver never guesses from content. Messages without that attribute (S3
notifications, other producers) are received as ``str``.

User message attributes travel beside the body (``send(body, attributes=...)``)
and come back in ``QueueMessage.attributes``; ``stereo_spot_shared.message_attributes``
holds the rules, checked before any request. The encoding marker is ours: it
takes one of the message's ten attribute slots and is never shown to users.
With OpenTelemetry installed, ``send`` adds the current trace context to the
attributes (``stereo_spot_shared.tracing``) when there is room.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, HTTPClientError

from stereo_spot_shared._messages import (
    BASE64,
    ENCODING_ATTRIBUTE,
    HANDLE_GONE_CODES,
    MAX_BATCH_ENTRIES,
    MAX_MESSAGE_BYTES,
    MAX_VISIBILITY_TIMEOUT,
    MIN_MESSAGE_BYTES,
    UTF8,
    Attributes,
    OutgoingMessage,
    check_max_message_bytes,
    check_max_messages,
    check_receipt_handle,
    check_retry_delay,
    check_visibility,
    check_visibility_timeout,
    check_wait_time,
    encode_bodies,
    encode_body,
    not_deleted,
    stable_id_of,
)
from stereo_spot_shared.errors import (
    ArgumentTypeError,
    BatchWriteError,
    InvalidArgumentError,
    MalformedEventError,
    StereoSpotError,
)
from stereo_spot_shared.interfaces import MessageBody, QueueMessage
from stereo_spot_shared.message_attributes import (
    MessageAttributeValue,
    data_type,
    number_text,
    parse_number,
)

from ._clients import get_client
from ._env import EnvVariable
from ._errors import AWS_ERRORS, AwsCall, error_code, resource_call, service_error
from ._retry import BatchRetry, retry_leftovers

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import (
        BatchResultErrorEntryTypeDef,
        DeleteMessageBatchRequestEntryTypeDef,
        MessageAttributeValueOutputTypeDef,
        MessageAttributeValueTypeDef,
        MessageTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )
    from pydantic import BaseModel

    from stereo_spot_shared.processing import BatchWork, MessageWork

TRACE_HEADER_ATTRIBUTE: Final = "AWSTraceHeader"
"""The system attribute (X-Ray trace header) returned in ``QueueMessage.attributes``."""

logger = logging.getLogger(__name__)

UNKNOWN_QUEUE_WINDOW_SECONDS = 30
"""How long ``processing`` hides a message per window when the receiver does not know the
queue's visibility timeout (the SQS default); renewed every third of it."""

_E = TypeVar("_E")
_S = TypeVar("_S")


RESPONSE_LOST = "ResponseLost"
"""The code of a send whose response never came: SQS may or may not have accepted it."""


class _ResponseLostError(HTTPClientError):
    """A SendMessageBatch request reached SQS, but no answer came back (or a 5xx did).

    A botocore transport error, so that any other caller of a client this hook is
    on (``dlq --redrive`` sharing it) has it mapped to the shared errors as usual:
    ``RetryableServiceError``, as for any answer that never came.
    """

    fmt = "the response to a SendMessageBatch was lost: {error}"


def _no_blind_batch_resend(
    caught_exception: Exception | None = None, response: Any = None, **_: Any
) -> None:
    """botocore's ``needs-retry`` hook for SendMessageBatch: never resend a whole batch.

    After a lost response botocore would resend every entry and return normally,
    duplicating silently. This stops it; ``_run_batch`` resends the unconfirmed
    entries itself, with the same entry ids and stable ids, and logs how many.
    A connection that never opened sent nothing, and a 4xx throttle accepted
    nothing: botocore retries those as usual.
    """
    if caught_exception is not None:
        if not isinstance(caught_exception, (EndpointConnectionError, ConnectTimeoutError)):
            raise _ResponseLostError(error=caught_exception)
    elif response is not None and response[0].status_code >= 500:
        raise _ResponseLostError(error=f"HTTP {response[0].status_code}")


@dataclass
class _BatchOutcome(Generic[_S]):
    succeeded: dict[str, _S] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # entry id -> error code
    error: StereoSpotError | None = None  # request-level error that stopped it (mapped)
    lost: StereoSpotError | None = (
        None  # the last lost response (mapped), if entries gave up on one
    )


class SQSQueueSender:
    """Sends ``str`` or ``bytes`` bodies to one SQS queue.

    ``max_message_bytes`` is the queue's ``MaximumMessageSize`` (the schema's
    ``max_message_bytes``); larger messages raise ``MessageTooLargeError``
    before any request. ``env_variable`` names where the URL came from, for
    the error raised when the queue does not exist.
    """

    def __init__(
        self,
        queue_url: str,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        client: SQSClient | None = None,
        retry: BatchRetry | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        env_variable: EnvVariable | None = None,
    ) -> None:
        _check_queue_url(queue_url)
        check_max_message_bytes(max_message_bytes)
        self.queue_url = queue_url
        self.max_message_bytes = max_message_bytes
        self._client = get_client(
            "sqs", region_name=region_name, endpoint_url=endpoint_url, client=client
        )
        self._retry = retry or BatchRetry()
        self._aws = resource_call("sqs", "SQS queue", queue_url, env_variable)
        self._client.meta.events.register_first(
            "needs-retry.sqs.SendMessageBatch",
            _no_blind_batch_resend,
            unique_id="stereo-spot-no-blind-batch-resend",
        )

    def send(self, body: MessageBody, *, attributes: Attributes | None = None) -> str:
        """Send one message, with optional message attributes; return its message id.

        Body and attributes are checked before the request: a bad name or
        value, more than nine attributes, or a message over the queue's size
        limit raises without sending anything.
        """
        outgoing = encode_body(body, self.max_message_bytes, attributes=attributes)
        with self._aws:
            response = self._client.send_message(
                QueueUrl=self.queue_url,
                MessageBody=outgoing.text,
                MessageAttributes=_to_wire(outgoing),
            )
        return response["MessageId"]

    def send_payload(self, payload: BaseModel, *, attributes: Attributes | None = None) -> str:
        """Send a pydantic model as its JSON."""
        return self.send(payload.model_dump_json(), attributes=attributes)

    def send_batch(
        self,
        bodies: Sequence[MessageBody],
        *,
        attributes: Sequence[Attributes | None] | None = None,
    ) -> list[str]:
        """Send many messages; return their message ids in input order.

        ``attributes``, when given, holds each body's message attributes (or
        ``None``), in the same order. Every body and attribute is validated
        before anything is sent. Entries SQS reports as failed are retried;
        those that still fail raise ``BatchWriteError`` whose ``failed`` holds
        exactly the bodies that were not sent.

        Only unconfirmed entries are resent. When a response is lost (a
        dropped connection, a timeout, a 5xx) the entries it carried are resent
        with the same entry ids and stable ids: SQS may have accepted them, so
        each may be delivered twice, and a WARNING gives the count. Consumers
        deduplicate on ``QueueMessage.stable_id``.
        """
        bodies = list(bodies)
        outgoing = encode_bodies(bodies, self.max_message_bytes, attributes=attributes)
        message_ids: dict[int, str] = {}
        failures: dict[int, str] = {}
        error: StereoSpotError | None = None
        lost: StereoSpotError | None = None
        for group in _plan_batches(outgoing, self.max_message_bytes):
            if error is not None:
                # The queue just refused a whole request; later ones would fail alike.
                failures.update(dict.fromkeys(group, "NotAttempted"))
                continue
            entries: dict[str, SendMessageBatchRequestEntryTypeDef] = {
                str(index): {
                    "Id": str(index),
                    "MessageBody": outgoing[index].text,
                    "MessageAttributes": _to_wire(outgoing[index]),
                }
                for index in group
            }
            outcome = _run_batch(self._send_entries, entries, self._retry, self._aws, action="send")
            message_ids.update({int(key): value for key, value in outcome.succeeded.items()})
            failures.update({int(key): code for key, code in outcome.failed.items()})
            error = outcome.error
            lost = lost or outcome.lost
        if failures:
            codes = ", ".join(sorted(set(failures.values())))
            raise BatchWriteError(
                f"{len(failures)} of {len(bodies)} messages were not sent to {self.queue_url} "
                f"({codes}); the others were sent, so retry only the bodies in .failed",
                [bodies[index] for index in sorted(failures)],
            ) from (error or lost)
        return [message_ids[index] for index in range(len(bodies))]

    def _send_entries(
        self, entries: list[SendMessageBatchRequestEntryTypeDef]
    ) -> tuple[dict[str, str], list[BatchResultErrorEntryTypeDef]]:
        response = self._client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        succeeded = {entry["Id"]: entry["MessageId"] for entry in response.get("Successful", [])}
        return succeeded, response.get("Failed", [])


class SQSQueueReceiver:
    """Receives, deletes and extends the visibility of messages on one SQS queue."""

    def __init__(
        self,
        queue_url: str,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        wait_time_seconds: int = 20,
        client: SQSClient | None = None,
        retry: BatchRetry | None = None,
        env_variable: EnvVariable | None = None,
        visibility_timeout_seconds: int | None = None,
        on_malformed: Callable[[str, MalformedEventError], None] | None = None,
        heartbeat_margin_seconds: float | None = None,
    ) -> None:
        _check_queue_url(queue_url)
        check_wait_time(wait_time_seconds)
        check_visibility_timeout(visibility_timeout_seconds)
        self.visibility_timeout_seconds = visibility_timeout_seconds
        """The queue's visibility timeout (the schema's); when ``None``, ``processing`` holds
        each message in windows of ``UNKNOWN_QUEUE_WINDOW_SECONDS`` it sets itself."""
        self.heartbeat_margin_seconds = heartbeat_margin_seconds
        """How long before its visibility deadline ``processing`` counts a message lost (the
        schema's); a tenth of the timeout, at most 30 s, when ``None``."""
        self.on_malformed = on_malformed
        """Called with the message id and error of each message ``receive`` skips as malformed."""
        self.queue_url = queue_url
        self.wait_time_seconds = wait_time_seconds
        self._client = get_client(
            "sqs", region_name=region_name, endpoint_url=endpoint_url, client=client
        )
        self._retry = retry or BatchRetry()
        self._aws = resource_call("sqs", "SQS queue", queue_url, env_variable)
        # The consumer span ``processing`` opens, named as the messaging conventions do.
        self._span_name = f"{queue_url.rstrip('/').rsplit('/', 1)[-1]} process"

    def receive(self, max_messages: int = 1) -> list[QueueMessage]:
        """Long-poll for up to ``max_messages`` (1..10) messages; may return fewer or none.

        A message whose encoding attribute is unknown or whose base64 body does
        not decode is *left for the dead-letter queue*: it is not returned (the
        others of the batch are), not deleted, and ``on_malformed`` (if set) is
        called with its id and the ``MalformedEventError``. It reappears after
        the visibility timeout, and after ``max_receive_count`` receives SQS
        moves it to the queue's dead-letter queue (``python -m
        stereo_spot_aws_adapters dlq QUEUE`` lists it).
        """
        check_max_messages(max_messages)
        sent_at = time.monotonic()  # each message's visibility deadline counts from here
        with self._aws:
            response = self._client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=max_messages,
                WaitTimeSeconds=self.wait_time_seconds,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["ApproximateReceiveCount", TRACE_HEADER_ATTRIBUTE],
            )
        received: list[QueueMessage] = []
        for message in response.get("Messages", []):
            try:
                received.append(_decode(message, sent_at))
            except MalformedEventError as error:
                logger.warning(
                    "skipped a malformed message on %s, left for the dead-letter queue: %s",
                    self.queue_url,
                    error,
                    extra={"queue_url": self.queue_url, "message_id": message.get("MessageId")},
                )
                if self.on_malformed is not None:
                    self.on_malformed(message.get("MessageId", ""), error)
        return received

    def processing(self, message: QueueMessage, *, retry_delay_seconds: int = 0) -> MessageWork:
        """Keep ``message`` hidden while a ``with`` block works on it; settle it on exit.

        ``with receiver.processing(message) as work:`` -- the visibility is
        extended in the background every third of the visibility timeout; a
        normal exit deletes the message; an exception makes it visible again
        after ``retry_delay_seconds`` (default: immediately) and propagates.
        ``work.lost`` turns ``True`` if an extension finds the receipt handle
        no longer valid. See ``stereo_spot_shared.processing``.
        """
        from stereo_spot_shared.processing import MessageWork  # first use: not at import

        retry_delay = check_retry_delay(retry_delay_seconds)
        return MessageWork(
            self,
            message,
            visibility_timeout_seconds=self._visibility_timeout([message]),
            retry_delay_seconds=retry_delay,
            handle_gone=receipt_handle_gone,
            span_name=self._span_name,
            margin_seconds=self.heartbeat_margin_seconds,
        )

    def processing_batch(
        self, messages: Sequence[QueueMessage], *, retry_delay_seconds: int = 0
    ) -> BatchWork:
        """``processing`` for every message of a ``receive(max_messages=n)`` at once.

        A normal exit deletes every message still held; ``work.give_back(m)``
        excludes one (it becomes visible again on exit). An exception makes all
        held messages visible again. ``work.lost`` lists messages whose
        extension failed. See ``stereo_spot_shared.processing``.
        """
        from stereo_spot_shared.processing import BatchWork  # first use: not at import

        retry_delay = check_retry_delay(retry_delay_seconds)
        return BatchWork(
            self,
            messages,
            visibility_timeout_seconds=self._visibility_timeout(messages),
            retry_delay_seconds=retry_delay,
            handle_gone=receipt_handle_gone,
            span_name=self._span_name,
            margin_seconds=self.heartbeat_margin_seconds,
        )

    def _visibility_timeout(self, messages: Sequence[QueueMessage]) -> int:
        """The window ``processing`` keeps a message hidden for, renewed every third of it.

        Without the queue's timeout (the schema's, which ``env_config`` passes), the
        receiver does not ask the queue (``sqs:GetQueueAttributes`` is in no
        consumer's policy): it sets each message's visibility to
        ``UNKNOWN_QUEUE_WINDOW_SECONDS`` itself, with the ChangeMessageVisibility
        it renews it with, so the window is known from the start.
        """
        if self.visibility_timeout_seconds is not None:
            return self.visibility_timeout_seconds
        for message in messages:
            try:
                self.change_visibility(message.receipt_handle, UNKNOWN_QUEUE_WINDOW_SECONDS)
            except Exception as error:
                if not receipt_handle_gone(error):
                    raise  # a gone handle is the heartbeat's to report, as ``work.lost``
        return UNKNOWN_QUEUE_WINDOW_SECONDS

    def delete(self, receipt_handle: str) -> None:
        """Delete a received message so it is not delivered again."""
        check_receipt_handle(receipt_handle)
        with self._aws:
            self._client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt_handle)

    def delete_batch(self, receipt_handles: Sequence[str]) -> None:
        """Delete many received messages; handles not deleted raise ``BatchWriteError``."""
        handles = list(receipt_handles)
        for handle in handles:
            check_receipt_handle(handle)
        failures: dict[int, str] = {}
        error: StereoSpotError | None = None
        for start in range(0, len(handles), MAX_BATCH_ENTRIES):
            group = range(start, min(start + MAX_BATCH_ENTRIES, len(handles)))
            if error is not None:
                failures.update(dict.fromkeys(group, "NotAttempted"))
                continue
            entries: dict[str, DeleteMessageBatchRequestEntryTypeDef] = {
                str(index): {"Id": str(index), "ReceiptHandle": handles[index]} for index in group
            }
            outcome = _run_batch(
                self._delete_entries, entries, self._retry, self._aws, action="delete"
            )
            failures.update({int(key): code for key, code in outcome.failed.items()})
            error = outcome.error
        if failures:
            raise not_deleted(self.queue_url, handles, failures) from error

    def change_visibility(self, receipt_handle: str, seconds: int) -> None:
        """Hide a received message for ``seconds`` more (0 makes it visible at once)."""
        check_receipt_handle(receipt_handle)
        check_visibility(seconds)
        with self._aws:
            self._client.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
            )

    def _delete_entries(
        self, entries: list[DeleteMessageBatchRequestEntryTypeDef]
    ) -> tuple[dict[str, None], list[BatchResultErrorEntryTypeDef]]:
        response = self._client.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        succeeded = {entry["Id"]: None for entry in response.get("Successful", [])}
        return succeeded, response.get("Failed", [])


def _to_wire(outgoing: OutgoingMessage) -> dict[str, MessageAttributeValueTypeDef]:
    """The message attributes as SQS takes them: the user's, then the encoding marker."""
    wire = {name: _value_to_wire(value) for name, value in outgoing.attributes.items()}
    wire[ENCODING_ATTRIBUTE] = {"DataType": outgoing.marker_type, "StringValue": outgoing.encoding}
    return wire


def _value_to_wire(value: MessageAttributeValue) -> MessageAttributeValueTypeDef:
    kind = data_type(value)
    if isinstance(value, bytes):
        return {"DataType": kind, "BinaryValue": value}
    if isinstance(value, str):
        return {"DataType": kind, "StringValue": value}
    return {"DataType": kind, "StringValue": number_text(value)}


def _from_wire(name: str, value: MessageAttributeValueOutputTypeDef) -> MessageAttributeValue:
    # Custom types ("Number.float", "Binary.gzip") read as their base kind.
    kind = value["DataType"].partition(".")[0]
    if kind == "Binary":
        return bytes(value.get("BinaryValue", b""))
    text = value.get("StringValue", "")
    if kind == "Number":
        try:
            return parse_number(text)
        except ArithmeticError as exc:
            raise MalformedEventError(
                f"message attribute {name!r} is marked Number but does not hold a number"
            ) from exc
    return text


class _HasSize(Protocol):
    """A message as batching sees it: its size as SQS counts it (body plus attributes)."""

    @property
    def size(self) -> int: ...


def _plan_batches(outgoing: Sequence[_HasSize], limit: int = MAX_MESSAGE_BYTES) -> list[list[int]]:
    """Group indices, in order, so each batch has at most 10 entries and ``limit`` bytes.

    The queue's own message limit bounds a batch too: never more than SQS's
    1 MiB, and safe whether or not SQS applies the queue's limit to the total.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    current_size = 0
    for index, message in enumerate(outgoing):
        if current and (len(current) == MAX_BATCH_ENTRIES or current_size + message.size > limit):
            batches.append(current)
            current, current_size = [], 0
        current.append(index)
        current_size += message.size
    if current:
        batches.append(current)
    return batches


def _run_batch(
    request: Callable[[list[_E]], tuple[dict[str, _S], list[BatchResultErrorEntryTypeDef]]],
    entries: dict[str, _E],
    retry: BatchRetry,
    aws: AwsCall,
    *,
    action: str,
) -> _BatchOutcome[_S]:
    """Send one batch, retrying only the entries reported as failed.

    An entry that succeeded is never sent again. A request-level error (after
    botocore's own retries) stops the run: the entries still pending are
    reported failed with that error's code, and the error is kept as the cause.
    Each retry and a batch that gives up are logged at WARNING.
    """
    outcome: _BatchOutcome[_S] = _BatchOutcome()
    last_code: dict[str, str] = {}
    queue_url = aws.resource.name
    unconfirmed: set[str] = set()  # entries a lost response may have delivered
    resent = 0

    def send_once(pending: dict[str, _E]) -> dict[str, _E]:
        nonlocal resent
        resent += len(unconfirmed.intersection(pending))
        try:
            succeeded, failed = request(list(pending.values()))
        except _ResponseLostError as lost:
            unconfirmed.update(pending)
            last_code.update(dict.fromkeys(pending, RESPONSE_LOST))
            outcome.lost = service_error(lost, aws.resource)
            logger.debug("%s on %s", lost, queue_url)
            return dict(pending)
        left = dict(pending)
        for entry_id, result in succeeded.items():
            if entry_id in left:
                del left[entry_id]
                outcome.succeeded[entry_id] = result
        for failure in failed:
            entry_id = failure["Id"]
            if entry_id not in left:
                continue
            if failure["SenderFault"]:
                outcome.failed[entry_id] = failure["Code"]
                del left[entry_id]
            else:
                last_code[entry_id] = failure["Code"]
        return left

    def describe(pending: dict[str, _E], attempt: int) -> None:
        logger.warning(
            "retrying %d of %d %s entries on %s (attempt %d of %d; %s)",
            len(pending),
            len(entries),
            action,
            queue_url,
            attempt,
            retry.attempts,
            ", ".join(sorted(set(last_code.values()))),
            extra={
                "queue_url": queue_url,
                "batch_action": action,
                "batch_size": len(entries),
                "pending": len(pending),
                "attempt": attempt,
                "max_attempts": retry.attempts,
            },
        )

    pending, error = retry_leftovers(dict(entries), send_once, retry, describe, AWS_ERRORS)
    if resent:
        logger.warning(
            "resent %d %s entries on %s after a lost response; SQS may have accepted them "
            "before, so up to %d duplicates can be delivered, each with its stable id",
            resent,
            action,
            queue_url,
            resent,
            extra={
                "queue_url": queue_url,
                "batch_action": action,
                "batch_size": len(entries),
                "possible_duplicates": resent,
            },
        )
    if error is not None:
        outcome.failed.update(dict.fromkeys(pending, error_code(error)))
        outcome.error = service_error(error, aws.resource)
    else:
        outcome.failed.update(
            {entry_id: last_code.get(entry_id, "NoResult") for entry_id in pending}
        )
        if RESPONSE_LOST not in (last_code.get(entry_id) for entry_id in pending):
            outcome.lost = None  # a later answer settled what the lost response left
    if outcome.failed:
        _log_gave_up(queue_url, action, len(entries), outcome)
    return outcome


def _log_gave_up(queue_url: str, action: str, total: int, outcome: _BatchOutcome[_S]) -> None:
    logger.warning(
        "gave up on %d of %d %s entries on %s (%s)",
        len(outcome.failed),
        total,
        action,
        queue_url,
        ", ".join(sorted(set(outcome.failed.values()))),
        extra={
            "queue_url": queue_url,
            "batch_action": action,
            "batch_size": total,
            "failed": len(outcome.failed),
            "error_codes": sorted(set(outcome.failed.values())),
        },
    )


def _decode(message: MessageTypeDef, received_at: float | None = None) -> QueueMessage:
    message_id = message["MessageId"]
    raw = message["Body"]
    marker = message.get("MessageAttributes", {}).get(ENCODING_ATTRIBUTE)
    encoding = marker.get("StringValue") if marker is not None else None
    body: MessageBody
    if encoding is None or encoding == UTF8:
        body = raw
    elif encoding == BASE64:
        try:
            body = base64.b64decode(raw, validate=True)
        except binascii.Error as exc:
            raise MalformedEventError(
                f"message {message_id} is marked {ENCODING_ATTRIBUTE}=base64 "
                f"but its body is not base64: {exc}"
            ) from exc
    else:
        raise MalformedEventError(
            f"message {message_id} has unknown {ENCODING_ATTRIBUTE}={encoding!r}; "
            f"expected {UTF8!r} or {BASE64!r}"
        )
    system = message.get("Attributes", {})
    attributes: dict[str, MessageAttributeValue] = {
        name: _from_wire(name, value)
        for name, value in message.get("MessageAttributes", {}).items()
        if name != ENCODING_ATTRIBUTE
    }
    if TRACE_HEADER_ATTRIBUTE in system:
        attributes[TRACE_HEADER_ATTRIBUTE] = system[TRACE_HEADER_ATTRIBUTE]
    return QueueMessage(
        message["ReceiptHandle"],
        body,
        message_id=message_id,
        receive_count=int(system.get("ApproximateReceiveCount", "1")),
        attributes=attributes,
        stable_id=stable_id_of(marker.get("DataType") if marker is not None else None, message_id),
        received_at=received_at,
    )


def _check_queue_url(queue_url: str) -> None:
    if not isinstance(queue_url, str):
        raise ArgumentTypeError(f"queue_url must be a str, got {type(queue_url).__name__}")
    if not queue_url:
        raise InvalidArgumentError(
            "queue_url is empty; pass the queue URL, e.g. from CHUNKING_QUEUE_URL"
        )
    if not queue_url.startswith(("https://", "http://")):
        raise InvalidArgumentError(
            f"queue_url must be the queue's URL (https://sqs.<region>.amazonaws.com/<account>/"
            f"<name>), got {queue_url!r}"
        )


def receipt_handle_gone(error: BaseException) -> bool:
    """Whether ``change_visibility`` failed because the receipt handle no longer works."""
    # A mapped error (RejectedRequestError) carries the service's code; a raw one has it inside.
    code = getattr(error, "code", None) or error_code(error)
    return code in HANDLE_GONE_CODES


__all__ = [
    "ENCODING_ATTRIBUTE",
    "TRACE_HEADER_ATTRIBUTE",
    "MAX_BATCH_ENTRIES",
    "MAX_MESSAGE_BYTES",
    "MAX_VISIBILITY_TIMEOUT",
    "MIN_MESSAGE_BYTES",
    "BatchRetry",
    "SQSQueueReceiver",
    "SQSQueueSender",
]
