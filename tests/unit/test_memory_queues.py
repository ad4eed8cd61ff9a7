"""The in-memory queue's delivery rules, on a fake clock: hidden, visible again, dead-lettered.

``tests/conformance/`` proves the memory queue answers as SQS does; these pin
its edges (the exact second a message comes back, which handle still works,
when a message moves to its dead-letter queue) with no waiting.
"""

from __future__ import annotations

import logging
import threading

import pytest
from pydantic import BaseModel

from stereo_spot_shared._messages import MAX_MESSAGE_BYTES
from stereo_spot_shared.errors import BatchWriteError, InvalidArgumentError, RejectedRequestError
from stereo_spot_shared.memory.queues import MemoryQueueReceiver, MemoryQueueSender
from stereo_spot_shared.memory.state import MemoryState
from stereo_spot_shared.processing import BatchWork, MessageWork

START = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(clock: Clock) -> MemoryState:
    return MemoryState(queues=["work", "dead"], clock=clock, visibility_timeout=30)


@pytest.fixture
def sender(state: MemoryState) -> MemoryQueueSender:
    return MemoryQueueSender(state, "work")


def receiver_of(state: MemoryState, **options: object) -> MemoryQueueReceiver:
    return MemoryQueueReceiver(state, "work", wait_time_seconds=0, **options)  # type: ignore[arg-type]


class Payload(BaseModel):
    job_id: str


def test_names_and_urls(state: MemoryState, sender: MemoryQueueSender) -> None:
    receiver = receiver_of(state)
    assert sender.queue_url == receiver.queue_url == f"memory://{state.id}/queues/work"
    assert repr(sender) == "MemoryQueueSender('work')"
    assert repr(receiver) == "MemoryQueueReceiver('work')"
    assert (sender.queue, sender.max_message_bytes) == ("work", MAX_MESSAGE_BYTES)
    assert (receiver.queue, receiver.wait_time_seconds) == ("work", 0)


def test_sent_messages_are_received_in_order_up_to_max_messages(
    state: MemoryState, sender: MemoryQueueSender
) -> None:
    first = sender.send("a", attributes={"job_id": "j"})
    rest = sender.send_batch(["b", b"c"], attributes=[None, {"k": "v"}])
    sender.send_payload(Payload(job_id="j2"))
    receiver = receiver_of(state)
    received = receiver.receive(max_messages=3)
    assert [m.message_id for m in received] == [first, *rest]
    assert [m.body for m in received] == ["a", "b", b"c"]
    assert [m.receive_count for m in received] == [1, 1, 1]
    assert received[0].attributes["job_id"] == "j"
    assert "k" in received[2].attributes and "k" not in received[1].attributes
    assert len({m.receipt_handle for m in received}) == 3
    assert all(m.receipt_handle.startswith(f"{state.id}:work:") for m in received)
    (payload,) = receiver.receive(max_messages=10)
    assert payload.body == '{"job_id":"j2"}'
    assert receiver.receive(max_messages=10) == []


def test_a_bad_batch_sends_nothing(state: MemoryState) -> None:
    sender = MemoryQueueSender(state, "work", max_message_bytes=2048)
    assert sender.max_message_bytes == 2048
    with pytest.raises(InvalidArgumentError):
        sender.send_batch(["ok", "x" * 2049])
    with pytest.raises(InvalidArgumentError):
        sender.send("x" * 2049)
    sender.send("x" * 1000)
    assert [m.body for m in state.queue("work").values()] == ["x" * 1000]


def test_a_message_is_hidden_for_exactly_the_visibility_timeout(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send("job")
    receiver = receiver_of(state)
    assert receiver.visibility_timeout_seconds == 30  # the backend's default
    (first,) = receiver.receive()
    clock.now = START + 29.999
    assert receiver.receive() == []
    clock.now = START + 30
    (second,) = receiver.receive()
    assert (second.message_id, second.receive_count) == (first.message_id, 2)
    assert second.receipt_handle != first.receipt_handle


def test_a_receivers_own_visibility_timeout_wins(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send("job")
    receiver = receiver_of(state, visibility_timeout_seconds=5)
    assert receiver.visibility_timeout_seconds == 5
    receiver.receive()
    clock.now = START + 5
    assert len(receiver.receive()) == 1


def test_only_the_latest_receipt_handle_deletes(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send("job")
    receiver = receiver_of(state)
    (old,) = receiver.receive()
    clock.now += 30
    (new,) = receiver.receive()
    receiver.delete(old.receipt_handle)  # accepted, does nothing
    assert len(state.queue("work")) == 1
    receiver.delete(new.receipt_handle)
    assert state.queue("work") == {}
    receiver.delete(new.receipt_handle)  # gone already: accepted


def test_delete_batch_deletes_what_its_latest_handles_name(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send_batch(["a", "b", "c"])
    receiver = receiver_of(state)
    a, _, c = receiver.receive(max_messages=3)
    receiver.delete_batch([a.receipt_handle, c.receipt_handle])
    assert [m.body for m in state.queue("work").values()] == ["b"]


def test_a_foreign_receipt_handle_is_refused_as_sqs_refuses_it(state: MemoryState) -> None:
    receiver = receiver_of(state)
    other = MemoryQueueReceiver(state, "dead", wait_time_seconds=0)
    with pytest.raises(RejectedRequestError) as raised:
        receiver.delete(f"{state.id}:dead:x")
    error = raised.value
    assert str(error) == (
        f"sqs:DeleteMessage on SQS queue {receiver.queue_url!r} was rejected "
        "(ReceiptHandleIsInvalid: The input receipt handle is invalid.)"
    )
    assert (error.action, error.code) == ("sqs:DeleteMessage", "ReceiptHandleIsInvalid")
    assert error.resource == f"SQS queue {receiver.queue_url!r}"
    with pytest.raises(RejectedRequestError, match="sqs:ChangeMessageVisibility"):
        receiver.change_visibility(f"{state.id}:dead:x", 0)
    other.delete(f"{state.id}:dead:x")  # its own queue's handle shape: accepted


def test_change_visibility_hides_for_the_seconds_given_counting_from_now(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send("job")
    receiver = receiver_of(state)
    (message,) = receiver.receive()
    clock.now = START + 10
    receiver.change_visibility(message.receipt_handle, 100)
    clock.now = START + 109
    assert receiver.receive() == []
    clock.now = START + 110
    (again,) = receiver.receive()
    receiver.change_visibility(again.receipt_handle, 0)  # visible at once
    (third,) = receiver.receive()
    assert third.receive_count == 3


def test_change_visibility_of_a_message_not_in_flight_is_refused(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send_batch(["a", "b"])
    receiver = receiver_of(state)
    a, b = receiver.receive(max_messages=2)
    receiver.delete(a.receipt_handle)
    for handle in (a.receipt_handle, f"{state.id}:work:none"):
        with pytest.raises(RejectedRequestError) as raised:
            receiver.change_visibility(handle, 10)
        assert raised.value.code == "MessageNotInflight"
        assert raised.value.action == "sqs:ChangeMessageVisibility"
        assert raised.value.resource == f"SQS queue {receiver.queue_url!r}"
        assert str(raised.value) == (
            f"sqs:ChangeMessageVisibility on SQS queue {receiver.queue_url!r} was rejected "
            f"(MessageNotInflight: receipt handle {handle!r} names no message "
            "in flight: deleted, visible again, or received since)"
        )
    clock.now = START + 30  # b is visible again, exactly now: no longer in flight
    with pytest.raises(RejectedRequestError, match="MessageNotInflight"):
        receiver.change_visibility(b.receipt_handle, 10)
    clock.now = START + 29  # one second earlier it was still held
    receiver.change_visibility(b.receipt_handle, 10)


def test_visibility_arguments_are_checked_before_anything_changes(
    state: MemoryState, sender: MemoryQueueSender
) -> None:
    sender.send("job")
    receiver = receiver_of(state)
    (message,) = receiver.receive()
    with pytest.raises(InvalidArgumentError):
        receiver.change_visibility(message.receipt_handle, 43_201)
    receiver.change_visibility(message.receipt_handle, 43_200)
    with pytest.raises(InvalidArgumentError):
        receiver.receive(max_messages=11)
    with pytest.raises(InvalidArgumentError):
        MemoryQueueReceiver(state, "work", wait_time_seconds=21)
    with pytest.raises(InvalidArgumentError):
        MemoryQueueReceiver(state, "work", visibility_timeout_seconds=0)


def test_a_message_received_max_receive_count_times_moves_to_the_dead_letter_queue(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    message_id = sender.send("poison")
    receiver = receiver_of(state, dead_letter_queue="dead", max_receive_count=2)
    receiver.receive()
    clock.now += 30
    (second,) = receiver.receive()
    assert second.receive_count == 2
    clock.now += 29
    assert receiver.receive() == []
    assert list(state.queue("work")) == [message_id]  # still hidden: not moved yet
    clock.now += 1
    assert receiver.receive() == []
    assert state.queue("work") == {}
    (moved,) = state.queue("dead").values()
    assert (moved.message_id, moved.receipt_handle) == (message_id, "")
    (dead,) = MemoryQueueReceiver(state, "dead", wait_time_seconds=0).receive()
    assert (dead.message_id, dead.body, dead.receive_count) == (message_id, "poison", 3)
    (record,) = [r for r in caplog.records if r.name == "stereo_spot_shared.memory.queues"]
    assert record.getMessage() == (
        f"memory queue work: message {message_id} moved to dead after 2 receives"
    )
    assert (record.queue, record.dead_letter_queue, record.receive_count) == ("work", "dead", 2)  # type: ignore[attr-defined]
    assert record.message_id == message_id  # type: ignore[attr-defined]
    assert receiver.delete(second.receipt_handle) is None  # its handle no longer names it


@pytest.mark.parametrize("options", [{}, {"dead_letter_queue": "dead"}, {"max_receive_count": 1}])
def test_without_a_redrive_policy_a_message_comes_back_for_ever(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock, options: dict[str, object]
) -> None:
    sender.send("again")
    receiver = receiver_of(state, **options)
    for count in range(1, 4):
        (message,) = receiver.receive()
        assert message.receive_count == count
        clock.now += 30
    assert state.queue("dead") == {}


def test_processing_holds_with_the_receivers_timeout_and_span_name(
    state: MemoryState, sender: MemoryQueueSender
) -> None:
    sender.send_batch(["a", "b"])
    receiver = receiver_of(state, visibility_timeout_seconds=40)
    a, b = receiver.receive(max_messages=2)
    work = receiver.processing(a, retry_delay_seconds=3)
    assert isinstance(work, MessageWork) and work.message is a
    assert (work._timeout, work._retry_delay, work._span_name) == (40, 3, "work process")
    batch = receiver.processing_batch([a, b])
    assert isinstance(batch, BatchWork) and batch.messages == (a, b)
    assert (batch._timeout, batch._retry_delay, batch._span_name) == (40, 0, "work process")
    assert receiver.processing(a)._retry_delay == 0
    with pytest.raises(InvalidArgumentError):
        receiver.processing(a, retry_delay_seconds=-1)
    with pytest.raises(InvalidArgumentError):
        receiver.processing_batch([a], retry_delay_seconds=43_201)


def test_a_vanished_handle_counts_as_lost_under_processing(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    from stereo_spot_shared.memory.queues import _handle_gone

    sender.send("job")
    receiver = receiver_of(state)
    (message,) = receiver.receive()
    receiver.delete(message.receipt_handle)
    with pytest.raises(RejectedRequestError) as not_in_flight:
        receiver.change_visibility(message.receipt_handle, 10)
    with pytest.raises(RejectedRequestError) as invalid:
        receiver.delete("forged")
    assert _handle_gone(not_in_flight.value) and _handle_gone(invalid.value)
    assert not _handle_gone(ConnectionError("reset"))
    assert not _handle_gone(RejectedRequestError("x", action="a", resource="r", code="Throttled"))


def test_a_message_given_back_is_visible_at_once_the_others_stay_hidden(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send_batch(["a", "b", "c"])
    receiver = receiver_of(state)
    held = receiver.receive(max_messages=3)
    with receiver.processing_batch(held) as work:
        work.give_back(held[1])
        # The same instant on the fake clock: no timeout can have lapsed.
        (again,) = receiver.receive(max_messages=10)
        assert (again.body, again.receive_count) == ("b", 2)
        receiver.delete(again.receipt_handle)
    clock.now += 30
    assert receiver.receive(max_messages=10) == []  # a and c were deleted on success


class SteppingCondition:
    """Stands in for ``state.changed``: a wait returns at once, stepping the fake clock by its timeout.

    Records every timeout ``receive`` asks for, so its waits are checked without waiting.
    """

    def __init__(self, state: MemoryState, clock: Clock) -> None:
        self.inner = state.changed
        self.clock = clock
        self.waits: list[float | None] = []
        self.on_wait: list[object] = []  # callables run during the next waits, one each

    def __enter__(self) -> bool:
        return self.inner.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(*exc)  # type: ignore[arg-type]

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        if len(self.waits) > 5:
            raise AssertionError("receive keeps waiting")
        if self.on_wait:
            self.on_wait.pop(0)()  # type: ignore[operator]
        elif timeout is not None:
            self.clock.now += timeout
        return False

    def notify_all(self) -> None:
        self.inner.notify_all()


def test_receive_wakes_when_the_next_hidden_message_becomes_visible(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send("job")
    receiver_of(state, visibility_timeout_seconds=5).receive()  # hidden for 5 s
    changed = SteppingCondition(state, clock)
    state.changed = changed  # type: ignore[assignment]
    waiting = MemoryQueueReceiver(state, "work", wait_time_seconds=20)
    (again,) = waiting.receive()
    assert again.receive_count == 2
    assert changed.waits == [5]  # not the whole 20 s: woken for the message


def test_receive_waits_up_to_its_wait_time_for_a_new_message(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    changed = SteppingCondition(state, clock)
    state.changed = changed  # type: ignore[assignment]
    changed.on_wait.append(lambda: sender.send("arrived while waiting"))
    waiting = MemoryQueueReceiver(state, "work", wait_time_seconds=1)
    (message,) = waiting.receive()
    assert message.body == "arrived while waiting"
    (wait,) = changed.waits
    assert wait is not None and 0 < wait <= 1


def test_receive_takes_one_message_by_default_and_waits_20_s_by_default(
    state: MemoryState, sender: MemoryQueueSender
) -> None:
    sender.send_batch(["a", "b"])
    assert MemoryQueueReceiver(state, "work").wait_time_seconds == 20
    assert [m.body for m in receiver_of(state).receive()] == ["a"]


def test_sizes_and_attributes_are_kept_with_each_message(
    state: MemoryState, sender: MemoryQueueSender
) -> None:
    sender.send("abc")
    sender.send_batch(["de"])
    sender.send_payload(Payload(job_id="j"), attributes={"kind": "payload"})
    sizes = [m.size for m in state.queue("work").values()]
    assert sizes[0] >= 3 and sizes[1] >= 2 and sizes[2] >= len('{"job_id":"j"}')
    assert all(isinstance(size, int) for size in sizes)
    *_, payload = receiver_of(state).receive(max_messages=3)
    assert payload.attributes["kind"] == "payload"


@pytest.mark.parametrize("batch", [False, True])
def test_processing_keeps_the_message_hidden_and_notices_when_it_is_deleted_elsewhere(
    state: MemoryState,
    sender: MemoryQueueSender,
    monkeypatch: pytest.MonkeyPatch,
    batch: bool,
) -> None:
    from stereo_spot_shared import processing

    monkeypatch.setattr(processing, "beat_interval", lambda _: 0.001)
    sender.send_batch(["kept", "taken"])
    receiver = receiver_of(state)
    kept, taken = receiver.receive(max_messages=2)
    work = receiver.processing_batch([taken]) if batch else receiver.processing(taken)
    with work:
        receiver.delete(taken.receipt_handle)  # someone else finished it
        for _ in range(10_000):
            if work.lost:
                break
            threading.Event().wait(0.001)
        assert work.lost
    with receiver.processing(kept):
        pass
    assert state.queue("work") == {}  # kept was deleted on success


def test_delete_batch_fails_only_the_foreign_handles_and_deletes_the_rest(
    state: MemoryState, sender: MemoryQueueSender
) -> None:
    sender.send_batch(["a", "b"])
    receiver = receiver_of(state)
    a, b = receiver.receive(max_messages=2)
    foreign = f"{state.id}:dead:x"
    with pytest.raises(BatchWriteError) as raised:
        receiver.delete_batch([foreign, a.receipt_handle, a.receipt_handle, b.receipt_handle])
    assert raised.value.failed == (foreign,)
    assert str(raised.value) == (
        f"1 of 4 messages were not deleted from {receiver.queue_url} (ReceiptHandleIsInvalid); "
        "they will be delivered again unless the receipt handles in .failed are deleted"
    )
    assert state.queue("work") == {}, "the good handles after the foreign one were deleted"


def test_each_message_carries_its_producers_stable_id_on_every_delivery(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send("one")
    sender.send_batch(["two", "three"])
    receiver = receiver_of(state)
    first = receiver.receive(max_messages=3)
    clock.now += 30
    again = receiver.receive(max_messages=3)
    ids = [m.stable_id for m in first]
    assert [m.stable_id for m in again] == ids
    for received in first:
        # As on SQS: the id the producer gave (a uuid4 hex), not the queue's message id.
        assert len(received.stable_id) == 32 and received.stable_id != received.message_id
    assert len(set(ids)) == 3


def test_held_messages_are_lost_on_the_states_clock_from_the_receive_less_the_margin(
    state: MemoryState, sender: MemoryQueueSender, clock: Clock
) -> None:
    sender.send_batch(["a", "b"])
    receiver = receiver_of(state, heartbeat_margin_seconds=5)  # not the default 3 s (30 / 10)
    assert receiver.heartbeat_margin_seconds == 5
    one, two = receiver.receive(max_messages=2)
    assert one.received_at == two.received_at == START
    for work in (receiver.processing(one), receiver.processing_batch([two])):
        clock.now = START + 10  # the work starts 10 s after the receive
        work._heartbeat.start = lambda: None  # type: ignore[method-assign]  # beats by hand
        with work:
            clock.now = START + 24.999
            assert not work.lost
            clock.now = START + 25  # received at START, 30 s timeout, 5 s margin
            assert work.lost
    assert len(state.queue("work")) == 2, "a lost message is never deleted"
