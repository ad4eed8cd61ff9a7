"""SQSQueueSender and SQSQueueReceiver against moto."""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from stereo_spot_aws_adapters._clients import client_config, get_client
from stereo_spot_aws_adapters.sqs import (
    ENCODING_ATTRIBUTE,
    MAX_MESSAGE_BYTES,
    BatchRetry,
    SQSQueueReceiver,
    SQSQueueSender,
)
from stereo_spot_shared._messages import MARKER_TYPE_BYTES
from stereo_spot_shared.errors import (
    AccessDeniedError,
    BatchWriteError,
    EmptyMessageError,
    MalformedEventError,
    MessageTooLargeError,
)
from stereo_spot_shared.interfaces import MessageBody, QueueMessage
from stereo_spot_shared.models import ChunkingPayload
from stereo_spot_shared.s3_events import parse_payload

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

# Bytes our sender adds to every message: the encoding attribute's name, its
# data type and its value (the value is "utf-8" for str and "base64" for bytes).
STR_OVERHEAD = len(ENCODING_ATTRIBUTE) + MARKER_TYPE_BYTES + len("utf-8")
BYTES_OVERHEAD = len(ENCODING_ATTRIBUTE) + MARKER_TYPE_BYTES + len("base64")


@pytest.fixture(scope="module")
def boto_session() -> boto3.session.Session:
    # One session for the module: a fresh one reloads botocore's endpoint data,
    # which would cost a tenth of a second per test.
    return boto3.session.Session()


@pytest.fixture
def sqs(aws: None, boto_session: boto3.session.Session) -> SQSClient:
    """A client of its own per test, so patches and event handlers never leak."""
    return boto_session.client("sqs", region_name="us-east-1", config=client_config("sqs"))


@pytest.fixture
def queue_url(sqs: SQSClient) -> str:
    return sqs.create_queue(QueueName="work")["QueueUrl"]


@pytest.fixture
def requests(sqs: SQSClient) -> list[str]:
    """Names of the SQS operations sent, in order (recorded by botocore's events)."""
    sent: list[str] = []

    def record(model: Any, **_: Any) -> None:
        sent.append(model.name)

    sqs.meta.events.register("before-call.sqs", record)
    return sent


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def sender(sqs: SQSClient, queue_url: str, sleeps: list[float]) -> SQSQueueSender:
    return SQSQueueSender(
        queue_url, client=sqs, retry=BatchRetry(base_delay=0.01, sleep=sleeps.append)
    )


@pytest.fixture
def receiver(sqs: SQSClient, queue_url: str) -> SQSQueueReceiver:
    # No long polling in tests: moto would really wait on an empty queue.
    return SQSQueueReceiver(queue_url, wait_time_seconds=0, client=sqs)


def drain(receiver: SQSQueueReceiver) -> list[QueueMessage]:
    """Every message on the queue (each received once, left invisible)."""
    received: list[QueueMessage] = []
    while batch := receiver.receive(max_messages=10):
        received.extend(batch)
    return received


def test_default_client_is_the_shared_one(queue_url: str) -> None:
    # Built from AWS_REGION by get_client, the same client every adapter shares.
    sender = SQSQueueSender(queue_url)
    receiver = SQSQueueReceiver(queue_url, wait_time_seconds=0)

    sender.send(b"via the shared client")

    assert [message.body for message in receiver.receive()] == [b"via the shared client"]
    assert get_client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"] == {"ApproximateNumberOfMessagesNotVisible": "1"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("hello", id="ascii-str"),
        pytest.param("vidéo 東京 🎬\r\n\ttab", id="unicode-str"),
        pytest.param("aGVsbG8=", id="str-that-looks-base64"),
        pytest.param(b"plain ascii bytes", id="ascii-bytes"),
        pytest.param(b"\xff\xfe\x00\x01\x80not utf-8", id="non-utf8-bytes"),
        pytest.param(bytes(range(256)), id="every-byte"),
    ],
)
def test_body_round_trips_with_its_type(
    sender: SQSQueueSender, receiver: SQSQueueReceiver, body: MessageBody
) -> None:
    message_id = sender.send(body)

    [message] = receiver.receive()
    assert message.message_id == message_id
    assert type(message.body) is type(body)
    assert message.body == body
    assert message.receipt_handle
    assert message.receive_count == 1
    assert message.attributes == {}  # the encoding marker stays internal


def test_message_without_marker_is_received_as_str(
    sqs: SQSClient, queue_url: str, receiver: SQSQueueReceiver
) -> None:
    # What an S3 notification looks like to us: no encoding attribute, even
    # though this body happens to be valid base64.
    sqs.send_message(QueueUrl=queue_url, MessageBody="aGVsbG8=")

    [message] = receiver.receive()
    assert message.body == "aGVsbG8="


def test_unknown_marker_is_malformed(
    sqs: SQSClient, queue_url: str, receiver: SQSQueueReceiver
) -> None:
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody="x",
        MessageAttributes={ENCODING_ATTRIBUTE: {"DataType": "String", "StringValue": "rot13"}},
    )

    skipped: list[tuple[str, MalformedEventError]] = []
    receiver.on_malformed = lambda message_id, error: skipped.append((message_id, error))

    assert receiver.receive() == []  # left for the dead-letter queue, not returned
    assert len(skipped) == 1 and "rot13" in str(skipped[0][1])


def test_base64_marker_on_a_non_base64_body_is_malformed(
    sqs: SQSClient, queue_url: str, receiver: SQSQueueReceiver
) -> None:
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody="not base64!",
        MessageAttributes={ENCODING_ATTRIBUTE: {"DataType": "String", "StringValue": "base64"}},
    )

    skipped: list[tuple[str, MalformedEventError]] = []
    receiver.on_malformed = lambda message_id, error: skipped.append((message_id, error))

    assert receiver.receive() == []
    assert len(skipped) == 1 and "not base64" in str(skipped[0][1])


def test_send_payload_sends_model_json(sender: SQSQueueSender, receiver: SQSQueueReceiver) -> None:
    payload = ChunkingPayload(bucket="input", key="input/job-1/source.mp4")

    sender.send_payload(payload)

    [message] = receiver.receive()
    assert isinstance(message.body, str)
    assert parse_payload(message.body, ChunkingPayload) == payload


def test_str_just_under_the_limit_is_sent(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    body = "a" * (MAX_MESSAGE_BYTES - STR_OVERHEAD)

    sender.send(body)

    [message] = receiver.receive()
    assert message.body == body


def test_str_just_over_the_limit_is_refused(sender: SQSQueueSender, requests: list[str]) -> None:
    size = MAX_MESSAGE_BYTES + 1

    with pytest.raises(MessageTooLargeError) as caught:
        sender.send("a" * (size - STR_OVERHEAD))

    assert f"{size} bytes" in str(caught.value)
    assert str(MAX_MESSAGE_BYTES) in str(caught.value)
    assert requests == []


def test_limit_counts_utf8_bytes_not_characters(
    sender: SQSQueueSender, requests: list[str]
) -> None:
    # Fewer characters than the limit, but two bytes each in UTF-8.
    body = "é" * ((MAX_MESSAGE_BYTES - STR_OVERHEAD) // 2 + 1)
    assert len(body) < MAX_MESSAGE_BYTES

    with pytest.raises(MessageTooLargeError):
        sender.send(body)
    assert requests == []


def test_bytes_just_under_the_limit_is_sent(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    # base64 turns every 3 bytes into 4 characters.
    body = b"\xff" * ((MAX_MESSAGE_BYTES - BYTES_OVERHEAD) // 4 * 3)

    sender.send(body)

    [message] = receiver.receive()
    assert message.body == body


def test_bytes_just_over_the_limit_is_refused(sender: SQSQueueSender, requests: list[str]) -> None:
    body = b"\xff" * ((MAX_MESSAGE_BYTES - BYTES_OVERHEAD) // 4 * 3 + 1)

    with pytest.raises(MessageTooLargeError, match="base64"):
        sender.send(body)
    assert requests == []


@pytest.mark.parametrize("body", ["", b""])
def test_empty_body_is_refused(
    sender: SQSQueueSender, requests: list[str], body: MessageBody
) -> None:
    with pytest.raises(EmptyMessageError):
        sender.send(body)
    assert requests == []


@pytest.mark.parametrize("body", [123, None, bytearray(b"x"), ["a"]])
def test_body_of_another_type_is_refused(
    sender: SQSQueueSender, requests: list[str], body: Any
) -> None:
    with pytest.raises(TypeError, match="str or bytes"):
        sender.send(body)
    assert requests == []


def test_str_with_characters_sqs_refuses_is_refused_before_sending(
    sender: SQSQueueSender, receiver: SQSQueueReceiver, requests: list[str]
) -> None:
    with pytest.raises(ValueError, match=r"U\+0000 at index 1.*send the body as bytes"):
        sender.send("a\x00b")
    assert requests == []

    sender.send(b"a\x00b")
    assert receiver.receive()[0].body == b"a\x00b"


def test_send_batch_of_25_uses_3_requests_and_keeps_order(
    sender: SQSQueueSender, receiver: SQSQueueReceiver, requests: list[str]
) -> None:
    bodies: list[MessageBody] = [
        f"message {i}" if i % 2 else f"bytes {i}".encode() for i in range(25)
    ]

    message_ids = sender.send_batch(bodies)

    assert requests == ["SendMessageBatch"] * 3
    assert len(message_ids) == 25
    by_id = {message.message_id: message.body for message in drain(receiver)}
    assert [by_id[message_id] for message_id in message_ids] == bodies


def test_send_batch_splits_by_total_size(
    sender: SQSQueueSender, receiver: SQSQueueReceiver, requests: list[str]
) -> None:
    # Three of these fit in one 1 MiB batch, a fourth does not.
    bodies: list[MessageBody] = [str(i) * 300_000 for i in range(5)]

    sender.send_batch(bodies)

    assert requests == ["SendMessageBatch"] * 2
    assert sorted(message.body for message in drain(receiver)) == bodies


def test_send_batch_of_nothing_sends_nothing(sender: SQSQueueSender, requests: list[str]) -> None:
    assert sender.send_batch([]) == []
    assert requests == []


@pytest.mark.parametrize(
    ("bad", "error"),
    [("", EmptyMessageError), ("x" * MAX_MESSAGE_BYTES, MessageTooLargeError), (7, TypeError)],
)
def test_send_batch_validates_every_body_before_sending(
    sender: SQSQueueSender, requests: list[str], bad: Any, error: type[Exception]
) -> None:
    bodies = ["fine"] * 15 + [bad]

    with pytest.raises(error):
        sender.send_batch(bodies)
    assert requests == []


class FlakySendBatch:
    """Wraps send_message_batch and reports chosen entries as failed.

    ``failures`` maps an entry id to how many more times it fails (a large
    number fails forever); ids in ``sender_faults`` fail as the caller's fault.
    """

    def __init__(
        self, real: Any, failures: dict[str, int], sender_faults: frozenset[str] = frozenset()
    ) -> None:
        self.real = real
        self.failures = dict(failures)
        self.sender_faults = sender_faults
        self.attempts: Counter[str] = Counter()

    def __call__(self, *, QueueUrl: str, Entries: list[Any]) -> Any:  # noqa: N803 (boto3 names)
        self.attempts.update(entry["Id"] for entry in Entries)
        to_fail = [
            entry
            for entry in Entries
            if entry["Id"] in self.sender_faults or self.failures.get(entry["Id"], 0) > 0
        ]
        for entry in to_fail:
            if entry["Id"] in self.failures:
                self.failures[entry["Id"]] -= 1
        to_send = [entry for entry in Entries if entry not in to_fail]
        response = (
            self.real(QueueUrl=QueueUrl, Entries=to_send)
            if to_send
            else {"Successful": [], "Failed": []}
        )
        response.setdefault("Failed", [])
        response["Failed"] += [
            {
                "Id": entry["Id"],
                "SenderFault": entry["Id"] in self.sender_faults,
                "Code": "InvalidMessageContents"
                if entry["Id"] in self.sender_faults
                else "InternalError",
                "Message": "injected by the test",
            }
            for entry in to_fail
        ]
        return response


def test_send_batch_retries_only_failed_entries(
    sqs: SQSClient,
    sender: SQSQueueSender,
    receiver: SQSQueueReceiver,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    flaky = FlakySendBatch(sqs.send_message_batch, {"3": 1, "12": 2, "20": 2})
    monkeypatch.setattr(sqs, "send_message_batch", flaky)
    bodies: list[MessageBody] = [f"message {i}" for i in range(25)]

    with caplog.at_level(logging.WARNING, logger="stereo_spot_aws_adapters"):
        message_ids = sender.send_batch(bodies)

    assert flaky.attempts["3"] == 2
    assert flaky.attempts["12"] == 3
    assert flaky.attempts["20"] == 3
    assert {flaky.attempts[str(i)] for i in range(25) if i not in (3, 12, 20)} == {1}
    received = drain(receiver)
    assert sorted(message.body for message in received) == sorted(bodies)
    by_id = {message.message_id: message.body for message in received}
    assert [by_id[message_id] for message_id in message_ids] == bodies
    # One retry in the first batch (entry 3), two each in the second (12) and third (20).
    assert len(sleeps) == 5
    assert all(delay >= 0 for delay in sleeps)
    # Each retry is a WARNING naming the queue, the counts and the attempt, as fields too.
    retries = [r for r in caplog.records if r.name == "stereo_spot_aws_adapters.sqs"]
    assert [(r.levelno, r.pending, r.batch_size, r.attempt) for r in retries] == [  # type: ignore[attr-defined]
        (logging.WARNING, 1, 10, 2),
        (logging.WARNING, 1, 10, 2),
        (logging.WARNING, 1, 10, 3),
        (logging.WARNING, 1, 5, 2),
        (logging.WARNING, 1, 5, 3),
    ]
    assert all(r.queue_url == sender.queue_url for r in retries)  # type: ignore[attr-defined]
    assert "retrying 1 of 10 send entries on " + sender.queue_url in retries[0].getMessage()
    assert "InternalError" in retries[0].getMessage()
    assert all("message " not in r.getMessage() for r in retries)  # never a body


def test_send_batch_reports_exactly_the_entries_that_never_went(
    sqs: SQSClient,
    sender: SQSQueueSender,
    receiver: SQSQueueReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flaky = FlakySendBatch(
        sqs.send_message_batch, {"4": 1, "17": 10**6}, sender_faults=frozenset({"9"})
    )
    monkeypatch.setattr(sqs, "send_message_batch", flaky)
    bodies: list[MessageBody] = [f"message {i}" for i in range(25)]

    with pytest.raises(BatchWriteError) as caught:
        sender.send_batch(bodies)

    assert caught.value.failed == ("message 9", "message 17")
    message = str(caught.value)
    assert "2 of 25" in message
    assert "InternalError" in message
    assert "InvalidMessageContents" in message
    # Transient failures are retried up to the attempt limit, the sender's own
    # faults are not retried, and nothing that succeeded is sent again.
    assert flaky.attempts["17"] == 5
    assert flaky.attempts["9"] == 1
    assert flaky.attempts["4"] == 2
    assert sorted(m.body for m in drain(receiver)) == sorted(
        body for body in bodies if body not in ("message 9", "message 17")
    )


def test_send_batch_request_error_reports_everything_not_sent(
    sqs: SQSClient,
    sender: SQSQueueSender,
    receiver: SQSQueueReceiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = sqs.send_message_batch
    calls: list[int] = []

    def fail_second_request(**kwargs: Any) -> Any:
        calls.append(len(kwargs["Entries"]))
        if len(calls) == 2:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "no"}}, "SendMessageBatch"
            )
        return real(**kwargs)

    monkeypatch.setattr(sqs, "send_message_batch", fail_second_request)
    bodies: list[MessageBody] = [f"message {i}" for i in range(25)]

    with (
        caplog.at_level(logging.WARNING, logger="stereo_spot_aws_adapters"),
        pytest.raises(BatchWriteError, match=r"15 of 25.*AccessDenied") as caught,
    ):
        sender.send_batch(bodies)

    gave_up = [r for r in caplog.records if r.name == "stereo_spot_aws_adapters.sqs"]
    assert [(r.failed, r.batch_size, r.error_codes) for r in gave_up] == [  # type: ignore[attr-defined]
        (10, 10, ["AccessDenied"])
    ]
    assert gave_up[0].getMessage().startswith("gave up on 10 of 10 send entries on ")

    assert caught.value.failed == tuple(bodies[10:])
    assert isinstance(caught.value.__cause__, AccessDeniedError)
    assert isinstance(caught.value.__cause__.__cause__, ClientError)
    assert calls == [10, 10]  # the third batch was not attempted
    assert sorted(m.body for m in drain(receiver)) == sorted(bodies[:10])


def test_backoff_delays_stay_within_their_bounds() -> None:
    retry = BatchRetry(base_delay=0.1, max_delay=0.5)

    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (10, 0.5)]:
        delays = [retry.delay_before(attempt) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)


@pytest.mark.parametrize("options", [{"attempts": 0}, {"base_delay": -1.0}, {"max_delay": -1.0}])
def test_retry_policy_rejects_nonsense(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        BatchRetry(**options)


def test_receive_long_polls_and_requests_every_attribute(
    sqs: SQSClient, queue_url: str, sender: SQSQueueSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    real = sqs.receive_message

    def spy(**kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(sqs, "receive_message", spy)
    sender.send(b"\x00")
    # A message is waiting, so moto answers at once despite the 20 s wait.
    receiver = SQSQueueReceiver(queue_url, client=sqs)

    [message] = receiver.receive(max_messages=10)

    assert message.body == b"\x00"
    [call] = seen
    assert call["WaitTimeSeconds"] == 20
    assert call["MaxNumberOfMessages"] == 10
    # Every attribute: the marker and the users' own.
    assert call["MessageAttributeNames"] == ["All"]
    assert "ApproximateReceiveCount" in call["MessageSystemAttributeNames"]


def test_receive_on_an_empty_queue_returns_nothing(receiver: SQSQueueReceiver) -> None:
    assert receiver.receive(max_messages=10) == []


@pytest.mark.parametrize("max_messages", [0, -1, 11])
def test_receive_refuses_max_messages_out_of_range(
    receiver: SQSQueueReceiver, requests: list[str], max_messages: int
) -> None:
    with pytest.raises(ValueError, match="between 1 and 10"):
        receiver.receive(max_messages=max_messages)
    assert requests == []


@pytest.mark.parametrize("wait", [-1, 21])
def test_wait_time_out_of_range_is_refused(queue_url: str, wait: int) -> None:
    with pytest.raises(ValueError, match="between 0 and 20"):
        SQSQueueReceiver(queue_url, wait_time_seconds=wait)


@pytest.mark.parametrize("url", ["", "work"])
def test_queue_url_must_be_a_url(url: str) -> None:
    with pytest.raises(ValueError, match="queue_url"):
        SQSQueueSender(url)
    with pytest.raises(ValueError, match="queue_url"):
        SQSQueueReceiver(url)


def in_flight(sqs: SQSClient, queue_url: str) -> dict[str, str]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {str(name): value for name, value in attributes.items()}


def test_delete_removes_the_message(
    sender: SQSQueueSender, receiver: SQSQueueReceiver, sqs: SQSClient, queue_url: str
) -> None:
    sender.send("x")
    [message] = receiver.receive()
    assert in_flight(sqs, queue_url)["ApproximateNumberOfMessagesNotVisible"] == "1"

    receiver.delete(message.receipt_handle)

    assert in_flight(sqs, queue_url) == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


def test_delete_batch_deletes_in_groups_of_ten(
    sender: SQSQueueSender,
    receiver: SQSQueueReceiver,
    sqs: SQSClient,
    queue_url: str,
    requests: list[str],
) -> None:
    sender.send_batch([f"m{i}" for i in range(12)])
    handles = [message.receipt_handle for message in drain(receiver)]
    assert len(handles) == 12
    requests.clear()

    receiver.delete_batch(handles)

    assert requests == ["DeleteMessageBatch"] * 2
    assert in_flight(sqs, queue_url) == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


def test_delete_batch_lists_the_handles_that_failed(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    sender.send_batch(["a", "b"])
    handles = [message.receipt_handle for message in drain(receiver)]

    with pytest.raises(BatchWriteError, match=r"1 of 3.*ReceiptHandleIsInvalid") as caught:
        receiver.delete_batch([handles[0], "not-a-real-handle", handles[1]])

    assert caught.value.failed == ("not-a-real-handle",)


def test_delete_batch_of_nothing_sends_nothing(
    receiver: SQSQueueReceiver, requests: list[str]
) -> None:
    receiver.delete_batch([])
    assert requests == []


def test_empty_receipt_handles_are_refused(receiver: SQSQueueReceiver, requests: list[str]) -> None:
    with pytest.raises(ValueError, match="receipt_handle"):
        receiver.delete("")
    with pytest.raises(ValueError, match="receipt_handle"):
        receiver.delete_batch(["ok", ""])
    with pytest.raises(ValueError, match="receipt_handle"):
        receiver.change_visibility("", 30)
    assert requests == []


def test_change_visibility_zero_makes_the_message_visible_again(
    sender: SQSQueueSender, receiver: SQSQueueReceiver
) -> None:
    sender.send("again")
    [first] = receiver.receive()
    assert receiver.receive() == []

    receiver.change_visibility(first.receipt_handle, 0)

    [second] = receiver.receive()
    assert second.message_id == first.message_id
    assert second.receive_count == 2


def test_change_visibility_accepts_the_range_ends(
    sqs: SQSClient, receiver: SQSQueueReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQS counts the 12 hours from the first receive, so a real call with
    # 43200 fails once any time has passed; record what would be sent instead.
    sent: list[int] = []
    monkeypatch.setattr(
        sqs, "change_message_visibility", lambda **kwargs: sent.append(kwargs["VisibilityTimeout"])
    )

    receiver.change_visibility("handle", 0)
    receiver.change_visibility("handle", 43_200)

    assert sent == [0, 43_200]


@pytest.mark.parametrize("seconds", [-1, 43_201])
def test_change_visibility_out_of_range_is_refused(
    receiver: SQSQueueReceiver, requests: list[str], seconds: int
) -> None:
    with pytest.raises(ValueError, match="between 0 and 43200"):
        receiver.change_visibility("handle", seconds)
    assert requests == []
