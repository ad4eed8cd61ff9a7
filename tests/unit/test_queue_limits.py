"""Each queue's size limit comes from the schema and is checked before any request.

Queues are created as Terraform creates them (``provision`` sets the schema's
``max_message_bytes`` as ``MaximumMessageSize``); moto enforces it, so a body
the sender let through would fail in SQS with a raw error.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from stereo_spot_aws_adapters import env_config
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.generated.resources import QUEUES
from stereo_spot_aws_adapters.sqs import SQSQueueSender
from stereo_spot_shared._messages import MARKER_TYPE_BYTES
from stereo_spot_shared.errors import InvalidArgumentError, MessageTooLargeError

KIB = 1024


@pytest.fixture
def queues(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    environment = provision(prefix="limits")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    yield environment


def queued(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_provisioned_queues_have_the_schema_limit(queues: dict[str, str]) -> None:
    sqs = boto3.client("sqs")
    for queue in QUEUES:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queues[queue.env_var], AttributeNames=["MaximumMessageSize"]
        )["Attributes"]
        assert int(attributes["MaximumMessageSize"]) == queue.max_message_bytes == 256 * KIB


def test_factory_senders_check_the_queue_limit_before_any_request(
    queues: dict[str, str],
) -> None:
    sender = env_config.reassembly_queue_sender_from_env()
    assert sender.max_message_bytes == 256 * KIB

    with pytest.raises(MessageTooLargeError, match=r"over the queue's limit of 262144 bytes"):
        sender.send("x" * 300 * KIB)

    assert queued(queues["REASSEMBLY_QUEUE_URL"]) == 0


def test_send_batch_names_the_oversized_body_and_sends_nothing(queues: dict[str, str]) -> None:
    sender = env_config.chunking_queue_sender_from_env()

    with pytest.raises(MessageTooLargeError, match=r"^bodies\[1\]: message is \d+ bytes"):
        sender.send_batch(["small", "x" * 300 * KIB, "also small"])

    assert queued(queues["CHUNKING_QUEUE_URL"]) == 0


def test_a_batch_of_bodies_near_the_limit_is_split_and_every_one_sent(
    queues: dict[str, str],
) -> None:
    sender = env_config.video_worker_queue_sender_from_env()
    bodies: list[str | bytes] = ["y" * (200 * KIB) for _ in range(3)]

    ids = sender.send_batch(bodies)

    assert len(set(ids)) == 3
    assert queued(queues["VIDEO_WORKER_QUEUE_URL"]) == 3


def test_a_body_exactly_at_the_limit_is_sent(queues: dict[str, str]) -> None:
    sender = env_config.reassembly_queue_sender_from_env()
    # Body plus the encoding attribute (name, "String.id-<stable id>", "utf-8") is exactly the limit.
    overhead = len("stereo-spot-body-encoding") + MARKER_TYPE_BYTES + len("utf-8")
    sender.send("z" * (256 * KIB - overhead))
    with pytest.raises(MessageTooLargeError):
        sender.send("z" * (256 * KIB - overhead + 1))
    assert queued(queues["REASSEMBLY_QUEUE_URL"]) == 1


def test_a_limit_sqs_cannot_have_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="max_message_bytes must be between 1024"):
        SQSQueueSender("https://sqs.us-east-1.amazonaws.com/1/q", max_message_bytes=2 * 1024**2)
