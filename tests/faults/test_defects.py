"""Issue 21's eight defects, one test each; every one failed on main (02db279).

Memory-backend tests drive the backend's one clock by hand; the fork tests
need a real server (a forked child shares nothing in memory with its parent).
"""

from __future__ import annotations

import copy
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from stereo_spot_aws_adapters import (
    ReassemblyTriggeredLock,
    SQSQueueReceiver,
    SQSQueueSender,
)
from stereo_spot_shared import errors
from stereo_spot_shared.errors import InvalidArgumentError
from stereo_spot_shared.generated.memory_backend import build_adapters
from stereo_spot_shared.models import Job
from tests.faults.conftest import Endpoint

NOW = 1_800_000_000


class FakeClock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def memory(clock: FakeClock) -> Any:
    return build_adapters(wait_time_seconds=0, clock=clock)


def silence(target: object, *names: str) -> None:
    """Every call of these methods now fails the way a request to a silent endpoint does."""

    def no_answer(*args: object, **kwargs: object) -> object:
        raise ConnectionError("read timed out")

    for name in names:
        if hasattr(target, name):
            setattr(target, name, no_answer)


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# 1. A silent endpoint makes two holders (hold and processing).


def test_1_a_silent_endpoint_ends_the_hold_before_another_worker_acquires(
    memory: Any, clock: FakeClock
) -> None:
    lock = memory.reassembly_triggered
    rival = copy.copy(lock)
    rival.owner_id = "rival"
    assert lock.try_trigger("job-1")
    with lock.hold("job-1", lease_seconds=60) as lease:
        assert lease.acquired
        silence(lock, "renew", "renew_token")
        clock.now += 3 * 60  # three leases without an answer
        assert rival.try_acquire("job-1") is True
        assert lease.lost, "the holder must know by its deadline, not by an answer"


def test_1_a_silent_endpoint_ends_processing_before_another_worker_receives(
    memory: Any, clock: FakeClock
) -> None:
    memory.reassembly_sender.send("job-1")
    receiver = memory.reassembly_receiver
    (message,) = receiver.receive()
    with receiver.processing(message) as work:
        silence(receiver, "change_visibility")
        clock.now += receiver.visibility_timeout_seconds + 1
        assert [m.message_id for m in copy.copy(receiver).receive()] == [message.message_id]
        assert work.lost, "the message is lost by its deadline"


# 2. Forked processes (and threads) share one owner id.


def test_2_a_forked_child_and_each_hold_block_are_owners_of_their_own(memory: Any) -> None:
    lock = memory.reassembly_triggered
    assert lock.try_trigger("job-2")
    first, second = lock.hold("job-2", lease_seconds=60), lock.hold("job-2", lease_seconds=60)
    assert first.owner != second.owner, "two blocks on one lock object are two owners"

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(write, lock.owner_id.encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    child_owner = os.read(read, 1000).decode()
    os.close(read)
    assert child_owner and child_owner != lock.owner_id


# 3. A forked child runs the exit of its parent's block.


@pytest.fixture
def server_adapters(fault_endpoint: Endpoint) -> Iterator[dict[str, Any]]:
    tables = fault_endpoint.tables
    url = fault_endpoint.server
    yield {
        "lock": ReassemblyTriggeredLock(
            tables["REASSEMBLY_TRIGGERED_TABLE_NAME"], endpoint_url=url
        ),
        "rival": ReassemblyTriggeredLock(
            tables["REASSEMBLY_TRIGGERED_TABLE_NAME"], endpoint_url=url, owner_id="rival"
        ),
        "sender": SQSQueueSender(tables["REASSEMBLY_QUEUE_URL"], endpoint_url=url),
        "receiver": SQSQueueReceiver(
            tables["REASSEMBLY_QUEUE_URL"],
            endpoint_url=url,
            wait_time_seconds=0,
            visibility_timeout_seconds=60,
        ),
    }


def test_3_a_forked_child_leaving_a_hold_block_does_not_release_the_lease(
    server_adapters: dict[str, Any],
) -> None:
    lock, rival = server_adapters["lock"], server_adapters["rival"]
    job_id = f"job-3-{os.getpid()}-{time.monotonic_ns()}"
    assert lock.try_trigger(job_id)
    parent = os.getpid()
    try:
        with lock.hold(job_id, lease_seconds=60) as lease:
            assert lease.acquired
            child = os.fork()
            if child == 0:
                sys.exit(0)  # the child leaves its parent's block
            os.waitpid(child, 0)
            assert rival.try_acquire(job_id) is False, "the child released the parent's lease"
    finally:
        if os.getpid() != parent:
            os._exit(0)
    assert lease.completed


def test_3_a_forked_child_leaving_processing_does_not_show_the_message(
    server_adapters: dict[str, Any],
) -> None:
    sender, receiver = server_adapters["sender"], server_adapters["receiver"]
    while receiver.receive(max_messages=10):  # an empty queue for this test
        pass
    sender.send("job-3")
    (message,) = receiver.receive()
    parent = os.getpid()
    try:
        with receiver.processing(message):
            child = os.fork()
            if child == 0:
                sys.exit(0)  # the child leaves its parent's block
            os.waitpid(child, 0)
            assert receiver.receive() == [], "the child made the parent's message visible"
    finally:
        if os.getpid() != parent:
            os._exit(0)


# 4. An expired trigger marker is claimable, and a second try_trigger wipes a live lease.


def test_4_an_expired_marker_is_absent_for_try_acquire(memory: Any, clock: FakeClock) -> None:
    lock = memory.reassembly_triggered
    assert lock.try_trigger("job-4", ttl_seconds=60)
    clock.now += 61
    assert lock.try_acquire("job-4") is False


def test_4_try_trigger_never_wipes_a_live_lease(memory: Any, clock: FakeClock) -> None:
    lock = memory.reassembly_triggered
    rival = copy.copy(lock)
    rival.owner_id = "rival"
    assert lock.try_trigger("job-4", ttl_seconds=60)
    assert lock.try_acquire("job-4", lease_seconds=600)
    clock.now += 61  # the marker expired; the lease has 539 s left
    assert lock.try_trigger("job-4", ttl_seconds=60) is False
    assert rival.try_acquire("job-4") is False
    assert lock.renew("job-4", lease_seconds=600) is True


# 5. Clock skew: a fast clock takes over a lease acquired moments earlier.


def test_5_a_clock_fast_within_the_tolerance_never_takes_over(memory: Any) -> None:
    lock = memory.reassembly_triggered
    fast = copy.copy(lock)
    fast.owner_id = "fast"
    lock.clock = lambda: NOW
    fast.clock = lambda: NOW + 30 + 60  # past the expiry by the schema's tolerated 60 s
    assert lock.try_trigger("job-5")
    assert lock.try_acquire("job-5", lease_seconds=30)
    assert fast.try_acquire("job-5") is False


def test_5_past_the_tolerance_the_zombies_writes_are_refused_and_nothing_is_written(
    memory: Any,
) -> None:
    lock = memory.reassembly_triggered
    fast = copy.copy(lock)
    fast.owner_id = "fast"
    fast.clock = lambda: NOW + 1000  # 1,000 s fast: beyond any tolerance
    lock.clock = lambda: NOW
    memory.jobs.put(Job(job_id="job-5", mode="anaglyph", status="created", created_at=NOW))
    assert lock.try_trigger("job-5")
    with lock.hold("job-5", lease_seconds=900) as lease:
        assert lease.acquired and lease.token is not None
        assert fast.try_acquire("job-5") is True  # the skew is beyond what the schema tolerates
        with pytest.raises(errors.LeaseLostError):
            memory.jobs.update("job-5", failure_reason="zombie", fence=lease)
        assert memory.jobs.get("job-5").failure_reason is None, "nothing was written"
        assert lock.complete("job-5", owner=lease.owner, token=lease.token) is False


# 6. A queue whose VisibilityTimeout is 0.


def test_6_a_queue_with_visibility_timeout_0_never_re_exposes_a_held_message(aws: None) -> None:
    # Receivers never read the queue's timeout (sqs:GetQueueAttributes is in no policy):
    # without the schema's, processing() hides the message for its own window first.
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="zero", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    SQSQueueSender(url).send("job-6")
    receiver = SQSQueueReceiver(url, wait_time_seconds=0)
    rival = SQSQueueReceiver(url, wait_time_seconds=0)
    (message,) = receiver.receive()
    with receiver.processing(message) as work:
        assert rival.receive() == [], "the held message was shown to another worker"
        assert not work.lost
    # A timeout of 0 given as the queue's is refused before any request.
    with pytest.raises(InvalidArgumentError, match="visibility_timeout_seconds"):
        SQSQueueReceiver(url, wait_time_seconds=0, visibility_timeout_seconds=0)


# 7. An out-of-range lease_seconds.


def test_7_an_out_of_range_lease_is_refused_before_any_request(memory: Any) -> None:
    lock = memory.reassembly_triggered
    assert lock.try_trigger("job-7")
    for seconds in (10**11, 0):
        with pytest.raises(InvalidArgumentError, match="lease_seconds"):
            lock.hold("job-7", lease_seconds=seconds)
        with pytest.raises(InvalidArgumentError, match="lease_seconds"):
            lock.try_acquire("job-7", lease_seconds=seconds)
    assert lock.try_acquire("job-7", lease_seconds=60), "nothing was claimed"


# 8. A stale receipt handle: detection must not depend on the endpoint refusing it.


def test_8_a_redelivered_message_is_lost_by_deadline_and_never_deleted_with_its_old_handle(
    aws: None,
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="stale", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    SQSQueueSender(url).send("job-8")
    # The queue's timeout as env_config passes it (the schema's).
    holder = SQSQueueReceiver(url, wait_time_seconds=0, visibility_timeout_seconds=2)
    rival = SQSQueueReceiver(url, wait_time_seconds=0)
    (message,) = holder.receive()
    with holder.processing(message) as work:
        silence(holder, "change_visibility")  # the extensions never arrive
        assert wait_until(lambda: bool(rival.receive()), timeout=10), "redelivered to the rival"
        assert work.lost
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert left["ApproximateNumberOfMessagesNotVisible"] == "1", "the rival's message survives"
