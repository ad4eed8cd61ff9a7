"""Heartbeats, held leases, poison messages and dead letters, over HTTP against moto's server.

Visibility timeouts and leases are a few seconds long so every test finishes
quickly; each asserts who saw which message and what is stored, never how long
anything took.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import pytest
from fixtures import deployment

from stereo_spot_aws_adapters import SQSQueueReceiver, SQSQueueSender
from stereo_spot_aws_adapters.devtools.cli import main as cli
from stereo_spot_aws_adapters.env_config import (
    VIDEO_WORKER_QUEUE_URL,
    reassembly_triggered_lock_from_env,
    segment_completion_store_from_env,
)
from stereo_spot_aws_adapters.sqs import ENCODING_ATTRIBUTE
from stereo_spot_shared.errors import MalformedEventError
from stereo_spot_shared.interfaces import QueueMessage
from stereo_spot_shared.leases import LeaseTiming
from stereo_spot_shared.models import SegmentCompletion

pytestmark = [pytest.mark.integration, pytest.mark.slow]

__all__ = ["deployment"]  # the imported fixture is used by name

VISIBILITY = 2  # seconds: the queue's visibility timeout in these tests
LEASE = 3  # seconds: a renewal may take up to 1.5 s on a loaded 2-core CI before the margin
TIMING = LeaseTiming(margin_seconds=0.5, tolerated_skew_seconds=0)  # for three-second leases


def short_leases(lock: Any) -> Any:
    """A lock whose margin fits LEASE and whose takeovers trust the clocks of one machine."""
    lock.lease_timing = TIMING
    return lock


T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, within: float) -> T | None:
    """Poll ``probe`` until it returns something other than None, or give up (returns None)."""
    deadline = time.monotonic() + within
    while True:
        found = probe()
        if found is not None or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def queue_url(env: dict[str, str]) -> str:
    return env[VIDEO_WORKER_QUEUE_URL.name]


def set_queue(env: dict[str, str], **attributes: str) -> None:
    boto3.client("sqs").set_queue_attributes(QueueUrl=queue_url(env), Attributes=attributes)


def receiver(env: dict[str, str], **options: Any) -> SQSQueueReceiver:
    return SQSQueueReceiver(
        queue_url(env), wait_time_seconds=0, visibility_timeout_seconds=VISIBILITY, **options
    )


def receive_one(queue: SQSQueueReceiver) -> QueueMessage | None:
    messages = queue.receive()
    return messages[0] if messages else None


@pytest.fixture
def short_queue(deployment: dict[str, str]) -> dict[str, str]:
    """The video-worker queue with a VISIBILITY-second timeout and no redrive."""
    set_queue(deployment, VisibilityTimeout=str(VISIBILITY), RedrivePolicy="")
    return deployment


# --------------------------------------------------------------------------- heartbeats


def test_with_the_heartbeat_only_the_worker_sees_the_message(short_queue: dict[str, str]) -> None:
    SQSQueueSender(queue_url(short_queue)).send("segment-7")
    worker, rival = receiver(short_queue), receiver(short_queue)
    message = receive_one(worker)
    assert message is not None

    rival_saw: list[QueueMessage] = []
    with worker.processing(message) as work:
        deadline = time.monotonic() + 3 * VISIBILITY
        while time.monotonic() < deadline:  # the work: three visibility timeouts long
            rival_saw += rival.receive()
            time.sleep(0.25)
        assert not work.lost

    assert rival_saw == []
    time.sleep(VISIBILITY + 0.5)
    assert rival.receive() == []  # deleted on success, not merely hidden


def test_without_the_heartbeat_a_second_worker_gets_it(short_queue: dict[str, str]) -> None:
    SQSQueueSender(queue_url(short_queue)).send("segment-7")
    worker, rival = receiver(short_queue), receiver(short_queue)
    message = receive_one(worker)
    assert message is not None

    stolen = eventually(lambda: receive_one(rival), within=3 * VISIBILITY)

    assert stolen is not None and stolen.message_id == message.message_id
    assert stolen.receive_count == 2


def test_a_failing_block_makes_the_message_visible_at_once_and_raises(
    short_queue: dict[str, str],
) -> None:
    set_queue(short_queue, VisibilityTimeout="600")  # only the failure can make it visible
    SQSQueueSender(queue_url(short_queue)).send("segment-7")
    worker = SQSQueueReceiver(queue_url(short_queue), wait_time_seconds=0)
    message = receive_one(worker)
    assert message is not None

    with pytest.raises(RuntimeError, match="gpu fell over"), worker.processing(message):
        raise RuntimeError("gpu fell over")

    retried = receive_one(worker)
    assert retried is not None and retried.message_id == message.message_id


def test_work_is_lost_when_the_receipt_handle_stops_working(
    short_queue: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    SQSQueueSender(queue_url(short_queue)).send("segment-7")
    worker = receiver(short_queue)
    message = receive_one(worker)
    assert message is not None

    with (
        caplog.at_level(logging.WARNING, logger="stereo_spot_shared"),
        worker.processing(message) as work,
    ):
        worker.delete(message.receipt_handle)  # someone else finished it meanwhile
        assert eventually(lambda: True if work.lost else None, within=3 * VISIBILITY)
    # One event, one WARNING: the message that was lost, by id (the beat stopping adds none).
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        f"message {message.message_id} lost: its receipt handle no longer works "
        "(redelivered or deleted elsewhere); it is left alone"
    ]


def test_a_batch_is_held_and_one_message_can_be_given_back(short_queue: dict[str, str]) -> None:
    SQSQueueSender(queue_url(short_queue)).send_batch([f"segment-{n}" for n in range(4)])
    worker, rival = receiver(short_queue), receiver(short_queue)
    held: list[QueueMessage] = []
    while len(held) < 4:
        batch = worker.receive(max_messages=10)
        assert batch, "the four messages should all be receivable"
        held += batch

    rival_saw: list[str] = []
    with worker.processing_batch(held) as work:
        work.give_back(next(m for m in held if m.body == "segment-2"))
        # Visible at once: seen before any extension could lapse (each beat extends it
        # by VISIBILITY, every VISIBILITY / 3), so a give_back that only stops extending fails.
        before_any_lapse = time.monotonic() + VISIBILITY / 2
        while not rival_saw and time.monotonic() < before_any_lapse:
            for message in rival.receive(max_messages=10):
                rival_saw.append(str(message.body))
                rival.delete(message.receipt_handle)
        assert rival_saw == ["segment-2"], "given back, visible before its timeout lapsed"
        deadline = time.monotonic() + 3 * VISIBILITY
        while time.monotonic() < deadline:
            for message in rival.receive(max_messages=10):
                rival_saw.append(str(message.body))
                rival.delete(message.receipt_handle)
            time.sleep(0.25)
        assert work.lost == []

    assert rival_saw == ["segment-2"]  # the others stayed hidden
    time.sleep(VISIBILITY + 0.5)
    assert rival.receive(max_messages=10) == []  # and were deleted on success


def convert_segment_then_hang(ready: Any) -> None:
    """A video worker that takes the message and is killed before finishing."""
    queue = SQSQueueReceiver(
        os.environ[VIDEO_WORKER_QUEUE_URL.name],
        wait_time_seconds=0,
        visibility_timeout_seconds=VISIBILITY,
    )
    message = None
    while message is None:
        messages = queue.receive()
        message = messages[0] if messages else None
    with queue.processing(message):
        ready.put(message.message_id)
        time.sleep(600)  # SIGKILLed long before this ends


def test_a_killed_worker_s_message_is_completed_once_by_another(
    short_queue: dict[str, str],
) -> None:
    SQSQueueSender(queue_url(short_queue)).send(json.dumps({"job_id": "j", "segment_index": 0}))
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Queue()
    doomed = spawn.Process(target=convert_segment_then_hang, args=(ready,))
    doomed.start()
    try:
        taken = ready.get(timeout=60)
    finally:
        if doomed.pid is not None:
            os.kill(doomed.pid, signal.SIGKILL)
        doomed.join(timeout=30)
    assert doomed.exitcode == -signal.SIGKILL

    survivor = receiver(short_queue)
    message = eventually(lambda: receive_one(survivor), within=5 * VISIBILITY)
    assert message is not None and message.message_id == taken
    completions = segment_completion_store_from_env()
    with survivor.processing(message):
        body = json.loads(message.body)
        completions.put(
            SegmentCompletion(
                job_id=body["job_id"],
                segment_index=body["segment_index"],
                output_s3_uri="s3://out/j/0.mp4",
                completed_at=1,
            )
        )

    time.sleep(VISIBILITY + 0.5)
    assert survivor.receive() == []
    assert [c.segment_index for c in completions.query_by_job("j")] == [0]


# --------------------------------------------------------------------------- leases


def test_a_held_lease_is_never_taken_over(deployment: dict[str, str]) -> None:
    lock = short_leases(reassembly_triggered_lock_from_env())
    rival = short_leases(reassembly_triggered_lock_from_env())
    assert lock.try_trigger("job-long")
    rival_won: list[bool] = []

    with lock.hold("job-long", lease_seconds=LEASE) as lease:
        assert lease.acquired
        deadline = time.monotonic() + 3 * LEASE
        while time.monotonic() < deadline:  # reassembly: three leases long
            rival_won.append(rival.try_acquire("job-long", lease_seconds=LEASE))
            time.sleep(0.25)
        assert not lease.lost

    assert rival_won and not any(rival_won)
    assert lease.completed
    time.sleep(LEASE + 1)
    assert not rival.try_acquire("job-long")  # completed: never claimed again


def test_a_lease_held_elsewhere_is_reported_not_taken(deployment: dict[str, str]) -> None:
    lock = short_leases(reassembly_triggered_lock_from_env())
    rival = short_leases(reassembly_triggered_lock_from_env())
    lock.try_trigger("job-1")
    assert rival.try_acquire("job-1", lease_seconds=600)

    ran = False
    with lock.hold("job-1", lease_seconds=LEASE) as lease:
        if lease.acquired:
            ran = True
    assert not lease.acquired and not ran
    assert not lock.try_acquire("job-1")  # the rival still holds it


def test_a_failed_block_releases_the_lease_for_a_retry(deployment: dict[str, str]) -> None:
    lock = short_leases(reassembly_triggered_lock_from_env())
    rival = short_leases(reassembly_triggered_lock_from_env())
    lock.try_trigger("job-1")

    with pytest.raises(OSError, match="disk full"), lock.hold("job-1", lease_seconds=600):
        raise OSError("disk full")

    assert rival.try_acquire("job-1")  # released: no need to wait 600 s


def test_a_lease_taken_over_is_reported_lost(
    deployment: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    lock = short_leases(reassembly_triggered_lock_from_env())
    lock.try_trigger("job-1")
    caplog.set_level(logging.WARNING)
    with lock.hold("job-1", lease_seconds=LEASE) as lease:
        # Another owner takes the item over (as after an expiry it would).
        boto3.client("dynamodb").update_item(
            TableName=deployment["REASSEMBLY_TRIGGERED_TABLE_NAME"],
            Key={"job_id": {"S": "job-1"}},
            UpdateExpression="SET lease_owner = :other",
            ExpressionAttributeValues={":other": {"S": "someone-else"}},
        )
        assert eventually(lambda: True if lease.lost else None, within=3 * LEASE)
    assert not lease.completed
    # One event, one WARNING: the heartbeat that stopped, naming the lease.
    [lost] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert lost.name == "stereo_spot_shared.heartbeat"
    # Refused by the next renewal, or -- on a loaded machine -- its deadline passed first.
    assert lost.getMessage() in {
        f"lease-renewal:'job-1' (table_name={lock.table_name!r}, lease_key='job-1', "
        f"owner={lease.owner!r}): the claim is lost ({why}); stop the work"
        for why in ("another worker may have it", "no renewal was confirmed before its deadline")
    }
    assert (lost.table_name, lost.lease_key, lost.owner) == (  # type: ignore[attr-defined]
        lock.table_name,
        "job-1",
        lease.owner,
    )


def hold_then_hang(ready: Any) -> None:
    lock = short_leases(reassembly_triggered_lock_from_env())
    with lock.hold("job-killed", lease_seconds=LEASE) as lease:
        ready.put(lease.acquired)
        time.sleep(600)


def test_a_killed_holder_s_lease_is_taken_over_after_expiry(deployment: dict[str, str]) -> None:
    rival = short_leases(reassembly_triggered_lock_from_env())
    rival.try_trigger("job-killed")
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Queue()
    holder = spawn.Process(target=hold_then_hang, args=(ready,))
    holder.start()
    try:
        assert ready.get(timeout=60) is True
        assert not rival.try_acquire("job-killed", lease_seconds=LEASE)
    finally:
        if holder.pid is not None:
            os.kill(holder.pid, signal.SIGKILL)
        holder.join(timeout=30)

    won = eventually(
        lambda: True if rival.try_acquire("job-killed", lease_seconds=LEASE) else None,
        within=4 * LEASE,
    )
    assert won


# --------------------------------------------------------------------------- poison messages


@pytest.fixture
def redriving_queue(deployment: dict[str, str]) -> dict[str, str]:
    """The video-worker queue: 1-second visibility, dead letters after 2 receives."""
    sqs = boto3.client("sqs")
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=queue_url(deployment), AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
    )
    policy["maxReceiveCount"] = 2
    set_queue(deployment, VisibilityTimeout="1", RedrivePolicy=json.dumps(policy))
    return deployment


def test_a_message_failing_max_receive_count_times_is_dead_lettered_and_redriven(
    redriving_queue: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    SQSQueueSender(queue_url(redriving_queue)).send(b"\x00poison\xff")
    worker = SQSQueueReceiver(queue_url(redriving_queue), wait_time_seconds=0)
    failures = 0
    ids = set()
    for _ in range(2):
        message = eventually(lambda: receive_one(worker), within=5)
        assert message is not None
        ids.add(message.message_id)
        with pytest.raises(ValueError), worker.processing(message):
            failures += 1
            raise ValueError("cannot convert")
    assert failures == 2
    assert worker.receive() == []  # the third receive moved it to the dead-letter queue

    assert cli(["dlq", "video_worker", "--wait", "0"]) == 0
    listed = capsys.readouterr().out
    (message_id,) = ids
    # Its id, the receives so far (listing is a receive too) and the body as it travels.
    assert f"{message_id}  receives=3" in listed and "body='AHBvaXNvbv8='" in listed
    assert "1 dead letter(s)" in listed
    assert cli(["dlq", "video_worker", "--wait", "0"]) == 0  # listing left it in place
    assert "1 dead letter(s)" in capsys.readouterr().out

    assert cli(["dlq", "video_worker", "--redrive", "--wait", "0"]) == 0
    assert "1 message(s) moved" in capsys.readouterr().out
    back = eventually(lambda: receive_one(worker), within=5)
    assert back is not None and back.body == b"\x00poison\xff"  # bytes survive, marker and all
    worker.delete(back.receipt_handle)
    assert cli(["dlq", "video_worker", "--wait", "0"]) == 0
    assert "0 dead letter(s)" in capsys.readouterr().out


def test_a_batch_with_one_bad_message_delivers_the_good_ones(
    redriving_queue: dict[str, str],
) -> None:
    url = queue_url(redriving_queue)
    SQSQueueSender(url).send_batch(["good-1", "good-2", "good-3"])
    boto3.client("sqs").send_message(
        QueueUrl=url,
        MessageBody="x",
        MessageAttributes={ENCODING_ATTRIBUTE: {"DataType": "String", "StringValue": "rot13"}},
    )
    skipped: list[tuple[str, MalformedEventError]] = []
    worker = SQSQueueReceiver(
        url,
        wait_time_seconds=0,
        on_malformed=lambda message_id, error: skipped.append((message_id, error)),
    )

    delivered: list[str] = []
    deadline = time.monotonic() + 20
    while (len(delivered) < 3 or not skipped) and time.monotonic() < deadline:
        batch = worker.receive(max_messages=10)
        with worker.processing_batch(batch):
            delivered += [str(m.body) for m in batch]

    assert sorted(delivered) == ["good-1", "good-2", "good-3"]
    assert skipped and "rot13" in str(skipped[0][1])
    dlq = boto3.client("sqs").get_queue_url(QueueName="it-video-worker-dlq")["QueueUrl"]

    def dead_lettered() -> list[str] | None:
        worker.receive(max_messages=10)  # receives are what move it
        bodies = [
            m["Body"]
            for m in boto3.client("sqs")
            .receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0)
            .get("Messages", [])
        ]
        return bodies or None

    assert eventually(dead_lettered, within=10) == ["x"]
