"""User message attributes on SQS's wire: what only SQS has (``AWSTraceHeader``, other
producers' custom types), no request for bad attributes, and the number formatting.

Round trips run on every backend in ``tests/conformance/test_conformance_message_attributes.py``;
every bad attribute is a row of the shared table in ``tests/unit/test_bad_inputs.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import boto3
import pytest

from stereo_spot_aws_adapters._clients import client_config
from stereo_spot_aws_adapters.sqs import (
    ENCODING_ATTRIBUTE,
    SQSQueueReceiver,
    SQSQueueSender,
)
from stereo_spot_shared.message_attributes import (
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


def test_bad_attributes_make_no_request(sender: SQSQueueSender, requests: list[str]) -> None:
    # Every row is in tests/unit/test_bad_inputs.py, on both backends; here: not one request.
    with pytest.raises(ValueError, match="reserved"):
        sender.send("body", attributes={"AWS.thing": "x"})
    with pytest.raises(ValueError, match="reserved"):
        sender.send_batch(["fine", "body"], attributes=[None, {ENCODING_ATTRIBUTE: "utf-8"}])
    with pytest.raises(ValueError, match="one entry per body: 1 for 2 bodies"):
        sender.send_batch(["a", "b"], attributes=[{"k": "v"}])
    assert requests == []


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
