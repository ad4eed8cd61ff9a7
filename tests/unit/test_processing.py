"""``MessageWork`` / ``BatchWork`` against a fake receiver: beats, losses and settling, in milliseconds.

No queue: the fake receiver records every ``change_visibility`` and
``delete_batch`` and fails on the handles it is told to, so each test sees
exactly which requests the held work made. Beats run every millisecond
(``beat_interval`` patched); waits are bounded by ``WAIT``, never asserted.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from collections.abc import Iterator, Sequence

import pytest

from stereo_spot_shared import processing
from stereo_spot_shared.errors import (
    BatchWriteError,
    InvalidConfigurationError,
    RejectedRequestError,
)
from stereo_spot_shared.processing import BatchWork, MessageWork
from stereo_spot_shared.queue_message import QueueMessage

WAIT = 10  # seconds: an upper bound on waiting for a beat, never a timing assertion
TIMEOUT = 120  # the queue's visibility timeout, in seconds


class HandleGoneError(Exception):
    """The receipt handle no longer works (the service's ReceiptHandleIsInvalid)."""


class FakeReceiver:
    def __init__(self) -> None:
        self.changes: list[tuple[str, int]] = []
        self.deleted: list[list[str]] = []
        self.gone: set[str] = set()  # handles that fail with HandleGoneError
        self.failing: set[str] = set()  # handles that fail with a passing ConnectionError
        self.changed = threading.Condition()

    def change_visibility(self, receipt_handle: str, seconds: int) -> None:
        with self.changed:
            self.changes.append((receipt_handle, seconds))
            self.changed.notify_all()
        if receipt_handle in self.gone:
            raise HandleGoneError(receipt_handle)
        if receipt_handle in self.failing:
            raise ConnectionError("reset by peer")

    def delete_batch(self, receipt_handles: Sequence[str]) -> None:
        self.deleted.append(list(receipt_handles))

    def delete(self, receipt_handle: str) -> None:  # one message: DeleteMessage
        self.deleted.append([receipt_handle])

    def wait_for_changes(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.changes) >= count, timeout=WAIT)

    def extensions(self) -> set[tuple[str, int]]:
        return {change for change in self.changes if change[1] == TIMEOUT}


def handle_gone(error: BaseException) -> bool:
    return isinstance(error, HandleGoneError)


@pytest.fixture
def intervals(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    asked: list[float] = []

    def fast(lifetime: float) -> float:
        asked.append(lifetime)
        return 0.001

    monkeypatch.setattr(processing, "beat_interval", fast)
    return asked


@pytest.fixture
def traces(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """``continue_traces`` replaced by a spy: what it was given, and how its span ended."""
    seen: list[tuple[object, ...]] = []

    @contextlib.contextmanager
    def spy(messages: Sequence[QueueMessage], name: str) -> Iterator[None]:
        seen.append(("enter", [m.message_id for m in messages], name))
        try:
            yield None
        except BaseException as error:
            # The block's own exception, with the traceback down to where it was raised.
            frames = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
            seen.append(("exit", type(error).__name__, str(error), "fail" in frames))
            raise
        seen.append(("exit", None))

    monkeypatch.setattr(processing, "continue_traces", spy)
    monkeypatch.setattr(processing, "tracing_active", lambda: True)
    return seen


def message(name: str) -> QueueMessage:
    return QueueMessage(f"handle-{name}", f"body-{name}", message_id=f"id-{name}")


def one(receiver: FakeReceiver, retry_delay_seconds: int = 0) -> MessageWork:
    return MessageWork(
        receiver,
        message("a"),
        visibility_timeout_seconds=TIMEOUT,
        handle_gone=handle_gone,
        retry_delay_seconds=retry_delay_seconds,
        span_name="jobs process",
    )


def batch(receiver: FakeReceiver, *names: str, retry_delay_seconds: int = 0) -> BatchWork:
    return BatchWork(
        receiver,
        [message(name) for name in names],
        visibility_timeout_seconds=TIMEOUT,
        handle_gone=handle_gone,
        retry_delay_seconds=retry_delay_seconds,
        span_name="jobs process",
    )


def beating() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "queue-visibility"]


def wait_until(condition: object) -> None:
    pause = threading.Event()
    for _ in range(WAIT * 1000):
        if condition():  # type: ignore[operator]
            return
        pause.wait(0.001)
    raise AssertionError("the condition never held")


def test_the_beat_extends_by_the_whole_timeout_and_success_deletes(
    intervals: list[float], traces: list[tuple[object, ...]]
) -> None:
    receiver = FakeReceiver()
    with one(receiver) as work:
        assert work.message == message("a")
        receiver.wait_for_changes(2)
        assert beating() == ["queue-visibility"]
        assert not work.lost
    assert beating() == []
    assert intervals == [TIMEOUT]
    assert set(receiver.changes) == {("handle-a", TIMEOUT)}
    assert receiver.deleted == [["handle-a"]]
    assert traces == [("enter", ["id-a"], "jobs process"), ("exit", None)]


def fail(error: BaseException) -> None:
    raise error


@pytest.mark.parametrize("interruption", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failed_block_shows_the_message_after_the_retry_delay(
    intervals: list[float], traces: list[tuple[object, ...]], interruption: BaseException
) -> None:
    receiver = FakeReceiver()
    with pytest.raises(type(interruption)), one(receiver, retry_delay_seconds=7):
        fail(interruption)
    assert beating() == []
    assert receiver.changes[-1] == ("handle-a", 7)
    assert [c for c in receiver.changes if c[1] != TIMEOUT] == [("handle-a", 7)]
    assert receiver.deleted == []
    assert traces[-1] == ("exit", type(interruption).__name__, str(interruption), True)


def test_showing_again_is_best_effort_and_the_blocks_error_propagates(
    intervals: list[float],
) -> None:
    receiver = FakeReceiver()
    receiver.failing.add("handle-a")
    with pytest.raises(RuntimeError, match="the work failed"), one(receiver):
        raise RuntimeError("the work failed")
    assert receiver.changes[-1] == ("handle-a", 0)


def test_a_vanished_handle_is_lost_the_beat_stops_and_exit_leaves_it_alone(
    intervals: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    receiver = FakeReceiver()
    receiver.gone.add("handle-a")
    with one(receiver) as work:
        wait_until(lambda: work.lost)
        wait_until(lambda: beating() == [])  # nothing left to hold: the beat stopped itself
    assert receiver.changes == [("handle-a", TIMEOUT)]  # one beat; nothing on exit
    assert receiver.deleted == []
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.name == "stereo_spot_shared.processing"
    assert warning.getMessage() == (
        "message id-a lost: its receipt handle no longer works (redelivered or "
        "deleted elsewhere); it is left alone"
    )
    assert warning.message_id == "id-a"  # type: ignore[attr-defined]


def test_a_lost_message_is_not_shown_again_when_the_block_fails(intervals: list[float]) -> None:
    receiver = FakeReceiver()
    receiver.gone.add("handle-a")
    with pytest.raises(RuntimeError), one(receiver) as work:
        wait_until(lambda: work.lost)
        raise RuntimeError("stopped early")
    assert receiver.changes == [("handle-a", TIMEOUT)]


def test_a_passing_failure_is_not_a_loss(
    intervals: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    receiver = FakeReceiver()
    receiver.failing.add("handle-a")
    with one(receiver) as work:
        receiver.wait_for_changes(3)  # the beat kept trying
        assert not work.lost
    assert receiver.deleted == [["handle-a"]]
    assert not [r for r in caplog.records if r.name == "stereo_spot_shared.processing"]


def test_a_message_without_an_id_is_named_as_such_when_lost(
    intervals: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    receiver = FakeReceiver()
    receiver.gone.add("h")
    work = MessageWork(
        receiver,
        QueueMessage("h", "b"),
        visibility_timeout_seconds=TIMEOUT,
        handle_gone=handle_gone,
    )
    with work:
        wait_until(lambda: work.lost)
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.getMessage().startswith("message (no id) lost: ")


def test_give_back_shows_the_message_at_once_and_success_deletes_the_rest(
    intervals: list[float], traces: list[tuple[object, ...]]
) -> None:
    receiver = FakeReceiver()
    with batch(receiver, "a", "b", "c", retry_delay_seconds=5) as work:
        assert work.messages == (message("a"), message("b"), message("c"))
        work.give_back(message("b"))  # an equal message: found by its receipt handle
        assert [c for c in receiver.changes if c[1] != TIMEOUT] == [("handle-b", 5)]
        work.give_back(work.messages[1])  # twice: shown once
        # A beat that began before give_back may still extend b once; later ones do not.
        receiver.wait_for_changes(len(receiver.changes) + 6)
        count = len(receiver.changes)
        receiver.wait_for_changes(count + 4)
    assert [c for c in receiver.changes if c[1] != TIMEOUT] == [("handle-b", 5)]
    assert ("handle-b", TIMEOUT) not in receiver.changes[count:]  # no longer extended
    assert receiver.extensions() >= {("handle-a", TIMEOUT), ("handle-c", TIMEOUT)}
    assert receiver.deleted == [["handle-a", "handle-c"]]
    assert traces == [("enter", ["id-a", "id-b", "id-c"], "jobs process"), ("exit", None)]


def test_a_message_given_back_is_not_shown_again_when_the_block_fails(
    intervals: list[float],
) -> None:
    receiver = FakeReceiver()
    with pytest.raises(RuntimeError), batch(receiver, "a", "b", retry_delay_seconds=3) as work:
        work.give_back(work.messages[0])
        raise RuntimeError("boom")
    assert [c for c in receiver.changes if c[1] != TIMEOUT] == [("handle-a", 3), ("handle-b", 3)]


def test_give_back_refuses_a_stranger(intervals: list[float]) -> None:
    receiver = FakeReceiver()
    with (
        batch(receiver, "a") as work,
        pytest.raises(ValueError, match="^give_back: this message is not part of the batch$"),
    ):
        work.give_back(message("z"))


def test_a_lost_message_in_a_batch_is_left_alone_and_the_others_kept(
    intervals: list[float],
) -> None:
    receiver = FakeReceiver()
    receiver.gone.update({"handle-c", "handle-a"})
    with batch(receiver, "a", "b", "c") as work:
        wait_until(lambda: len(work.lost) == 2)
        assert work.lost == [message("a"), message("c")]
        count = len(receiver.changes)
        receiver.wait_for_changes(count + 2)
        assert set(receiver.changes[count:]) == {("handle-b", TIMEOUT)}
        work.give_back(message("a"))  # lost: nothing to give back
        assert all(c[1] == TIMEOUT for c in receiver.changes)
    assert receiver.deleted == [["handle-b"]]


def test_when_every_message_is_lost_the_beat_stops(intervals: list[float]) -> None:
    receiver = FakeReceiver()
    receiver.gone.update({"handle-a", "handle-b"})
    with batch(receiver, "a", "b") as work:
        wait_until(lambda: len(work.lost) == 2)
        wait_until(lambda: beating() == [])
    assert sorted(receiver.changes) == [("handle-a", TIMEOUT), ("handle-b", TIMEOUT)]
    assert receiver.deleted == []


def test_an_empty_batch_runs_no_beat_and_deletes_nothing(
    intervals: list[float], traces: list[tuple[object, ...]]
) -> None:
    receiver = FakeReceiver()
    with batch(receiver) as work:
        assert beating() == [] and work.lost == []
    assert receiver.changes == [] and receiver.deleted == []


@pytest.mark.parametrize("kind", [MessageWork, BatchWork])
def test_by_default_a_failure_shows_the_message_at_once_in_a_process_span(
    intervals: list[float], traces: list[tuple[object, ...]], kind: type[MessageWork | BatchWork]
) -> None:
    receiver = FakeReceiver()
    held = message("a") if kind is MessageWork else [message("a")]
    work = kind(receiver, held, visibility_timeout_seconds=TIMEOUT, handle_gone=handle_gone)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError), work:
        raise RuntimeError("boom")
    assert receiver.changes[-1] == ("handle-a", 0)
    assert traces[0] == ("enter", ["id-a"], "process")


def test_one_message_not_deleted_is_a_batch_write_error_naming_its_handle(
    intervals: list[float], traces: list[tuple[object, ...]]
) -> None:
    refused = RejectedRequestError(
        "sqs:DeleteMessage was rejected (ReceiptHandleIsInvalid)",
        action="sqs:DeleteMessage",
        resource="SQS queue 'work'",
        code="ReceiptHandleIsInvalid",
    )
    receiver = FakeReceiver()

    def delete(receipt_handle: str) -> None:
        receiver.deleted.append([receipt_handle])
        raise refused

    receiver.delete = delete  # type: ignore[method-assign]
    with pytest.raises(BatchWriteError) as failed, one(receiver):
        pass
    assert receiver.deleted == [["handle-a"]], "one DeleteMessage, not a batch of one"
    assert failed.value.failed == ("handle-a",) and failed.value.__cause__ is refused
    assert str(failed.value) == (
        "1 of 1 messages were not deleted (sqs:DeleteMessage was rejected "
        "(ReceiptHandleIsInvalid)); it will be delivered again unless the receipt handle "
        "in .failed is deleted"
    )


@pytest.mark.parametrize("kind", [MessageWork, BatchWork])
def test_the_deadline_runs_on_the_given_clock_less_the_given_margin(
    kind: type[MessageWork | BatchWork],
) -> None:
    receiver, now = FakeReceiver(), [100.0]
    held = [
        QueueMessage(f"handle-{name}", name, message_id=f"id-{name}", received_at=100.0)
        for name in "ab"
    ]
    work = kind(
        receiver,
        held[0] if kind is MessageWork else held,  # type: ignore[arg-type]
        visibility_timeout_seconds=30,
        handle_gone=handle_gone,
        margin_seconds=5,  # not the default a tenth of the timeout (3 s)
        clock=lambda: now[0],
    )
    work._heartbeat.start = lambda: None  # type: ignore[method-assign]  # beats by hand
    with work:
        if isinstance(work, BatchWork):
            work.give_back(held[1])
        now[0] = 124.999
        assert not work.lost
        now[0] = 125.0  # received at 100, 30 s timeout, 5 s margin
        assert work.lost == (True if kind is MessageWork else [held[0]])
    assert receiver.deleted == []
    assert receiver.changes == ([] if kind is MessageWork else [("handle-b", 0)])


def test_a_timeout_of_one_second_can_be_held_and_each_refusal_says_why() -> None:
    processing.check_holdable(1, 1 / 3)  # the shortest timeout, the widest margin it allows
    with pytest.raises(InvalidConfigurationError) as zero:
        processing.check_holdable(0, 1)
    assert str(zero.value) == (
        "the queue's visibility timeout is 0 s: a message cannot be held (each extension would "
        "make it visible at once); set it to 1 s or more"
    )
    with pytest.raises(InvalidConfigurationError) as wide:
        processing.check_holdable(30, 10.5)
    assert str(wide.value) == (
        "heartbeat margin 10.5 s must be above 0 and at most a third of the visibility timeout "
        "(30 s)"
    )
