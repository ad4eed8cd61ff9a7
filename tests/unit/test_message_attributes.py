"""User message attributes on SQS: round trips, SQS's rules checked before any request."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from stereo_spot_aws_adapters._clients import client_config
from stereo_spot_aws_adapters.sqs import (
    ENCODING_ATTRIBUTE,
    MAX_MESSAGE_BYTES,
    SQSQueueReceiver,
    SQSQueueSender,
)
from stereo_spot_shared.errors import MessageTooLargeError
from stereo_spot_shared.message_attributes import (
    MessageAttributeValue,
    attribute_size,
    check_attributes,
    number_text,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient


@pytest.fixture
def sqs(aws: None) -> SQSClient:
    return boto3.session.Session().client(
        "sqs", region_name="us-east-1", config=client_config("sqs")
    )


@pytest.fixture
def queue_url(sqs: SQSClient) -> str:
    return sqs.create_queue(QueueName="attributes")["QueueUrl"]


@pytest.fixture
def requests(sqs: SQSClient) -> list[str]:
    sent: list[str] = []
    sqs.meta.events.register("before-call.sqs", lambda model, **_: sent.append(model.name))
    return sent


@pytest.fixture
def sender(sqs: SQSClient, queue_url: str) -> SQSQueueSender:
    return SQSQueueSender(queue_url, client=sqs)


@pytest.fixture
def receiver(sqs: SQSClient, queue_url: str) -> SQSQueueReceiver:
    return SQSQueueReceiver(queue_url, wait_time_seconds=0, client=sqs)


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


def test_every_kind_round_trips_with_its_type(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    sender.send("body", attributes=EVERY_KIND)

    [message] = receiver.receive()
    assert message.body == "body"
    expected = {**EVERY_KIND, "float": Decimal("1.5")}  # a non-integral Number is exact
    assert dict(message.attributes) == expected
    assert type(message.attributes["segment_index"]) is int
    assert type(message.attributes["thumbnail"]) is bytes
    assert ENCODING_ATTRIBUTE not in message.attributes


def test_bytes_body_with_attributes_keeps_both(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    sender.send(b"\xffraw", attributes={"kind": "frame"})
    [message] = receiver.receive()
    assert message.body == b"\xffraw"
    assert message.attributes == {"kind": "frame"}


def test_send_batch_carries_each_bodys_attributes(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    bodies = [f"segment {i}" for i in range(13)]
    attributes = [{"segment_index": i} if i % 3 else None for i in range(13)]

    ids = sender.send_batch(bodies, attributes=attributes)

    received = {}
    while batch := receiver.receive(max_messages=10):
        received.update({m.message_id: m for m in batch})
    assert [received[i].body for i in ids] == bodies
    assert [dict(received[i].attributes) for i in ids] == [
        {"segment_index": i} if i % 3 else {} for i in range(13)
    ]


def test_aws_trace_header_is_returned(
    sqs: SQSClient, queue_url: str, receiver: SQSQueueReceiver
) -> None:
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody="traced",
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": header}},
    )
    [message] = receiver.receive()
    assert message.attributes == {"AWSTraceHeader": header}


def test_custom_typed_attributes_from_other_producers_read_as_their_base_kind(
    sqs: SQSClient, queue_url: str, receiver: SQSQueueReceiver
) -> None:
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody="from someone else",
        MessageAttributes={
            "n": {"DataType": "Number.int", "StringValue": "3"},
            "s": {"DataType": "String.json", "StringValue": "{}"},
        },
    )
    [message] = receiver.receive()
    assert message.attributes == {"n": 3, "s": "{}"}


BAD_ATTRIBUTES: list[Any] = [
    pytest.param({"": "x"}, ValueError, "1-256 characters", id="empty-name"),
    pytest.param({"a" * 257: "x"}, ValueError, "1-256 characters", id="long-name"),
    pytest.param({"has space": "x"}, ValueError, "1-256 characters", id="space"),
    pytest.param({"ünicode": "x"}, ValueError, "1-256 characters", id="non-ascii-name"),
    pytest.param({".leading": "x"}, ValueError, "start or end", id="leading-dot"),
    pytest.param({"trailing.": "x"}, ValueError, "start or end", id="trailing-dot"),
    pytest.param({"two..dots": "x"}, ValueError, "'..'", id="double-dot"),
    pytest.param({"AWS.thing": "x"}, ValueError, "reserved", id="aws-prefix"),
    pytest.param({"amazon.thing": "x"}, ValueError, "reserved", id="amazon-prefix-any-case"),
    pytest.param({ENCODING_ATTRIBUTE: "utf-8"}, ValueError, "reserved", id="our-marker"),
    pytest.param({"e": ""}, ValueError, "empty", id="empty-string"),
    pytest.param({"e": b""}, ValueError, "empty", id="empty-binary"),
    pytest.param({"c": "bell\x07"}, ValueError, "U\\+0007", id="control-character"),
    pytest.param({"b": True}, TypeError, "not bool", id="bool"),
    pytest.param({"n": None}, TypeError, "not NoneType", id="none"),
    pytest.param({"l": [1]}, TypeError, "not list", id="list"),
    pytest.param({"f": float("nan")}, ValueError, "finite", id="nan"),
    pytest.param({"f": float("inf")}, ValueError, "finite", id="inf"),
    pytest.param({"d": Decimal("1" * 39)}, ValueError, "39 significant digits", id="39-digits"),
    pytest.param({"big": 10**126}, ValueError, "range", id="too-big"),
    pytest.param({"tiny": Decimal("1e-129")}, ValueError, "range", id="too-small"),
    pytest.param({f"k{i}": i for i in range(10)}, ValueError, "at most 9", id="ten-attributes"),
    pytest.param({1: "x"}, TypeError, "names must be str", id="int-name"),
    pytest.param([("k", "v")], TypeError, "mapping", id="not-a-mapping"),
]


@pytest.mark.parametrize(("attributes", "error", "match"), BAD_ATTRIBUTES)
def test_bad_attributes_are_refused_before_any_request(
    sender: SQSQueueSender,
    requests: list[str],
    attributes: Any,
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        sender.send("body", attributes=attributes)
    with pytest.raises(error, match=match):
        sender.send_batch(["fine", "body"], attributes=[None, attributes])
    assert requests == []


def test_nine_attributes_fit_beside_the_marker(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    nine = {f"k{i}": i for i in range(9)}
    sender.send("body", attributes=nine)
    [message] = receiver.receive()
    assert message.attributes == nine


def test_numbers_at_the_limits_are_accepted(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    limits: dict[str, MessageAttributeValue] = {
        "digits": int("9" * 38),
        "trailing_zeros": 10**125,
        "small": Decimal("1e-128"),
        "zero": 0,
    }
    sender.send("body", attributes=limits)
    [message] = receiver.receive()
    assert message.attributes == limits


def test_send_batch_needs_one_attribute_entry_per_body(
    sender: SQSQueueSender, requests: list[str]
) -> None:
    with pytest.raises(ValueError, match="one entry per body: 1 for 2 bodies"):
        sender.send_batch(["a", "b"], attributes=[{"k": "v"}])
    assert requests == []


def test_attributes_count_towards_the_size_limit(
    sender: SQSQueueSender, receiver: SQSQueueReceiver, requests: list[str]
) -> None:
    marker = len(ENCODING_ATTRIBUTE) + len("String") + len("utf-8")
    attribute = {"blob": b"x" * 1000}
    room = MAX_MESSAGE_BYTES - marker - attribute_size("blob", attribute["blob"])
    assert attribute_size("blob", attribute["blob"]) == 4 + 6 + 1000

    with pytest.raises(MessageTooLargeError, match=f"{MAX_MESSAGE_BYTES + 1} bytes"):
        sender.send("y" * (room + 1), attributes=attribute)
    assert requests == []

    sender.send("y" * room, attributes=attribute)
    [message] = receiver.receive()
    assert len(message.body) == room


def test_attributes_given_are_not_changed_or_kept(sender: SQSQueueSender) -> None:
    attributes: dict[str, MessageAttributeValue] = {"k": "v"}
    sender.send("body", attributes=attributes)
    assert attributes == {"k": "v"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (1e20, "100000000000000000000"),
        (Decimal("2.50"), "2.50"),
        (Decimal("2.0"), "2"),
        (-3, "-3"),
        (0.000001, "0.000001"),
    ],
)
def test_numbers_travel_in_plain_notation(value: float | Decimal, text: str) -> None:
    assert number_text(value) == text


def test_check_attributes_leaves_room_for_the_backends_own() -> None:
    assert check_attributes(None) == {}
    assert len(check_attributes({f"k{i}": 1 for i in range(10)})) == 10
    with pytest.raises(ValueError, match="uses 3, so at most 7"):
        check_attributes({f"k{i}": 1 for i in range(8)}, slots_taken=3)
