"""Dead letters: list them and move them back to their source queue.

Behind ``python -m stereo_spot_aws_adapters dlq QUEUE [--redrive] [--limit N]``.
A queue's dead-letter queue is found from the queue's own ``RedrivePolicy``
(which ``provision()`` and ``infra/sqs.tf`` set from the schema), so only the
source queue's URL is needed.

Listing receives the dead letters, hidden for ``hide_seconds`` so one listing
never shows a message twice, then makes them visible again. Redriving sends a
copy (same body, same message attributes) to the source queue and deletes the
dead letter only after the send succeeded: a message is never lost; it is
duplicated only if the delete fails after the send (reported as ``not_deleted``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from stereo_spot_shared._messages import MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES
from stereo_spot_shared.errors import InvalidConfigurationError, StereoSpotError

from .._errors import AwsCall, Resource
from ..sqs import _plan_batches

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import (
        BatchResultErrorEntryTypeDef,
        MessageAttributeValueTypeDef,
        MessageTypeDef,
    )

__all__ = [
    "DeadLetter",
    "RedriveResult",
    "dead_letter_queue_url",
    "list_dead_letters",
    "redrive",
    "redrive_policy",
]

PREVIEW_CHARACTERS = 80


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    body_preview: str  # the first PREVIEW_CHARACTERS characters, as repr-safe text
    receive_count: int
    first_received: datetime | None

    def render(self) -> str:
        first = self.first_received.isoformat() if self.first_received else "unknown"
        return (
            f"{self.message_id}  receives={self.receive_count}  first_received={first}  "
            f"body={self.body_preview}"
        )


@dataclass
class RedriveResult:
    moved: list[str] = field(default_factory=list)  # message ids now on the source queue
    not_sent: list[str] = field(default_factory=list)  # still in the dead-letter queue
    not_deleted: list[str] = field(default_factory=list)  # sent, but also still dead-lettered
    reasons: dict[str, str] = field(default_factory=dict)  # why each not_sent id was not sent


def _queue(url: str) -> AwsCall:
    """Botocore errors of requests to this queue become ``stereo_spot_shared.errors`` classes."""
    return AwsCall(Resource("sqs", "SQS queue", url))


def redrive_policy(client: SQSClient, queue_url: str) -> dict[str, Any] | None:
    """The queue's ``RedrivePolicy``, parsed; ``None`` when it has no dead-letter queue."""
    attributes = client.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["RedrivePolicy"]
    ).get("Attributes", {})
    policy = attributes.get("RedrivePolicy")
    return dict(json.loads(policy)) if policy else None


def dead_letter_queue_url(client: SQSClient, queue_url: str) -> str:
    """The URL of ``queue_url``'s dead-letter queue, from its redrive policy."""
    with _queue(queue_url):
        policy = redrive_policy(client, queue_url)
    if policy is None:
        raise InvalidConfigurationError(
            f"queue {queue_url} has no redrive policy, so no dead-letter queue"
        )
    arn = str(policy["deadLetterTargetArn"])
    _, _, _, _, account, name = arn.split(":", 5)
    with _queue(name):
        return client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


def _receive(
    client: SQSClient, queue_url: str, limit: int, hide_seconds: int, wait_time_seconds: int
) -> Iterator[list[MessageTypeDef]]:
    """Batches of received messages until ``limit`` or an empty receive."""
    remaining = limit
    while remaining > 0:
        messages = client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(MAX_BATCH_ENTRIES, remaining),
            VisibilityTimeout=hide_seconds,
            WaitTimeSeconds=wait_time_seconds,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        remaining -= len(messages)
        yield messages


def _dead_letter(message: MessageTypeDef) -> DeadLetter:
    attributes = message.get("Attributes", {})
    first = attributes.get("ApproximateFirstReceiveTimestamp")
    body = message.get("Body", "")
    preview = repr(body[:PREVIEW_CHARACTERS]) + ("..." if len(body) > PREVIEW_CHARACTERS else "")
    return DeadLetter(
        message_id=message["MessageId"],
        body_preview=preview,
        receive_count=int(attributes.get("ApproximateReceiveCount", "0")),
        first_received=(
            datetime.fromtimestamp(int(first) / 1000, tz=timezone.utc) if first else None
        ),
    )


def _show_again(client: SQSClient, queue_url: str, messages: list[MessageTypeDef]) -> None:
    for start in range(0, len(messages), MAX_BATCH_ENTRIES):
        client.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(messages[start : start + MAX_BATCH_ENTRIES])
            ],
        )


def list_dead_letters(
    client: SQSClient,
    dlq_url: str,
    *,
    limit: int = 10,
    hide_seconds: int = 30,
    wait_time_seconds: int = 1,
) -> list[DeadLetter]:
    """Up to ``limit`` dead letters; they stay in the dead-letter queue, visible again."""
    seen: list[MessageTypeDef] = []
    with _queue(dlq_url):
        try:
            for batch in _receive(client, dlq_url, limit, hide_seconds, wait_time_seconds):
                seen += batch
        finally:
            _show_again(client, dlq_url, seen)
    return [_dead_letter(message) for message in seen]


def _attributes(message: MessageTypeDef) -> dict[str, MessageAttributeValueTypeDef]:
    copied: dict[str, MessageAttributeValueTypeDef] = {}
    for name, value in message.get("MessageAttributes", {}).items():
        kept: MessageAttributeValueTypeDef = {"DataType": value["DataType"]}
        if "StringValue" in value:
            kept["StringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            kept["BinaryValue"] = value["BinaryValue"]
        copied[name] = kept
    return copied


def redrive(
    client: SQSClient,
    dlq_url: str,
    queue_url: str,
    *,
    limit: int = 10,
    hide_seconds: int = 60,
    wait_time_seconds: int = 1,
) -> RedriveResult:
    """Move up to ``limit`` dead letters back to ``queue_url``: send a copy, then delete.

    Sends are batched by count (10) and by total size (the source queue's
    ``MaximumMessageSize``), so large letters move too. A failed send names
    ``queue_url``, where it went; a failed delete names the dead-letter queue.
    """
    result = RedriveResult()
    with _queue(queue_url):
        batch_limit = _batch_bytes(client, queue_url)
    unsent: list[MessageTypeDef] = []  # hidden until the end, so no letter is tried twice
    with _queue(dlq_url):
        try:
            for received in _receive(client, dlq_url, limit, hide_seconds, wait_time_seconds):
                letters = [_Letter(message) for message in received]
                for group in _plan_batches(letters, batch_limit):
                    batch = [letters[i].message for i in group]
                    unsent += _move(batch, client, dlq_url, queue_url, result)
        finally:
            _show_again(client, dlq_url, unsent)
    return result


@dataclass(frozen=True)
class _Letter:
    """A received dead letter and its size as SQS counts it (body plus attributes)."""

    message: MessageTypeDef

    @property
    def size(self) -> int:
        total = len(self.message.get("Body", "").encode("utf-8"))
        for name, value in _attributes(self.message).items():
            binary = value.get("BinaryValue")
            if isinstance(binary, bytes):
                payload = len(binary)
            else:
                payload = len(value.get("StringValue", "").encode("utf-8"))
            total += len(name.encode("utf-8")) + len(value["DataType"]) + payload
        return total


def _batch_bytes(client: SQSClient, queue_url: str) -> int:
    """The most one SendMessageBatch to ``queue_url`` may carry: its own message limit."""
    attributes = client.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["MaximumMessageSize"]
    ).get("Attributes", {})
    return min(int(attributes.get("MaximumMessageSize", MAX_MESSAGE_BYTES)), MAX_MESSAGE_BYTES)


def _move(
    batch: list[MessageTypeDef],
    client: SQSClient,
    dlq_url: str,
    queue_url: str,
    result: RedriveResult,
) -> list[MessageTypeDef]:
    """Send one batch to ``queue_url``, delete from the dead-letter queue what was sent.

    Returns the letters that were not sent (still in the dead-letter queue).
    """
    by_id = {str(i): message for i, message in enumerate(batch)}
    try:
        with _queue(queue_url):
            sent = client.send_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {
                        "Id": entry_id,
                        "MessageBody": message["Body"],
                        "MessageAttributes": _attributes(message),
                    }
                    for entry_id, message in by_id.items()
                ],
            )
    except StereoSpotError as error:
        # The whole request failed: every letter in it stays dead-lettered.
        for message in batch:
            _not_sent(result, message, str(error))
        return batch
    succeeded = [entry["Id"] for entry in sent.get("Successful", [])]
    failed = sent.get("Failed", [])
    for entry in failed:
        _not_sent(result, by_id[entry["Id"]], _entry_failure(queue_url, entry))
    if succeeded:
        _delete_sent(client, dlq_url, by_id, succeeded, result)
    return [by_id[entry["Id"]] for entry in failed]


def _delete_sent(
    client: SQSClient,
    dlq_url: str,
    by_id: dict[str, MessageTypeDef],
    succeeded: list[str],
    result: RedriveResult,
) -> None:
    deleted = client.delete_message_batch(
        QueueUrl=dlq_url,
        Entries=[
            {"Id": entry_id, "ReceiptHandle": by_id[entry_id]["ReceiptHandle"]}
            for entry_id in succeeded
        ],
    )
    gone = {entry["Id"] for entry in deleted.get("Successful", [])}
    result.moved += [by_id[i]["MessageId"] for i in succeeded if i in gone]
    result.not_deleted += [by_id[i]["MessageId"] for i in succeeded if i not in gone]


def _entry_failure(queue_url: str, entry: BatchResultErrorEntryTypeDef) -> str:
    return (
        f"sqs:SendMessage to SQS queue {queue_url!r} failed "
        f"({entry.get('Code', 'unknown')}: {entry.get('Message', 'no message')})"
    )


def _not_sent(result: RedriveResult, message: MessageTypeDef, reason: str) -> None:
    result.not_sent.append(message["MessageId"])
    result.reasons[message["MessageId"]] = reason
