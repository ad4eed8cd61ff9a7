"""In-memory ``QueueSender`` and ``QueueReceiver`` with SQS's delivery rules.

A received message is hidden for the visibility timeout and comes back, with
a higher receive count and a new receipt handle, unless it is deleted first.
Only the latest receipt handle deletes a message (an older one is accepted
and does nothing, as on SQS). ``receive`` waits for a message at most
``wait_time_seconds`` of real time and never longer.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence

from pydantic import BaseModel

from .._messages import (
    HANDLE_GONE_CODES,
    MAX_MESSAGE_BYTES,
    Attributes,
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
)
from ..errors import RejectedRequestError
from ..interfaces import MessageBody, QueueMessage
from ..processing import BatchWork, MessageWork
from .state import MemoryState, QueuedMessage

logger = logging.getLogger(__name__)


class MemoryQueueSender:
    """Sends ``str`` or ``bytes`` bodies to one in-memory queue, within its size limit."""

    def __init__(
        self, state: MemoryState, queue: str, *, max_message_bytes: int = MAX_MESSAGE_BYTES
    ) -> None:
        check_max_message_bytes(max_message_bytes)
        state.queue(queue)
        self.state = state
        self.queue = queue
        self.max_message_bytes = max_message_bytes
        self.queue_url = f"memory://{state.id}/queues/{queue}"

    def __repr__(self) -> str:
        return f"MemoryQueueSender({self.queue!r})"

    def send(self, body: MessageBody, *, attributes: Attributes | None = None) -> str:
        """Send one message, with optional message attributes; return its message id.

        Body and attributes are checked as ``SQSQueueSender.send`` checks them,
        and the current trace context is added the same way.
        """
        outgoing = encode_body(body, self.max_message_bytes, attributes=attributes)
        return self.state.enqueue(
            self.queue, body, outgoing.size, outgoing.attributes, outgoing.stable_id
        )

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
        before anything is sent, so a bad one sends none.
        """
        bodies = list(bodies)
        outgoing = encode_bodies(bodies, self.max_message_bytes, attributes=attributes)
        with self.state.lock:
            return [
                self.state.enqueue(
                    self.queue, body, message.size, message.attributes, message.stable_id
                )
                for body, message in zip(bodies, outgoing, strict=True)
            ]


class MemoryQueueReceiver:
    """Receives, deletes and extends the visibility of messages on one in-memory queue.

    ``visibility_timeout_seconds`` is the queue's (the schema's); with
    ``dead_letter_queue`` and ``max_receive_count`` a message received that many
    times moves to the dead-letter queue instead of being delivered again, as
    SQS's redrive policy does.
    """

    def __init__(
        self,
        state: MemoryState,
        queue: str,
        *,
        wait_time_seconds: int = 20,
        visibility_timeout_seconds: int | None = None,
        dead_letter_queue: str | None = None,
        max_receive_count: int | None = None,
        heartbeat_margin_seconds: float | None = None,
    ) -> None:
        check_wait_time(wait_time_seconds)
        check_visibility_timeout(visibility_timeout_seconds)
        state.queue(queue)
        if dead_letter_queue is not None:
            state.queue(dead_letter_queue)
        self.state = state
        self.queue = queue
        self.queue_url = f"memory://{state.id}/queues/{queue}"
        self.wait_time_seconds = wait_time_seconds
        self.visibility_timeout_seconds = visibility_timeout_seconds or state.visibility_timeout
        self.heartbeat_margin_seconds = heartbeat_margin_seconds
        """As ``SQSQueueReceiver.heartbeat_margin_seconds``; deadlines run on ``state.clock``."""
        self.dead_letter_queue = dead_letter_queue
        self.max_receive_count = max_receive_count
        # The consumer span ``processing`` opens, named as SQSQueueReceiver names it.
        self._span_name = f"{queue} process"

    def __repr__(self) -> str:
        return f"MemoryQueueReceiver({self.queue!r})"

    def receive(self, max_messages: int = 1) -> list[QueueMessage]:
        """Up to ``max_messages`` (1..10) visible messages, waiting at most ``wait_time_seconds``."""
        check_max_messages(max_messages)
        deadline = time.monotonic() + self.wait_time_seconds
        state = self.state
        with state.changed:
            messages = state.queue(self.queue)
            while True:
                now = state.clock()
                self._redrive(now)
                ready = [m for m in messages.values() if m.visible_at <= now][:max_messages]
                if ready:
                    return [self._deliver(message, now) for message in ready]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                # Wake for a new message, or when the next hidden one becomes visible.
                hidden = [m.visible_at - now for m in messages.values()]
                state.changed.wait(min([remaining, *hidden]))

    def processing(self, message: QueueMessage, *, retry_delay_seconds: int = 0) -> MessageWork:
        """Keep ``message`` hidden while a ``with`` block works on it; settle it on exit.

        As ``SQSQueueReceiver.processing``: see ``stereo_spot_shared.processing``.
        """
        return MessageWork(
            self,
            message,
            visibility_timeout_seconds=self.visibility_timeout_seconds,
            retry_delay_seconds=check_retry_delay(retry_delay_seconds),
            handle_gone=_handle_gone,
            span_name=self._span_name,
            margin_seconds=self.heartbeat_margin_seconds,
            clock=self.state.clock,
        )

    def processing_batch(
        self, messages: Sequence[QueueMessage], *, retry_delay_seconds: int = 0
    ) -> BatchWork:
        """``processing`` for every message of one ``receive`` at once."""
        return BatchWork(
            self,
            messages,
            visibility_timeout_seconds=self.visibility_timeout_seconds,
            retry_delay_seconds=check_retry_delay(retry_delay_seconds),
            handle_gone=_handle_gone,
            span_name=self._span_name,
            margin_seconds=self.heartbeat_margin_seconds,
            clock=self.state.clock,
        )

    def delete(self, receipt_handle: str) -> None:
        """Delete a received message so it is not delivered again."""
        check_receipt_handle(receipt_handle)
        with self.state.lock:
            message = self._find(receipt_handle, "DeleteMessage")
            if message is not None:
                del self.state.queue(self.queue)[message.message_id]

    def delete_batch(self, receipt_handles: Sequence[str]) -> None:
        """Delete many received messages; handles not deleted raise ``BatchWriteError``.

        As on SQS, each handle is answered alone: an invalid one fails its own
        entry (listed in ``.failed``) and the good ones of the call are deleted.
        """
        handles = list(receipt_handles)
        for handle in handles:
            check_receipt_handle(handle)
        failures: dict[int, str] = {}
        with self.state.lock:
            messages = self.state.queue(self.queue)
            for index, handle in enumerate(handles):
                if not self._issued_here(handle):
                    failures[index] = "ReceiptHandleIsInvalid"
                    continue
                message = self._find(handle, "DeleteMessageBatch")
                if message is not None:
                    messages.pop(message.message_id, None)
        if failures:
            raise not_deleted(self.queue_url, handles, failures)

    def change_visibility(self, receipt_handle: str, seconds: int) -> None:
        """Hide a received message for ``seconds`` more (0 makes it visible at once)."""
        check_receipt_handle(receipt_handle)
        check_visibility(seconds)
        with self.state.changed:
            message = self._find(receipt_handle, "ChangeMessageVisibility")
            now = self.state.clock()
            if message is None or message.visible_at <= now:
                raise RejectedRequestError(
                    f"sqs:ChangeMessageVisibility on SQS queue {self.queue_url!r} was rejected "
                    f"(MessageNotInflight: receipt handle {receipt_handle!r} names no message "
                    "in flight: deleted, visible again, or received since)",
                    action="sqs:ChangeMessageVisibility",
                    resource=f"SQS queue {self.queue_url!r}",
                    code="MessageNotInflight",
                )
            message.visible_at = now + seconds
            self.state.changed.notify_all()

    def _redrive(self, now: float) -> None:
        """Move visible messages received ``max_receive_count`` times to the dead-letter queue."""
        if self.dead_letter_queue is None or self.max_receive_count is None:
            return
        messages = self.state.queue(self.queue)
        spent = [
            m
            for m in messages.values()
            if m.visible_at <= now and m.receive_count >= self.max_receive_count
        ]
        for message in spent:
            del messages[message.message_id]
            message.receipt_handle = ""
            self.state.queue(self.dead_letter_queue)[message.message_id] = message
            logger.debug(
                "memory queue %s: message %s moved to %s after %d receives",
                self.queue,
                message.message_id,
                self.dead_letter_queue,
                message.receive_count,
                extra={
                    "queue": self.queue,
                    "dead_letter_queue": self.dead_letter_queue,
                    "message_id": message.message_id,
                    "receive_count": message.receive_count,
                },
            )

    def _deliver(self, message: QueuedMessage, now: float) -> QueueMessage:
        message.receive_count += 1
        message.receipt_handle = f"{self.state.id}:{self.queue}:{uuid.uuid4().hex}"
        message.visible_at = now + self.visibility_timeout_seconds
        count = message.receive_count
        return QueueMessage(
            message.receipt_handle,
            message.body,
            message_id=message.message_id,
            receive_count=count,
            attributes=dict(message.attributes),
            stable_id=message.stable_id,
            received_at=now,
        )

    def _issued_here(self, receipt_handle: str) -> bool:
        return receipt_handle.startswith(f"{self.state.id}:{self.queue}:")

    def _find(self, receipt_handle: str, action: str) -> QueuedMessage | None:
        if not self._issued_here(receipt_handle):
            # Worded as the AWS adapters word SQS's answer, which names the queue by URL.
            raise RejectedRequestError(
                f"sqs:{action} on SQS queue {self.queue_url!r} was rejected "
                "(ReceiptHandleIsInvalid: The input receipt handle is invalid.)",
                action=f"sqs:{action}",
                resource=f"SQS queue {self.queue_url!r}",
                code="ReceiptHandleIsInvalid",
            )
        return next(
            (
                message
                for message in self.state.queue(self.queue).values()
                if message.receipt_handle == receipt_handle
            ),
            None,
        )


def _handle_gone(error: BaseException) -> bool:
    """Whether ``change_visibility`` failed because the receipt handle no longer works."""
    return getattr(error, "code", None) in HANDLE_GONE_CODES
