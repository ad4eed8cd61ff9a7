"""``receiver.processing(message)``: keep received messages hidden while work runs.

A message stays invisible to other workers only for the queue's visibility
timeout. ``MessageWork`` (one message) and ``BatchWork`` (several) extend it
in the background (``heartbeat.Heartbeat``) every third of the timeout, by the
whole timeout, until the ``with`` block ends:

- the block succeeds: the messages are deleted;
- the block raises: the messages are made visible again **after
  ``retry_delay_seconds``** (default 0: immediately) so another receive retries
  them, and the exception propagates; each such failure counts towards the
  queue's ``max_receive_count``, after which SQS moves the message to its
  dead-letter queue;
- an extension fails because the receipt handle is no longer valid (the
  message was redelivered or deleted elsewhere): the message is *lost* --
  ``work.lost`` says so, the block can stop early, and on exit a lost message
  is neither deleted nor touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from stereo_spot_shared.interfaces import QueueMessage

from .heartbeat import Heartbeat, beat_interval

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import ChangeMessageVisibilityBatchRequestEntryTypeDef

__all__ = ["BatchWork", "MessageWork"]

_BATCH = 10  # SQS's limit per ChangeMessageVisibilityBatch / DeleteMessageBatch


class _Holding:
    """The messages one block holds, the heartbeat keeping them hidden, and the settling on exit."""

    def __init__(
        self,
        client: SQSClient,
        queue_url: str,
        messages: Sequence[QueueMessage],
        *,
        delete_batch: Callable[[Sequence[str]], None],
        visibility_timeout_seconds: int,
        retry_delay_seconds: int,
    ) -> None:
        self._client = client
        self._delete_batch = delete_batch
        self._queue_url = queue_url
        self._messages = list(messages)
        self._timeout = visibility_timeout_seconds
        self._retry_delay = retry_delay_seconds
        self._lost: set[int] = set()  # positions in _messages
        self._given_back: set[int] = set()
        self._heartbeat = Heartbeat(
            self._extend, beat_interval(visibility_timeout_seconds), name="sqs-visibility"
        )

    def _extend(self) -> bool:
        """One beat: extend every held message; ``False`` once none is held any more."""
        held = self._held()
        for start in range(0, len(held), _BATCH):
            group = held[start : start + _BATCH]
            entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                {
                    "Id": str(position),
                    "ReceiptHandle": self._messages[position].receipt_handle,
                    "VisibilityTimeout": self._timeout,
                }
                for position in group
            ]
            response = self._client.change_message_visibility_batch(
                QueueUrl=self._queue_url, Entries=entries
            )
            for failure in response.get("Failed", []):
                if failure.get("SenderFault"):
                    # The handle is no longer valid: someone else has the message now.
                    self._lost.add(int(failure["Id"]))
        return bool(self._held())

    def _held(self) -> list[int]:
        return [
            position
            for position in range(len(self._messages))
            if position not in self._lost and position not in self._given_back
        ]

    def _settle(self, succeeded: bool) -> None:
        if not succeeded:
            self._show(self._held())
            return
        held = self._held()
        if held:
            # Raises BatchWriteError naming any handle it could not delete.
            self._delete_batch([self._messages[p].receipt_handle for p in held])

    def _show(self, positions: list[int]) -> None:
        """Make these messages visible again after the retry delay (best effort)."""
        for start in range(0, len(positions), _BATCH):
            group = positions[start : start + _BATCH]
            # Best effort: they become visible when the current timeout lapses anyway.
            with contextlib.suppress(BotoCoreError, ClientError):
                self._client.change_message_visibility_batch(
                    QueueUrl=self._queue_url,
                    Entries=[
                        {
                            "Id": str(p),
                            "ReceiptHandle": self._messages[p].receipt_handle,
                            "VisibilityTimeout": self._retry_delay,
                        }
                        for p in group
                    ],
                )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._heartbeat.stop()
        self._settle(succeeded=exc_type is None)


class MessageWork(_Holding):
    """One received message, kept hidden while the block runs (see the module docstring)."""

    def __init__(
        self,
        client: SQSClient,
        queue_url: str,
        message: QueueMessage,
        *,
        delete_batch: Callable[[Sequence[str]], None],
        visibility_timeout_seconds: int,
        retry_delay_seconds: int = 0,
    ) -> None:
        super().__init__(
            client,
            queue_url,
            [message],
            delete_batch=delete_batch,
            visibility_timeout_seconds=visibility_timeout_seconds,
            retry_delay_seconds=retry_delay_seconds,
        )
        self.message = message

    @property
    def lost(self) -> bool:
        """The message's receipt handle stopped working: another worker may be processing it."""
        return bool(self._lost)

    def __enter__(self) -> MessageWork:
        self._heartbeat.start()
        return self


class BatchWork(_Holding):
    """Several received messages held together; each can be given back on its own."""

    def __init__(
        self,
        client: SQSClient,
        queue_url: str,
        messages: Sequence[QueueMessage],
        *,
        delete_batch: Callable[[Sequence[str]], None],
        visibility_timeout_seconds: int,
        retry_delay_seconds: int = 0,
    ) -> None:
        super().__init__(
            client,
            queue_url,
            messages,
            delete_batch=delete_batch,
            visibility_timeout_seconds=visibility_timeout_seconds,
            retry_delay_seconds=retry_delay_seconds,
        )
        self.messages: tuple[QueueMessage, ...] = tuple(messages)

    @property
    def lost(self) -> list[QueueMessage]:
        """Messages whose receipt handles stopped working; they are left alone on exit."""
        return [self._messages[p] for p in sorted(self._lost)]

    def give_back(self, message: QueueMessage) -> None:
        """Stop holding one message: it is not deleted, and is visible again after ``retry_delay_seconds``.

        For a message this worker cannot handle while the others succeed; like
        a failure, it counts towards the queue's ``max_receive_count``.
        """
        for position, held in enumerate(self._messages):
            if held is message or held.receipt_handle == message.receipt_handle:
                if position not in self._given_back and position not in self._lost:
                    self._given_back.add(position)
                    self._show([position])
                return
        raise ValueError("give_back: this message is not part of the batch")

    def __enter__(self) -> BatchWork:
        if self._messages:
            self._heartbeat.start()
        return self
