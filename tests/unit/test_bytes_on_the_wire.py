"""A ``bytes`` body on the wire is the base64 text the original stereo-spot sends.

The original's receiver hands that text over as it is; ours decodes it because a
message attribute marks it (docs/guides/original-tests.md). Both directions on moto.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from stereo_spot_aws_adapters.sqs import SQSQueueReceiver, SQSQueueSender

REGION = "us-east-1"
PAYLOAD = b"binary \xff\xfe\x00"


@pytest.fixture
def queue_url() -> Iterator[str]:
    with mock_aws():
        client = boto3.client("sqs", region_name=REGION)
        yield client.create_queue(QueueName="bytes")["QueueUrl"]


def test_a_plain_receiver_reads_our_bytes_as_the_originals_base64_text(queue_url: str) -> None:
    SQSQueueSender(queue_url, region_name=REGION).send(PAYLOAD)

    raw = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=queue_url)
    (message,) = raw["Messages"]
    assert message["Body"] == base64.b64encode(PAYLOAD).decode("ascii")
    assert base64.b64decode(message["Body"].encode("ascii")) == PAYLOAD


def test_ours_gives_back_bytes_it_sent_and_text_the_original_sent(queue_url: str) -> None:
    original_text = base64.b64encode(PAYLOAD).decode("ascii")
    boto3.client("sqs", region_name=REGION).send_message(
        QueueUrl=queue_url, MessageBody=original_text
    )
    SQSQueueSender(queue_url, region_name=REGION).send(PAYLOAD)

    receiver = SQSQueueReceiver(queue_url, region_name=REGION, wait_time_seconds=0)
    bodies = []
    for _ in range(5):
        for message in receiver.receive(max_messages=10):
            bodies.append(message.body)
            receiver.delete(message.receipt_handle)
        if len(bodies) == 2:
            break
    assert sorted(bodies, key=lambda b: isinstance(b, bytes)) == [original_text, PAYLOAD]
