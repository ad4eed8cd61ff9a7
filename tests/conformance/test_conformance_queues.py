"""Queues: bodies keep their type, limits, batches, receipt handles, visibility — on every backend.

Each test gets its own queue pair, so no test sees another's messages.
"""

from __future__ import annotations

import threading
import time

import pytest

from stereo_spot_aws_adapters.generated.queues import (
    parse_chunking_event,
    parse_reassembly_payload,
)
from stereo_spot_shared import Adapters, processing
from stereo_spot_shared._messages import MAX_MESSAGE_BYTES
from stereo_spot_shared.errors import EmptyMessageError, MessageTooLargeError, RejectedRequestError
from stereo_spot_shared.interfaces import QueueMessage, QueueReceiver, QueueSender
from stereo_spot_shared.models import ReassemblyPayload
from tests.conformance.conftest import Backend


@pytest.fixture
def queue(backend: Backend) -> tuple[QueueSender, QueueReceiver]:
    return backend.new_queue_pair()


def receive_all(receiver: QueueReceiver, count: int, *, seconds: float = 15) -> list[QueueMessage]:
    """Receive until ``count`` messages arrived (or ``seconds`` passed); nothing is deleted."""
    received: list[QueueMessage] = []
    deadline = time.monotonic() + seconds
    while len(received) < count and time.monotonic() < deadline:
        received += receiver.receive(max_messages=10)
    return received


def nothing_waiting(receiver: QueueReceiver) -> bool:
    """Whether the queue has no visible message; polls without waiting (moto answers at once)."""
    wait = receiver.wait_time_seconds  # type: ignore[attr-defined]
    receiver.wait_time_seconds = 0  # type: ignore[attr-defined]
    try:
        return receiver.receive(max_messages=10) == []
    finally:
        receiver.wait_time_seconds = wait  # type: ignore[attr-defined]


def test_str_and_bytes_bodies_come_back_with_their_type(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    bodies: list[str | bytes] = ["héllo ✓", b"\x00\xffbinary\n", '{"json": true}']
    ids = [sender.send(body) for body in bodies]
    messages = receive_all(receiver, 3)
    assert sorted(map(repr, (m.body for m in messages))) == sorted(map(repr, bodies))
    assert {m.message_id for m in messages} == set(ids)
    for message in messages:
        assert type(message.body) is type(next(b for b in bodies if b == message.body))
        assert message.receive_count == 1
    receiver.delete_batch([m.receipt_handle for m in messages])


def test_oversized_and_empty_bodies_fail_before_anything_is_sent(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    with pytest.raises(MessageTooLargeError, match="over the queue's limit of 1048576 bytes"):
        sender.send("x" * MAX_MESSAGE_BYTES)
    with pytest.raises(MessageTooLargeError):
        sender.send(b"x" * (MAX_MESSAGE_BYTES * 3 // 4))  # base64 makes it bigger than the limit
    with pytest.raises(EmptyMessageError):
        sender.send(b"")
    with pytest.raises(EmptyMessageError):
        sender.send_batch(["fine", ""])
    with pytest.raises(TypeError, match=r"bodies\[1\]: message body must be str or bytes, not int"):
        sender.send_batch(["fine", 5])  # type: ignore[list-item]
    assert nothing_waiting(receiver), "nothing was sent"


def test_each_queue_of_the_bundle_keeps_its_schema_size_limit(adapters: Adapters) -> None:
    """The schema's max_message_bytes (256 KiB here), not SQS's largest limit."""
    with pytest.raises(MessageTooLargeError, match="over the queue's limit of 262144 bytes"):
        adapters.chunking_sender.send("x" * (300 * 1024))
    with pytest.raises(MessageTooLargeError, match=r"bodies\[1\]: .*limit of 262144 bytes"):
        adapters.video_worker_sender.send_batch(["fine", b"x" * (200 * 1024)])
    assert nothing_waiting(adapters.chunking_receiver)
    assert nothing_waiting(adapters.video_worker_receiver)


def test_send_batch_sends_every_body_once_and_returns_ids_in_order(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    bodies: list[str | bytes] = [f"body-{n}" for n in range(23)] + [b"\x01" * 700_000]
    ids = sender.send_batch(bodies)
    assert len(ids) == len(set(ids)) == len(bodies)
    messages = receive_all(receiver, len(bodies))
    by_id = {m.message_id: m.body for m in messages}
    assert [by_id[message_id] for message_id in ids] == bodies
    receiver.delete_batch([m.receipt_handle for m in messages])
    assert nothing_waiting(receiver)


def test_receive_takes_1_to_10_and_returns_at_most_that_many(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    for bad in (0, 11):
        with pytest.raises(ValueError, match="max_messages must be between 1 and 10"):
            receiver.receive(max_messages=bad)
    assert receiver.receive() == [], "an empty queue returns nothing once the wait is over"
    sender.send_batch([f"m{n}" for n in range(4)])
    first = receiver.receive(max_messages=1)
    assert len(first) <= 1
    rest = receive_all(receiver, 4 - len(first))
    assert len(first + rest) == 4
    receiver.delete_batch([m.receipt_handle for m in first + rest])


def test_a_message_not_deleted_comes_back_after_its_visibility_timeout(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    sender.send("again")
    (first,) = receive_all(receiver, 1)
    assert nothing_waiting(receiver), "hidden while in flight"
    receiver.change_visibility(first.receipt_handle, 1)
    (second,) = receive_all(receiver, 1)
    assert second.message_id == first.message_id
    assert second.receive_count == 2
    assert second.receipt_handle != first.receipt_handle
    receiver.change_visibility(second.receipt_handle, 0)
    (third,) = receive_all(receiver, 1)
    assert third.receive_count == 3
    receiver.delete(third.receipt_handle)
    assert nothing_waiting(receiver), "deleted: never delivered again"


def test_change_visibility_is_bounded_and_delete_batch_deletes_every_handle(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    sender.send_batch([f"d{n}" for n in range(12)])
    messages = receive_all(receiver, 12)
    assert len(messages) == 12
    with pytest.raises(ValueError, match=r"seconds must be between 0 and 43200 \(12 hours\)"):
        receiver.change_visibility(messages[0].receipt_handle, 43_201)
    with pytest.raises(ValueError, match="receipt_handle is empty"):
        receiver.delete("")
    receiver.delete_batch([m.receipt_handle for m in messages])
    for message in messages[:3]:
        with pytest.raises(RejectedRequestError):
            receiver.change_visibility(message.receipt_handle, 0)
    assert nothing_waiting(receiver)


def test_payload_queues_round_trip_their_model(adapters: Adapters) -> None:
    payload = ReassemblyPayload(job_id="job-payload")
    adapters.reassembly_sender.send(payload.model_dump_json())
    received = receive_all(adapters.reassembly_receiver, 1)
    assert [parse_reassembly_payload(m.body) for m in received] == [payload]
    adapters.reassembly_receiver.delete(received[0].receipt_handle)


def test_an_upload_under_a_routed_prefix_puts_the_s3_notification_on_the_queue(
    backend: Backend, adapters: Adapters
) -> None:
    prefix = f"{backend.unique('input')}/"
    backend.route_uploads(adapters.input_bucket, "chunking", prefix)
    key = f"{prefix}my source+1.mp4"
    adapters.objects.upload(adapters.input_bucket, key, b"video bytes")
    adapters.objects.upload(adapters.input_bucket, f"elsewhere/{prefix}x.mp4", b"not routed")

    # Configuring a notification sends an s3:TestEvent first, which parses to no objects.
    received = receive_all(adapters.chunking_receiver, 2)
    events = [(m, parse_chunking_event(m.body, buckets=[adapters.input_bucket])) for m in received]
    adapters.chunking_receiver.delete_batch([m.receipt_handle for m, refs in events if not refs])
    notifications = [(m, refs) for m, refs in events if refs]
    assert len(notifications) == 1
    ((message, (ref,)),) = notifications
    assert isinstance(message.body, str), "S3 notifications arrive as text"
    assert (ref.bucket, ref.key, ref.size) == (adapters.input_bucket, key, 11)
    assert ref.event_name.startswith("ObjectCreated:")
    adapters.chunking_receiver.delete(message.receipt_handle)
    assert nothing_waiting(adapters.chunking_receiver), "the other upload was not routed"


def test_processing_deletes_on_success_and_gives_the_message_back_on_error(
    queue: tuple[QueueSender, QueueReceiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    sender, receiver = queue
    sender.send_batch(["ok", "fails"])
    messages = {m.body: m for m in receive_all(receiver, 2)}
    # Beats every millisecond, so `not work.lost` is asserted after extensions really ran.
    monkeypatch.setattr(processing, "beat_interval", lambda _: 0.001)
    extended = threading.Semaphore(0)
    extend = receiver.change_visibility

    def counted(receipt_handle: str, seconds: int) -> None:
        extend(receipt_handle, seconds)
        extended.release()

    monkeypatch.setattr(receiver, "change_visibility", counted)
    with receiver.processing(messages["ok"]) as work:  # type: ignore[attr-defined]
        assert extended.acquire(timeout=30) and extended.acquire(timeout=30)
        assert not work.lost
    monkeypatch.undo()
    with pytest.raises(RuntimeError), receiver.processing(messages["fails"]):  # type: ignore[attr-defined]
        raise RuntimeError("the work failed")
    (again,) = receive_all(receiver, 1)
    assert (again.body, again.receive_count) == ("fails", 2)
    receiver.delete(again.receipt_handle)
    assert nothing_waiting(receiver), "the processed one was deleted"


def test_a_message_received_max_receive_count_times_goes_to_the_dead_letter_queue(
    adapters: Adapters,
) -> None:
    """The schema's redrive policy: 5 receives on the reassembly queue, then dead-lettered."""
    receiver = adapters.reassembly_receiver
    sender = adapters.reassembly_sender
    body = ReassemblyPayload(job_id="poison-job").model_dump_json()
    sender.send(body)
    for count in range(1, 6):
        (message,) = [m for m in receive_all(receiver, 1) if m.body == body]
        assert message.receive_count == count
        receiver.change_visibility(message.receipt_handle, 0)
    assert nothing_waiting(receiver), "moved to the dead-letter queue on the sixth receive"
