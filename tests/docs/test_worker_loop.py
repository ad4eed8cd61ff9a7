"""The worker loop of docs/guides/worker-loop.md never deletes work it did not do.

The page's ``reassemble`` is taken from the page as printed and driven on the
memory backend with a fake clock through its three outcomes: the lease held by
another worker, the work done, and the work failing half way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stereo_spot_shared import (
    Adapters,
    Job,
    JobStatus,
    ObjectNotFoundError,
    QueueMessage,
    ReassemblyPayload,
    StereoMode,
    build_final_key,
)
from stereo_spot_shared.generated.memory_backend import build_adapters
from tests.docs.blocks import ROOT, blocks

PAGE = ROOT / "docs" / "guides" / "worker-loop.md"
VISIBILITY_TIMEOUT = 1800  # the schema's reassembly queue


def page_worker() -> dict[str, Any]:
    (block,) = [b for b in blocks(PAGE) if b.language == "python" and "def reassemble" in b.code]
    namespace: dict[str, Any] = {"__name__": "reassembly_worker"}
    exec(compile(block.code, block.where, "exec"), namespace)
    return namespace


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def adapters(clock: Clock) -> Adapters:
    bundle = build_adapters(wait_time_seconds=0, clock=clock)
    page_worker()["seed"](bundle)  # job-1 free, job-2 leased by "another-worker"
    return bundle


def received(adapters: Adapters, job_id: str) -> QueueMessage:
    for message in adapters.reassembly_receiver.receive(max_messages=10):
        if ReassemblyPayload.model_validate_json(message.body).job_id == job_id:
            return message
    raise AssertionError(f"no message for {job_id}")


def queued_jobs(adapters: Adapters) -> list[str]:
    messages = adapters.reassembly_receiver.receive(max_messages=10)
    return sorted(ReassemblyPayload.model_validate_json(m.body).job_id for m in messages)


def test_a_lease_held_elsewhere_leaves_the_message_and_writes_nothing(
    adapters: Adapters, clock: Clock
) -> None:
    reassemble: Callable[[Adapters, QueueMessage], str] = page_worker()["reassemble"]
    message = received(adapters, "job-2")

    assert "left in the queue" in reassemble(adapters, message)

    assert not adapters.objects.exists(adapters.output_bucket, build_final_key("job-2"))
    job = adapters.jobs.get("job-2")
    assert job is not None and job.status is JobStatus.CHUNKING_COMPLETE
    clock.now += VISIBILITY_TIMEOUT + 1
    assert queued_jobs(adapters) == ["job-1", "job-2"]  # job-2's message was not deleted


def test_done_work_deletes_its_message_and_completes_the_lease(
    adapters: Adapters, clock: Clock
) -> None:
    reassemble = page_worker()["reassemble"]
    message = received(adapters, "job-1")

    assert "message deleted" in reassemble(adapters, message)

    final = adapters.objects.download(adapters.output_bucket, build_final_key("job-1"))
    assert final == b"<job-1 part 0><job-1 part 1>"
    job = adapters.jobs.get("job-1")
    assert job is not None and job.status is JobStatus.COMPLETED
    clock.now += VISIBILITY_TIMEOUT + 1
    assert queued_jobs(adapters) == ["job-2"]  # job-1's message is gone for good
    assert not adapters.reassembly_triggered.try_acquire("job-1", owner="late-worker")


def test_failed_work_gives_the_message_and_the_lease_back_at_once(adapters: Adapters) -> None:
    reassemble = page_worker()["reassemble"]
    adapters.objects.delete(adapters.output_bucket, "jobs/job-1/segments/1.mp4")
    message = received(adapters, "job-1")

    with pytest.raises(ObjectNotFoundError):
        reassemble(adapters, message)

    assert queued_jobs(adapters) == ["job-1"]  # visible again without waiting the timeout
    assert adapters.reassembly_triggered.try_acquire("job-1", owner="next-worker")
    job = adapters.jobs.get("job-1")
    assert job == Job(
        job_id="job-1", mode=StereoMode.SBS, status=JobStatus.CHUNKING_COMPLETE, total_segments=2
    )
