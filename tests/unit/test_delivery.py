"""Issue 23, item 5: what a batch send does when SQS's answer is lost after it accepted."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from moto.core.models import botocore_stubber

from stereo_spot_aws_adapters._retry import BatchRetry
from stereo_spot_aws_adapters.sqs import SQSQueueReceiver, SQSQueueSender
from stereo_spot_shared.memory import MemoryQueueReceiver, MemoryQueueSender, MemoryState


def _drop_the_first_answer(client: Any, operation: str) -> list[int]:
    """SQS accepts the first ``operation`` request, then its response is lost on the way back."""
    calls: list[int] = []

    def handler(request: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            botocore_stubber(f"before-send.sqs.{operation}", request)  # moto accepts it...
            raise ReadTimeoutError(endpoint_url=request.url)  # ...and the answer is lost
        # Later requests: moto's own handler (after this one) answers them.

    client.meta.events.register_first(f"before-send.sqs.{operation}", handler)
    return calls


def test_a_lost_batch_response_resends_with_the_same_stable_ids_and_logs_the_count(
    aws: None, caplog: pytest.LogCaptureFixture
) -> None:
    client = boto3.client("sqs", region_name="us-east-1")
    url = client.create_queue(QueueName="lost")["QueueUrl"]
    sender = SQSQueueSender(url, client=client, retry=BatchRetry(sleep=lambda _: None))
    calls = _drop_the_first_answer(client, "SendMessageBatch")
    with caplog.at_level(logging.WARNING, logger="stereo_spot_aws_adapters"):
        ids = sender.send_batch(["a", "b", "c"])
    assert len(ids) == 3
    assert len(calls) == 2  # one resend by the library, not botocore's blind retries on top

    receiver = SQSQueueReceiver(url, client=client, wait_time_seconds=0)
    received = [m for _ in range(5) for m in receiver.receive(10)]
    # SQS took the first request too: six messages, each duplicate sharing its stable id.
    assert sorted(m.body for m in received) == ["a", "a", "b", "b", "c", "c"]
    by_body = {body: {m.stable_id for m in received if m.body == body} for body in "abc"}
    assert all(len(stable) == 1 for stable in by_body.values())
    assert len({next(iter(s)) for s in by_body.values()}) == 3
    assert Counter(m.stable_id for m in received) == Counter(
        {next(iter(s)): 2 for s in by_body.values()}
    )
    warnings = [r.getMessage() for r in caplog.records if "after a lost response" in r.getMessage()]
    assert warnings == [
        f"resent 3 send entries on {url} after a lost response; SQS may have accepted them "
        "before, so up to 3 duplicates can be delivered, each with its stable id"
    ]


def test_every_message_carries_a_stable_id_kept_across_redelivery_and_dead_lettering(
    aws: None,
) -> None:
    client = boto3.client("sqs", region_name="us-east-1")
    dlq = client.create_queue(QueueName="dead")["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
    url = client.create_queue(
        QueueName="live",
        Attributes={
            "RedrivePolicy": f'{{"deadLetterTargetArn": "{arn["QueueArn"]}", "maxReceiveCount": "1"}}'
        },
    )["QueueUrl"]
    SQSQueueSender(url, client=client).send("x")
    receiver = SQSQueueReceiver(url, client=client, wait_time_seconds=0)
    (first,) = receiver.receive(1)
    assert first.stable_id and first.stable_id != first.message_id
    receiver.change_visibility(first.receipt_handle, 0)
    assert receiver.receive(1) == []  # received once already: SQS moved it to the DLQ
    (dead,) = SQSQueueReceiver(dlq, client=client, wait_time_seconds=0).receive(1)
    assert dead.stable_id == first.stable_id


def test_memory_messages_keep_their_stable_id_across_redelivery_and_dead_lettering() -> None:
    clock = [0.0]
    state = MemoryState(queues=["live", "dead"], clock=lambda: clock[0])
    MemoryQueueSender(state, "live").send("x")
    receiver = MemoryQueueReceiver(
        state, "live", wait_time_seconds=0, dead_letter_queue="dead", max_receive_count=2
    )
    (first,) = receiver.receive(1)
    clock[0] += 31
    (second,) = receiver.receive(1)
    clock[0] += 31
    assert receiver.receive(1) == []
    (dead,) = MemoryQueueReceiver(state, "dead", wait_time_seconds=0).receive(1)
    assert first.stable_id and first.stable_id == second.stable_id == dead.stable_id


def test_a_redrive_by_the_dlq_tool_keeps_the_stable_id(aws: None) -> None:
    from stereo_spot_aws_adapters.devtools.dead_letters import redrive

    client = boto3.client("sqs", region_name="us-east-1")
    dlq = client.create_queue(QueueName="letters")["QueueUrl"]
    source = client.create_queue(QueueName="source")["QueueUrl"]
    SQSQueueSender(dlq, client=client).send("letter")
    (dead,) = SQSQueueReceiver(dlq, client=client, wait_time_seconds=0).receive(1)
    client.change_message_visibility(
        QueueUrl=dlq, ReceiptHandle=dead.receipt_handle, VisibilityTimeout=0
    )
    redrive(client, dlq, source, wait_time_seconds=0)
    (back,) = SQSQueueReceiver(source, client=client, wait_time_seconds=0).receive(1)
    assert back.body == "letter" and back.stable_id == dead.stable_id
