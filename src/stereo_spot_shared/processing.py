"""``receiver.processing(message)``: keep received messages hidden while work runs.

A message stays invisible to other workers only for the queue's visibility
timeout. ``MessageWork`` (one message) and ``BatchWork`` (several) extend it
in the background (``heartbeat.Heartbeat``) every third of the timeout, by the
whole timeout, until the ``with`` block ends:

- the block succeeds: the messages are deleted;
- the block raises: the messages are made visible again **after
  ``retry_delay_seconds``** (default 0: immediately) so another receive retries
  them, and the exception propagates; each such failure counts towards the
  queue's ``max_receive_count``, after which the queue moves the message to its
  dead-letter queue;
- an extension fails because the receipt handle is no longer valid (the
  message was redelivered or deleted elsewhere): the message is *lost* --
  ``work.lost`` says so, the block can stop early, and on exit a lost message
  is neither deleted nor touched;
- no extension was confirmed before the visibility deadline, less the queue's
  heartbeat margin, on this worker's monotonic clock (a silent endpoint, a
  paused process): every message is lost the same way. SQS may accept a stale
  receipt handle, so this never waits for the endpoint to refuse one. The
  deadline starts when the ``receive`` that returned the message was *sent*
  (``QueueMessage.received_at``).

A child process forked inside the block never settles it: the parent does.

Cloud-agnostic: any receiver with ``change_visibility`` and ``delete_batch``
(``QueueReceiver``) can hand these out, with a test telling a vanished receipt
handle from a passing failure.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol

from . import _clock
from .errors import BatchWriteError, InvalidConfigurationError, StereoSpotError
from .heartbeat import Heartbeat, beat_interval
from .queue_message import QueueMessage
from .tracing import continue_traces, tracing_active

__all__ = ["BatchWork", "MessageWork", "VisibilityControl", "check_holdable", "default_margin"]

logger = logging.getLogger(__name__)


class VisibilityControl(Protocol):
    """What held messages need of a receiver."""

    def change_visibility(self, receipt_handle: str, seconds: int) -> None: ...

    def delete(self, receipt_handle: str) -> None: ...

    def delete_batch(self, receipt_handles: Sequence[str]) -> None: ...


HandleGone = Callable[[BaseException], bool]
"""Whether an error from ``change_visibility`` means the receipt handle no longer works."""


def default_margin(visibility_timeout_seconds: int) -> float:
    """The heartbeat margin of a queue the schema gives none: a tenth of its timeout, at most 30 s."""
    return min(visibility_timeout_seconds / 10, 30.0)


def check_holdable(visibility_timeout_seconds: int, margin_seconds: float) -> None:
    """Refuse, before any request, a timeout too short to keep a message hidden with this margin.

    A visibility timeout of 0 (read from the queue) would make every
    extension show the message to other workers at once.
    """
    if visibility_timeout_seconds < 1:
        raise InvalidConfigurationError(
            f"the queue's visibility timeout is {visibility_timeout_seconds} s: a message "
            "cannot be held (each extension would make it visible at once); set it to 1 s or more"
        )
    if not 0 < margin_seconds <= visibility_timeout_seconds / 3:
        raise InvalidConfigurationError(
            f"heartbeat margin {margin_seconds:g} s must be above 0 and at most a third of the "
            f"visibility timeout ({visibility_timeout_seconds} s)"
        )


class _Holding:
    """The messages one block holds, the heartbeat keeping them hidden, and the settling on exit."""

    def __init__(
        self,
        receiver: VisibilityControl,
        messages: Sequence[QueueMessage],
        *,
        visibility_timeout_seconds: int,
        retry_delay_seconds: int,
        handle_gone: HandleGone,
        span_name: str = "process",
        margin_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        margin = (
            default_margin(visibility_timeout_seconds) if margin_seconds is None else margin_seconds
        )
        check_holdable(visibility_timeout_seconds, margin)
        self._receiver = receiver
        self._clock = clock
        self._generation = _clock.fork_generation()
        self._messages = list(messages)
        self._timeout = visibility_timeout_seconds
        self._retry_delay = retry_delay_seconds
        self._handle_gone = handle_gone
        self._lost: set[int] = set()  # positions in _messages
        self._given_back: set[int] = set()
        # _extend logs each lost message by id: the heartbeat stopping is not another event.
        self._heartbeat = Heartbeat(
            self._extend,
            beat_interval(visibility_timeout_seconds),
            lifetime=visibility_timeout_seconds,
            margin=margin,
            clock=clock,
            name="queue-visibility",
            report_loss=False,
        )
        # The block runs in a span continuing the producers' traces (with OpenTelemetry).
        self._span_name = span_name
        self._trace: contextlib.ExitStack | None = None  # made only when tracing is active

    def _begin(self) -> None:
        if tracing_active():  # without a configured tracer provider a span is a no-op
            self._trace = contextlib.ExitStack()
            self._trace.enter_context(continue_traces(self._messages, self._span_name))
        received = [m.received_at for m in self._messages if m.received_at is not None]
        # Hidden since the receive that returned them was sent (a hand-built message: from now).
        self._heartbeat.confirm(min(received, default=self._clock()))
        if self._messages:
            self._heartbeat.start()

    def _inherited(self) -> bool:
        """This is a child forked inside the block: the parent holds the messages."""
        return self._generation != _clock.fork_generation()

    def _deadline_passed(self) -> bool:
        """No extension was confirmed in time: every message may be another worker's now."""
        return self._inherited() or (bool(self._messages) and self._heartbeat.lost)

    def _extend(self) -> bool:
        """One beat: extend every held message; ``False`` once none is held any more.

        An error that does not mean "handle gone" propagates, and the heartbeat
        tries again at the next beat.
        """
        for position in self._held():
            try:
                self._receiver.change_visibility(
                    self._messages[position].receipt_handle, self._timeout
                )
            except Exception as error:
                if not self._handle_gone(error):
                    raise
                message = self._messages[position]
                logger.warning(
                    "message %s lost: its receipt handle no longer works (redelivered or "
                    "deleted elsewhere); it is left alone",
                    message.message_id or "(no id)",
                    extra={"message_id": message.message_id},
                )
                self._lost.add(position)
        return bool(self._held())

    def _held(self) -> list[int]:
        if self._deadline_passed():
            return []
        return [
            position
            for position in range(len(self._messages))
            if position not in self._lost and position not in self._given_back
        ]

    def _settle(self, succeeded: bool) -> None:
        held = self._held()
        if not succeeded:
            self._show(held)
        elif len(held) == 1:
            self._delete_one(self._messages[held[0]].receipt_handle)
        elif held:
            # Raises the receiver's BatchWriteError naming any handle it could not delete.
            self._receiver.delete_batch([self._messages[p].receipt_handle for p in held])

    def _delete_one(self, receipt_handle: str) -> None:
        """One ``DeleteMessage`` (a batch of one costs more); a failure is a ``BatchWriteError`` too."""
        try:
            self._receiver.delete(receipt_handle)
        except StereoSpotError as error:
            raise BatchWriteError(
                f"1 of 1 messages were not deleted ({error}); it will be delivered again "
                "unless the receipt handle in .failed is deleted",
                [receipt_handle],
            ) from error

    def _show(self, positions: list[int]) -> None:
        """Make these messages visible again after the retry delay (best effort)."""
        for position in positions:
            # They become visible when the current timeout lapses anyway.
            with contextlib.suppress(Exception):
                self._receiver.change_visibility(
                    self._messages[position].receipt_handle, self._retry_delay
                )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._inherited():
            return  # a forked child leaving its parent's block: the parent settles it
        self._heartbeat.stop()
        try:
            self._settle(succeeded=exc_type is None)
        finally:
            if self._trace is not None:
                self._trace.__exit__(exc_type, exc, traceback)


class MessageWork(_Holding):
    """One received message, kept hidden while the block runs (see the module docstring)."""

    def __init__(
        self,
        receiver: VisibilityControl,
        message: QueueMessage,
        *,
        visibility_timeout_seconds: int,
        handle_gone: HandleGone,
        retry_delay_seconds: int = 0,
        span_name: str = "process",
        margin_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            receiver,
            [message],
            visibility_timeout_seconds=visibility_timeout_seconds,
            retry_delay_seconds=retry_delay_seconds,
            handle_gone=handle_gone,
            span_name=span_name,
            margin_seconds=margin_seconds,
            clock=clock,
        )
        self.message = message

    @property
    def lost(self) -> bool:
        """The message may be another worker's: its handle stopped working, or its deadline passed."""
        return bool(self._lost) or self._deadline_passed()

    def __enter__(self) -> MessageWork:
        self._begin()
        return self


class BatchWork(_Holding):
    """Several received messages held together; each can be given back on its own."""

    def __init__(
        self,
        receiver: VisibilityControl,
        messages: Sequence[QueueMessage],
        *,
        visibility_timeout_seconds: int,
        handle_gone: HandleGone,
        retry_delay_seconds: int = 0,
        span_name: str = "process",
        margin_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            receiver,
            messages,
            visibility_timeout_seconds=visibility_timeout_seconds,
            retry_delay_seconds=retry_delay_seconds,
            handle_gone=handle_gone,
            span_name=span_name,
            margin_seconds=margin_seconds,
            clock=clock,
        )
        self.messages: tuple[QueueMessage, ...] = tuple(messages)

    @property
    def lost(self) -> list[QueueMessage]:
        """Messages that may be another worker's now; they are left alone on exit.

        Those whose receipt handles stopped working, or every message not given
        back once the visibility deadline passed unconfirmed.
        """
        if self._deadline_passed():
            return [m for p, m in enumerate(self._messages) if p not in self._given_back]
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
        self._begin()
        return self
