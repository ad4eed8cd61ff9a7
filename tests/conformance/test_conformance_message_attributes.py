"""Message attributes on every backend: each kind round trips with its type, batches carry
each body's own, nine fit beside the encoding marker, and attributes count towards the size
limit. What SQS would refuse is refused the same way by both backends: see the shared table
in ``tests/unit/test_bad_inputs.py``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from stereo_spot_shared._messages import ENCODING_ATTRIBUTE, MARKER_TYPE_BYTES, MAX_MESSAGE_BYTES
from stereo_spot_shared.errors import InvalidArgumentError, MessageTooLargeError
from stereo_spot_shared.interfaces import QueueReceiver, QueueSender
from stereo_spot_shared.message_attributes import MessageAttributeValue, attribute_size
from tests.conformance.conftest import Backend
from tests.conformance.test_conformance_queues import nothing_waiting, receive_all


@pytest.fixture
def queue(backend: Backend) -> tuple[QueueSender, QueueReceiver]:
    return backend.new_queue_pair()


EVERY_KIND: dict[str, MessageAttributeValue] = {
    "job_id": "job-42",
    "unicode": "stéréo 立体 🎥",
    "segment_index": 7,
    "negative": -12_345_678_901_234_567_890,
    "ratio": Decimal("0.5625"),
    "float": 1.5,
    "thumbnail": b"\x00\xff\x10binary",
    "with.dots-and_dashes": "ok",
    "a" * 256: "longest name",
}


def test_every_kind_round_trips_with_its_type(queue: tuple[QueueSender, QueueReceiver]) -> None:
    sender, receiver = queue
    sender.send("body", attributes=EVERY_KIND)

    [message] = receive_all(receiver, 1)
    assert message.body == "body"
    expected = {**EVERY_KIND, "float": Decimal("1.5")}  # a non-integral Number is exact
    assert dict(message.attributes) == expected
    assert type(message.attributes["segment_index"]) is int
    assert type(message.attributes["thumbnail"]) is bytes
    assert ENCODING_ATTRIBUTE not in message.attributes
    assert message.receive_count == 1  # the count is a field, not an attribute
    receiver.delete(message.receipt_handle)


def test_bytes_body_with_attributes_keeps_both(queue: tuple[QueueSender, QueueReceiver]) -> None:
    sender, receiver = queue
    sender.send(b"\xffraw", attributes={"kind": "frame"})
    [message] = receive_all(receiver, 1)
    assert message.body == b"\xffraw"
    assert message.attributes == {"kind": "frame"}
    receiver.delete(message.receipt_handle)


def test_a_message_sent_without_attributes_has_none(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    sender.send("plain")
    [message] = receive_all(receiver, 1)
    assert message.attributes == {}
    receiver.delete(message.receipt_handle)


def test_send_batch_carries_each_bodys_attributes(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    bodies = [f"segment {i}" for i in range(13)]
    attributes = [{"segment_index": i} if i % 3 else None for i in range(13)]

    ids = sender.send_batch(bodies, attributes=attributes)

    received = {m.message_id: m for m in receive_all(receiver, 13)}
    assert [received[i].body for i in ids] == bodies
    assert [dict(received[i].attributes) for i in ids] == [
        {"segment_index": i} if i % 3 else {} for i in range(13)
    ]
    receiver.delete_batch([m.receipt_handle for m in received.values()][:10])
    receiver.delete_batch([m.receipt_handle for m in received.values()][10:])


def test_nine_attributes_fit_beside_the_marker_and_ten_do_not(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    nine: dict[str, MessageAttributeValue] = {f"k{i}": i for i in range(9)}
    with pytest.raises(InvalidArgumentError, match="so at most 9"):
        sender.send("body", attributes={**nine, "k9": 9})
    sender.send("body", attributes=nine)
    [message] = receive_all(receiver, 1)
    assert message.attributes == nine
    receiver.delete(message.receipt_handle)


def test_numbers_at_the_limits_come_back_exactly(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    limits: dict[str, MessageAttributeValue] = {
        "digits": int("9" * 38),
        "trailing_zeros": 10**125,
        "small": Decimal("1e-128"),
        "zero": 0,
    }
    sender.send("body", attributes=limits)
    [message] = receive_all(receiver, 1)
    assert message.attributes == limits
    receiver.delete(message.receipt_handle)


def test_attributes_count_towards_the_size_limit(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    marker = len(ENCODING_ATTRIBUTE) + MARKER_TYPE_BYTES + len("utf-8")
    attribute: dict[str, MessageAttributeValue] = {"blob": b"x" * 1000}
    assert attribute_size("blob", attribute["blob"]) == 4 + 6 + 1000
    room = MAX_MESSAGE_BYTES - marker - attribute_size("blob", attribute["blob"])

    with pytest.raises(MessageTooLargeError, match=f"{MAX_MESSAGE_BYTES + 1} bytes"):
        sender.send("y" * (room + 1), attributes=attribute)
    assert nothing_waiting(receiver), "nothing was sent"

    sender.send("y" * room, attributes=attribute)
    [message] = receive_all(receiver, 1)
    assert len(message.body) == room
    assert message.attributes == attribute
    receiver.delete(message.receipt_handle)


def test_attributes_given_are_not_changed_or_kept(
    queue: tuple[QueueSender, QueueReceiver],
) -> None:
    sender, receiver = queue
    attributes: dict[str, MessageAttributeValue] = {"k": "v"}
    sender.send("body", attributes=attributes)
    attributes["k"] = "changed after sending"
    [message] = receive_all(receiver, 1)
    assert message.attributes == {"k": "v"}
    receiver.delete(message.receipt_handle)
