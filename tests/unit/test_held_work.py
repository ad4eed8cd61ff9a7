"""processing() and hold() on moto in-process: settling on exit, and no beat outlives its block."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import boto3
import pytest

from stereo_spot_aws_adapters import ReassemblyTriggeredLock, SQSQueueReceiver, SQSQueueSender
from stereo_spot_aws_adapters.sqs import UNKNOWN_QUEUE_WINDOW_SECONDS
from stereo_spot_shared import processing


def beating_threads() -> list[str]:
    return [
        t.name
        for t in threading.enumerate()
        if t.name.startswith(("queue-visibility", "lease-renewal"))
    ]


@pytest.fixture
def queue_url(aws: None) -> str:
    return boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="work")["QueueUrl"]


def test_success_deletes_and_the_beat_stops(
    queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    SQSQueueSender(queue_url).send("job")
    receiver = SQSQueueReceiver(queue_url, wait_time_seconds=0, visibility_timeout_seconds=60)
    (message,) = receiver.receive()
    # Beats every millisecond, so `not work.lost` is asserted after extensions really ran.
    monkeypatch.setattr(processing, "beat_interval", lambda _: 0.001)
    extended = threading.Semaphore(0)
    extend = receiver.change_visibility

    def counted(receipt_handle: str, seconds: int) -> None:
        extend(receipt_handle, seconds)
        extended.release()

    monkeypatch.setattr(receiver, "change_visibility", counted)

    with receiver.processing(message) as work:
        assert extended.acquire(timeout=30) and extended.acquire(timeout=30)
        assert work.message is message and not work.lost

    assert beating_threads() == []
    attributes = boto3.client("sqs", region_name="us-east-1").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


@pytest.mark.parametrize("interruption", [RuntimeError("boom"), KeyboardInterrupt()])
def test_an_interrupted_block_stops_the_beat_and_gives_the_message_back(
    queue_url: str, interruption: BaseException
) -> None:
    SQSQueueSender(queue_url).send("job")
    receiver = SQSQueueReceiver(queue_url, wait_time_seconds=0, visibility_timeout_seconds=60)
    (message,) = receiver.receive()

    with pytest.raises(type(interruption)), receiver.processing(message):
        raise interruption

    assert beating_threads() == []
    (again,) = receiver.receive()  # visible at once, not after 60 s
    assert again.message_id == message.message_id and again.receive_count == 2


def test_without_the_timeout_processing_sets_its_own_window_and_never_asks_the_queue(
    queue_url: str,
) -> None:
    # sqs:GetQueueAttributes is in no consumer's policy: an explicitly built receiver
    # (README "Option 2") holds the message with the ChangeMessageVisibility it has.
    boto3.client("sqs", region_name="us-east-1").set_queue_attributes(
        QueueUrl=queue_url, Attributes={"VisibilityTimeout": "45"}
    )
    SQSQueueSender(queue_url).send("job")
    client = boto3.client("sqs", region_name="us-east-1")
    calls: list[tuple[str, dict[str, object]]] = []
    client.meta.events.register(
        "provide-client-params.sqs.*",
        lambda params, model, **_: calls.append((model.name, dict(params))),
    )
    receiver = SQSQueueReceiver(queue_url, wait_time_seconds=0, client=client)
    (message,) = receiver.receive()
    calls.clear()
    with receiver.processing(message):
        assert calls == [
            (
                "ChangeMessageVisibility",
                {
                    "QueueUrl": queue_url,
                    "ReceiptHandle": message.receipt_handle,
                    "VisibilityTimeout": UNKNOWN_QUEUE_WINDOW_SECONDS,
                },
            )
        ]
    assert [name for name, _ in calls] == [
        "ChangeMessageVisibility",
        "DeleteMessage",
    ]  # one message, one delete
    assert receiver.visibility_timeout_seconds is None  # still unknown, never read


def test_bad_retry_delays_are_refused_before_anything_happens(queue_url: str) -> None:
    receiver = SQSQueueReceiver(queue_url, wait_time_seconds=0, visibility_timeout_seconds=60)
    SQSQueueSender(queue_url).send("job")
    (message,) = receiver.receive()
    with pytest.raises(ValueError, match="retry_delay_seconds"):
        receiver.processing(message, retry_delay_seconds=-1)
    with pytest.raises(TypeError, match="retry_delay_seconds"):
        receiver.processing(message, retry_delay_seconds=1.5)  # type: ignore[arg-type]
    assert beating_threads() == []


def test_give_back_refuses_a_stranger(queue_url: str) -> None:
    SQSQueueSender(queue_url).send_batch(["a", "b"])
    receiver = SQSQueueReceiver(queue_url, wait_time_seconds=0, visibility_timeout_seconds=60)
    messages = receiver.receive(max_messages=10)
    stranger = type(messages[0])("not-a-handle", "x")
    with receiver.processing_batch(messages) as work, pytest.raises(ValueError):
        work.give_back(stranger)


@pytest.fixture
def lock(table_names: dict[str, str]) -> ReassemblyTriggeredLock:
    return ReassemblyTriggeredLock(table_names["reassembly_triggered"], owner_id="me")


def test_hold_completes_on_success(lock: ReassemblyTriggeredLock) -> None:
    lock.try_trigger("j")
    with lock.hold("j", lease_seconds=60) as lease:
        assert lease.acquired and beating_threads() == []  # the first renewal is 20 s away
    assert beating_threads() == []
    assert lease.completed
    assert not lock.try_acquire("j", owner="other")  # completed: never claimed again


@pytest.mark.parametrize("interruption", [RuntimeError("boom"), KeyboardInterrupt()])
def test_hold_releases_on_an_interruption(
    lock: ReassemblyTriggeredLock, interruption: BaseException
) -> None:
    lock.try_trigger("j")
    with pytest.raises(type(interruption)), lock.hold("j", lease_seconds=600):
        raise interruption
    assert beating_threads() == []
    assert lock.try_acquire("j", owner="other")  # released: free at once


def test_hold_of_a_missing_item_is_not_acquired_and_runs_no_beat(
    lock: ReassemblyTriggeredLock, monkeypatch: pytest.MonkeyPatch
) -> None:
    settled: list[str] = []
    monkeypatch.setattr(lock, "complete", lambda *_, **__: settled.append("complete"))
    monkeypatch.setattr(lock, "release", lambda *_, **__: settled.append("release"))
    with lock.hold("never-triggered", lease_seconds=60) as lease:
        assert not lease.acquired and beating_threads() == []
    assert not lease.completed
    assert settled == []  # a lease never acquired is neither completed nor released
    with pytest.raises(ValueError):
        lock.hold("j", lease_seconds=0)


def test_only_a_vanished_receipt_handle_counts_as_lost() -> None:
    from botocore.exceptions import ClientError

    from stereo_spot_aws_adapters.sqs import receipt_handle_gone

    def client_error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": ""}}, "ChangeMessageVisibility")

    class WrappedError(Exception):
        code = "ReceiptHandleIsInvalid"

    assert receipt_handle_gone(client_error("ReceiptHandleIsInvalid"))
    assert receipt_handle_gone(WrappedError())  # a typed error carrying the service's code
    assert not receipt_handle_gone(client_error("ThrottlingException"))
    assert not receipt_handle_gone(ConnectionError("reset"))


def test_blocks_that_end_before_their_first_beat_start_no_thread(queue_url: str) -> None:
    """A worker loop pays for a heartbeat thread only when a beat is due (one shared timer)."""
    sender = SQSQueueSender(queue_url)
    receiver = SQSQueueReceiver(queue_url, wait_time_seconds=0, visibility_timeout_seconds=60)
    threads_before = {t.ident for t in threading.enumerate()}
    started: list[str] = []
    for index in range(20):
        sender.send(f"job-{index}")
        (message,) = receiver.receive()
        with receiver.processing(message):
            started += beating_threads()
    new_threads = [t.name for t in threading.enumerate() if t.ident not in threads_before]
    assert started == []
    assert new_threads in ([], ["heartbeat-timer"])


def test_a_due_beat_starts_its_thread_and_stop_joins_it() -> None:
    from stereo_spot_shared.heartbeat import Heartbeat

    beats = threading.Event()

    def beat() -> bool:
        beats.set()
        return True

    heartbeat = Heartbeat(beat, 0.05, lifetime=60, margin=1, name="lease-renewal:'due'")
    heartbeat.start()
    assert beating_threads() == []  # not due yet
    assert beats.wait(timeout=30)
    assert beating_threads() == ["lease-renewal:'due'"]
    heartbeat.stop()
    assert beating_threads() == [] and not heartbeat.lost


def test_a_failed_beat_and_a_lost_claim_are_warnings(caplog: pytest.LogCaptureFixture) -> None:
    from stereo_spot_shared.heartbeat import Heartbeat

    outcomes: list[object] = [ConnectionError("reset by peer"), True, False]

    def beat() -> bool:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return bool(outcome)

    heartbeat = Heartbeat(
        beat, 0.01, lifetime=10, margin=1, clock=lambda: 0.0, name="lease-renewal:'job-9'"
    )
    heartbeat.confirm(0.0)
    with caplog.at_level(logging.WARNING, logger="stereo_spot_shared"):
        assert [heartbeat.beat_once() for _ in range(3)] == [True, True, False]

    assert heartbeat.lost
    records = [r for r in caplog.records if r.name == "stereo_spot_shared.heartbeat"]
    assert [r.getMessage() for r in records] == [
        "lease-renewal:'job-9': renewal failed (ConnectionError: reset by peer); "
        "trying again in 0.0 s",
        "lease-renewal:'job-9': the claim is lost (another worker may have it); stop the work",
    ]
    assert records[0].heartbeat == "lease-renewal:'job-9'"  # type: ignore[attr-defined]
    assert records[0].error_type == "ConnectionError"  # type: ignore[attr-defined]


class _RecordingReceiver:
    """A receiver that records what processing() asks of it; ``delete`` can be made to fail."""

    def __init__(self, delete_error: Exception | None = None) -> None:
        self.calls: list[tuple[str, object]] = []
        self.delete_error = delete_error

    def change_visibility(self, receipt_handle: str, seconds: int) -> None:
        self.calls.append(("change_visibility", (receipt_handle, seconds)))

    def delete(self, receipt_handle: str) -> None:
        self.calls.append(("delete", receipt_handle))
        if self.delete_error is not None:
            raise self.delete_error

    def delete_batch(self, receipt_handles: Sequence[str]) -> None:
        self.calls.append(("delete_batch", list(receipt_handles)))


def test_one_message_is_settled_with_one_delete_and_a_failure_is_still_a_batch_write_error() -> (
    None
):
    from stereo_spot_shared.errors import BatchWriteError, RejectedRequestError
    from stereo_spot_shared.interfaces import QueueMessage
    from stereo_spot_shared.processing import MessageWork

    receiver = _RecordingReceiver()
    message = QueueMessage("handle-1", "body", message_id="m-1")
    with MessageWork(receiver, message, visibility_timeout_seconds=60, handle_gone=lambda e: False):
        pass
    assert receiver.calls == [("delete", "handle-1")]  # DeleteMessage: cheaper than a batch of one

    refused = RejectedRequestError(
        "sqs:DeleteMessage was rejected (ReceiptHandleIsInvalid)",
        action="sqs:DeleteMessage",
        resource="SQS queue 'work'",
        code="ReceiptHandleIsInvalid",
    )
    failing = _RecordingReceiver(delete_error=refused)
    with (
        pytest.raises(BatchWriteError) as failed,
        MessageWork(failing, message, visibility_timeout_seconds=60, handle_gone=lambda e: False),
    ):
        pass
    assert failed.value.failed == ("handle-1",)
    assert failed.value.__cause__ is refused
    assert "1 of 1 messages were not deleted" in str(failed.value)
    assert "ReceiptHandleIsInvalid" in str(failed.value)
